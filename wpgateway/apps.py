from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class WordPressAuthConfig(AppConfig):
    name = "wpgateway"
    verbose_name = "WordPress authentication"
    default = True


class WordPressAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the read-only, WordPress-login site as its default site."""

    default = False
    default_site = "wpgateway.admin_site.WordPressAdminSite"
