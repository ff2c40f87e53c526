"""Registry privacy and access, attacked from both sides, against the project's real WordPress (D1, D2).

WordPress decides who may read a private registry and who sees its private
meta (the mu-plugin); the service asks it with the caller's own credentials
and adds its own rules on top. Each test tries what an attacker would:
WordPress's REST API asked directly, anonymously or as a stranger; a user who
renames themselves after an invitee, or whose login looks like an invited
e-mail; a cold and a warm registry cache; someone undoing other people's
purchases; a registry created in WordPress behind the service's back.

Actors (scripts/wordpress.sh): alice owns the registries; bob is invited by
login, carol by e-mail (in another letter case); dave is a stranger; admin is
the administrator. Registries and users a test makes are removed at teardown.
"""

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from items.models import Item, Purchase
from registries import facts
from tests.support.accounts import basic
from tests.support.client import ApiClient
from tests.support.real_wordpress import INVITEES, force_delete_registries, lambda_sender

RECIPIENT = "ann@example.test"
HIDDEN_META = {"restart_invitees": "", "restart_recipient_email": ""}
READERS = ("anonymous", "dave", "bob", "carol", "alice", "admin")
# Who sees what of a registry's private meta in WordPress: (invitees, recipient's e-mail).
SEES = {
    "anonymous": (False, False),
    "dave": (False, False),
    "bob": (True, False),
    "carol": (True, False),
    "alice": (True, True),
    "admin": (True, True),
}


def wordpress_call(site, account: str | None, method: str, path: str, **kwargs) -> httpx.Response:
    """WordPress's REST API directly, outside the service (`account` None: anonymous)."""
    auth = None if account is None else (site.accounts[account].login, site.accounts[account].app_password)
    return httpx.request(method, f"{site.url}/wp-json{path}", auth=auth, timeout=30, **kwargs)


@pytest.fixture
def make_registry(wordpress):
    """make_registry(status, invitees): a registry of alice's made straight in WordPress
    (as the WordPress plugin does), with a recipient's e-mail; force-deleted afterwards."""
    made: list[int] = []

    def make(status: str, invitees: list[str] = INVITEES) -> int:
        meta = {"restart_invitees": json.dumps(invitees), "restart_recipient_email": RECIPIENT}
        response = wordpress_call(
            wordpress,
            "alice",
            "POST",
            "/wp/v2/restart-registry",
            json={"title": f"Privacy {status}", "status": status, "meta": meta},
        )
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
        return made[-1]

    yield make
    force_delete_registries(wordpress, made)


def item_of(registry_id: int, **fields: Any) -> int:
    return Item.objects.create(registry_id=registry_id, name="Gift", url="https://example.com/gift",
                               quantity_needed=5, **fields).id  # fmt: skip


def private_meta(post: dict) -> dict[str, str]:
    return {key: post["meta"][key] for key in HIDDEN_META}


def expected_meta(reader: str) -> dict[str, str]:
    invitees, recipient = SEES[reader]
    return {
        "restart_invitees": json.dumps(INVITEES) if invitees else "",
        "restart_recipient_email": RECIPIENT if recipient else "",
    }


# --- WordPress's own REST API ---------------------------------------------------------

# request -> (path template, query)
WORDPRESS_READS = {
    "single, view": ("/wp/v2/restart-registry/{id}", {}),
    "single, edit": ("/wp/v2/restart-registry/{id}", {"context": "edit"}),
    "single, meta only": ("/wp/v2/restart-registry/{id}", {"_fields": "id,meta"}),
    "list, view": ("/wp/v2/restart-registry", {"include": "{id}", "status": "{status}"}),
    "list, edit": ("/wp/v2/restart-registry", {"include": "{id}", "status": "{status}", "context": "edit"}),
}
# Who WordPress shows the registry to at all, by request and status; the others get an
# error status, or a list without it. Edit context is for those who may edit the registry.
EDITORS = {"alice", "admin"}
READ_PRIVATE = EDITORS | {"bob", "carol"}
SHOWN = {
    "publish": {"single, view": set(READERS), "single, edit": EDITORS, "list, edit": EDITORS},
    "private": {"single, view": READ_PRIVATE, "single, edit": EDITORS, "list, edit": EDITORS},
}
for shown in SHOWN.values():
    shown["single, meta only"] = shown["list, view"] = shown["single, view"]


@pytest.mark.parametrize("status", ["publish", "private"])
def test_wordpress_serves_private_meta_only_to_those_who_may_see_it(wordpress, make_registry, status):
    registry_id = make_registry(status)

    mismatches = []
    for reader in READERS:
        for request, (path, query) in WORDPRESS_READS.items():
            params = {key: value.format(id=registry_id, status=status) for key, value in query.items()}
            response = wordpress_call(wordpress, None if reader == "anonymous" else reader, "GET",
                                      path.format(id=registry_id), params=params)  # fmt: skip
            body = response.json()
            posts = body if response.status_code == 200 and request.startswith("list") else [body]
            got = [private_meta(post) for post in posts] if response.status_code == 200 else response.status_code
            want: list[dict[str, str]] | int | str
            if reader in SHOWN[status][request]:
                want = [expected_meta(reader)]
            else:  # refused, or left out of the list
                want = [] if got == [] else got if isinstance(got, int) and got >= 400 else "refused"
            if got != want:
                mismatches.append((reader, request, want, got))
    assert mismatches == [], "\n".join(map(str, mismatches))


# --- Invitee matching that cannot be claimed --------------------------------------------


@pytest.fixture
def bob_renamed(wordpress):
    """bob renames his own slug "grandma" through WordPress's REST API (which lets him); restored afterwards."""
    renamed = wordpress_call(wordpress, "bob", "POST", "/wp/v2/users/me", json={"slug": "grandma"})
    assert (renamed.status_code, renamed.json()["slug"]) == (200, "grandma")
    yield "grandma"
    wordpress_call(wordpress, "admin", "POST", f"/wp/v2/users/{wordpress.bob.id}", json={"slug": wordpress.bob.login})


@pytest.fixture
def mallory(wordpress) -> Iterator[tuple[str, str]]:
    """A user whose login is someone else's (invited) e-mail address: (login, Authorization header)."""
    login = "zoe@example.test"
    made = wordpress_call(wordpress, "admin", "POST", "/wp/v2/users", json={
        "username": login, "email": "mallory@example.test", "password": "mallory-Passw0rd!", "roles": ["registry_user"],
    })  # fmt: skip
    assert made.status_code == 201, made.text
    user_id = made.json()["id"]
    try:
        password = wordpress_call(wordpress, "admin", "POST", f"/wp/v2/users/{user_id}/application-passwords",
                                  json={"name": "privacy tests"}).json()["password"]  # fmt: skip
        yield login, basic(login, password)
    finally:
        wordpress_call(wordpress, "admin", "DELETE", f"/wp/v2/users/{user_id}",
                       params={"force": "true", "reassign": wordpress.admin.id})  # fmt: skip


def test_a_slug_renamed_after_an_invitee_opens_nothing(db, wordpress, make_registry, bob_renamed):
    private, published = make_registry("private", [bob_renamed]), make_registry("publish", [bob_renamed])
    item_id = item_of(private)
    bob = ApiClient(wordpress.bob.authorization)

    assert wordpress_call(wordpress, "bob", "GET", f"/wp/v2/restart-registry/{private}").status_code == 403
    assert (
        private_meta(wordpress_call(wordpress, "bob", "GET", f"/wp/v2/restart-registry/{published}").json())
        == HIDDEN_META
    )
    assert (bob.get(f"/registries/{private}").status_code, bob.get(f"/registries/{private}").json()) == (
        403, {"detail": "Not authorized"},
    )  # fmt: skip
    assert bob.get(f"/items/{item_id}").json() == {"detail": f"Item with id {item_id} not found"}
    assert bob.get(f"/registries/{published}/invitees").json() == {"detail": "Not authorized to access this registry"}


def test_a_login_shaped_like_an_invited_e_mail_opens_nothing(db, wordpress, make_registry, mallory):
    login, authorization = mallory
    private, published = make_registry("private", [login]), make_registry("publish", [login])
    item_id = item_of(private)
    client = ApiClient(authorization)

    raw = httpx.get(
        f"{wordpress.url}/wp-json/wp/v2/restart-registry/{private}", headers={"Authorization": authorization}
    )
    assert raw.status_code == 403
    assert client.get(f"/registries/{private}").json() == {"detail": "Not authorized"}
    assert client.get(f"/items/{item_id}").json() == {"detail": f"Item with id {item_id} not found"}
    assert client.get(f"/registries/{published}/invitees").json() == {
        "detail": "Not authorized to access this registry"
    }


@pytest.fixture
def bobs_email(wordpress):
    """bob's e-mail address, put back as it was afterwards (by the administrator)."""
    yield wordpress.bob.email
    restored = wordpress_call(
        wordpress, "admin", "POST", f"/wp/v2/users/{wordpress.bob.id}", json={"email": wordpress.bob.email}
    )
    assert restored.status_code == 200, restored.text


def test_users_cannot_change_their_own_e_mail_through_rest_but_administrators_can(wordpress, bobs_email):
    def bobs_email_now() -> str:
        return wordpress_call(wordpress, "bob", "GET", "/wp/v2/users/me", params={"context": "edit"}).json()["email"]

    for path in ("/wp/v2/users/me", f"/wp/v2/users/{wordpress.bob.id}"):
        for method in ("POST", "PUT", "PATCH"):
            refused = wordpress_call(wordpress, "bob", method, path, json={"email": "zoe@example.test"})
            assert (refused.status_code, refused.json()["code"]) == (403, "rest_cannot_edit_email")
    assert bobs_email_now() == bobs_email
    # Sending his own address (in any letter case) with the rest of a profile is still fine.
    assert (
        wordpress_call(wordpress, "bob", "POST", "/wp/v2/users/me", json={"email": bobs_email.upper()}).status_code
        == 200
    )

    changed = wordpress_call(
        wordpress, "admin", "POST", f"/wp/v2/users/{wordpress.bob.id}", json={"email": "bob2@example.test"}
    )
    assert changed.status_code == 200, changed.text
    assert bobs_email_now() == "bob2@example.test"


# --- Reading a registry that is not published --------------------------------------------


@pytest.mark.parametrize("warm", [False, True], ids=["cold cache", "warm cache"])
@pytest.mark.parametrize(("status", "invitee_reads"), [("private", True), ("draft", False), ("pending", False)])
def test_invitees_read_private_registries_only_whatever_was_cached(
    db, wordpress, make_registry, status, invitee_reads, warm
):
    registry_id = make_registry(status)
    item_id = item_of(registry_id)
    alice, bob, dave = (ApiClient(wordpress.accounts[name].authorization) for name in ("alice", "bob", "dave"))
    facts.clear()
    if warm:  # the owner's reads fill the cache first
        assert alice.get(f"/items/{item_id}").status_code == 200
        assert alice.get(f"/registries/{registry_id}").status_code == 200

    hidden = {"detail": f"Item with id {item_id} not found"}
    for _ in range(2):  # and again, from whatever the first round cached
        assert bob.get(f"/items/{item_id}").status_code == (200 if invitee_reads else 404)
        assert bob.get(f"/registries/{registry_id}").status_code == (200 if invitee_reads else 403)
        assert bob.get(f"/registries/{registry_id}/items").status_code == (200 if invitee_reads else 403)
        assert dave.get(f"/items/{item_id}").json() == hidden
        assert alice.get(f"/items/{item_id}").status_code == 200


# --- The purchase ledger --------------------------------------------------------------------


def test_purchases_are_undone_only_by_their_buyer_or_a_manager(db, wordpress, make_registry):
    item_id = item_of(make_registry("private"))
    clients = {
        name: ApiClient(wordpress.accounts[name].authorization) for name in ("alice", "admin", "bob", "carol", "dave")
    }

    def purchase(name: str, quantity: int) -> tuple[int, Any]:
        response = clients[name].post(f"/items/{item_id}/purchase", {"quantity": quantity})
        body = response.json()
        return response.status_code, body["data"]["quantity_purchased"] if response.status_code == 200 else body[
            "detail"
        ]

    assert purchase("bob", 2) == (200, 2)
    assert purchase("carol", -1) == (409, "Nothing to undo")  # bob's purchase is not hers
    assert purchase("dave", -1) == (404, f"Item with id {item_id} not found")
    assert Item.objects.get(id=item_id).quantity_purchased == 2
    assert purchase("bob", -3) == (409, "Nothing to undo")
    assert purchase("bob", -1) == (200, 1)
    assert purchase("carol", 3) == (200, 4)
    assert purchase("alice", -2) == (200, 2)  # the owner undoes anyone's
    assert purchase("admin", -1) == (200, 1)
    ledger = list(Purchase.objects.filter(item_id=item_id).order_by("id").values_list("user_id", "quantity"))
    ids = {name: wordpress.accounts[name].id for name in clients}
    assert ledger == [(ids["bob"], 2), (ids["bob"], -1), (ids["carol"], 3), (ids["alice"], -2), (ids["admin"], -1)]

    # What the owner is answered never names a buyer (surprise gifts).
    for path in (f"/items/{item_id}", f"/registries/{Item.objects.get(id=item_id).registry_id}/items", "/items"):
        text = clients["alice"].get(path).content.decode()
        assert not any(name in text for name in ("bob", "carol")) and "user_id" not in text


# --- Own registries are never stale -------------------------------------------------------


def test_an_item_added_to_a_registry_created_in_wordpress_lists_at_once(transactional_db, wordpress, make_registry):
    send = lambda_sender(wordpress)
    assert send("alice", "GET", "/items")[0] == 200  # alice's own registries are cached now
    registry_id = make_registry("private")  # the WordPress plugin makes registries itself

    status, created = send(
        "alice", "POST", "/items", {"registry_id": registry_id, "name": "Kettle", "url": "https://example.com/kettle"}
    )
    assert status == 201, created

    status, listed = send("alice", "GET", "/items")
    assert status == 200 and listed[0]["id"] == created["data"]["id"]
