"""What can go wrong between the service and WordPress.

`client` raises the first classes below for every call (unreachable, slow,
garbled or foreign answers, and WordPress's own refusals); `registries` turns
refusals into what they mean for a registry. None of them knows of HTTP
answers: `registry_api.errors` decides those.
"""


class GatewayError(Exception):
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
