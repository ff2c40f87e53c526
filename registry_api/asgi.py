"""The ASGI application (the Lambda entry is registry_api.lambda_handler)."""

import os

from django.core.asgi import get_asgi_application

from registry_api.ninja_startup import load_test_signals_alone

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry_api.settings")

load_test_signals_alone()  # before django.setup() imports Ninja

application = get_asgi_application()  # runs django.setup()

from registry_api.startup import prepare  # noqa: E402  (needs django.setup() first)

prepare()
