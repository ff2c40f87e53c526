"""What can go wrong between the service and WordPress, beyond wp-python's own errors.

wp-python raises `WordPressError` subclasses for HTTP error statuses but lets
httpx's network errors and undecodable answers through; `client` wraps those
in the classes below so callers handle one family of exceptions.
"""


class WordPressUnavailable(Exception):
    """WordPress could not be reached (connection refused, DNS, reset...)."""


class WordPressTimeout(WordPressUnavailable):
    """WordPress did not answer within WP_TIMEOUT."""


class WordPressBadResponse(Exception):
    """WordPress answered, but not with what its REST API promises."""
