"""The admin's app config, apart from `wpauth.apps`: importing it imports the
whole `django.contrib.admin` package, so only a process with ADMIN_ENABLED names
it (registry_api/settings.py, ADMIN_APPS)."""

from django.contrib.admin import apps as admin_apps


class WordPressAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the read-only, WordPress-login site as its default site."""

    default_site = "wpauth.admin_site.WordPressAdminSite"
