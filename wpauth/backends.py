"""Django authentication backends that ask WordPress, shaped like RemoteUserBackend."""

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend, ModelBackend

from .credentials import verify
from .errors import WordPressUnavailable
from .identity import WordPressUser

logger = logging.getLogger(__name__)


class WordPressBackend(BaseBackend):
    """A WordPress login and application password → the WordPress user.

    The API uses it for every request (through `wpauth.security`); nothing is
    stored, so `get_user()` has nothing to restore from a session.
    """

    def authenticate(self, request, username=None, password=None, **kwargs) -> WordPressUser | None:
        if username is None or password is None:
            return None
        return verify(username, password)

    def get_user(self, user_id):
        return None


class WordPressStaffBackend(ModelBackend, WordPressBackend):
    """Admin login: a WordPress administrator gets a local staff user.

    The local user mirrors the WordPress account (created or updated at each
    login, no usable password stored); anyone else is refused.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        try:
            wordpress_user = WordPressBackend.authenticate(self, request, username, password)
        except WordPressUnavailable:
            logger.warning("admin login refused: WordPress is unavailable")
            return None
        if wordpress_user is None or not wordpress_user.is_admin:
            return None
        return self.configure_user(request, wordpress_user)

    def configure_user(self, request, wordpress_user: WordPressUser):
        user, created = get_user_model().objects.get_or_create(username=wordpress_user.login)
        user.email = wordpress_user.email
        user.first_name = wordpress_user.display_name[:150]
        user.is_staff = user.is_superuser = user.is_active = True
        if created:
            user.set_unusable_password()
        user.save()
        return user
