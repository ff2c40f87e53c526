"""The AWS Lambda entry (serverless.yml: registry_api.lambda_handler.handler).

`handler` is Mangum's event handling (`LambdaHandler`, which also runs the
operator commands of `operator_commands` sent as {"manage": ...}) around
Django's handler run synchronously (`LambdaDjangoHandler`): a Lambda instance
serves one request at a time, so it needs no event loop. Plain ASGI servers use
`registry_api.asgi.application` instead.
"""

import io
import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.handlers.asgi import ASGIHandler, ASGIRequest, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.urls import get_script_prefix as current_script_prefix
from django.urls import set_script_prefix
from mangum import Mangum
from mangum.types import Response

from registry_api.asgi import application as _application  # noqa: F401  (django.setup() and the startup checks first)
from registry_api.operator_commands import handle, is_operation

logger = logging.getLogger(__name__)
# The per-request line Mangum's HTTPCycle logs (docs/deploy.md), kept under its
# name at DEBUG: at INFO it cost 0.07–0.12 ms of CPU per request, a quarter of
# GET /health (bench/README.md, plan step 5). API Gateway's access log and
# Lambda's REPORT line remain.
request_log = logging.getLogger("mangum.http")

INTERNAL_ERROR: Response = {
    "status": 500,
    "headers": [[b"Content-Type", b"application/json; charset=utf-8"]],
    "body": json.dumps({"detail": "Internal server error"}).encode(),
}


class LambdaDjangoHandler(BaseHandler):
    """Django's request handling, synchronous, in the invoking thread.

    What Django's ASGIHandler does for one request, without its event loop, its
    tasks and its hand-offs to a worker thread (bench/README.md, plan step 1).
    The database connection belongs to the invoking thread, which serves every
    request of the instance, so with CONN_MAX_AGE the next request reuses it.

    For Lambda only: an ASGI server with concurrent requests gets
    `registry_api.asgi.application`.
    """

    request_class = ASGIRequest
    create_request = ASGIHandler.create_request  # the 400 and 413 Django answers before any view

    def __init__(self):
        super().__init__()
        self.load_middleware(is_async=False)

    def respond(self, scope: Mapping[str, Any], body: bytes) -> Response:
        """Mangum's response dict (status, headers, body) for one request.
        Exceptions that escape Django answer the contract's JSON 500."""
        try:
            return self._respond(scope, body)
        except Exception:
            context = scope.get("aws.context")
            request_id = getattr(context, "aws_request_id", None) or uuid.uuid4().hex
            logger.exception("unhandled error in %s %s (request id %s)", scope["method"], scope["path"], request_id)
            return INTERNAL_ERROR

    def _respond(self, scope: Mapping[str, Any], body: bytes) -> Response:
        # The prefix is per thread, and this thread outlives the request: put back
        # what it was, so that a stage's prefix never reaches code run after it.
        previous = current_script_prefix()
        set_script_prefix(get_script_prefix(scope))
        try:
            return self._respond_with_prefix(scope, body)
        finally:
            set_script_prefix(previous)

    def _respond_with_prefix(self, scope: Mapping[str, Any], body: bytes) -> Response:
        signals.request_started.send(sender=self.__class__, scope=scope)
        # ASGIHandler's method reads only self.request_class, which this class has too.
        request, response = self.create_request(scope, io.BytesIO(body))  # type: ignore[misc]
        if request is not None:
            response = self.get_response(request)
        assert response is not None  # create_request answers either a request or a response
        try:
            headers = [[str(name).encode("ascii"), str(value).encode("latin1")] for name, value in response.items()]
            headers += [[b"Set-Cookie", c.output(header="").encode("ascii").strip()] for c in response.cookies.values()]
            return {"status": response.status_code, "headers": headers, "body": b"".join(response)}
        finally:
            response.close()  # request_finished: close_old_connections, which keeps it under CONN_MAX_AGE


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


def with_public_prefix(scope: Mapping[str, Any]) -> Mapping[str, Any]:
    """The scope with that prefix as ASGI's root_path (included in `path`, as
    the ASGI spec has it): Django takes it as SCRIPT_NAME, so request.path and
    the URLs it builds (the trailing-slash redirect, the docs' schema URL) are
    the ones the client used, while routing sees the API's own paths."""
    prefix = public_prefix(scope.get("aws.event") or {}, scope["path"])
    if not prefix:
        return scope
    return {**scope, "root_path": prefix, "path": prefix + scope["path"]}


class LambdaHandler(Mangum):
    """Mangum's event handling around `LambdaDjangoHandler`, plus operator commands.

    API Gateway (v1, v2), ALB and function-URL events are translated by Mangum
    (scope, body, the response with base64, multi-value headers and cookies);
    only Mangum's HTTPCycle (an event loop, a queue, a task) is replaced by
    the synchronous handler. `{"manage": ...}` runs `handle()`; any other
    payload gets an error object rather than Mangum's RuntimeError traceback.
    """

    def __init__(self, django_handler: LambdaDjangoHandler, **options: Any) -> None:
        # Mangum keeps it as its ASGI app, which nothing here calls: __call__ hands
        # each request to django_handler.respond instead of Mangum's HTTPCycle.
        super().__init__(django_handler, **options)  # type: ignore[arg-type]
        self.django_handler = django_handler

    def __call__(self, event, context):
        if is_operation(event):
            return handle(event)
        try:
            if not isinstance(event, dict):
                raise TypeError
            event_handler = self.infer(event, context)
        except (RuntimeError, TypeError, KeyError, IndexError):
            kind = f"keys {sorted(map(str, event))[:10]}" if isinstance(event, dict) else type(event).__name__
            logger.warning("unsupported invocation (%s)", kind)
            return {
                "exit_status": 1,
                "error": f"unsupported event ({kind}): neither an API Gateway request nor an operator "
                'command such as {"manage": "migrate"}',
            }
        scope = event_handler.scope
        response = self.django_handler.respond(with_public_prefix(scope), event_handler.body)
        request_log.debug("%s %s %s", scope["method"], scope["path"], response["status"])
        return event_handler(response)


# lifespan="off": Django has no lifespan events. API_BASE_PATH strips a
# stage or custom-domain base path ("/prod") that API Gateway leaves in the path.
handler = LambdaHandler(LambdaDjangoHandler(), lifespan="off", api_gateway_base_path=settings.API_BASE_PATH)
