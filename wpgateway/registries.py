"""Registry posts (the `restart-registry` post type) in WordPress, read and written as the caller.

The one module that speaks to WordPress about registries (CONTRACT 4.3). Every
call goes through wp-python's CustomPostTypeEndpoint on the shared HTTP client,
with the caller's own credentials: WordPress applies its own rules to the
caller, and no call is ever made with anyone else's rights.

Whatever goes wrong comes out as one of `wpgateway.errors` (which
`registry_api.errors` answers), never as wp-python's or httpx's own:

| WordPress                                        | raised                      |
|--------------------------------------------------|-----------------------------|
| 404 on one registry (get, update, delete)        | RegistryMissing             |
| 403                                              | ReadRefused                 |
| 401 (the credentials stopped working)            | CredentialsRevoked          |
| no answer in time (WP_TIMEOUT, the deadline)     | WordPressTimeout            |
| unreachable                                      | WordPressUnavailable        |
| 5xx, any other error, garbage                    | WordPressFailed, WordPressBadResponse |

The 404, 403 and 401 rows need WordPress's own REST error body; the same
status from something else at its address (a firewall, a proxy) is WordPressBadResponse.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .caller import Caller
from .errors import (
    CredentialsRevoked,
    ReadRefused,
    RegistryMissing,
    WordPressBadResponse,
    WordPressFailed,
    WordPressUnavailable,
)

if TYPE_CHECKING:
    from wp_python.client import CustomPostTypeEndpoint
    from wp_python.exceptions import WordPressError

    from .transport import CallerTransport

logger = logging.getLogger(__name__)

POST_TYPE = "restart-registry"

# WordPress's error message goes into the answer's detail; an HTML error page
# from a proxy would otherwise make a detail of many kilobytes.
MESSAGE_LIMIT = 300


@dataclass(frozen=True)
class RegistryPage:
    """One page of the caller's registry posts and WordPress's paging totals."""

    posts: list[Any]  # as WordPress sent them: the caller decides what a usable post is
    total: int
    total_pages: int


def fetch_registry(caller: Caller, registry_id: int) -> dict[str, Any]:
    """`GET /wp/v2/restart-registry/{id}` (view context: the story comes rendered)."""
    with _faults(one_registry=True):
        return _post(_endpoint(_transport(caller)).get(registry_id))


def list_registries(caller: Caller, *, author: int, page: int, per_page: int) -> RegistryPage:
    """The author's registries in any status, one page, with X-WP-Total / X-WP-TotalPages."""
    transport = _transport(caller)
    with _faults(one_registry=False):
        posts = _endpoint(transport).list(page=page, per_page=per_page, author=author, status="any")
        if not isinstance(posts, list):
            raise WordPressBadResponse(f"listing {POST_TYPE} posts did not answer with a list")
    return RegistryPage(posts, total=transport.last_total_items, total_pages=transport.last_total_pages)


def create_registry(caller: Caller, fields: dict[str, Any]) -> dict[str, Any]:
    """`POST /wp/v2/restart-registry`; WordPress answers in edit context (raw story)."""
    with _faults(one_registry=False):
        return _post(_endpoint(_transport(caller)).create(fields))


def update_registry(caller: Caller, registry_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    """`PUT /wp/v2/restart-registry/{id}` with only `fields`: WordPress leaves the rest,
    meta keys included, as they are."""
    with _faults(one_registry=True):
        return _post(_endpoint(_transport(caller)).update(registry_id, fields))


def delete_registry(caller: Caller, registry_id: int) -> None:
    """`DELETE /wp/v2/restart-registry/{id}?force=true`; returns only once WordPress
    says the post is gone (not in the trash)."""
    with _faults(one_registry=True):
        answer = _endpoint(_transport(caller)).delete(registry_id, force=True)
        if not (isinstance(answer, dict) and answer.get("deleted") is True):
            raise WordPressBadResponse(f"WordPress did not confirm deleting {POST_TYPE} {registry_id}")


def _transport(caller: Caller) -> "CallerTransport":
    from .transport import CallerTransport  # wp-python: at the first call (wpgateway.client)

    return CallerTransport(*caller.wordpress_credentials())


def _endpoint(transport: "CallerTransport") -> "CustomPostTypeEndpoint":
    from wp_python.client import CustomPostTypeEndpoint

    return CustomPostTypeEndpoint(transport, POST_TYPE)


def _post(data: Any) -> dict[str, Any]:
    # wp-python hands back {"raw": text} for a 200 that is not JSON.
    if not isinstance(data, dict) or "id" not in data:
        raise WordPressBadResponse(f"WordPress did not answer with a {POST_TYPE} post")
    return data


@contextmanager
def _faults(*, one_registry: bool) -> Iterator[None]:
    """wp-python's errors as this package's. `one_registry`: the call is about one
    post, so a 404 means that registry does not exist (for the collection it
    would mean the post type is not registered: a broken WordPress)."""
    from wp_python.exceptions import AuthenticationError, NotFoundError, WordPressError  # at the first call
    from wp_python.exceptions import PermissionError as WordPressPermissionError

    try:
        yield
    except NotFoundError as exc:
        if one_registry:
            raise RegistryMissing from exc
        raise WordPressFailed(_wordpress_error(exc)) from exc
    except WordPressPermissionError as exc:
        raise ReadRefused from exc
    except AuthenticationError as exc:
        raise CredentialsRevoked from exc
    except WordPressError as exc:
        logger.warning("WordPress refused a registry call: %s", exc)
        raise WordPressFailed(_wordpress_error(exc)) from exc
    except (WordPressUnavailable, WordPressBadResponse) as exc:  # WordPressTimeout too
        logger.warning("%s", exc)
        raise


def _wordpress_error(exc: "WordPressError") -> str:
    """v1.0.x's detail after `WordPress error: `, `<message> [HTTP <status>] [<code>]`,
    with the message on one line and cut to MESSAGE_LIMIT characters."""
    message = " ".join(str(exc.message).split())
    if len(message) > MESSAGE_LIMIT:
        message = message[: MESSAGE_LIMIT - 1] + "…"
    parts = [message]
    if exc.status_code:
        parts.append(f"[HTTP {exc.status_code}]")
    if exc.error_code:
        parts.append(f"[{exc.error_code}]")
    return " ".join(parts)
