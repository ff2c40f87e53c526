"""The caller as WordPress knows them."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WordPressUser:
    """A WordPress account verified through `users/me`; never stored locally."""

    id: int
    slug: str
    login: str
    email: str
    display_name: str
    roles: tuple[str, ...] = ()
    capabilities: dict[str, bool] = field(default_factory=dict, hash=False)

    # Enough of Django's user protocol for request.auth and permission checks.
    is_authenticated = True
    is_anonymous = False
    is_active = True

    @property
    def pk(self) -> int:
        return self.id

    @property
    def username(self) -> str:
        """The v1.0.x `username`: the WordPress slug, or the login when the slug is empty."""
        return self.slug or self.login

    @property
    def is_admin(self) -> bool:
        # Only the administrator role counts (editors are not admins).
        return "administrator" in self.roles

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def has_capability(self, capability: str) -> bool:
        return bool(self.capabilities.get(capability, False))

    @classmethod
    def from_wordpress(cls, data: object) -> "WordPressUser":
        """Build from a `users/me?context=edit` body; ValueError if it is not one.

        Tolerates what real sites send: `"meta": []`, missing optional keys,
        capabilities as a list (PHP's empty array).
        """
        if not isinstance(data, dict) or isinstance(data.get("id"), bool):
            raise ValueError("users/me did not answer with a user object")
        try:
            user_id = int(data["id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError("users/me answered without a numeric id") from exc
        roles = data.get("roles")
        capabilities = data.get("capabilities")
        return cls(
            id=user_id,
            slug=str(data.get("slug") or ""),
            login=str(data.get("username") or ""),
            email=str(data.get("email") or ""),
            display_name=str(data.get("name") or ""),
            roles=tuple(str(role) for role in roles) if isinstance(roles, list) else (),
            capabilities=(
                {str(k): bool(v) for k, v in capabilities.items()} if isinstance(capabilities, dict) else {}
            ),
        )
