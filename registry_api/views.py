"""What answers when no route matches."""

from django.http import HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt


class HttpResponseTemporaryRedirect(HttpResponseRedirect):
    status_code = 307  # keeps the method and body, as FastAPI's slash redirect does


def _routed(path: str) -> bool:
    try:
        return resolve(path).url_name != "not-found"
    except Resolver404:
        return False


@csrf_exempt
def not_found(request, path: str = ""):
    """404 `{"detail": "Not Found"}`, or a 307 to the same path with the
    trailing slash toggled when that one is a route (`/items/` → `/items`).

    The Location is a path, never a URL built from the Host header (which
    anyone can send): the prefix the client used (SCRIPT_NAME: a stage,
    API_BASE_PATH; registry_api/lambda_handler.py) and the route."""
    current = request.path_info
    if current != "/":
        other = current.rstrip("/") if current.endswith("/") else current + "/"
        if _routed(other):
            query = request.META.get("QUERY_STRING", "")
            location = request.META.get("SCRIPT_NAME", "").rstrip("/") + other
            return HttpResponseTemporaryRedirect(location + (f"?{query}" if query else ""))
    return JsonResponse({"detail": "Not Found"}, status=404)


def bad_request(request, exception=None):
    """Django's 400 (e.g. a static path that climbs out of its folder), as JSON like every other answer."""
    return JsonResponse({"detail": "Bad Request"}, status=400)


def page_not_found(request, exception=None):
    """Django's 404 (a static file or an admin page that is not there), as JSON like every other answer."""
    return JsonResponse({"detail": "Not Found"}, status=404)


def server_error(request):
    return JsonResponse({"detail": "Internal server error"}, status=500)
