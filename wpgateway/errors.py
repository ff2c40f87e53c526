"""What can go wrong between the service and WordPress, beyond wp-python's own errors.

wp-python raises `WordPressError` subclasses for HTTP error statuses but lets
httpx's network errors and undecodable answers through; `client` wraps those
in the classes below so callers handle one family of exceptions. None of them
knows of HTTP answers: `registry_api.errors` decides those.
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


class RegistryMissing(GatewayError):
    """WordPress has no such registry post (its own 404 for one post)."""


class ReadRefused(GatewayError):
    """WordPress refuses the caller this registry (its own 403)."""


class CredentialsRevoked(GatewayError):
    """WordPress no longer accepts credentials that passed authentication moments
    ago (or were cached): the application password was revoked or the user removed."""
