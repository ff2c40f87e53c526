"""The /registries routes against the project's real WordPress (scripts/wordpress.sh).

Actors: alice owns the registries; bob is invited by login, carol by e-mail
(in another case); dave is an ordinary user nobody invited; admin is the
site's administrator. WordPress applies its own rules (the mu-plugin's) as
each of them, since the service always calls it with the caller's credentials.

Every registry a test creates is force-deleted at teardown, directly in
WordPress as the administrator.
"""

import json
from typing import Any

import httpx
import pytest

from items.models import Item
from tests.support.client import ApiClient
from tests.support.items import ITEM
from tests.support.real_wordpress import INVITEES, Send, lambda_sender, new_registry
from tests.support.wordpress import WRITTEN_DEFAULTS

NO_SUCH_ITEM = 987654321


def wordpress_post(site, registry_id: int, account: str = "alice") -> httpx.Response:
    """The post straight from WordPress, in edit context (raw meta), as `account`."""
    who = site.accounts[account]
    return httpx.get(
        f"{site.url}/wp-json/wp/v2/restart-registry/{registry_id}",
        params={"context": "edit"},
        auth=(who.login, who.app_password),
    )


def new_item(send: Send, registry_id: int, account: str = "alice", **changes) -> dict:
    status, body = send(account, "POST", f"/registries/{registry_id}/items", {**ITEM, **changes})
    assert status == 201, body
    return body["data"]


# --- Who may do what, on a private and on a published registry ----------------

ACCESS = "Not authorized to access this registry"
MANAGER_ONLY = {
    "F1": ACCESS,
    "R4": "Not authorized to update this registry",
    "N2": "Only the registry owner can add items",
    "N3": "Only the registry owner can remove items",
    "V2": "Only the registry owner can manage invitees",
    "V3": "Only the registry owner can manage invitees",
    "F2": "Only the registry owner can manage affiliate links",
    "F3": "Only the registry owner can manage affiliate links",
    "R5": "Not authorized to delete this registry",
}
Outcomes = dict[str, tuple[int, str | None]]  # route -> (status, detail or None)
# For the owner and the administrator: R5 is left to the end of the table.
MANAGER: Outcomes = {
    "R2": (200, None),
    "N1": (200, None),
    "V1": (200, None),
    "F1": (200, None),
    "R4": (200, None),
    "N2": (201, None),
    "N3": (404, "Item not found in this registry"),
    "V2": (200, None),
    "V3": (404, "Invitee not found"),
    "F2": (200, None),
    "F3": (204, None),
}
INVITEE: Outcomes = {route: (200, None) for route in ("R2", "N1", "V1")} | {
    route: (403, detail) for route, detail in MANAGER_ONLY.items()
}
EXPECTED: dict[str, dict[str, Outcomes]] = {
    "private": {
        "alice": MANAGER,
        "admin": MANAGER,
        "bob": INVITEE,
        "carol": INVITEE,
        # WordPress itself refuses him the post.
        "dave": {route: (403, "Not authorized") for route in INVITEE},
    },
    "publish": {
        "alice": MANAGER,
        "admin": MANAGER,
        "bob": INVITEE,
        "carol": INVITEE,
        # A published registry and its items are anyone's to read, nothing more (D1).
        "dave": INVITEE | {"V1": (403, ACCESS), "V2": (403, ACCESS), "V3": (403, ACCESS)},
    },
}


def route_table(registry_id: int, item_id: int) -> dict[str, tuple[str, str, Any]]:
    """Every route, in a form each actor can call without changing what the next one sees."""
    registry = f"/registries/{registry_id}"
    affiliate = f"{registry}/items/{item_id}/affiliate"
    return {
        "R2": ("GET", registry, None),
        "N1": ("GET", f"{registry}/items", None),
        "V1": ("GET", f"{registry}/invitees", None),
        "F1": ("GET", affiliate, None),
        "R4": ("PATCH", registry, {"meta": {"event_date": "2026-12-24"}}),
        "N2": ("POST", f"{registry}/items", ITEM),
        "N3": ("DELETE", f"{registry}/items/{NO_SUCH_ITEM}", None),
        "V2": ("POST", f"{registry}/invitees", {"invitees": ["bob"]}),  # already invited
        "V3": ("DELETE", f"{registry}/invitees/nobody", None),
        "F2": ("PUT", affiliate, {"affiliate_url": "https://aff.example/wedding"}),
        "F3": ("DELETE", affiliate, None),
        "R5": ("DELETE", registry, None),
    }


@pytest.mark.parametrize("status", ["private", "publish"])
def test_route_table(send, created, wordpress, status):
    registry = new_registry(
        send,
        created,
        is_private=status == "private",
        meta={"invitees": INVITEES, "recipient_email": "ann@example.test"},
    )
    item = new_item(send, registry["id"])
    routes = route_table(registry["id"], item["id"])

    mismatches = []
    for account, expected in EXPECTED[status].items():
        for route, (want_status, want_detail) in expected.items():
            got_status, body = send(account, *routes[route])
            detail = body.get("detail") if isinstance(body, dict) else None
            if got_status != want_status or (want_detail and detail != want_detail):
                mismatches.append((account, route, got_status, body))
    assert mismatches == []

    # Nobody but the owner and the administrator learns who is invited.
    for account in EXPECTED[status]:
        _, body = send(account, "GET", f"/registries/{registry['id']}")
        if account in ("alice", "admin"):
            assert (body["meta"]["invitees"], body["meta"]["recipient_email"]) == (INVITEES, "ann@example.test")
        elif isinstance(body, dict) and "meta" in body:
            assert (body["meta"]["invitees"], body["meta"]["recipient_email"]) == ([], None)

    # Last, the administrator deletes someone else's registry.
    assert send("admin", *routes["R5"]) == (204, None)
    assert wordpress_post(wordpress, registry["id"], "admin").status_code == 404


# --- A whole life ---------------------------------------------------------------


def run_lifecycle(send: Send, created, site) -> None:
    """Create, add five items, invite, buy, make private, delete."""
    registry = new_registry(send, created, story="Our big day", meta={"event_type": "wedding"})
    registry_id = registry["id"]
    assert (registry["username"], registry["is_private"], registry["story"]) == (
        str(site.alice.id),
        False,
        "Our big day",
    )

    item_ids = [new_item(send, registry_id, name=f"Gift {n}", quantity_needed=2)["id"] for n in range(5)]
    assert wordpress_post(site, registry_id).json()["meta"]["restart_item_ids"] == json.dumps(item_ids)

    assert send(
        "alice", "POST", f"/registries/{registry_id}/invitees", {"invitees": ["carol@example.test", "bob"]}
    ) == (
        200,
        {"invitees": ["bob", "carol@example.test"]},
    )
    status, items = send("bob", "GET", f"/registries/{registry_id}/items")
    assert status == 200 and [item["id"] for item in items] == item_ids

    for item_id in item_ids[:3]:
        status, body = send("alice", "PUT", f"/items/{item_id}", {"quantity_purchased": 1})
        assert status == 200 and body["data"]["quantity_purchased"] == 1
    _, items = send("carol", "GET", f"/registries/{registry_id}/items")
    assert [item["quantity_purchased"] for item in items] == [1, 1, 1, 0, 0]

    status, body = send("alice", "PATCH", f"/registries/{registry_id}", {"is_private": True})
    assert status == 200 and body["is_private"] is True
    assert wordpress_post(site, registry_id).json()["status"] == "private"
    assert send("dave", "GET", f"/registries/{registry_id}") == (403, {"detail": "Not authorized"})
    assert send("bob", "GET", f"/registries/{registry_id}")[0] == 200

    status, listed = send("alice", "GET", "/registries?per_page=100")
    assert status == 200 and registry_id in [registry["id"] for registry in listed]

    assert send("alice", "DELETE", f"/registries/{registry_id}") == (204, None)
    for item_id in item_ids:
        assert send("alice", "GET", f"/items/{item_id}") == (404, {"detail": f"Item with id {item_id} not found"})
    assert wordpress_post(site, registry_id, "admin").status_code == 404
    assert send("alice", "GET", f"/registries/{registry_id}") == (404, {"detail": "Registry not found"})


def test_lifecycle(send, created, wordpress):
    run_lifecycle(send, created, wordpress)


def test_lifecycle_through_the_lambda_handler(transactional_db, created, wordpress):
    run_lifecycle(lambda_sender(wordpress), created, wordpress)
    assert not Item.objects.filter(is_active=True).exists()


# --- What is written to WordPress ------------------------------------------------


def test_every_meta_value_is_written_as_a_string(send, created, wordpress):
    registry = new_registry(
        send,
        created,
        is_private=True,
        meta={
            "invitees": ["bob", "carol@example.test"],
            "item_ids": [7, 3],
            "event_type": "birthday",
            "event_date": "2026-05-01",
            "is_for_self": False,
            "recipient_name": "Ann",
            "recipient_relationship": "Sister",
            "recipient_email": "ann@example.test",
        },
    )

    post = wordpress_post(wordpress, registry["id"]).json()

    assert (post["author"], post["status"]) == (wordpress.alice.id, "private")
    assert post["meta"] == {
        "restart_invitees": '["bob", "carol@example.test"]',
        "restart_item_ids": "[7, 3]",
        "restart_event_type": "birthday",
        "restart_event_date": "2026-05-01",
        "restart_is_for_self": "0",
        "restart_recipient_name": "Ann",
        "restart_recipient_relationship": "Sister",
        "restart_recipient_email": "ann@example.test",
    }


def test_defaults_are_written_too(send, created, wordpress):
    registry = new_registry(send, created)
    assert wordpress_post(wordpress, registry["id"]).json()["meta"] == WRITTEN_DEFAULTS


def test_partial_meta_and_item_removal_write_narrowly(send, created, wordpress):
    """D4: a partial meta PATCH keeps invitees and item ids; a removed item leaves the ids."""
    registry_id = new_registry(send, created, meta={"invitees": ["bob"]})["id"]
    kept, removed = new_item(send, registry_id)["id"], new_item(send, registry_id)["id"]

    status, body = send("alice", "PATCH", f"/registries/{registry_id}", {"meta": {"event_type": "birthday"}})
    assert status == 200
    assert (body["meta"]["invitees"], body["meta"]["item_ids"], body["meta"]["event_type"]) == (
        ["bob"],
        [kept, removed],
        "birthday",
    )

    assert send("alice", "DELETE", f"/registries/{registry_id}/items/{removed}") == (204, None)
    meta = wordpress_post(wordpress, registry_id).json()["meta"]
    assert (meta["restart_item_ids"], meta["restart_invitees"], meta["restart_event_type"]) == (
        f"[{kept}]",
        '["bob"]',
        "birthday",
    )

    assert send("alice", "DELETE", f"/registries/{registry_id}/invitees/bob") == (200, {"invitees": []})
    meta = wordpress_post(wordpress, registry_id).json()["meta"]
    assert (meta["restart_invitees"], meta["restart_item_ids"]) == ("[]", f"[{kept}]")


def test_story_and_title_as_wordpress_renders_them(send, created, wordpress):
    registry = new_registry(send, created, title="Tom & Jerry", story="Line one\nLine two")
    registry_id = registry["id"]
    # Writes answer in edit context (raw story); reads in view context (rendered HTML).
    assert registry["story"] == "Line one\nLine two"
    _, read = send("alice", "GET", f"/registries/{registry_id}")
    assert read["title"] == "Tom &amp; Jerry"  # WordPress stores the & escaped
    assert read["story"].startswith("<p>Line one")

    assert send("alice", "PATCH", f"/registries/{registry_id}", {"story": ""})[1]["story"] is None
    assert wordpress_post(wordpress, registry_id).json()["content"]["raw"] == ""


def test_list_is_the_callers_own_with_paging_headers(send, created, wordpress):
    for n in range(2):
        new_registry(send, created, title=f"Mine {n}")
    alice = ApiClient(wordpress.alice.authorization)

    response = alice.get("/registries?per_page=1&page=2")

    assert response.status_code == 200 and len(response.json()) == 1
    total = int(response["X-WP-Total"])
    assert total >= 2 and response["X-WP-TotalPages"] == str(total)
    _, dave_sees = send("dave", "GET", "/registries?per_page=100")
    assert all(registry["username"] == str(wordpress.dave.id) for registry in dave_sees)


def test_missing_registry(send):
    assert send("alice", "GET", "/registries/999999") == (404, {"detail": "Registry not found"})
