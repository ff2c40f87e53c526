"""The admin's own pages for what would otherwise be a bare status or the API's
JSON: a refusal (403: the admin is read-only), an unknown page (404) and a
wrong method (405, e.g. GET on the logout URL)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

READ_ONLY = (
    "Nothing can be added, changed or deleted in this admin: it only shows the service's data to "
    "WordPress administrators.",
    "Items change through the registry plugin in WordPress; purchases are recorded by the API.",
)
NOT_FOUND = (
    "There is no such page in this admin. It shows items and the purchase ledger; "
    "WordPress users are managed in WordPress.",
)
LOGOUT = "To log out, use the “Log out” button at the top right of any admin page."


class AdminPagesMiddleware:
    """Under the admin's path only, after the auth middleware (the pages show
    the admin's header and links). A 405 becomes a plain HttpResponse, which
    the API's JSONMethodNotAllowedMiddleware (outside this one) leaves alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and in_admin(request):
            explained = explain(request, 405, "Method not allowed", wrong_method(request), *home())
            explained["Allow"] = response["Allow"]
            return explained
        return response

    def process_exception(self, request, exception):
        if not in_admin(request):
            return None
        if isinstance(exception, PermissionDenied):
            return explain(request, 403, "This admin is read-only", READ_ONLY, *back(request))
        if isinstance(exception, Http404):
            return explain(request, 404, "Page not found", NOT_FOUND, *home())
        return None


def in_admin(request) -> bool:
    return request.path.startswith(reverse("admin:index"))


def explain(request, status: int, title: str, explanation, back_url: str, back_text: str):
    context = {
        **admin.site.each_context(request),
        "status": status,
        "title": title,
        "explanation": explanation,
        "back_url": back_url,
        "back_text": back_text,
    }
    return render(request, "wpauth/explained.html", context, status=status)


def home() -> tuple[str, str]:
    return reverse("admin:index"), "Back to the admin's home page"


def back(request) -> tuple[str, str]:
    """The list of the model the refused page belongs to, else the admin's home page."""
    match = request.resolver_match
    # ModelAdmin.get_urls marks each of its views with the model admin.
    model_admin = getattr(match.func, "model_admin", None) if match is not None else None
    if model_admin is None:
        return home()
    try:
        url = reverse(f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_changelist")
    except NoReverseMatch:
        return home()
    return url, f"Back to the list of {model_admin.opts.verbose_name_plural}"


def wrong_method(request) -> tuple[str, ...]:
    said = f"This page does not answer {request.method} requests."
    return (said, LOGOUT) if request.path == reverse("admin:logout") else (said,)
