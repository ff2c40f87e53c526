"""The WordPress REST API as the service asks it: httpx on one shared client,
with the caller's credentials, every outcome in `wpgateway.errors`' terms.

One `httpx.Client` serves the whole process (building one costs ~20 ms, mostly
the TLS context); each call passes the caller's own `Authorization` header, so
no credential is ever shared between callers or kept on the client.

Time: a call ends within WP_TIMEOUT and by the request's deadline
(core/deadline.py), whatever WordPress does. httpx's timeouts bound
each socket operation, so a server that sends a byte now and then would never
trip them; here every connect, read and write is given only the time left,
and none starts once it is gone.

Who speaks: an error status counts as WordPress's answer only with WordPress's
REST error body (`{"code": ..., "message": ...}`). Anything else at that
address (a firewall's 403 page, a proxy's 502, some other JSON) is
WordPressBadResponse: WordPress could not be heard, so nothing is concluded
about the caller's credentials or rights. WordPress's own 401, 403 and 404 are
CredentialsRefused, PermissionRefused and ResourceMissing; any other of its
refusals (a 400, a 5xx) is WordPressFailed.
"""

import base64
import threading
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
from django.conf import settings

from core import deadline

from .caller import Credentials
from .errors import (
    CredentialsRefused,
    GatewayError,
    PermissionRefused,
    ResourceMissing,
    WordPressBadResponse,
    WordPressFailed,
    WordPressRefusal,
    WordPressTimeout,
    WordPressUnavailable,
)
from .identity import WordPressUser

# WordPress's error message goes into the API's detail; an HTML error page
# from a proxy would otherwise make a detail of many kilobytes.
MESSAGE_LIMIT = 300

REFUSALS: dict[int, type[WordPressRefusal]] = {
    401: CredentialsRefused,
    403: PermissionRefused,
    404: ResourceMissing,
}

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
    """Whether the answer carries WordPress's REST error body (what the service
    takes as WordPress's own refusal)."""
    return _rest_error_body(response) is not None


def _rest_error_body(response: httpx.Response) -> dict[str, Any] | None:
    """The body WordPress's REST API answers an error with (`{"code": ..., "message": ..., "data": ...}`), or None."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("code"), str) and isinstance(body.get("message"), str):
        return body
    return None


@dataclass(frozen=True)
class Reply:
    """WordPress's successful answer: its JSON body and its paging totals."""

    data: Any
    total: int  # X-WP-Total, 0 when absent
    total_pages: int  # X-WP-TotalPages, 0 when absent


def request(
    method: str,
    path: str,
    credentials: Credentials | None = None,
    *,
    params: dict[str, Any] | None = None,
    json: dict[str, Any] | None = None,
) -> Reply:
    """`method` `path` (under `/wp-json`) as the holder of `credentials` (None:
    anonymously), within WP_TIMEOUT and the request's deadline. Raises the
    `errors` module's classes for anything but a JSON answer with a 2xx/3xx status."""
    headers = {} if credentials is None else {"Authorization": _basic(*credentials)}
    with deadline.within(settings.WP_TIMEOUT):
        left = deadline.remaining()
        if left is not None and left <= 0:
            raise WordPressTimeout(f"no time left to ask WordPress {method} {path}")
        try:
            response = http_client().request(method, path, params=params, json=json, headers=headers)
        except httpx.TimeoutException as exc:
            raise WordPressTimeout(f"WordPress did not answer {method} {path} in time") from exc
        except httpx.HTTPError as exc:
            raise WordPressUnavailable(f"WordPress unreachable for {method} {path}: {type(exc).__name__}") from exc
    try:
        # On every answer: a malformed paging header is no answer of WordPress's.
        total = int(response.headers.get("X-WP-Total", 0))
        total_pages = int(response.headers.get("X-WP-TotalPages", 0))
    except ValueError as exc:
        raise WordPressBadResponse(f"WordPress answered {method} {path} with an unreadable response") from exc
    if response.status_code >= 400:
        raise _refusal(method, path, response)
    try:
        data = response.json()
    except ValueError as exc:  # a maintenance page, an empty body, a redirect
        raise WordPressBadResponse(f"WordPress answered {method} {path} without a JSON body") from exc
    return Reply(data, total, total_pages)


def canonical(username: str, password: str) -> Credentials:
    """The credentials as WordPress reads them: the login trimmed with inner runs of
    whitespace made one space (`sanitize_user`), the application password without
    whitespace (WordPress shows it in groups of four). WordPress also compares
    logins without regard to case, which the credential cache's keys follow."""
    return " ".join(username.split()), "".join(password.split())


def _basic(username: str, password: str) -> str:
    token = base64.b64encode(":".join(canonical(username, password)).encode()).decode()
    return f"Basic {token}"


def _refusal(method: str, path: str, response: httpx.Response) -> GatewayError:
    """An error answer as its class: WordPress's own with `<message> [HTTP <status>]
    [<code>]` (the message on one line, cut to MESSAGE_LIMIT characters), or not WordPress's."""
    body = _rest_error_body(response)
    if body is None:
        status = response.status_code
        return WordPressBadResponse(f"{method} {path} answered HTTP {status} without WordPress's REST error body")
    message = " ".join(body["message"].split())
    if len(message) > MESSAGE_LIMIT:
        message = message[: MESSAGE_LIMIT - 1] + "…"
    parts = [message, f"[HTTP {response.status_code}]"] + ([f"[{body['code']}]"] if body["code"] else [])
    return REFUSALS.get(response.status_code, WordPressFailed)(" ".join(parts))


def fetch_current_user(username: str, password: str) -> WordPressUser:
    """`GET /wp/v2/users/me?context=edit` as the caller (read raw: a site may send
    `"meta": []`, which a strict user model would reject).

    Raises CredentialsRefused for WordPress's own 401, its other refusals for
    the others, and the `errors` module's other classes for an unreachable,
    slow, garbled or foreign answer.
    """
    reply = request("GET", "/wp/v2/users/me", (username, password), params={"context": "edit"})
    try:
        return WordPressUser.from_wordpress(reply.data)
    except ValueError as exc:
        raise WordPressBadResponse(str(exc)) from exc


def rest_index() -> Any:
    """`GET /wp-json/` without credentials, the namespaces only: what the WordPress
    address answers for its REST API's index."""
    return request("GET", "/", params={"_fields": "namespaces"}).data
