"""Password-protected registries against the project's real WordPress: as closed as WordPress makes them.

The administrator sets a post password through WordPress's REST API (its
`password` field), as wp-admin's "Password protected" visibility does. Then the
registry, its items and its purchases are the owner's and administrators', and
theirs who send the password (`?password=`), which WordPress checks at every
request; invitees too need it. A wrong password is answered exactly as none.
WordPress keeps no password on a private post; a draft keeps one, and stays
its owner's and administrators' whatever the password.

Actors (scripts/wordpress.sh): alice owns the registries; bob is invited by
login, carol by e-mail; dave is a stranger; admin is the administrator.
"""

import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from items.models import Item
from registries import facts
from tests.support.client import ApiClient
from tests.support.items import ITEM
from tests.support.real_wordpress import INVITEES, force_delete_registries, lambda_sender

PASSWORD = "open sesame & more"  # a space and an ampersand: it must travel URL-encoded
WRONG = "open sesame"
STORY = "Grandma's ninetieth"
ROLES = ("alice", "admin", "bob", "carol", "dave")
PASSWORDS = {"none": None, "wrong": WRONG, "right": PASSWORD}


def wordpress_call(site, account: str | None, method: str, path: str, **kwargs) -> httpx.Response:
    """WordPress's REST API directly, outside the service (`account` None: anonymous)."""
    auth = None if account is None else (site.accounts[account].login, site.accounts[account].app_password)
    return httpx.request(method, f"{site.url}/wp-json{path}", auth=auth, timeout=30, **kwargs)


def set_password(site, registry_id: int, password: str) -> None:
    """As the administrator, through WordPress's REST API ("" removes it)."""
    response = wordpress_call(site, "admin", "POST", f"/wp/v2/restart-registry/{registry_id}",
                              json={"password": password})  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["content"]["protected"] is bool(password)


@pytest.fixture
def make_registry(wordpress):
    """make_registry(status, password): a registry of alice's made in WordPress, inviting
    bob and carol, its post password set by the administrator; force-deleted afterwards."""
    made: list[int] = []

    def make(status: str, password: str = PASSWORD) -> int:
        meta = {
            "restart_invitees": json.dumps(INVITEES),
            "restart_recipient_name": "Ann",
            "restart_recipient_email": "ann@example.test",
            "restart_event_date": "2026-06-01",
        }
        response = wordpress_call(wordpress, "alice", "POST", "/wp/v2/restart-registry",
                                  json={"title": "Protected", "status": status, "content": STORY, "meta": meta})  # fmt: skip
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
        if password:
            set_password(wordpress, made[-1], password)
        return made[-1]

    yield make
    force_delete_registries(wordpress, made)


def with_password(path: str, password: str | None) -> str:
    if password is None:
        return path
    return f"{path}{'&' if '?' in path else '?'}password={quote(password)}"


def item_of(registry_id: int) -> int:
    return Item.objects.create(registry_id=registry_id, name="Gift", url="https://example.com/gift",
                               quantity_needed=50).id  # fmt: skip


# --- Every reader, with every password ---------------------------------------------------

VIEW = (403, "Not authorized to view this registry")
ACCESS = (403, "Not authorized to access this registry")
REFUSED = (403, "Not authorized")  # WordPress refused the caller the post
HIDDEN = (404, "Item with id {item} not found")
NO_REG = (404, "Registry not found")
LISTED, NOT_LISTED = "listed", "not listed"
# route -> (method, path, body, success, refusal, refusal where WordPress refuses the post)
ROUTES: dict[str, tuple[str, str, Any, Any, Any, Any]] = {
    "GET /registries/{id}": ("GET", "/registries/{registry}", None, 200, VIEW, REFUSED),
    "GET /registries/{id}/items": ("GET", "/registries/{registry}/items", None, 200, ACCESS, REFUSED),
    "GET /items/{id}": ("GET", "/items/{item}", None, 200, HIDDEN, HIDDEN),
    "POST /items/{id}/purchase": ("POST", "/items/{item}/purchase", {"quantity": 1}, 200, HIDDEN, HIDDEN),
    # Neither takes a password: listing is of one's own, adding is for managers.
    "GET /items": ("GET", "/items?limit=-1", None, LISTED, NOT_LISTED, NOT_LISTED),
    "POST /items": ("POST", "/items", "new item", 201, NO_REG, NO_REG),
}
WRITES_ONLY_FOR_MANAGERS = ("GET /items", "POST /items")


def expected(route: str, kind: str, role: str, password: str) -> Any:
    _, _, _, success, refusal, refused_by_wordpress = ROUTES[route]
    if role in ("alice", "admin"):
        return success
    if kind == "draft":
        return refused_by_wordpress
    return success if password == "right" and route not in WRITES_ONLY_FOR_MANAGERS else refusal


@pytest.mark.parametrize("kind", ["publish", "draft"])
def test_who_reads_a_protected_registry_with_which_password(send, make_registry, kind):
    registry_id = make_registry(kind)

    mismatches = []
    for route, (method, path, body, *_) in ROUTES.items():
        for role in ROLES:
            for password in PASSWORDS:
                item_id = item_of(registry_id)  # the cell's own item
                sent = {**ITEM, "registry_id": registry_id} if body == "new item" else body
                url = with_password(path.format(registry=registry_id, item=item_id), PASSWORDS[password])
                status, answer = send(role, method, url, sent)
                if route == "GET /items" and status == 200:
                    got: Any = LISTED if item_id in [item["id"] for item in answer] else NOT_LISTED
                else:
                    got = status if status < 300 else (status, answer["detail"])
                want = expected(route, kind, role, password)
                want = (want[0], want[1].format(item=item_id)) if isinstance(want, tuple) else want
                if got != want:
                    mismatches.append((role, password, route, want, got))
                if route == "POST /items/{id}/purchase":
                    assert Item.objects.get(id=item_id).quantity_purchased == (1 if got == 200 else 0)
    assert mismatches == [], "\n".join(map(str, mismatches))


def test_what_wordpress_and_the_service_show_with_and_without_the_password(db, wordpress, make_registry):
    registry_id = make_registry("publish")
    dave = ApiClient(wordpress.dave.authorization)

    # WordPress itself: the content for the password only, a wrong one refused.
    for account in (None, "dave"):
        plain = wordpress_call(wordpress, account, "GET", f"/wp/v2/restart-registry/{registry_id}").json()
        assert plain["content"] == {"rendered": "", "protected": True}
        opened = wordpress_call(wordpress, account, "GET", f"/wp/v2/restart-registry/{registry_id}",
                                params={"password": PASSWORD}).json()  # fmt: skip
        assert STORY in opened["content"]["rendered"].replace("&#8217;", "'")
        wrong = wordpress_call(wordpress, account, "GET", f"/wp/v2/restart-registry/{registry_id}",
                               params={"password": WRONG})  # fmt: skip
        assert (wrong.status_code, wrong.json()["code"]) == (403, "rest_post_incorrect_password")

    # The service: the same refusal without and with a wrong password.
    for password in (None, WRONG, ""):
        refused = dave.get(with_password(f"/registries/{registry_id}", password))
        assert (refused.status_code, refused.json()) == (403, {"detail": "Not authorized to view this registry"})
    seen = dave.get(with_password(f"/registries/{registry_id}", PASSWORD)).json()
    assert STORY in seen["story"].replace("&#8217;", "'")
    assert (seen["meta"]["recipient_name"], seen["meta"]["event_date"]) == ("Ann", "2026-06-01")
    assert (seen["meta"]["invitees"], seen["meta"]["recipient_email"]) == ([], None)


# --- Caches -----------------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    """The facts cache's monotonic clock, set by hand (a slow WordPress cannot age it)."""
    now = [1000.0]
    monkeypatch.setattr(facts, "clock", lambda: now[0])
    return now


def test_a_password_set_in_wordpress_closes_the_registry_within_the_ttl(db, wordpress, make_registry, clock, settings):
    registry_id = make_registry("publish", password="")
    item_id = item_of(registry_id)
    alice, dave = ApiClient(wordpress.alice.authorization), ApiClient(wordpress.dave.authorization)
    hidden = {"detail": f"Item with id {item_id} not found"}
    facts.clear()
    assert dave.get(f"/items/{item_id}").status_code == 200  # cached: published, no password

    set_password(wordpress, registry_id, PASSWORD)

    clock[0] += settings.REGISTRY_ACL_TTL - 0.1
    assert dave.get(f"/items/{item_id}").status_code == 200  # the cached facts' window (docs/api.md)
    assert dave.get(f"/registries/{registry_id}").status_code == 403  # asks WordPress: closed at once
    assert dave.get(f"/items/{item_id}").json() == hidden  # that read refreshed the facts
    assert dave.get(with_password(f"/items/{item_id}", PASSWORD)).status_code == 200
    assert dave.post(f"/items/{item_id}/purchase", {"quantity": 1}).json() == hidden
    assert alice.get(f"/items/{item_id}").status_code == 200

    set_password(wordpress, registry_id, "")
    set_password(wordpress, registry_id, PASSWORD)  # and again, with nothing reading it meanwhile
    facts.clear()
    assert dave.get(with_password(f"/items/{item_id}", PASSWORD)).status_code == 200
    set_password(wordpress, registry_id, "changed")
    assert dave.get(with_password(f"/items/{item_id}", PASSWORD)).json() == hidden  # never cached: refused at once
    clock[0] += settings.REGISTRY_ACL_TTL + 0.1
    assert dave.get(f"/items/{item_id}").json() == hidden


def test_the_password_travels_through_the_lambda_handler(transactional_db, wordpress, make_registry):
    send = lambda_sender(wordpress)
    registry_id = make_registry("publish")
    item_id = item_of(registry_id)

    assert send("bob", "GET", f"/items/{item_id}")[1] == {"detail": f"Item with id {item_id} not found"}
    status, bought = send("bob", "POST", with_password(f"/items/{item_id}/purchase", PASSWORD), {"quantity": 2})
    assert (status, bought["data"]["quantity_purchased"]) == (200, 2)
    status, items = send("bob", "GET", with_password(f"/registries/{registry_id}/items", PASSWORD))
    assert (status, [item["id"] for item in items]) == (200, [item_id])
