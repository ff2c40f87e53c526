"""WordPress failing while requests are in flight, over real sockets (D3).

tests/registries/test_routes.py injects faults with respx, inside httpx. Here the
loopback WordPress (tests/support/wordpress.py: `http.server` in a thread, really listening on 127.0.0.1)
fails the way a real one does: its port closed, an answer slower than
WP_TIMEOUT, a 500, garbage (HTML, truncated JSON, JSON of the wrong shape), a
connection closed in the middle of a response. So the real client, its
timeouts and its connection handling are what meet the fault.

For authentication (users/me) and for each kind of registry call, the answer
must be one of D3's JSON errors (`{"detail": ...}`: 401, 503 with Retry-After,
502, 504), never a 500 or plain text; and SQLite must hold nothing
half-written. The items a registry route changes are written only after
WordPress allowed it, except `restart_item_ids`, which is synced best effort
after the change is committed (docs/api.md, "Items of a registry"): a failed sync still answers
success, with the change in place.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from items.models import Item
from tests.support.accounts import ACCOUNTS, basic
from tests.support.client import ApiClient
from tests.support.events import http_v2_event
from tests.support.items import ITEM
from tests.support.wordpress import COLLECTION, FAULTS, POST, USERS_ME, LoopbackWordPress
from wpauth import wordpress as wp_client
from wpauth.backends import verify

TIMEOUT = 1.0  # WP_TIMEOUT, seconds: a slow answer takes longer; a healthy one, even on a busy machine, far less
REGISTRY = 100  # alice's, published, with items 1 and 2


class SiteWithItem(LoopbackWordPress):
    item: int  # the id of the stored item the calls name


@pytest.fixture
def loopback(settings):
    """The loopback WordPress with alice's registry 100 (inviting bob); SQLite holds
    two items of it, the first of which (`site.item`) the calls name."""
    site = SiteWithItem()
    site.site.add(id=REGISTRY, meta={"restart_invitees": '["bob"]'})
    settings.WP_BASE_URL = site.url
    settings.WP_TIMEOUT = TIMEOUT
    settings.WP_AUTH_CACHE_TTL = 300  # "stopped" relies on a verified caller staying verified
    wp_client.reset_http_client()  # the shared client is built from the settings above
    # No explicit ids: PostgreSQL's sequence would not move past them.
    site.item = Item.objects.create(registry_id=REGISTRY, **ITEM).id
    Item.objects.create(registry_id=REGISTRY, **ITEM)
    yield site
    site.stop()


# --- What is asked, what fails, what must hold -------------------------------------


def items_table() -> dict[int, tuple]:
    return {item.id: (item.registry_id, item.is_active, item.name) for item in Item.objects.order_by("id")}


# What SQLite must look like after a call: (rows before, rows after, the item the call names).
def unchanged(before: dict, after: dict, item: int) -> bool:
    return after == before


def one_item_added(before: dict, after: dict, item: int) -> bool:
    return len(after) == len(before) + 1 and all(after[item_id] == row for item_id, row in before.items())


def item_removed(before: dict, after: dict, item: int) -> bool:
    return after == {**before, item: (REGISTRY, False, ITEM["name"])}


@dataclass(frozen=True)
class Call:
    """An API request, the WordPress call of it that fails, and what SQLite must look like after."""

    method: str
    path: str  # "{item}": the fixture's item
    body: dict | None
    fails: tuple[str, str]  # (method, kind) of the WordPress call that fails
    first: bool = True  # it is the route's first WordPress call after authentication
    items_after: Callable[[dict, dict, int], bool] = unchanged
    best_effort: int | None = None  # the status answered anyway when this call fails


AUTHENTICATION = "authentication"
CALLS = {
    AUTHENTICATION: Call("GET", "/items", None, ("GET", USERS_ME)),
    "get": Call("GET", f"/registries/{REGISTRY}", None, ("GET", POST)),
    "list": Call("GET", "/registries", None, ("GET", COLLECTION)),
    "create": Call("POST", "/registries", {"title": "New", "username": "alice"}, ("POST", COLLECTION)),
    "update": Call("PATCH", f"/registries/{REGISTRY}", {"title": "Renamed"}, ("PUT", POST), first=False),
    # D5: the items are soft-deleted only once WordPress confirms.
    "delete": Call("DELETE", f"/registries/{REGISTRY}", None, ("DELETE", POST), first=False),
    "item add: access check": Call("POST", f"/registries/{REGISTRY}/items", ITEM, ("GET", POST)),
    "item add: sync": Call(
        "POST",
        f"/registries/{REGISTRY}/items",
        ITEM,
        ("PUT", POST),
        first=False,
        items_after=one_item_added,
        best_effort=201,
    ),
    "item remove: access check": Call("DELETE", f"/registries/{REGISTRY}/items/{{item}}", None, ("GET", POST)),
    "item remove: sync": Call(
        "DELETE",
        f"/registries/{REGISTRY}/items/{{item}}",
        None,
        ("PUT", POST),
        first=False,
        items_after=item_removed,
        best_effort=204,
    ),
    "invitee add": Call("POST", f"/registries/{REGISTRY}/invitees", {"invitees": ["bo"]}, ("PUT", POST), first=False),
    # D1: an item's registry is asked of WordPress before the item is written.
    "item update: access check": Call("PUT", "/items/{item}", {"name": "Renamed"}, ("GET", POST)),
}

# fault -> (status, detail or its beginning), for a fault in authentication and in a registry call.
UNAVAILABLE = (503, "WordPress is unavailable")
REFUSED = (401, "Invalid WordPress credentials")
ON_AUTHENTICATION = {fault: REFUSED if fault == "refused" else UNAVAILABLE for fault in FAULTS}
BAD_GATEWAY = (502, "WordPress error: ")
ON_REGISTRY_CALL = {fault: BAD_GATEWAY for fault in FAULTS} | {
    "slow": (504, "WordPress did not answer in time"),
    "refused": REFUSED,
}


def expected(call_name: str, fault: str) -> tuple[int, str | None]:
    """(status, detail prefix); no detail for a best-effort success."""
    call = CALLS[call_name]
    if call.best_effort is not None:
        return call.best_effort, None
    return (ON_AUTHENTICATION if call_name == AUTHENTICATION else ON_REGISTRY_CALL)[fault]


def break_wordpress(site: LoopbackWordPress, call_name: str, fault: str) -> None:
    call = CALLS[call_name]
    if FAULTS[fault] is not None:
        site.fail(fault, *call.fails)
        return
    if call_name != AUTHENTICATION:
        verify("alice", ACCOUNTS["alice"][0])  # alice gets in (cached) before WordPress goes down
    site.stop()


# A stopped WordPress fails a route's first call: later ones are never made.
CASES = [
    pytest.param(call_name, fault, id=f"{call_name} / {fault}")
    for call_name, call in CALLS.items()
    for fault in FAULTS
    if call.first or fault != "stopped"
]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


def through_django(method: str, path: str, body: dict | None) -> Answer:
    response = ApiClient(basic("alice")).generic(method, path, body or "")
    return Answer(response.status_code, {name.lower(): value for name, value in response.items()}, response.content)


def through_lambda(method: str, path: str, body: dict | None) -> Answer:
    from registry_api.lambda_handler import handler

    result = handler(http_v2_event(method, path, body=body, headers={"Authorization": basic("alice")}), None)
    headers = {name.lower(): value for name, value in result["headers"].items()}
    return Answer(result["statusCode"], headers, result["body"].encode())


def assert_outcome(answer: Answer, call_name: str, fault: str) -> None:
    status, detail = expected(call_name, fault)
    assert answer.status == status, answer.body
    if detail is None:
        return
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    body = json.loads(answer.body)
    assert list(body) == ["detail"] and body["detail"].startswith(detail), body
    assert len(body["detail"]) < 400  # no HTML page or body dump in the detail
    assert ("www-authenticate" in answer.headers) is (status == 401)
    assert ("retry-after" in answer.headers) is (status == 503)


def run(site: SiteWithItem, call_name: str, fault: str, send: Callable[..., Answer]) -> None:
    """Break WordPress, make the call, check the answer and SQLite."""
    call = CALLS[call_name]
    before = items_table()
    break_wordpress(site, call_name, fault)

    answer = send(call.method, call.path.format(item=site.item), call.body)

    assert_outcome(answer, call_name, fault)
    assert call.items_after(before, items_table(), site.item)


# --- The tests -----------------------------------------------------------------------


@pytest.mark.parametrize(("call_name", "fault"), CASES)
def test_a_wordpress_fault_is_a_json_error_and_leaves_nothing_half_written(db, loopback, call_name, fault):
    run(loopback, call_name, fault, through_django)


@pytest.mark.parametrize(
    ("call_name", "fault"),
    [
        (AUTHENTICATION, "slow"),
        ("delete", "500"),
        ("item add: access check", "cut off"),
        ("item remove: sync", "slow"),
    ],
)
def test_through_the_lambda_handler(transactional_db, loopback, call_name, fault):
    """The same outcomes from API Gateway's side (Mangum, Django's ASGI thread)."""
    run(loopback, call_name, fault, through_lambda)


def test_wordpress_back_after_a_fault_serves_again(db, loopback):
    """A fault leaves no broken state behind: no poisoned connection, no cached failure."""
    get = CALLS["get"]
    loopback.fail("cut off", "GET", USERS_ME)
    assert through_django(get.method, get.path, get.body).status == 503
    loopback.faults.clear()
    assert through_django(get.method, get.path, get.body).status == 200
