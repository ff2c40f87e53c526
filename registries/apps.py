from django.apps import AppConfig


class RegistriesConfig(AppConfig):
    """Gift registries: WordPress posts, with their items in the `items` table."""

    name = "registries"
