"""HTTP behaviour around the routes: CORS, and JSON bodies for 405."""

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse

CORS_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
CORS_HEADERS = ("Authorization", "Content-Type")
# Always allowed, as Starlette does.
CORS_SAFELISTED_HEADERS = ("Accept", "Accept-Language", "Content-Language", "Content-Type")
CORS_EXPOSED_HEADERS = ("X-WP-Total", "X-WP-TotalPages")
CORS_MAX_AGE = 600


class CORSMiddleware:
    """Starlette's CORSMiddleware semantics, which v1.0.x's browsers met (CONTRACT 9, D7).

    django-cors-headers differs where clients can tell: it never refuses a
    preflight (Starlette answers 400) and echoes the origin instead of `*`.
    Credentials are off, so `*` is sent literally.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.origins = set(settings.CORS_ALLOWED_ORIGINS)
        self.any_origin = "*" in self.origins
        self.allowed_headers = sorted(set(CORS_SAFELISTED_HEADERS) | set(CORS_HEADERS))
        self.allowed_headers_lower = {name.lower() for name in self.allowed_headers}

    def __call__(self, request):
        origin = request.headers.get("Origin")
        if origin is None:
            return self.get_response(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return self.preflight(request, origin)
        response = self.get_response(request)
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
        if failures:
            response = JsonResponse({"detail": "Disallowed CORS " + ", ".join(failures)}, status=400)
        else:
            response = HttpResponse("OK", content_type="text/plain; charset=utf-8")
        for name, value in headers.items():
            response[name] = value
        return response


class JSONMethodNotAllowedMiddleware:
    """Ninja answers a known path with the wrong method in plain text; the contract wants JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = JsonResponse({"detail": "Method Not Allowed"}, status=405)
            response["Allow"] = allowed
        return response
