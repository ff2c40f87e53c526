"""Registry posts (the `restart-registry` post type) in WordPress, read and written as the caller.

The one module that speaks to WordPress about registries (docs/api.md, "Registries"). Every
call goes through `wpgateway.client` on the shared HTTP client, with the
caller's own credentials: WordPress applies its own rules to the
caller, and no call is ever made with anyone else's rights.

Whatever goes wrong comes out as one of `wpgateway.errors` (which
`registry_api.errors` answers), never as httpx's own:

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
from typing import Any

from . import client
from .caller import Caller
from .errors import (
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

logger = logging.getLogger(__name__)

POST_TYPE = "restart-registry"
COLLECTION = f"/wp/v2/{POST_TYPE}"


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
    params = {"password": password} if password else None
    with _faults(one_registry=True):
        return _post(_request(caller, "GET", f"{COLLECTION}/{registry_id}", params=params).data)


def list_registries(caller: Caller, *, author: int, page: int, per_page: int) -> RegistryPage:
    """The author's registries in any status, one page, with X-WP-Total / X-WP-TotalPages."""
    params = {"page": page, "per_page": per_page, "author": author, "status": "any"}
    with _faults(one_registry=False):
        reply = _request(caller, "GET", COLLECTION, params=params)
        if not isinstance(reply.data, list):
            raise WordPressBadResponse(f"listing {POST_TYPE} posts did not answer with a list")
    return RegistryPage(reply.data, total=reply.total, total_pages=reply.total_pages)


def create_registry(caller: Caller, fields: dict[str, Any]) -> dict[str, Any]:
    """`POST /wp/v2/restart-registry`; WordPress answers in edit context (raw story)."""
    with _faults(one_registry=False):
        return _post(_request(caller, "POST", COLLECTION, json=fields).data)


def update_registry(caller: Caller, registry_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    """`PUT /wp/v2/restart-registry/{id}` with only `fields`: WordPress leaves the rest,
    meta keys included, as they are."""
    with _faults(one_registry=True):
        return _post(_request(caller, "PUT", f"{COLLECTION}/{registry_id}", json=fields).data)


def delete_registry(caller: Caller, registry_id: int) -> None:
    """`DELETE /wp/v2/restart-registry/{id}?force=true`; returns only once WordPress
    says the post is gone (not in the trash)."""
    with _faults(one_registry=True):
        answer = _request(caller, "DELETE", f"{COLLECTION}/{registry_id}", params={"force": True}).data
        if not (isinstance(answer, dict) and answer.get("deleted") is True):
            raise WordPressBadResponse(f"WordPress did not confirm deleting {POST_TYPE} {registry_id}")


def _request(caller: Caller, method: str, path: str, **kwargs: Any) -> client.Reply:
    return client.request(method, path, caller.wordpress_credentials(), **kwargs)


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
