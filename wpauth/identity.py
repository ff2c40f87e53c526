"""The caller as WordPress knows them."""

from dataclasses import dataclass
from typing import Any


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
    def from_wordpress(cls, user: Any) -> "WordPressUser":
        """From wp-python's `users/me?context=edit` user."""
        return cls(
            id=user.id,
            slug=user.slug,
            login=user.username,
            email=user.email,
            display_name=user.name,
            roles=tuple(user.roles),
        )
