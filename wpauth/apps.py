from django.apps import AppConfig


class WordPressAuthConfig(AppConfig):
    name = "wpauth"
    verbose_name = "WordPress authentication"
    default = True
