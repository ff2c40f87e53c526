"""/docs (Swagger UI) and /redoc, from the files django-ninja ships where they
are installed (settings.DOCS_OFFLINE), else from the CDN.

With the shipped files the pages are confined to the service's own host by a
Content-Security-Policy: nothing on them reaches elsewhere (Redoc's sidebar
would otherwise fetch its logo from cdn.redoc.ly; Swagger UI has no validator
badge in its BaseLayout, and validatorUrl null keeps it from asking one).
"""

from django.conf import settings
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from ninja import Redoc, Swagger

# Inline scripts and styles: Redoc's start-up script and both UIs' styling;
# blob: workers for Redoc's search.
OWN_HOST_ONLY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)


def own_host_only(response):
    if settings.DOCS_OFFLINE:
        response["Content-Security-Policy"] = OWN_HOST_ONLY
    return response


class SwaggerDocs(Swagger):
    def render_page(self, request, api, **kwargs):
        return own_host_only(super().render_page(request, api, **kwargs))


class RedocDocs(Redoc):
    def render_page(self, request, api, **kwargs):
        return own_host_only(super().render_page(request, api, **kwargs))


def docs_view(view):
    """/docs, /redoc and /openapi.json answer GET only: other methods get the
    API's JSON 405 (without this, the admin's CSRF check would answer a POST
    with an HTML 403)."""
    return csrf_exempt(require_GET(view))


def redoc_view(api):
    """The /redoc view of `api`, which the FastAPI service had: the same schema in Redoc."""
    return docs_view(lambda request: RedocDocs().render_page(request, api))
