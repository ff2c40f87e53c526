"""Who may reach which item (D1), and the cached registry facts it is decided from.

WordPress is `WordPressStandIn`, with the mu-plugin's rules: a private registry
is refused (403) to anyone but its author, administrators and its invitees, a
draft to anyone but its author and administrators. Callers: alice owns the
registries, eddie (an editor, no administrator) is a reader, an invitee or a
stranger depending on the registry, admin is the administrator.
"""

from typing import Any

import httpx
import pytest

from core.errors import NotAuthenticated
from items import access as items_access
from items.models import Item
from registries import facts
from registries.rules import Access
from registry_api import errors
from tests.support.access_registries import (
    ACCESS,
    BY_EMAIL,
    BY_LOGIN,
    DRAFT,
    EDDIE_ID,
    EDDIES,
    LEGACY,
    MISSING,
    PRIVATE,
    PUBLISHED,
    M,
    N,
    R,
    item_in,
)
from tests.support.accounts import basic
from tests.support.items import SAMPLE_ITEM, assert_detail, body_of, envelope, ids, send
from tests.support.wordpress import wordpress_error
from wpauth.caller import Caller
from wpauth.identity import WordPressUser

ITEM_NOT_FOUND = "Item with id {id} not found"
REGISTRY_NOT_FOUND = "Registry not found"
WRITE_DENIED = "Not authorized to modify this item"
ADD_DENIED = "Only the registry owner can add items"


# --- The rules, route by route -----------------------------------------------------


# route -> (method, path, body, success message, {access: 200 or (status, detail)}); {id} is the item's id.
HIDDEN = (404, ITEM_NOT_FOUND)
ROUTES: dict[str, tuple[str, str, object, str | None, dict[Access, int | tuple[int, str]]]] = {
    "GET item": ("GET", "/items/{id}", "", None, {M: 200, R: 200, N: HIDDEN}),
    "purchase": ("POST", "/items/{id}/purchase", {"quantity": 1}, "Purchase recorded", {M: 200, R: 200, N: HIDDEN}),
    "PUT item": (
        "PUT",
        "/items/{id}",
        {"notes": "n"},
        "Item updated successfully",
        {M: 200, R: (403, WRITE_DENIED), N: HIDDEN},
    ),
    "DELETE item": (
        "DELETE",
        "/items/{id}",
        "",
        "Item deleted successfully",
        {M: 200, R: (403, WRITE_DENIED), N: HIDDEN},
    ),
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("login", "registry_id"), ACCESS)
def test_item_routes_follow_the_registrys_access(clients, access_wordpress, login, registry_id, route):
    method, path, body, message, outcomes = ROUTES[route]
    item_id = item_in(registry_id)
    outcome = outcomes[ACCESS[login, registry_id]]

    response = send(clients[login], method, path.format(id=item_id), body)

    if outcome == 200:
        assert envelope(response, 200, message, admin=login == "admin")["id"] == item_id
    else:
        assert isinstance(outcome, tuple)
        status, detail = outcome
        assert_detail(response, status, detail.format(id=item_id))


@pytest.mark.parametrize(("login", "registry_id"), [key for key in ACCESS if key[1] is not LEGACY])
def test_create_needs_owner_or_administrator(clients, access_wordpress, login, registry_id):
    response = send(clients[login], "POST", "/items", {**SAMPLE_ITEM, "registry_id": registry_id})
    granted = ACCESS[login, registry_id]
    if granted is M:
        assert (
            envelope(response, 201, "Item created successfully", admin=login == "admin")["registry_id"] == registry_id
        )
    else:
        assert_detail(response, *{R: (403, ADD_DENIED), N: (404, REGISTRY_NOT_FOUND)}[granted])
    assert Item.objects.exists() is (granted is M)


# --- Nothing leaks ----------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("alice_asked_first", [False, True], ids=["wordpress-refuses", "facts-cached"])
def test_an_item_of_a_private_registry_answers_as_a_missing_one(
    alice, eddie, access_wordpress, route, alice_asked_first
):
    """Whether WordPress refuses eddie or the facts alice's request cached decide, he gets 404."""
    method, path, body, _, _ = ROUTES[route]
    hidden, missing = item_in(PRIVATE), 987654
    if alice_asked_first:
        send(alice, "GET", f"/items/{hidden}")

    for item_id in (hidden, missing):
        assert_detail(send(eddie, method, path.format(id=item_id), body), 404, ITEM_NOT_FOUND.format(id=item_id))
    assert Item.objects.get(id=hidden).notes is None and Item.objects.get(id=hidden).is_active


@pytest.mark.parametrize("registry_id", [PRIVATE, MISSING, 0, -3])
def test_creating_in_a_registry_one_cannot_read_is_registry_not_found(eddie, access_wordpress, registry_id):
    """A private registry answers like one that does not exist (ids below 1 cannot be posts: no WordPress call)."""
    assert_detail(send(eddie, "POST", "/items", {**SAMPLE_ITEM, "registry_id": registry_id}), 404, REGISTRY_NOT_FOUND)
    assert len(access_wordpress.reads(registry_id)) == (1 if registry_id > 0 else 0)


def test_legacy_rows_are_the_administrators_alone_without_asking_wordpress(alice, admin, access_wordpress):
    item_id = item_in(LEGACY)
    assert_detail(send(alice, "GET", f"/items/{item_id}"), 404, ITEM_NOT_FOUND.format(id=item_id))
    assert ids(send(alice, "GET", "/items")) == []
    assert envelope(send(admin, "GET", f"/items/{item_id}"), admin=True)["registry_id"] is None
    assert ids(send(admin, "GET", "/items")) == [item_id]
    assert [request.url.path for request in access_wordpress.requests()] == [
        "/wp-json/wp/v2/restart-registry"
    ]  # alice's list


def test_administrators_never_ask_wordpress_about_registries(admin, access_wordpress):
    item_id = item_in(PRIVATE)
    envelope(send(admin, "GET", f"/items/{item_id}"), admin=True)
    envelope(send(admin, "PUT", f"/items/{item_id}", {"notes": "n"}), message="Item updated successfully", admin=True)
    envelope(send(admin, "POST", f"/items/{item_id}/purchase", {}), message="Purchase recorded", admin=True)
    envelope(send(admin, "DELETE", f"/items/{item_id}"), message="Item deleted successfully", admin=True)
    envelope(
        send(admin, "POST", "/items", {**SAMPLE_ITEM, "registry_id": MISSING}),
        201,
        "Item created successfully",
        admin=True,
    )
    assert ids(send(admin, "GET", "/items")) != []
    assert access_wordpress.requests() == []


def test_a_caller_without_credentials_is_401_once_wordpress_must_be_asked():
    """Possible only for a caller authenticated some other way; administrators need none."""
    user: dict[str, Any] = {"id": 9, "slug": "x", "login": "x", "email": "", "display_name": "X"}
    assert items_access.registry_access(Caller(WordPressUser(**user, roles=("administrator",)), None), PRIVATE) is M
    with pytest.raises(NotAuthenticated) as refused:
        items_access.registry_access(Caller(WordPressUser(**user), None), PRIVATE)
    # 401 without a challenge: the credentials were not refused.
    assert errors.answer(refused.value) == errors.Answer(401, "Invalid credentials", {})


# --- GET /items --------------------------------------------------------------------


def test_list_holds_the_items_of_the_callers_own_registries(clients, access_wordpress):
    by_registry = {
        registry_id: item_in(registry_id)
        for registry_id in (PUBLISHED, PRIVATE, BY_LOGIN, BY_EMAIL, EDDIES, MISSING, LEGACY)
    }
    item_in(PUBLISHED, is_active=False)
    newest_first = sorted(by_registry.values(), reverse=True)

    assert ids(send(clients["alice"], "GET", "/items")) == [
        by_registry[r] for r in (BY_EMAIL, BY_LOGIN, PRIVATE, PUBLISHED)
    ]
    # Not what eddie is invited to, nor what is published: his own.
    assert ids(send(clients["eddie"], "GET", "/items")) == [by_registry[EDDIES]]
    assert ids(send(clients["admin"], "GET", "/items")) == newest_first
    [asked] = [dict(request.url.params) for request in access_wordpress.reads(None) if "author=2" in str(request.url)]
    assert asked == {"page": "1", "per_page": "100", "author": "2", "status": "any"}


def test_list_pages_after_filtering(alice, access_wordpress):
    """skip and limit count alice's items only, not the others' in between."""
    mine: list[int] = []  # newest first
    for _ in range(4):
        item_in(EDDIES)
        mine.insert(0, item_in(PUBLISHED))
    assert ids(send(alice, "GET", "/items?skip=1&limit=2")) == mine[1:3]


def test_list_reads_every_page_of_the_callers_registries(alice, access_wordpress):
    registry_ids = [access_wordpress.add(status="private") for _ in range(150)]
    first, last = item_in(registry_ids[0]), item_in(registry_ids[-1])

    assert ids(send(alice, "GET", "/items")) == [last, first]
    assert [request.url.params["page"] for request in access_wordpress.reads(None)] == ["1", "2"]


# --- Cached registry facts ------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    """The facts cache's monotonic clock, set by hand: clock[0] = now."""
    now = [1000.0]
    monkeypatch.setattr(facts, "clock", lambda: now[0])
    return now


def test_one_wordpress_call_within_the_ttl_whoever_asks(alice, eddie, access_wordpress):
    item_id = item_in(PUBLISHED)
    for client, method, path, body in [
        (alice, "GET", f"/items/{item_id}", ""),
        (eddie, "GET", f"/items/{item_id}", ""),
        (eddie, "POST", f"/items/{item_id}/purchase", {}),
        (alice, "PUT", f"/items/{item_id}", {"notes": "n"}),
        (alice, "POST", "/items", {**SAMPLE_ITEM, "registry_id": PUBLISHED}),
    ]:
        assert send(client, method, path, body).status_code in (200, 201)
    assert len(access_wordpress.reads(PUBLISHED)) == 1


def test_refusals_and_own_lists_are_cached_per_caller(alice, eddie, access_wordpress):
    item_id = item_in(PRIVATE)
    for _ in range(3):
        assert send(eddie, "GET", f"/items/{item_id}").status_code == 404
        assert send(alice, "GET", "/items").status_code == 200
        assert send(eddie, "GET", "/items").status_code == 200
    assert len(access_wordpress.reads(PRIVATE)) == 1
    assert len(access_wordpress.reads(None)) == 2  # alice's list and eddie's


@pytest.mark.parametrize("owner_read_first", [False, True], ids=["cold", "warm"])
@pytest.mark.parametrize(("registry_id", "invitee_reads"), [(BY_LOGIN, True), (BY_EMAIL, True), (DRAFT, False)])
def test_invitees_read_private_registries_only_whatever_was_cached(
    alice, eddie, access_wordpress, registry_id, invitee_reads, owner_read_first
):
    """Whether eddie may read is WordPress's answer to him, never facts someone else's read cached."""
    item_id = item_in(registry_id)
    if owner_read_first:
        assert send(alice, "GET", f"/items/{item_id}").status_code == 200
        assert send(alice, "GET", f"/registries/{registry_id}").status_code == 200

    for _ in range(2):  # and again, from what the first round cached
        assert send(eddie, "GET", f"/items/{item_id}").status_code == (200 if invitee_reads else 404)
        assert send(eddie, "POST", f"/items/{item_id}/purchase", {}).status_code == (200 if invitee_reads else 404)
    asked_as = [request.headers["Authorization"] for request in access_wordpress.reads(registry_id)]
    # Once as him, then cached per caller and registry; a draft known to be one is no invitee's.
    assert asked_as.count(basic("eddie")) == (0 if registry_id == DRAFT and owner_read_first else 1)


def test_a_draft_is_the_owners_and_administrators_whoever_wordpress_lets_read_it(alice, site_editor, access_wordpress):
    """WordPress lets its editors read every registry: a private one they read here too, a draft not."""
    draft, private = item_in(DRAFT), item_in(PRIVATE)
    for owner_read_first in (False, True):
        if owner_read_first:
            send(alice, "GET", f"/items/{draft}")
        assert_detail(send(site_editor, "GET", f"/items/{draft}"), 404, ITEM_NOT_FOUND.format(id=draft))
        assert send(site_editor, "GET", f"/items/{private}").status_code == 200
        assert_detail(send(site_editor, "PUT", f"/items/{private}", {"notes": "n"}), 403, WRITE_DENIED)


def test_a_registry_made_in_wordpress_is_in_its_owners_list_once_the_service_sees_it(alice, admin, access_wordpress):
    """The WordPress plugin makes registries in WordPress and adds items as an administrator."""
    assert ids(send(alice, "GET", "/items")) == []  # alice's list of own registries is cached
    registry_id = access_wordpress.add(status="private")
    created = send(admin, "POST", "/items", {**SAMPLE_ITEM, "registry_id": registry_id})
    item_id = envelope(created, 201, "Item created successfully", admin=True)["id"]
    assert ids(send(alice, "GET", "/items")) == []  # nobody has read the registry yet: within the TTL

    assert send(alice, "GET", f"/registries/{registry_id}").status_code == 200  # any read of it

    assert ids(send(alice, "GET", "/items")) == [item_id]
    assert len(access_wordpress.reads(None)) == 1  # without listing her registries again


def test_a_registry_given_to_someone_else_leaves_the_former_owners_list(alice, eddie, access_wordpress):
    item_id = item_in(PUBLISHED)
    assert ids(send(alice, "GET", "/items")) == [item_id]
    access_wordpress.posts[PUBLISHED]["author"] = EDDIE_ID  # reassigned in wp-admin

    assert send(eddie, "GET", f"/registries/{PUBLISHED}").status_code == 200

    assert ids(send(alice, "GET", "/items")) == []
    assert ids(send(eddie, "GET", "/items")) == [item_id]


def test_entries_expire_after_the_ttl(eddie, access_wordpress, clock, settings):
    item_id = item_in(PUBLISHED)
    assert send(eddie, "GET", f"/items/{item_id}").status_code == 200
    access_wordpress.posts[PUBLISHED]["status"] = "private"  # changed in WordPress directly, not through the service

    clock[0] += settings.REGISTRY_ACL_TTL - 0.1
    assert send(eddie, "GET", f"/items/{item_id}").status_code == 200
    clock[0] += 0.2
    assert_detail(send(eddie, "GET", f"/items/{item_id}"), 404, ITEM_NOT_FOUND.format(id=item_id))
    assert len(access_wordpress.reads(PUBLISHED)) == 2


def test_a_ttl_of_0_asks_wordpress_every_time(alice, eddie, access_wordpress, settings):
    settings.REGISTRY_ACL_TTL = 0
    item_id = item_in(PRIVATE)
    for _ in range(3):
        send(alice, "GET", f"/items/{item_id}")
        send(eddie, "GET", f"/items/{item_id}")
        send(alice, "GET", "/items")
    assert (len(access_wordpress.reads(PRIVATE)), len(access_wordpress.reads(None))) == (6, 3)


@pytest.mark.parametrize(
    ("registry_id", "write", "before", "after"),
    [
        (PRIVATE, ("PATCH", f"/registries/{PRIVATE}", {"is_private": False}), 404, 200),
        (PUBLISHED, ("PATCH", f"/registries/{PUBLISHED}", {"is_private": True}), 200, 404),
        (PRIVATE, ("POST", f"/registries/{PRIVATE}/invitees", {"invitees": ["eddie"]}), 404, 200),
        (BY_LOGIN, ("DELETE", f"/registries/{BY_LOGIN}/invitees/eddie", ""), 200, 404),
    ],
    ids=["published", "made-private", "invited", "uninvited"],
)
def test_the_services_own_registry_writes_refresh_the_facts(
    alice, eddie, access_wordpress, registry_id, write, before, after
):
    item_id = item_in(registry_id)
    assert send(eddie, "GET", f"/items/{item_id}").status_code == before
    reads = len(access_wordpress.reads(registry_id))

    assert send(alice, *write).status_code == 200

    assert send(eddie, "GET", f"/items/{item_id}").status_code == after
    # The registry route's own GET; and whether eddie may read a private registry
    # is asked of WordPress again, as him: what he was answered before is stale.
    assert len(access_wordpress.reads(registry_id)) == reads + 1 + (
        access_wordpress.posts[registry_id]["status"] == "private"
    )


def test_a_deleted_registry_is_forgotten(alice, access_wordpress):
    assert send(alice, "POST", "/items", {**SAMPLE_ITEM, "registry_id": PUBLISHED}).status_code == 201
    assert send(alice, "DELETE", f"/registries/{PUBLISHED}").status_code == 204
    assert_detail(send(alice, "POST", "/items", {**SAMPLE_ITEM, "registry_id": PUBLISHED}), 404, REGISTRY_NOT_FOUND)


def test_a_created_registry_is_known_at_once(alice, access_wordpress):
    assert ids(send(alice, "GET", "/items")) == []
    created = send(alice, "POST", "/registries", {"title": "New", "username": "alice", "is_private": True}).json()

    item = envelope(
        send(alice, "POST", "/items", {**SAMPLE_ITEM, "registry_id": created["id"]}), 201, "Item created successfully"
    )

    assert ids(send(alice, "GET", "/items")) == [item["id"]]
    assert access_wordpress.reads(created["id"]) == []  # the facts came with WordPress's answer to the create
    assert len(access_wordpress.reads(None)) == 1  # and the new registry went into alice's cached list


# --- WordPress faults --------------------------------------------------------------

FAULTS = {
    "5xx": (
        wordpress_error(500, "internal_server_error", "Critical error"),
        502, "WordPress error: Critical error [HTTP 500] [internal_server_error]", {},
    ),
    "timeout": (httpx.ReadTimeout("slow"), 504, "WordPress did not answer in time", {}),
    "unreachable": (httpx.ConnectError("refused"), 502, "WordPress error: WordPress is unavailable", {}),
    "firewall": (httpx.Response(403, text="<html>Forbidden</html>"), 502, "WordPress error: WordPress is unavailable", {}),
    "revoked": (
        wordpress_error(401, "rest_not_logged_in", "You are not currently logged in."),
        401, "Invalid WordPress credentials", {"WWW-Authenticate": "Basic"},
    ),
}  # fmt: skip
FAULTY_ROUTES = {name: route[:3] for name, route in ROUTES.items()} | {
    "POST items": ("POST", "/items", {**SAMPLE_ITEM, "registry_id": PUBLISHED}),
    "GET items": ("GET", "/items", ""),
}


@pytest.mark.parametrize("route", FAULTY_ROUTES)
@pytest.mark.parametrize("fault", FAULTS)
def test_wordpress_faults_are_the_gateway_statuses_and_not_cached(alice, access_wordpress, route, fault):
    outcome, status, detail, headers = FAULTS[fault]
    method, path, body = FAULTY_ROUTES[route]
    item_id = item_in(PUBLISHED)
    listing = route == "GET items"
    access_wordpress.fail("GET", None if listing else PUBLISHED, outcome)

    response = send(alice, method, path.format(id=item_id), body)

    wordpress_path = "/wp/v2/restart-registry" + ("" if listing else f"/{PUBLISHED}")
    assert_detail(response, status, detail.format(path=wordpress_path), **headers)
    assert Item.objects.get(id=item_id).notes is None and Item.objects.count() == 1
    assert send(alice, method, path.format(id=item_id), body).status_code in (200, 201)  # asked again


# --- Purchases by readers (D2 under D1) ------------------------------------------------


def test_a_reader_buys_within_what_is_needed(eddie, access_wordpress):
    item_id = item_in(PUBLISHED)
    data = envelope(send(eddie, "POST", f"/items/{item_id}/purchase", {"quantity": 5}), message="Purchase recorded")
    assert data["quantity_purchased"] == 5
    assert_detail(send(eddie, "POST", f"/items/{item_id}/purchase", {}), 409, "Only 0 left")
    assert (
        envelope(send(eddie, "POST", f"/items/{item_id}/purchase", {"quantity": -5}), message="Purchase recorded")[
            "quantity_purchased"
        ]
        == 0
    )
    assert_detail(send(eddie, "POST", f"/items/{item_id}/purchase", {"quantity": -1}), 409, "Nothing to undo")
    assert body_of(send(eddie, "GET", f"/items/{item_id}"))["data"]["quantity_purchased"] == 0
