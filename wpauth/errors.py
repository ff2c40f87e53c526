"""What can go wrong between the service and WordPress, beyond wp-python's own errors.

wp-python raises `WordPressError` subclasses for HTTP error statuses but lets
httpx's network errors and undecodable answers through; `client` wraps those
in the classes below so callers handle one family of exceptions.
"""


class WordPressUnavailable(Exception):
    """WordPress could not be reached (connection refused, DNS, reset...)."""


class WordPressTimeout(WordPressUnavailable):
    """WordPress did not answer in time: within WP_TIMEOUT, and by the request's deadline."""


class WordPressBadResponse(Exception):
    """The WordPress address answered, but not with what WordPress's REST API
    promises: garbage, or an error that is not WordPress's (a firewall's page, a proxy's 502)."""
