"""Who may do what with a registry's items, against the project's real WordPress (D1).

One table: for each route (rows), each role on a private and on a published
registry (columns), the exact outcome. Roles: alice owns the registry, admin
is the site's administrator, bob is invited by login, carol by e-mail (in
another case), dave is an ordinary user nobody invited. WordPress applies its
own rules as each of them (the service calls it with the caller's credentials):
it refuses dave the private registry, which the item routes answer as if the
item did not exist, and the registry routes as 403 `Not authorized`. Reservations
(D10) are anyone's who may read the item, cancelled by their maker or an
administrator; gifts (D11) are the owner's and administrators' to see and thank.

Every cell that changes something works on an item of its own, created for
it, so that no cell sees what another did. The registries are force-deleted
at teardown (`created`, a fixture of tests/integration/conftest.py).
"""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from items.models import Item, Purchase, Reservation
from tests.support.items import ITEM
from tests.support.real_wordpress import INVITEES, new_registry

ROLES = ("alice", "admin", "bob", "carol", "dave")
THROWAWAY = "zed"  # invited before each uninvite, so that managers have someone to remove
GUEST_ID = 987654  # a buyer who is none of the roles

# Outcomes: a success status, an error (status, detail), or for GET /items
# whether the registry's item is listed. {item} is the cell's item id.
IN, OUT = "listed", "not listed"
HIDDEN = (404, "Item with id {item} not found")  # exactly as a missing item: nothing leaks
NO_REG = (404, "Registry not found")
WRITE = (403, "Not authorized to modify this item")
ADD = (403, "Only the registry owner can add items")
REMOVE = (403, "Only the registry owner can remove items")
INVITE = (403, "Only the registry owner can manage invitees")
AFFIL = (403, "Only the registry owner can manage affiliate links")
ACCESS = (403, "Not authorized to access this registry")
REFUSED = (403, "Not authorized")  # WordPress refused the caller the post

NO_UNDO = (409, "Nothing to undo")
UNDO_OWN = "POST …/purchase, undo own"  # the caller bought one first
UNDO_OTHERS = "POST …/purchase, undo another's"  # a guest bought one
NO_RES = (404, "Reservation not found")
GIFTS = (403, "Only the registry owner can see gifts")
CANCEL_OWN = "DELETE …/reservations/{id}, own"  # the caller holds one
CANCEL_OTHERS = "DELETE …/reservations/{id}, another's"  # a guest holds one
THANK = "PATCH /registries/{id}/gifts/{gift}"  # a guest's purchase

AFFILIATE_PATH = "/registries/{registry}/items/{item}/affiliate"
# route -> (method, path, body): {registry}, {item} (and {reservation}, {gift})
# are filled in per cell, a callable body is called with the registry id.
ROUTES: dict[str, tuple[str, str, Any]] = {
    "GET /items/{id}": ("GET", "/items/{item}", None),
    "PUT /items/{id}": ("PUT", "/items/{item}", {"notes": "changed"}),
    "DELETE /items/{id}": ("DELETE", "/items/{item}", None),
    "POST /items": ("POST", "/items", lambda registry_id: {**ITEM, "registry_id": registry_id}),
    "POST /items/{id}/purchase": ("POST", "/items/{item}/purchase", {"quantity": 1}),
    UNDO_OWN: ("POST", "/items/{item}/purchase", {"quantity": -1}),
    UNDO_OTHERS: ("POST", "/items/{item}/purchase", {"quantity": -1}),
    "GET /items": ("GET", "/items?limit=-1", None),
    "GET /registries/{id}/items": ("GET", "/registries/{registry}/items", None),
    "POST /registries/{id}/items": ("POST", "/registries/{registry}/items", ITEM),
    "DELETE /registries/{id}/items/{item}": ("DELETE", "/registries/{registry}/items/{item}", None),
    "GET /registries/{id}/invitees": ("GET", "/registries/{registry}/invitees", None),
    "POST /registries/{id}/invitees": ("POST", "/registries/{registry}/invitees", {"invitees": ["bob"]}),
    "DELETE /registries/{id}/invitees/{invitee}": ("DELETE", f"/registries/{{registry}}/invitees/{THROWAWAY}", None),
    "GET …/affiliate": ("GET", AFFILIATE_PATH, None),
    "PUT …/affiliate": ("PUT", AFFILIATE_PATH, {"affiliate_url": "https://aff.example/gift"}),
    "DELETE …/affiliate": ("DELETE", AFFILIATE_PATH, None),
    "POST /items/{id}/reservations": ("POST", "/items/{item}/reservations", {"quantity": 1}),
    "GET /items/{id}/reservations": ("GET", "/items/{item}/reservations", None),
    CANCEL_OWN: ("DELETE", "/items/{item}/reservations/{reservation}", None),
    CANCEL_OTHERS: ("DELETE", "/items/{item}/reservations/{reservation}", None),
    "GET /registries/{id}/gifts": ("GET", "/registries/{registry}/gifts", None),
    THANK: ("PATCH", "/registries/{registry}/gifts/{gift}", {"thanked": True}),
}

# fmt: off
#                                                     private registry:                          published registry:
#                                                     alice   admin   bob     carol   dave       alice   admin   bob     carol   dave
TABLE: dict[str, tuple[tuple, tuple]] = {
    "GET /items/{id}":                              ((200,    200,    200,    200,    HIDDEN),  (200,    200,    200,    200,    200)),
    "PUT /items/{id}":                              ((200,    200,    WRITE,  WRITE,  HIDDEN),  (200,    200,    WRITE,  WRITE,  WRITE)),
    "DELETE /items/{id}":                           ((200,    200,    WRITE,  WRITE,  HIDDEN),  (200,    200,    WRITE,  WRITE,  WRITE)),
    "POST /items":                                  ((201,    201,    ADD,    ADD,    NO_REG),  (201,    201,    ADD,    ADD,    ADD)),
    "POST /items/{id}/purchase":                    ((200,    200,    200,    200,    HIDDEN),  (200,    200,    200,    200,    200)),
    UNDO_OWN:                                       ((200,    200,    200,    200,    HIDDEN),  (200,    200,    200,    200,    200)),
    UNDO_OTHERS:                                    ((200,    200,    NO_UNDO, NO_UNDO, HIDDEN),  (200,    200,    NO_UNDO, NO_UNDO, NO_UNDO)),
    "GET /items":                                   ((IN,     IN,     OUT,    OUT,    OUT),     (IN,     IN,     OUT,    OUT,    OUT)),
    "GET /registries/{id}/items":                   ((200,    200,    200,    200,    REFUSED), (200,    200,    200,    200,    200)),
    "POST /registries/{id}/items":                  ((201,    201,    ADD,    ADD,    REFUSED), (201,    201,    ADD,    ADD,    ADD)),
    "DELETE /registries/{id}/items/{item}":         ((204,    204,    REMOVE, REMOVE, REFUSED), (204,    204,    REMOVE, REMOVE, REMOVE)),
    "GET /registries/{id}/invitees":                ((200,    200,    200,    200,    REFUSED), (200,    200,    200,    200,    ACCESS)),
    "POST /registries/{id}/invitees":               ((200,    200,    INVITE, INVITE, REFUSED), (200,    200,    INVITE, INVITE, ACCESS)),
    "DELETE /registries/{id}/invitees/{invitee}":   ((200,    200,    INVITE, INVITE, REFUSED), (200,    200,    INVITE, INVITE, ACCESS)),
    "GET …/affiliate":                              ((200,    200,    ACCESS, ACCESS, REFUSED), (200,    200,    ACCESS, ACCESS, ACCESS)),
    "PUT …/affiliate":                              ((200,    200,    AFFIL,  AFFIL,  REFUSED), (200,    200,    AFFIL,  AFFIL,  AFFIL)),
    "DELETE …/affiliate":                           ((204,    204,    AFFIL,  AFFIL,  REFUSED), (204,    204,    AFFIL,  AFFIL,  AFFIL)),
    "POST /items/{id}/reservations":                ((201,    201,    201,    201,    HIDDEN),  (201,    201,    201,    201,    201)),
    "GET /items/{id}/reservations":                 ((200,    200,    200,    200,    HIDDEN),  (200,    200,    200,    200,    200)),
    CANCEL_OWN:                                     ((200,    200,    200,    200,    HIDDEN),  (200,    200,    200,    200,    200)),
    CANCEL_OTHERS:                                  ((NO_RES, 200,    NO_RES, NO_RES, HIDDEN),  (NO_RES, 200,    NO_RES, NO_RES, NO_RES)),
    "GET /registries/{id}/gifts":                   ((200,    200,    GIFTS,  GIFTS,  NO_REG),  (200,    200,    GIFTS,  GIFTS,  GIFTS)),
    THANK:                                          ((200,    200,    GIFTS,  GIFTS,  NO_REG),  (200,    200,    GIFTS,  GIFTS,  GIFTS)),
}
# fmt: on
KINDS = ("private", "published")
EXPECTED = {
    (role, kind, route): row[KINDS.index(kind)][ROLES.index(role)]
    for route, row in TABLE.items()
    for kind in KINDS
    for role in ROLES
}


def request_of(route: str, registry_id: int, item_id: int, **ids: int) -> tuple[str, str, Any]:
    """`ids`: the cell's reservation and gift, for the paths that name them."""
    method, path, body = ROUTES[route]
    path = path.format(registry=registry_id, item=item_id, **ids)
    return method, path, body(registry_id) if callable(body) else body


def reservation_for(user_id: int, item_id: int) -> int:
    return Reservation.objects.create(
        item_id=item_id, user_id=user_id, quantity=1, held=1, expires_at=timezone.now() + timedelta(hours=1)
    ).id


def expected(role: str, kind: str, route: str, item_id: int) -> Any:
    want = EXPECTED[role, kind, route]
    return (want[0], want[1].format(item=item_id)) if isinstance(want, tuple) else want


def outcome(route: str, status: int, body: Any, item_id: int) -> Any:
    """What the answer is, in the table's terms."""
    if route == "GET /items" and status == 200:
        return IN if item_id in [item["id"] for item in body] else OUT
    if status < 300:
        return status
    return status, body["detail"]


@pytest.mark.parametrize("kind", KINDS)
def test_access_matrix(send, created, wordpress, kind):
    registry_id = new_registry(send, created, is_private=kind == "private", meta={"invitees": INVITEES})["id"]

    mismatches = []
    for route in ROUTES:
        for role in ROLES:
            # The cell's own item: writes of earlier cells never show.
            item_id = Item.objects.create(
                registry_id=registry_id, name="Gift", url="https://example.com/gift", quantity_needed=5,
                affiliate_url="https://aff.example/old", affiliate_status="active",
            ).id  # fmt: skip
            if route.endswith("{invitee}"):
                assert send("alice", "POST", f"/registries/{registry_id}/invitees", {"invitees": [THROWAWAY]})[0] == 200
            elif route == UNDO_OWN:
                send(role, "POST", f"/items/{item_id}/purchase", {"quantity": 1})
            elif route == UNDO_OTHERS:
                Item.objects.filter(id=item_id).update(quantity_purchased=1)
                Purchase.objects.create(item_id=item_id, user_id=GUEST_ID, quantity=1)
            ids = {}
            if route in (CANCEL_OWN, CANCEL_OTHERS):
                ids["reservation"] = reservation_for(
                    wordpress.accounts[role].id if route == CANCEL_OWN else GUEST_ID, item_id
                )
            elif route == THANK:
                Item.objects.filter(id=item_id).update(quantity_purchased=1)
                ids["gift"] = Purchase.objects.create(item_id=item_id, user_id=GUEST_ID, quantity=1, gift_quantity=1).id
            status, body = send(role, *request_of(route, registry_id, item_id, **ids))
            got, want = outcome(route, status, body, item_id), expected(role, kind, route, item_id)
            if got != want:
                mismatches.append((role, route, want, got))
    assert mismatches == [], f"{len(mismatches)} of {len(ROUTES) * len(ROLES)} cells differ"
