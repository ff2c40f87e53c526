"""The caller as WordPress knows them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class WordPressUser:
    """A WordPress account verified through `users/me`; never stored locally."""

    id: int
    slug: str
    login: str
    email: str
    display_name: str
    roles: tuple[str, ...] = ()

    # Enough of Django's user protocol for code that checks any user.
    is_authenticated = True
    is_anonymous = False
    is_active = True

    @property
    def is_admin(self) -> bool:
        # Only the administrator role counts (editors are not admins).
        return "administrator" in self.roles

    @classmethod
    def from_wordpress(cls, data: object) -> "WordPressUser":
        """Build from a `users/me?context=edit` body; ValueError if it is not one.

        Tolerates what real sites send: `"meta": []`, missing optional keys,
        roles as null.
        """
        if not isinstance(data, dict) or isinstance(data.get("id"), bool):
            raise ValueError("users/me did not answer with a user object")
        try:
            user_id = int(data["id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError("users/me answered without a numeric id") from exc
        roles = data.get("roles")
        return cls(
            id=user_id,
            slug=str(data.get("slug") or ""),
            login=str(data.get("username") or ""),
            email=str(data.get("email") or ""),
            display_name=str(data.get("name") or ""),
            roles=tuple(str(role) for role in roles) if isinstance(roles, list) else (),
        )
