"""The ASGI application (the Lambda entry is registry_api.lambda_handler)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry_api.settings")

application = get_asgi_application()  # runs django.setup()

from registry_api.startup import prepare  # noqa: E402  (needs django.setup() first)

prepare()
