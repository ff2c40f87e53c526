from django.apps import AppConfig
from django.db.backends.signals import connection_created


class RegistryApiConfig(AppConfig):
    """The project package as an app: its system checks, the database side of the request deadline,
    and the address redaction of the logs."""

    name = "registry_api"
    verbose_name = "Restart Registry API"

    def ready(self) -> None:
        from core.deadline import bound_sqlite_waits

        from . import checks  # noqa: F401  (registers the checks)
        from .redaction import redact_addresses

        connection_created.connect(bound_sqlite_waits, dispatch_uid="core.deadline")
        redact_addresses()
