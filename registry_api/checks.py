"""Settings that must never reach production: known or missing secrets, the example WordPress.

`manage.py check --deploy` reports them as errors, and with DEBUG off the
process refuses to start with them (registry_api/startup.py): a redeploy that
forgets a param must not run with a public key or against nobody's WordPress.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

# serverless.yml's placeholder for the secretKey param (a test keeps the two equal).
SERVERLESS_PLACEHOLDER_SECRET_KEY = "placeholder-set-REGISTRY_SECRET_KEY-or-param-secretKey"
# Domains reserved for examples (RFC 2606): no WordPress of anyone's is there.
EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org", "example", "invalid")


def _secret_key_problem() -> str | None:
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        key = ""
    if not key:
        return "SECRET_KEY is empty"
    if key == settings.DEVELOPMENT_SECRET_KEY:
        return "SECRET_KEY is the development default"
    if key == SERVERLESS_PLACEHOLDER_SECRET_KEY:
        return "SECRET_KEY is serverless.yml's placeholder"
    return None


def _wordpress_url_problem(url: str) -> str | None:
    host = (urlsplit(url).hostname or "").rstrip(".") if url else ""
    if not host:
        return f"WP_BASE_URL {url!r} names no WordPress site"
    if any(host == domain or host.endswith(f".{domain}") for domain in EXAMPLE_DOMAINS):
        return f"WP_BASE_URL {url!r} is an example address"
    return None


@register(Tags.security, deploy=True)
def deployment_settings(app_configs=None, **kwargs) -> list[Error]:
    """The known-bad values of SECRET_KEY and WP_BASE_URL, as errors."""
    errors = []
    if problem := _secret_key_problem():
        errors.append(
            Error(
                problem, hint="Set SECRET_KEY (deploy param secretKey) to a long random value.", id="registry_api.E001"
            )
        )
    if problem := _wordpress_url_problem(settings.WP_BASE_URL):
        errors.append(
            Error(
                problem,
                hint="Set WP_BASE_URL (deploy param wpBaseUrl) to the WordPress site's root.",
                id="registry_api.E002",
            )
        )
    return errors
