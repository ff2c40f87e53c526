"""The connection to WordPress's REST API: wp-python's endpoints over one pool of
connections per process, each call with its caller's own credentials, within
WP_TIMEOUT and the request's deadline, every failure classified here once.

Imported at the first WordPress call (not when a process starts): importing
wp-python imports every endpoint and model it has, which a cold start serving
`/health`, or an administrator's item routes, never need.

wp-python's `WordPressClient` builds a new `httpx.Client` (and TLS context) for
every instance; the service builds one `httpx.Client` for the process and gives
wp-python's endpoints a transport over it for each call instead (the Transport
protocol, wp-python's seam for this).

Who speaks: an error status counts as WordPress's answer only with WordPress's
REST error body (`{"code": ..., "message": ...}`). Anything else at that address
(a firewall's 403 page, a proxy's 502, other JSON) is WordPressBadResponse:
nothing is concluded about the caller's credentials or rights.
"""

import json
import threading
from typing import Any

import httpcore
import httpx
import pydantic
from django.conf import settings
from wp_python.auth import ApplicationPasswordAuth
from wp_python.endpoints.users import UsersEndpoint
from wp_python.exceptions import WordPressError
from wp_python.models.user import User
from wp_python.transport import APIResponse, HttpxTransport

from core import deadline
from core.errors import (
    CredentialsRefused,
    PermissionRefused,
    ResourceMissing,
    WordPressBadResponse,
    WordPressFailed,
    WordPressRefusal,
    WordPressTimeout,
    WordPressUnavailable,
)

from .caller import Credentials, canonical

# WordPress's message goes into the API's detail; an HTML page from a proxy
# would otherwise make a detail of many kilobytes.
MESSAGE_LIMIT = 300
REFUSALS: dict[int, type[WordPressRefusal]] = {401: CredentialsRefused, 403: PermissionRefused, 404: ResourceMissing}
# PHP encodes an empty array as `[]`, also where the REST schema has an object.
PHP_EMPTY_OBJECTS = ("meta", "capabilities", "extra_capabilities", "avatar_urls")

_client: httpx.Client | None = None
_client_lock = threading.Lock()


# --- connections that end by the deadline ----------------------------------------------
# httpx's timeouts bound each socket operation, so a server sending a byte now and
# then would never trip them; here each operation gets only the time left. httpx
# takes no network backend, so its transport interface is served from httpcore's
# pool, which does.


def _time_left(timeout: float | None, expired: type[Exception]) -> float | None:
    left = deadline.remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise expired("the deadline has passed")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self.stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        timeout = _time_left(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self.stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self.stream.get_extra_info(info)


class DeadlineBackend(httpcore.SyncBackend):
    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None) -> httpcore.NetworkStream:
        timeout = _time_left(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(super().connect_tcp(host, port, timeout, local_address, socket_options))


class DeadlineTransport(httpx.BaseTransport):
    """httpx's transport interface over an httpcore pool with the deadline backend.
    Reads each answer whole, so that the body too arrives by the deadline."""

    def __init__(self) -> None:
        self.pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=DeadlineBackend())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        with self.pool.stream(
            request.method,
            httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.read(),
            extensions=request.extensions,
        ) as response:
            content = response.read()
        return httpx.Response(response.status, headers=response.headers, content=content, request=request)

    def close(self) -> None:
        self.pool.close()


def http_client() -> httpx.Client:
    """The process's client, built at the first call (tests change the settings)."""
    global _client
    with _client_lock:
        if _client is None or _client.is_closed:
            _client = httpx.Client(
                transport=DeadlineTransport(),
                base_url=f"{settings.WP_BASE_URL.rstrip('/')}/wp-json",
                headers={"Accept": "application/json", "User-Agent": "restart-registry-api"},
                timeout=settings.WP_TIMEOUT,
            )
        return _client


def reset_http_client() -> None:
    """Close the client, so that the next call builds one from the current settings."""
    global _client
    with _client_lock:
        if _client is not None:
            _client.close()
        _client = None


# --- one call ----------------------------------------------------------------------------


def rest_error_body(response: httpx.Response | None) -> dict[str, Any] | None:
    """The body WordPress's REST API answers an error with, or None."""
    if response is None:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("code"), str) and isinstance(body.get("message"), str):
        return body
    return None


class CallerTransport:
    """wp-python's Transport for one call: HttpxTransport on the shared client,
    the caller's `Authorization` (none: anonymous), the deadline, and every
    outcome in `errors`' terms."""

    def __init__(self, credentials: Credentials | None) -> None:
        self.inner = HttpxTransport(http_client())
        self.auth = {} if credentials is None else ApplicationPasswordAuth(*canonical(*credentials)).get_headers()

    @property
    def last_total_pages(self) -> int:
        return self.inner.last_total_pages

    @property
    def last_total_items(self) -> int:
        return self.inner.last_total_items

    @property
    def last_response(self) -> httpx.Response | None:
        return self.inner.last_response

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> APIResponse:
        with deadline.within(settings.WP_TIMEOUT):
            left = deadline.remaining()
            if left is not None and left <= 0:
                raise WordPressTimeout(f"no time left to ask WordPress {method} {path}")
            try:
                reply = self.inner.request(method, path, headers={**(headers or {}), **self.auth}, **kwargs)
            except WordPressError as exc:
                raise self.refusal(method, path) from exc
            except AttributeError as exc:  # wp-python reads an error body that is no object
                raise self.refusal(method, path) from exc
            except (httpx.TimeoutException, httpcore.TimeoutException) as exc:
                raise WordPressTimeout(f"WordPress did not answer {method} {path} in time") from exc
            except (
                httpx.HTTPError,
                httpcore.NetworkError,
                httpcore.ProtocolError,
                httpcore.UnsupportedProtocol,
            ) as exc:
                raise WordPressUnavailable(f"WordPress unreachable for {method} {path}: {type(exc).__name__}") from exc
            except ValueError as exc:  # a paging header that is no number
                raise WordPressBadResponse(f"WordPress answered {method} {path} with an unreadable response") from exc
        if reply.status_code != 204:
            self.require_json(method, path, reply)
        return reply

    def refusal(self, method: str, path: str) -> Exception:
        """An error answer as its class: WordPress's own, `<message> [HTTP <status>] [<code>]`
        (the message on one line, cut to MESSAGE_LIMIT characters), or not WordPress's."""
        response = self.inner.last_response
        body = rest_error_body(response)
        if response is None or body is None:
            status = None if response is None else response.status_code
            return WordPressBadResponse(f"{method} {path} answered HTTP {status} without WordPress's REST error body")
        message = " ".join(body["message"].split())
        if len(message) > MESSAGE_LIMIT:
            message = message[: MESSAGE_LIMIT - 1] + "…"
        parts = [message, f"[HTTP {response.status_code}]"] + ([f"[{body['code']}]"] if body["code"] else [])
        return REFUSALS.get(response.status_code, WordPressFailed)(" ".join(parts))

    @staticmethod
    def require_json(method: str, path: str, reply: APIResponse) -> None:
        # HttpxTransport answers a body that is no JSON as {"raw": text}.
        if reply.raw is not None and isinstance(reply.data, dict) and set(reply.data) == {"raw"}:
            try:
                json.loads(reply.raw.content)
            except ValueError:
                raise WordPressBadResponse(f"WordPress answered {method} {path} without a JSON body") from None
        if isinstance(reply.data, dict):
            if isinstance(reply.data.get("id"), bool):
                raise WordPressBadResponse(f"WordPress answered {method} {path} with an id that is no number")
            for key in PHP_EMPTY_OBJECTS:
                if reply.data.get(key) == []:
                    reply.data[key] = {}
            if "roles" in reply.data and reply.data["roles"] is None:  # some sites' users/me
                reply.data["roles"] = []

    def close(self) -> None:
        """Nothing of its own: the shared client stays open."""


def current_user(credentials: Credentials) -> User:
    """`GET /wp/v2/users/me?context=edit` as the holder of `credentials`."""
    try:
        return UsersEndpoint(CallerTransport(credentials)).me(context="edit")
    except pydantic.ValidationError as exc:
        raise WordPressBadResponse("users/me did not answer with a user object") from exc


def rest_index() -> Any:
    """`GET /wp-json/` without credentials, the namespaces only: what the WordPress
    address answers for its REST API's index."""
    return CallerTransport(None).request("GET", "/", params={"_fields": "namespaces"}).data
