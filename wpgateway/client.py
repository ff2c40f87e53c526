"""HTTP access to the WordPress REST API, through wp-python, with the caller's credentials.

One `httpx.Client` serves the whole process (building one costs ~20 ms, mostly
the TLS context); each call gets its own light wp-python transport that adds
the caller's `Authorization` header, so no credential is ever shared between
callers and wp-python's per-transport state (last response, pagination) stays
per call.

Time: a call ends within WP_TIMEOUT and by the request's deadline
(core/deadline.py), whatever WordPress does. httpx's timeouts bound
each socket operation, so a server that sends a byte now and then would never
trip them; here every connect, read and write is given only the time left,
and none starts once it is gone.

Who speaks: an error status counts as WordPress's answer only with WordPress's
REST error body (`{"code": ..., "message": ...}`). Anything else at that
address (a firewall's 403 page, a proxy's 502, some other JSON) is
WordPressBadResponse: WordPress could not be heard, so nothing is concluded
about the caller's credentials or rights.

wp-python is imported at the first WordPress call, not when the process starts:
any `wp_python` import runs its package's `__init__`, which imports every
endpoint and model it has (posts, media, comments...: about 90 ms, 55 pydantic
models), while a Lambda cold start that serves `/health` needs none of them
(bench/README.md, plan step 6). Only `wpgateway.transport` and the functions
that call WordPress import it.
"""

import threading
from typing import Any

import httpcore
import httpx
from django.conf import settings

from core import deadline

from .errors import WordPressBadResponse
from .identity import WordPressUser

_client: httpx.Client | None = None
_client_lock = threading.Lock()


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation ends by the deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._stream.start_tls(ssl_context, server_hostname, _time_left(timeout, httpcore.ConnectTimeout))
        )

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend, with connections that end by the deadline."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None) -> httpcore.NetworkStream:
        timeout = _time_left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(self, path, timeout=None, socket_options=None) -> httpcore.NetworkStream:
        timeout = _time_left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _time_left(timeout: float | None, expired: type[Exception]) -> float | None:
    """`timeout` cut to the time before the deadline; `expired` once it is gone."""
    left = deadline.remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise expired("the deadline has passed")
    return left if timeout is None else min(timeout, left)


def http_client() -> httpx.Client:
    """The process-wide client, created on first use (settings may change in tests)."""
    global _client
    with _client_lock:
        if _client is None or _client.is_closed:
            transport = httpx.HTTPTransport()
            # httpx has no parameter for httpcore's network backend: wrap the one its pool uses.
            transport._pool._network_backend = _DeadlineBackend(transport._pool._network_backend)
            _client = httpx.Client(
                transport=transport,
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


def is_rest_error(response: httpx.Response) -> bool:
    """The body WordPress's REST API answers an error with: `{"code": ..., "message": ..., "data": ...}`."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("code"), str) and isinstance(body.get("message"), str)


def fetch_current_user(username: str, password: str) -> WordPressUser:
    """`GET /wp/v2/users/me?context=edit` as the caller.

    Raises wp-python's `AuthenticationError` for WordPress's own 401, its other
    errors for WordPress's other refusals, and the `errors` module's classes for
    an unreachable, slow, garbled or foreign answer.
    """
    from .transport import CallerTransport  # wp-python: at the first call (module docstring)

    # wp-python's UsersEndpoint.me() would reject a site that sends "meta": [],
    # so the body is read raw and parsed here.
    response = CallerTransport(username, password).request("GET", "/wp/v2/users/me", params={"context": "edit"})
    try:
        return WordPressUser.from_wordpress(response.data)
    except ValueError as exc:
        raise WordPressBadResponse(str(exc)) from exc


def rest_index() -> Any:
    """`GET /wp-json/` without credentials, the namespaces only: what the WordPress
    address answers for its REST API's index."""
    from .transport import WordPressTransport  # wp-python: at the first call (module docstring)

    return WordPressTransport().request("GET", "/", params={"_fields": "namespaces"}).data
