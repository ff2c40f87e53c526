"""The ASGI application, and Mangum's Lambda handler around it (the Lambda entry,
with the operator commands, is registry_api.lambda_handler)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry_api.settings")

application = get_asgi_application()  # runs django.setup()

from django.conf import settings  # noqa: E402
from mangum import Mangum  # noqa: E402

from registry_api.startup import prepare  # noqa: E402  (needs django.setup() first)

prepare()

# lifespan="off": Django has no lifespan events. API_BASE_PATH: a custom domain's
# base path mapping, or an HTTP API's named stage, that API Gateway leaves in the path.
# (The ignore: django-stubs type the ASGI scope as a dict, Mangum as a MutableMapping.)
handler = Mangum(application, lifespan="off", api_gateway_base_path=settings.API_BASE_PATH)  # type: ignore[arg-type]
