"""Who may use the admin: WordPress administrators, asked of WordPress afresh at
each login and re-check (a revoked password or a demotion counts at once), each
mirrored by a local staff user for the admin's session."""

from enum import Enum
from typing import Any

from core.errors import WordPressUnavailable

from .backends import WordPressBackend
from .identity import WordPressUser


class Refusal(Enum):
    """Why WordPress did not vouch for an administrator."""

    CREDENTIALS = "WordPress refused the login and password"  # wrong, revoked, or not an application password
    NOT_ADMINISTRATOR = "not a WordPress administrator"
    UNAVAILABLE = "WordPress is unavailable"


class AdminRefused(Exception):
    """The admin is refused to someone, for `reason`. It knows nothing of HTTP or forms."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


def wordpress_administrator(request: Any, login: str, password: str) -> WordPressUser:
    """The WordPress administrator these credentials belong to, or AdminRefused."""
    try:
        user = WordPressBackend().authenticate(request, username=login, password=password, fresh=True)
    except WordPressUnavailable:
        reason = Refusal.UNAVAILABLE
    else:
        if user is not None and user.is_admin:
            return user
        reason = Refusal.CREDENTIALS if user is None else Refusal.NOT_ADMINISTRATOR
    raise AdminRefused(reason)


def staff_user(wordpress_user: WordPressUser) -> Any:
    """The local staff user mirroring a WordPress administrator, created or updated
    now: no usable password, never superuser, no permissions of its own (the
    admin's ReadOnlyModelAdmin lets staff view and nobody change anything)."""
    from django.contrib.auth.models import User  # installed with the admin only

    user, _ = User.objects.get_or_create(username=wordpress_user.login)
    user.email = wordpress_user.email
    user.first_name = wordpress_user.display_name[:150]
    # Django's user has no field for it: the WordPress id, by which the purchase
    # ledger names buyers (items.admin), in last_name, which no screen shows.
    user.last_name = str(wordpress_user.id)
    user.is_staff = user.is_active = True
    user.is_superuser = False  # also for users earlier versions made superusers
    user.set_unusable_password()
    user.save()
    return user
