"""`runserver`, refusing to start with a weak SECRET_KEY while DEBUG is off, as
Lambda and ASGI servers do (registry_api/asgi.py)."""

from django.apps import apps
from django.contrib.staticfiles.management.commands import runserver as staticfiles_runserver
from django.core.management.commands import runserver as core_runserver

from registry_api.startup import refuse_known_secrets

# With the admin, staticfiles' runserver, which serves the admin's static files.
base = staticfiles_runserver if apps.is_installed("django.contrib.staticfiles") else core_runserver


class Command(base.Command):  # type: ignore[name-defined]
    def handle(self, *args, **options):
        refuse_known_secrets()
        super().handle(*args, **options)
