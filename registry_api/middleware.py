"""HTTP behaviour around the routes: CORS, JSON bodies for 405, and the path
prefix an API Gateway client used."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import set_script_prefix

CORS_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
CORS_HEADERS = ("Authorization", "Content-Type")
# Always allowed, as Starlette does.
CORS_SAFELISTED_HEADERS = ("Accept", "Accept-Language", "Content-Language", "Content-Type")
CORS_EXPOSED_HEADERS = ("X-WP-Total", "X-WP-TotalPages")
CORS_MAX_AGE = 600


class PlainMiddleware:
    """Middleware whose steps are plain computation on the request and the
    response (no I/O, no database), run in the handler's own mode.

    Under ASGI (Mangum on Lambda), Django runs a MiddlewareMixin's
    process_request/process_response in a thread of their own, and adapts a
    sync-only middleware with two more: thread hops that cost CPU on every
    request. These steps need no thread, so they run on the event loop.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        response = self.before(request)
        if response is None:
            response = self.after(request, self.get_response(request))
        return response

    async def _acall(self, request):
        response = self.before(request)
        if response is None:
            response = self.after(request, await self.get_response(request))
        return response

    def before(self, request) -> HttpResponse | None:
        """A response that ends the request here, or None to go on."""
        return None

    def after(self, request, response: HttpResponse) -> HttpResponse:
        return response


class CORSMiddleware(PlainMiddleware):
    """Starlette's CORSMiddleware semantics, which v1.0.x's browsers met (docs/api.md, "Browsers (CORS)"; D7).

    django-cors-headers differs where clients can tell: it never refuses a
    preflight (Starlette answers 400) and echoes the origin instead of `*`.
    Credentials are off, so `*` is sent literally.
    """

    def __init__(self, get_response):
        super().__init__(get_response)
        self.origins = set(settings.CORS_ALLOWED_ORIGINS)
        self.any_origin = "*" in self.origins
        self.allowed_headers = sorted(set(CORS_SAFELISTED_HEADERS) | set(CORS_HEADERS))
        self.allowed_headers_lower = {name.lower() for name in self.allowed_headers}

    def before(self, request):
        origin = request.headers.get("Origin")
        if origin is not None and request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return self.preflight(request, origin)
        return None

    def after(self, request, response):
        origin = request.headers.get("Origin")
        if origin is None:
            return response
        if self.any_origin:
            response["Access-Control-Allow-Origin"] = "*"
        elif origin in self.origins:
            response["Access-Control-Allow-Origin"] = origin
            response["Vary"] = ", ".join(filter(None, [response.get("Vary"), "Origin"]))
        if self.any_origin or origin in self.origins:
            response["Access-Control-Expose-Headers"] = ", ".join(CORS_EXPOSED_HEADERS)
        return response

    def preflight(self, request, origin: str):
        headers = {
            "Access-Control-Allow-Methods": ", ".join(CORS_METHODS),
            "Access-Control-Max-Age": str(CORS_MAX_AGE),
            "Access-Control-Allow-Headers": ", ".join(self.allowed_headers),
        }
        failures = []
        if self.any_origin:
            headers["Access-Control-Allow-Origin"] = "*"
        elif origin in self.origins:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Vary"] = "Origin"
        else:
            failures.append("origin")
        if request.headers["Access-Control-Request-Method"] not in CORS_METHODS:
            failures.append("method")
        requested = request.headers.get("Access-Control-Request-Headers")
        if requested is not None and any(
            name.strip().lower() not in self.allowed_headers_lower for name in requested.split(",")
        ):
            failures.append("headers")
        response: HttpResponse
        if failures:
            response = JsonResponse({"detail": "Disallowed CORS " + ", ".join(failures)}, status=400)
        else:
            response = HttpResponse("OK", content_type="text/plain; charset=utf-8")
        for name, value in headers.items():
            response[name] = value
        return response


class JSONMethodNotAllowedMiddleware(PlainMiddleware):
    """Ninja answers a known path with the wrong method in plain text; the contract wants JSON."""

    def after(self, request, response):
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = JsonResponse({"detail": "Method Not Allowed"}, status=405)
            response["Allow"] = allowed
        return response


def api_gateway_prefix(event: dict) -> str:
    """What an API Gateway client put before the API's own path, which Mangum
    leaves out: a REST API's stage when its execute-api URL was used (event.path
    has no stage, requestContext.path has it), then API_BASE_PATH where Mangum
    strips it. Only configuration and API Gateway's fields, never the Host header."""
    context = event.get("requestContext") or {}
    prefix = ""
    if "httpMethod" in event:
        path = event.get("path") or ""
        stage = context.get("stage")
        if stage and context.get("path") == f"/{stage}{path}":
            prefix = f"/{stage}"
    else:
        path = (context.get("http") or {}).get("path") or ""
    if settings.API_BASE_PATH != "/" and path.startswith(settings.API_BASE_PATH):  # as Mangum strips it
        prefix += settings.API_BASE_PATH
    return prefix


class ApiGatewayPrefixMiddleware(PlainMiddleware):
    """Under Mangum, that prefix as the request's script name: request.path and
    the URLs Django builds (the trailing-slash redirect, the docs' schema URL)
    are the ones the client used, while routing sees the API's own paths."""

    def before(self, request):
        event = getattr(request, "scope", {}).get("aws.event")
        prefix = api_gateway_prefix(event) if event else ""
        if prefix:
            request.META["SCRIPT_NAME"] = prefix
            request.path = prefix + request.path_info
            set_script_prefix(prefix)  # this request's context only (ASGI)
        return None
