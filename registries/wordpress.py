"""Registry posts (the `restart-registry` post type) in WordPress, read and written as the caller.

The one module that speaks to WordPress about registries (docs/api.md, "Registries"):
wp-python's custom post type endpoint, on the connection of `wpauth.wordpress`,
with the caller's own credentials: WordPress applies its own rules to the
caller, and no call is ever made with anyone else's rights.

`wpauth.wordpress` classifies every answer; here refusals get a registry's meaning:

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

from core.errors import (
    CredentialsRefused,
    CredentialsRevoked,
    PermissionRefused,
    ReadRefused,
    RegistryMissing,
    ResourceMissing,
    WordPressBadResponse,
    WordPressFailed,
    WordPressUnavailable,
)
from wpauth.caller import Caller

if TYPE_CHECKING:
    from wp_python.client import CustomPostTypeEndpoint

    from wpauth.wordpress import CallerTransport

logger = logging.getLogger(__name__)

POST_TYPE = "restart-registry"


@dataclass(frozen=True)
class RegistryPage:
    """One page of the caller's registry posts and WordPress's paging totals."""

    posts: list[Any]  # as WordPress sent them: the caller decides what a usable post is
    total: int
    total_pages: int


def fetch_registry(caller: Caller, registry_id: int, *, password: str | None = None) -> dict[str, Any]:
    """`GET /wp/v2/restart-registry/{id}` (view context: the story comes rendered).

    `password`: the post password, sent as WordPress's REST API takes it; WordPress
    answers a wrong one (or any, for a post without a password) with a 403: ReadRefused.
    """
    params = {"password": password} if password else {}
    with _faults(one_registry=True):
        return _post(_endpoint(caller)[0].get(registry_id, **params))


def list_registries(caller: Caller, *, author: int, page: int, per_page: int) -> RegistryPage:
    """The author's registries in any status, one page, with X-WP-Total / X-WP-TotalPages."""
    endpoint, transport = _endpoint(caller)
    with _faults(one_registry=False):
        posts = endpoint.list(page=page, per_page=per_page, author=author, status="any")
        if not isinstance(posts, list):
            raise WordPressBadResponse(f"listing {POST_TYPE} posts did not answer with a list")
    return RegistryPage(posts, total=transport.last_total_items, total_pages=transport.last_total_pages)


def create_registry(caller: Caller, fields: dict[str, Any]) -> dict[str, Any]:
    """`POST /wp/v2/restart-registry`; WordPress answers in edit context (raw story)."""
    with _faults(one_registry=False):
        return _post(_endpoint(caller)[0].create(fields))


def update_registry(caller: Caller, registry_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    """`PUT /wp/v2/restart-registry/{id}` with only `fields`: WordPress leaves the rest,
    meta keys included, as they are."""
    with _faults(one_registry=True):
        return _post(_endpoint(caller)[0].update(registry_id, fields))


def delete_registry(caller: Caller, registry_id: int) -> None:
    """`DELETE /wp/v2/restart-registry/{id}?force=true`; returns only once WordPress
    says the post is gone (not in the trash)."""
    with _faults(one_registry=True):
        answer = _endpoint(caller)[0].delete(registry_id, force=True)
        if not (isinstance(answer, dict) and answer.get("deleted") is True):
            raise WordPressBadResponse(f"WordPress did not confirm deleting {POST_TYPE} {registry_id}")


def _endpoint(caller: Caller) -> tuple["CustomPostTypeEndpoint", "CallerTransport"]:
    """wp-python's endpoint for the post type, speaking as the caller, and its transport (paging totals)."""
    # At the first call: wpauth.wordpress's docstring.
    from wp_python.client import CustomPostTypeEndpoint

    from wpauth.wordpress import CallerTransport

    transport = CallerTransport(caller.wordpress_credentials())
    return CustomPostTypeEndpoint(transport, POST_TYPE), transport


def _post(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or "id" not in data:
        raise WordPressBadResponse(f"WordPress did not answer with a {POST_TYPE} post")
    return data


@contextmanager
def _faults(*, one_registry: bool) -> Iterator[None]:
    """WordPress's refusals as what they mean for a registry. `one_registry`: the
    call is about one post, so a 404 means that registry does not exist (for the
    collection it would mean the post type is not registered: a broken WordPress)."""
    try:
        yield
    except ResourceMissing as exc:
        if one_registry:
            raise RegistryMissing from exc
        logger.warning("WordPress refused a registry call: %s", exc)
        raise WordPressFailed(str(exc)) from exc
    except PermissionRefused as exc:
        raise ReadRefused from exc
    except CredentialsRefused as exc:
        raise CredentialsRevoked from exc
    except (WordPressUnavailable, WordPressBadResponse) as exc:  # WordPressTimeout, WordPressFailed too
        logger.warning("%s", exc)
        raise
