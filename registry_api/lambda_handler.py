"""The AWS Lambda entry (serverless.yml: registry_api.lambda_handler.handler).

`handler` is Mangum (`LambdaHandler`, which also runs the operator commands of
`operator_commands` sent as {"manage": ...}) around Django's ASGI handler for
a Lambda instance (`LambdaASGIHandler`, which serves one request at a time).
Plain ASGI servers use `registry_api.asgi.application` instead.
"""

import logging

from django.conf import settings  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402
from mangum import Mangum  # noqa: E402

from registry_api.asgi import application as _application  # noqa: F401  (django.setup() and the startup checks first)
from registry_api.operator_commands import handle, is_operation  # noqa: E402

logger = logging.getLogger(__name__)


class LambdaASGIHandler(ASGIHandler):
    """Every request's sync code (views, the ORM) runs in the same long-lived thread.

    Django's own handler gives each request a thread of its own (asgiref's
    ThreadSensitiveContext), and Django's database connections belong to a
    thread: so every request opened a new one (for SQLite, the file, two PRAGMAs
    and a parse of the schema; for PostgreSQL, TCP, TLS and authentication).
    Without that context, asgiref runs sync code in one process-wide thread, so
    with CONN_MAX_AGE the next request on this instance reuses the connection.

    For Lambda only: under an ASGI server with concurrent requests, one thread
    would serialise them. Such servers get `registry_api.asgi.application`.
    """

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":  # as Django's own handler
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(with_public_prefix(scope), receive, send)


def public_prefix(event: dict, path: str) -> str:
    """What API Gateway's clients put before the API's own `path` (Mangum's,
    without API_BASE_PATH): a REST API's stage when its execute-api URL was
    used (`/prod/items`; event.path has no stage, requestContext.path has it),
    then API_BASE_PATH when Mangum stripped it. Only configuration and API
    Gateway's own fields, never the Host header."""
    context = event.get("requestContext") or {}
    stage = context.get("stage")
    prefix = ""
    if "httpMethod" in event and stage and context.get("path") == f"/{stage}{event.get('path')}":
        prefix = f"/{stage}"
    raw_path = event.get("path") if "httpMethod" in event else (context.get("http") or {}).get("path")
    if settings.API_BASE_PATH != "/" and raw_path != path:
        prefix += settings.API_BASE_PATH
    return prefix


def with_public_prefix(scope: dict) -> dict:
    """The scope with that prefix as ASGI's root_path (included in `path`, as
    the ASGI spec has it): Django takes it as SCRIPT_NAME, so request.path and
    the URLs it builds (the trailing-slash redirect, the docs' schema URL) are
    the ones the client used, while routing sees the API's own paths."""
    prefix = public_prefix(scope.get("aws.event") or {}, scope["path"])
    if not prefix:
        return scope
    return {**scope, "root_path": prefix, "path": prefix + scope["path"]}


class LambdaHandler(Mangum):
    """The Mangum handler, plus operator commands for direct invocations.

    API Gateway (v1, v2), ALB and function-URL events go to Django through
    Mangum as before; `{"manage": ...}` runs `handle()`; any other payload gets
    an error object rather than Mangum's RuntimeError traceback.
    """

    def __call__(self, event, context):
        if is_operation(event):
            return handle(event)
        try:
            if not isinstance(event, dict):
                raise TypeError
            self.infer(event, context)
        except (RuntimeError, TypeError, KeyError, IndexError):
            kind = f"keys {sorted(map(str, event))[:10]}" if isinstance(event, dict) else type(event).__name__
            logger.warning("unsupported invocation (%s)", kind)
            return {
                "exit_status": 1,
                "error": f"unsupported event ({kind}): neither an API Gateway request nor an operator "
                'command such as {"manage": "migrate"}',
            }
        return super().__call__(event, context)


# Django behind Mangum runs every request's sync code in one thread, so the
# database connection can serve the instance's next request (CONN_MAX_AGE).
# lifespan="off": Django speaks only the "http" scope. API_BASE_PATH strips a
# stage or custom-domain base path ("/prod") that API Gateway leaves in the path.
handler = LambdaHandler(LambdaASGIHandler(), lifespan="off", api_gateway_base_path=settings.API_BASE_PATH)
