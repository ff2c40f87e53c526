"""The admin site: read-only inspection for WordPress administrators.

Installed as the default admin site by `wpauth.admin_config.WordPressAdminConfig` when
ADMIN_ENABLED is on; nothing here is imported otherwise (Lambda).
"""

import logging

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from .administrators import AdminRefused, Refusal, staff_user, wordpress_administrator

logger = logging.getLogger(__name__)

REFUSALS = {
    Refusal.CREDENTIALS: (
        "WordPress refused this username and password. Use an application password, not your "
        "WordPress login password; check that it has not been revoked."
    ),
    Refusal.NOT_ADMINISTRATOR: "Only WordPress administrators may use this admin, and this user is not one.",
    Refusal.UNAVAILABLE: "WordPress is unavailable, so your login cannot be checked. Try again later.",
}


class WordPressLoginForm(AdminAuthenticationForm):
    """Logs a WordPress administrator in as their local staff user (the session's
    user, which the backend's `get_user` finds), asking WordPress afresh; says
    which of REFUSALS happened instead of Django's one message for all."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "WordPress username"
        self.fields["password"].label = "Application password"

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is not None and password:
            try:
                wordpress_user = wordpress_administrator(self.request, username, password)
            except AdminRefused as refused:
                logger.warning("admin login refused for %r: %s", username, refused.reason.value)  # never the password
                raise ValidationError(REFUSALS[refused.reason], code=refused.reason.name.lower()) from None
            self.user_cache = staff_user(wordpress_user)
            self.confirm_login_allowed(self.user_cache)
            if self.request is not None:  # the admin session keeps its re-check key (admin_session)
                self.request.wordpress_login = (wordpress_user, password)  # type: ignore[attr-defined]
        return self.cleaned_data


class WordPressAdminSite(admin.AdminSite):
    site_header = "Restart Registry admin (read-only)"
    site_title = "Restart Registry admin"
    index_title = "Inspect"
    login_form = WordPressLoginForm
    login_template = "wpauth/login.html"
    index_template = "wpauth/index.html"  # no "Recent actions": nothing is done here
    # Its width goes to the lists (1280 px screens); the breadcrumbs and the index lead to both models.
    enable_nav_sidebar = False
    site_url = None  # no "View site": the site is the JSON API

    def each_context(self, request):
        # The login page links to where WordPress makes application passwords.
        return {**super().each_context(request), "wordpress_url": settings.WP_BASE_URL.rstrip("/")}
