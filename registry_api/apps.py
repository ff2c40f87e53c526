from django.apps import AppConfig
from django.db.backends.signals import connection_created


class RegistryApiConfig(AppConfig):
    """The project package as an app: its system checks and the database side of the request deadline."""

    name = "registry_api"
    verbose_name = "Restart Registry API"

    def ready(self) -> None:
        from core.deadline import bound_sqlite_waits

        from . import checks  # noqa: F401  (registers the checks)

        connection_created.connect(bound_sqlite_waits, dispatch_uid="core.deadline")
