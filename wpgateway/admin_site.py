"""The admin site: read-only inspection for WordPress administrators.

Installed as the default admin site by `wpgateway.admin_config.WordPressAdminConfig` when
ADMIN_ENABLED is on; nothing here is imported otherwise (Lambda).
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from .backends import AdminRefused, Refusal

REFUSALS = {
    Refusal.CREDENTIALS: (
        "WordPress refused this username and password. Use an application password, not your "
        "WordPress login password; check that it has not been revoked."
    ),
    Refusal.NOT_ADMINISTRATOR: "Only WordPress administrators may use this admin, and this user is not one.",
    Refusal.UNAVAILABLE: "WordPress is unavailable, so your login cannot be checked. Try again later.",
}


class WordPressLoginForm(AdminAuthenticationForm):
    """Says which of REFUSALS happened instead of Django's one message for all."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "WordPress username"
        self.fields["password"].label = "Application password"

    def clean(self):
        try:
            return super().clean()
        except AdminRefused as refused:
            raise ValidationError(REFUSALS[refused.reason], code=refused.reason.name.lower()) from None


class WordPressAdminSite(admin.AdminSite):
    site_header = "Restart Registry admin (read-only)"
    site_title = "Restart Registry admin"
    index_title = "Inspect"
    login_form = WordPressLoginForm
    login_template = "wpgateway/login.html"
    site_url = None  # no "View site": the site is the JSON API

    def each_context(self, request):
        # The login page links to where WordPress makes application passwords.
        return {**super().each_context(request), "wordpress_url": settings.WP_BASE_URL.rstrip("/")}
