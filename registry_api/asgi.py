"""ASGI entry point, and the AWS Lambda handler (serverless.yml: registry_api.asgi.handler)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry_api.settings")

application = get_asgi_application()  # runs django.setup()

from django.conf import settings  # noqa: E402  (needs django.setup() first)

from registry_api.lambda_asgi import LambdaASGIHandler  # noqa: E402
from registry_api.operations import LambdaHandler  # noqa: E402
from registry_api.startup import prepare  # noqa: E402

prepare()

# The Mangum handler (LambdaHandler subclasses Mangum), which also runs
# whitelisted operator commands sent as {"manage": ...} (registry_api/operations.py).
# Django behind it runs every request's sync code in one thread, so the
# database connection can serve the instance's next request (CONN_MAX_AGE,
# registry_api/lambda_asgi.py). lifespan="off": Django speaks only the "http"
# scope. API_BASE_PATH strips a stage or custom-domain base path ("/prod")
# that API Gateway leaves in the path.
handler = LambdaHandler(LambdaASGIHandler(), lifespan="off", api_gateway_base_path=settings.API_BASE_PATH)
