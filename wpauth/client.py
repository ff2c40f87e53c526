"""HTTP access to the WordPress REST API, through wp-python, with the caller's credentials.

One `httpx.Client` serves the whole process (building one costs ~20 ms, mostly
the TLS context); each call gets its own light wp-python transport that adds
the caller's `Authorization` header, so no credential is ever shared between
callers and wp-python's per-transport state (last response, pagination) stays
per call.
"""

import threading
from typing import Any

import httpx
from django.conf import settings
from wp_python.auth import ApplicationPasswordAuth
from wp_python.exceptions import raise_for_status
from wp_python.transport import APIResponse, HttpxTransport

from .errors import WordPressBadResponse, WordPressTimeout, WordPressUnavailable
from .identity import WordPressUser

_client: httpx.Client | None = None
_client_lock = threading.Lock()


def http_client() -> httpx.Client:
    """The process-wide client, created on first use (settings may change in tests)."""
    global _client
    with _client_lock:
        if _client is None or _client.is_closed:
            _client = httpx.Client(
                base_url=f"{settings.WP_BASE_URL.rstrip('/')}/wp-json",
                headers={"Accept": "application/json", "User-Agent": "restart-registry-api"},
                timeout=settings.WP_TIMEOUT,
            )
        return _client


def reset_http_client() -> None:
    """Close the shared client so the next call builds one from current settings."""
    global _client
    with _client_lock:
        if _client is not None:
            _client.close()
        _client = None


class CallerTransport(HttpxTransport):
    """wp-python's transport on the shared client, speaking as one caller."""

    def __init__(self, username: str, password: str) -> None:
        super().__init__(http_client())
        # ApplicationPasswordAuth drops the display spaces of application passwords.
        self._auth_headers = ApplicationPasswordAuth(username, password).get_headers()

    def request(self, method: str, path: str, *args: Any, headers: dict[str, str] | None = None, **kwargs: Any) -> APIResponse:
        try:
            return super().request(method, path, *args, headers={**(headers or {}), **self._auth_headers}, **kwargs)
        except httpx.TimeoutException as exc:
            raise WordPressTimeout(f"WordPress did not answer {method} {path} in time") from exc
        except httpx.HTTPError as exc:
            raise WordPressUnavailable(f"WordPress unreachable for {method} {path}: {type(exc).__name__}") from exc
        except ValueError as exc:  # e.g. a non-numeric X-WP-Total header
            raise WordPressBadResponse(f"WordPress answered {method} {path} with an unreadable response") from exc
        except AttributeError:
            # wp-python's raise_for_status() calls .get() on the decoded error
            # body, so a JSON error body that is not an object (a proxy's
            # "Unauthorized", a list) escaped as AttributeError, i.e. a 500 (D3).
            # Classify such an answer by its status alone.
            response = self.last_response
            if response is None or response.status_code < 400:
                raise
            raise_for_status(response.status_code, {"message": response.text})
            raise  # unreachable: raise_for_status raises for every status >= 400


def fetch_current_user(username: str, password: str) -> WordPressUser:
    """`GET /wp/v2/users/me?context=edit` as the caller.

    Raises wp-python's `AuthenticationError`/`PermissionError` for refused
    credentials, the `errors` module's classes for an unreachable or garbled WordPress.
    """
    # wp-python's UsersEndpoint.me() would reject a site that sends "meta": [],
    # so the body is read raw and parsed here.
    response = CallerTransport(username, password).request("GET", "/wp/v2/users/me", params={"context": "edit"})
    try:
        return WordPressUser.from_wordpress(response.data)
    except ValueError as exc:
        raise WordPressBadResponse(str(exc)) from exc
