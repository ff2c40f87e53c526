"""Settings that must never reach production: known or missing secrets, the example WordPress.

`manage.py check --deploy` reports them as errors, and with DEBUG off the
process refuses to start with them (registry_api/startup.py): a redeploy that
forgets a param must not run with a public key or against nobody's WordPress.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

# serverless.yml's placeholder for the secretKey param (a test keeps the two equal).
SERVERLESS_PLACEHOLDER_SECRET_KEY = "placeholder-set-REGISTRY_SECRET_KEY-or-param-secretKey"
# Published keys, compared after trimming and ignoring case.
KNOWN_SECRET_KEYS = ("changeme", "change-me", "secret", "your-secret-key", "django-insecure")
HOW_TO_SET_A_KEY = (
    "Set SECRET_KEY (deploy param secretKey) to a random value of at least "
    f"{SECRET_KEY_MIN_LENGTH} characters, for example the output of "
    "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`."
)
# Domains reserved for examples (RFC 2606): no WordPress of anyone's is there.
EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org", "example", "invalid")


def _secret_key_problem() -> str | None:
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        key = ""
    if not key.strip():
        return "SECRET_KEY is empty"
    if key.strip() == settings.DEVELOPMENT_SECRET_KEY:
        return "SECRET_KEY is the development default"
    if key.strip() == SERVERLESS_PLACEHOLDER_SECRET_KEY:
        return "SECRET_KEY is serverless.yml's placeholder"
    if key.strip().lower() in KNOWN_SECRET_KEYS:
        return "SECRET_KEY is a published example"
    if key != key.strip():
        return "SECRET_KEY starts or ends with whitespace"
    # Django's own rule (security.W009), an error here.
    if key.startswith(SECRET_KEY_INSECURE_PREFIX):
        return f"SECRET_KEY starts with {SECRET_KEY_INSECURE_PREFIX!r}, as startproject's generated keys do"
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (
            f"SECRET_KEY is weak (fewer than {SECRET_KEY_MIN_LENGTH} characters "
            f"or {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different ones)"
        )
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
        errors.append(Error(problem, hint=HOW_TO_SET_A_KEY, id="registry_api.E001"))
    if problem := _wordpress_url_problem(settings.WP_BASE_URL):
        errors.append(
            Error(
                problem,
                hint="Set WP_BASE_URL (deploy param wpBaseUrl) to the WordPress site's root.",
                id="registry_api.E002",
            )
        )
    return errors
