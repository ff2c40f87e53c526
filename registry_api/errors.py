"""Every error the layers below raise, answered in one place: its status,
`detail` and headers (docs/api.md, "Conventions": `{"detail": ...}`)."""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError, ValidationError

from core.errors import (
    AuthenticationUnavailable,
    Conflict,
    CredentialsRevoked,
    DatabaseBusy,
    DomainError,
    InvalidCredentials,
    MissingCredentials,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ReadRefused,
    RegistryMissing,
    WordPressBadResponse,
    WordPressFailed,
    WordPressTimeout,
    WordPressUnavailable,
)
from wpauth.security import ServiceKeyNotSupported

# Every 401 that refuses credentials asks for Basic ones (docs/api.md, "Authentication").
CHALLENGE = {"WWW-Authenticate": "Basic"}
# The plugin's 1.1+ client sends X-Service-Key instead of Basic when its API key is set.
SERVICE_KEY_REFUSED = (
    "X-Service-Key is not supported: send HTTP Basic with a WordPress application password "
    "(leave the plugin's API key empty)"
)


@dataclass(frozen=True)
class Answer:
    status: int
    detail: Any  # a text; for a 422, the list of errors
    headers: dict[str, str] = field(default_factory=dict)


def answer(exc: Exception) -> Answer | None:
    """The answer to `exc`, or None for an error nobody expected (a 500)."""
    match exc:
        case ValidationError():
            return Answer(422, exc.errors)
        # The domain's own, with their own texts.
        case NotFound():
            return Answer(404, exc.detail)
        case PermissionDenied():
            return Answer(403, exc.detail)
        case Conflict():
            return Answer(409, exc.detail)
        case NotAuthenticated():
            return Answer(401, exc.detail)  # no challenge: the credentials were not refused
        case DatabaseBusy():
            return Answer(503, exc.detail, {"Retry-After": "1"})
        # Authentication.
        case ServiceKeyNotSupported():
            return Answer(401, SERVICE_KEY_REFUSED, CHALLENGE)
        case MissingCredentials():
            return Answer(401, "Missing Authorization header", CHALLENGE)
        case InvalidCredentials() | AuthenticationError() | CredentialsRevoked():
            return Answer(401, "Invalid WordPress credentials", CHALLENGE)
        case AuthenticationUnavailable():
            return Answer(503, "WordPress is unavailable", {"Retry-After": str(settings.WP_RETRY_AFTER)})
        # WordPress, asked about a registry.
        case RegistryMissing():
            return Answer(404, "Registry not found")
        case ReadRefused():
            return Answer(403, "Not authorized")
        case WordPressTimeout():
            return Answer(504, "WordPress did not answer in time")
        # WordPress's own refusal keeps its message (v1.0.x's detail); anything
        # else names no route, post or user.
        case WordPressFailed():
            return Answer(502, f"WordPress error: {exc}")
        case WordPressUnavailable() | WordPressBadResponse():
            return Answer(502, "WordPress error: WordPress is unavailable")
        # Django's and Ninja's.
        case HttpError():
            return Answer(exc.status_code, str(exc))
        case Http404():
            return Answer(404, "Not Found")
        case RequestDataTooBig():
            return Answer(413, "Request body too large")
        case DomainError():  # a new domain error nobody mapped yet: still its own text
            return Answer(400, exc.detail)
    return None
