"""Every error the service raises, in one hierarchy: what went wrong, never how
to answer it. `registry_api.errors` gives each its status, detail and headers.

- DomainError: the request cannot be done, with the text the caller reads;
- AuthenticationFailed: no credentials, unreadable ones, or nobody to check them;
- GatewayError: something went wrong asking WordPress (`wpauth.wordpress`
  classifies every answer once; `registries.wordpress` gives them a registry's meaning).
"""


class ServiceError(Exception):
    """Anything the service itself raises."""


class DomainError(ServiceError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """No such thing, or none the caller may know of."""


class PermissionDenied(DomainError):
    """The caller may not do this."""


class Conflict(DomainError):
    """The request contradicts what is stored (a purchase beyond what is needed)."""


class NotAuthenticated(DomainError):
    """The caller cannot be spoken for to WordPress: authenticated without Basic
    credentials (docs/api.md, "Authentication"). Not a refusal of credentials, so no challenge."""


class DatabaseBusy(DomainError):
    """Other writers held the database's lock until the request's deadline: worth retrying shortly."""


# --- authentication ----------------------------------------------------------------


class AuthenticationFailed(ServiceError):
    """The caller could not be authenticated."""


class MissingCredentials(AuthenticationFailed):
    """No Authorization header: 401 `Missing Authorization header`."""


class InvalidCredentials(AuthenticationFailed):
    """Unparsable or refused credentials: 401 `Invalid WordPress credentials`."""


class AuthenticationUnavailable(AuthenticationFailed):
    """WordPress cannot vouch for anyone right now: 503 with Retry-After, not 401."""


# --- WordPress -----------------------------------------------------------------------


class GatewayError(ServiceError):
    """Anything that went wrong asking WordPress."""


class WordPressUnavailable(GatewayError):
    """WordPress could not be reached (connection refused, DNS, reset...)."""


class WordPressTimeout(WordPressUnavailable):
    """WordPress did not answer in time: within WP_TIMEOUT, and by the request's deadline."""


class WordPressBadResponse(GatewayError):
    """The WordPress address answered, but not with what WordPress's REST API
    promises: garbage, or an error that is not WordPress's (a firewall's page, a proxy's 502)."""


class WordPressFailed(WordPressBadResponse):
    """WordPress answered a REST error the service has no meaning for (a 5xx, a
    404 on the post type itself, an unknown code); the message says which."""


class WordPressRefusal(GatewayError):
    """WordPress itself (its REST error body) refused a request for a reason the
    service has a meaning for: the subclasses. The message is WordPress's own,
    `<message> [HTTP <status>] [<code>]` (any other refusal is WordPressFailed)."""


class CredentialsRefused(WordPressRefusal):
    """WordPress does not accept the credentials (its own 401, whatever its code)."""


class PermissionRefused(WordPressRefusal):
    """WordPress does not allow the credentials' user this request (its own 403)."""


class ResourceMissing(WordPressRefusal):
    """WordPress has nothing at the address asked (its own 404)."""


class RegistryMissing(GatewayError):
    """WordPress has no such registry post (its own 404 for one post)."""


class ReadRefused(GatewayError):
    """WordPress refuses the caller this registry (its own 403)."""


class CredentialsRevoked(GatewayError):
    """WordPress no longer accepts credentials that passed authentication moments
    ago (or were cached): the application password was revoked or the user removed."""
