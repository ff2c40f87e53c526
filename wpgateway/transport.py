"""wp-python's transport on the shared client (`wpgateway.client`), as the
service speaks to WordPress. Imported at the first WordPress call, never when
the process starts (see `wpgateway.client`)."""

from typing import Any

import httpx
from django.conf import settings
from wp_python.auth import ApplicationPasswordAuth
from wp_python.exceptions import WordPressError
from wp_python.transport import APIResponse, HttpxTransport

from core import deadline

from .client import http_client, is_rest_error
from .errors import WordPressBadResponse, WordPressTimeout, WordPressUnavailable


class WordPressTransport(HttpxTransport):
    """wp-python's transport on the shared client, within WP_TIMEOUT and the
    request's deadline, with every failure in the `errors` module's terms or
    as a wp-python error that WordPress itself answered."""

    def __init__(self) -> None:
        super().__init__(http_client())

    def request(self, method: str, path: str, *args: Any, **kwargs: Any) -> APIResponse:
        with deadline.within(settings.WP_TIMEOUT):
            left = deadline.remaining()
            if left is not None and left <= 0:
                raise WordPressTimeout(f"no time left to ask WordPress {method} {path}")
            try:
                return super().request(method, path, *args, **kwargs)
            except WordPressError as exc:
                if not is_rest_error(self.last_response):
                    raise self._not_wordpress(method, path) from exc
                raise
            except AttributeError:
                # wp-python's raise_for_status() calls .get() on the decoded
                # error body: one that is not an object is not WordPress's.
                if self.last_response is None or self.last_response.status_code < 400:
                    raise
                raise self._not_wordpress(method, path) from None
            except httpx.TimeoutException as exc:
                raise WordPressTimeout(f"WordPress did not answer {method} {path} in time") from exc
            except httpx.HTTPError as exc:
                raise WordPressUnavailable(f"WordPress unreachable for {method} {path}: {type(exc).__name__}") from exc
            except ValueError as exc:  # e.g. a non-numeric X-WP-Total header
                raise WordPressBadResponse(f"WordPress answered {method} {path} with an unreadable response") from exc

    def _not_wordpress(self, method: str, path: str) -> WordPressBadResponse:
        status = self.last_response.status_code
        return WordPressBadResponse(f"{method} {path} answered HTTP {status} without WordPress's REST error body")


class CallerTransport(WordPressTransport):
    """The transport speaking as one caller."""

    def __init__(self, username: str, password: str) -> None:
        super().__init__()
        # ApplicationPasswordAuth drops the display spaces of application passwords.
        self._auth_headers = ApplicationPasswordAuth(username, password).get_headers()

    def request(
        self, method: str, path: str, *args: Any, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> APIResponse:
        return super().request(method, path, *args, headers={**(headers or {}), **self._auth_headers}, **kwargs)
