"""The admin's Django authentication backend: staff login asked of WordPress.
(The API checks its callers with `credentials.verify`, through `registry_api.auth`.)"""

import logging
from enum import Enum

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User

from .client import fetch_current_user
from .errors import (
    CredentialsRefused,
    PermissionRefused,
    WordPressBadResponse,
    WordPressRefusal,
    WordPressUnavailable,
)
from .identity import WordPressUser

logger = logging.getLogger(__name__)


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


def wordpress_administrator(login: str, password: str) -> WordPressUser:
    """The WordPress administrator these credentials belong to, asked of WordPress
    itself every time (never the API's credential cache: a revoked password or a
    demotion counts at once). Raises AdminRefused otherwise."""
    try:
        user = fetch_current_user(login, password)
    except (CredentialsRefused, PermissionRefused):
        raise AdminRefused(Refusal.CREDENTIALS) from None
    except (WordPressRefusal, WordPressBadResponse, WordPressUnavailable) as exc:
        logger.warning("WordPress could not verify an admin login: %s", exc)
        raise AdminRefused(Refusal.UNAVAILABLE) from exc
    if not user.is_admin:
        raise AdminRefused(Refusal.NOT_ADMINISTRATOR)
    return user


class WordPressStaffBackend(ModelBackend):
    """Admin login: a WordPress administrator gets a local staff user.

    The local user mirrors the WordPress account (created or updated at each
    login, no usable password stored). It is staff, never superuser, and has no
    permissions of its own: the admin's ReadOnlyModelAdmin lets staff view and
    nobody change anything. Anyone else is refused with AdminRefused, which
    `django.contrib.auth.authenticate()` lets through to the login form (which
    says why); the refusal is logged without the password.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        try:
            wordpress_user = wordpress_administrator(username, password)
        except AdminRefused as refused:
            logger.warning("admin login refused for %r: %s", username, refused.reason.value)
            raise
        user = self.configure_user(request, wordpress_user)
        if request is not None:
            # For the admin session (wpgateway.admin_session), which keeps its re-check key.
            request.wordpress_login = (wordpress_user, password)
        return user

    def configure_user(self, request, wordpress_user: WordPressUser):
        user, _ = User.objects.get_or_create(username=wordpress_user.login)
        user.email = wordpress_user.email
        user.first_name = wordpress_user.display_name[:150]
        user.is_staff = user.is_active = True
        # Also for local users that earlier versions made superusers, or an operator gave a password.
        user.is_superuser = False
        user.set_unusable_password()
        user.save()
        return user
