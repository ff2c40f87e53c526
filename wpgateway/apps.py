from django.apps import AppConfig


class WordPressAuthConfig(AppConfig):
    name = "wpgateway"
    verbose_name = "WordPress authentication"
    default = True
