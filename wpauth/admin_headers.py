"""No other site may frame the admin's pages (clickjacking): they carry a
Content-Security-Policy saying so, besides the X-Frame-Options header that
Django's XFrameOptionsMiddleware gives every response (settings.X_FRAME_OPTIONS)."""

from django.urls import reverse

CONTENT_SECURITY_POLICY = "frame-ancestors 'none'"


class AdminContentSecurityPolicyMiddleware:
    """Adds CONTENT_SECURITY_POLICY to every answer under the admin's path,
    refusals and redirects included. The API's routes are left as they are."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(reverse("admin:index")):
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response
