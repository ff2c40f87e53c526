"""Reservations (D10): units of an item a caller holds for a while before buying.

- POST /items/{id}/reservations holds 1 … 2147483647 units (default 1, else 422)
  for RESERVATION_TTL seconds: 201 envelope `Item reserved`, or 409 `Only K
  left` beyond what is left (needed − purchased − every active reservation),
  and nothing is stored.
- GET lists the caller's own active reservations on the item, oldest first
  (administrators: everyone's); DELETE cancels one of the caller's
  (administrators: anyone's), else 404 `Reservation not found`.
- An item the caller may not read answers 404 `Item with id N not found` on
  every route, as for purchases; anonymous callers 401.
- Both item shapes end with `quantity_reserved`, wherever an item is answered.
- An expired reservation counts for nothing anywhere, with no job to run.
- A purchase may not take others' reserved units; with `reservation_id` (the
  caller's own, anyone's for administrators) it takes that reservation's units
  first, which shrinks and is gone at 0. PUT /items/{id} ignores reservations.
- purchased + reserved ≤ needed under any sequence of reservations,
  purchases, undos, cancellations and expiries (a model of the rules).
- Who reserved is never in an answer.

Callers as in tests/items/test_access.py: alice owns the registries, eddie
reads the published one, admin administers.
"""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from core.errors import Conflict, NotFound
from items import reservations
from items.models import Item, Purchase, Reservation
from tests.support.access_registries import (
    ACCESS,
    PUBLISHED,
    N,
    add_access_registries,
    item_in,
)
from tests.support.accounts import ACCOUNTS, basic, caller_of
from tests.support.client import ApiClient
from tests.support.events import http_v2_event, lambda_answer, rest_v1_event
from tests.support.items import (
    ISO_SECONDS,
    assert_detail,
    assert_missing_auth,
    bare_list,
    body_of,
    envelope,
    send,
    validation_errors,
)
from tests.support.wordpress import WordPressStandIn, wordpress_error

ALICE_ID, ADMIN_ID, EDDIE_ID = (ACCOUNTS[login][1]["id"] for login in ("alice", "admin", "eddie"))
GUEST_ID = 99  # another reserver, known only to the table
NOT_FOUND = "Reservation not found"
ITEM_NOT_FOUND = "Item with id {id} not found"
RESERVATION_KEYS = ["id", "item_id", "quantity", "expires_at"]
BUILDERS = pytest.mark.parametrize("build", [http_v2_event, rest_v1_event], ids=["v2", "v1"])


def path_of(item_id: int, reservation_id: int | None = None) -> str:
    path = f"/items/{item_id}/reservations"
    return path if reservation_id is None else f"{path}/{reservation_id}"


def reserve(client, item_id: int, body: object = "", query: str = ""):
    return send(client, "POST", path_of(item_id) + query, body)


def reservation(response, status: int = 201, message: str = "Item reserved") -> dict:
    """Assert the envelope `{success, data, message}` of a reservation and return `data`."""
    body = body_of(response)
    assert response.status_code == status, body
    assert list(body) == ["success", "data", "message"]
    assert (body["success"], body["message"]) == (True, message)
    assert_reservation_shape(body["data"])
    return body["data"]


def assert_reservation_shape(data: dict) -> None:
    """Exactly these keys (never who reserved); expires_at as the items' timestamps."""
    assert list(data) == RESERVATION_KEYS
    assert ISO_SECONDS.match(data["expires_at"])


def reserved(client, item_id: int, quantity: int | None = None) -> dict:
    """A reservation `client` made (the route's default quantity if None)."""
    return reservation(reserve(client, item_id, {} if quantity is None else {"quantity": quantity}))


def listed(client, item_id: int, query: str = "") -> list[dict]:
    return bare_list(client, path_of(item_id) + query, assert_reservation_shape)


def cancel(client, item_id: int, reservation_id: int, query: str = ""):
    return send(client, "DELETE", path_of(item_id, reservation_id) + query)


def buy(client, item_id: int, quantity: int, reservation_id: int | None = None, *, admin: bool = False) -> dict:
    """The item the purchase answered with."""
    response = send(client, "POST", f"/items/{item_id}/purchase", purchase_body(quantity, reservation_id))
    return envelope(response, message="Purchase recorded", admin=admin)


def purchase_body(quantity: int, reservation_id: int | None = None) -> dict:
    return {"quantity": quantity} | ({} if reservation_id is None else {"reservation_id": reservation_id})


def item_seen(client, item_id: int, *, admin: bool = False) -> dict:
    return envelope(send(client, "GET", f"/items/{item_id}"), admin=admin)


def counts(item_id: int) -> tuple[int, int]:
    """(quantity_purchased, quantity_reserved) as an administrator sees them."""
    item = item_seen(ApiClient(basic("admin")), item_id, admin=True)
    return item["quantity_purchased"], item["quantity_reserved"]


def stored(item_id: int) -> tuple[int, list[tuple[int, int, int]], list[tuple[int, int]]]:
    """The item's count, its reservations (user, quantity, held) and ledger lines (user, quantity), in order."""
    rows = Reservation.objects.filter(item_id=item_id).order_by("id").values_list("user_id", "quantity", "held")
    lines = Purchase.objects.filter(item_id=item_id).order_by("id").values_list("user_id", "quantity")
    return Item.objects.get(id=item_id).quantity_purchased, list(rows), list(lines)


def held(reservation_id: int) -> int:
    return Reservation.objects.get(id=reservation_id).held


def expire(*reservation_ids: int) -> None:
    """What time does: no job, no route."""
    Reservation.objects.filter(id__in=reservation_ids).update(expires_at=timezone.now() - timedelta(seconds=1))


def reservation_of(user_id: int, item_id: int, quantity: int = 1) -> int:
    """Another caller's active reservation, stored straight in the table."""
    return Reservation.objects.create(
        item_id=item_id,
        user_id=user_id,
        quantity=quantity,
        held=quantity,
        expires_at=timezone.now() + timedelta(hours=1),
    ).id


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


# --- POST /items/{id}/reservations ------------------------------------------------------


def test_a_reservation_holds_units_for_the_ttl(eddie, access_wordpress, settings):
    settings.RESERVATION_TTL = 90
    item_id = item_in(PUBLISHED)
    before = utc_now()

    data = reserved(eddie, item_id, 2)

    after = utc_now()
    expires_at = datetime.fromisoformat(data["expires_at"])
    assert before + timedelta(seconds=90) <= expires_at <= after + timedelta(seconds=90)
    assert data == {"id": data["id"], "item_id": item_id, "quantity": 2, "expires_at": data["expires_at"]}
    row = Reservation.objects.get(id=data["id"])
    assert (row.item_id, row.user_id, row.quantity, row.held) == (item_id, EDDIE_ID, 2, 2)
    assert row.expires_at.astimezone(UTC).replace(tzinfo=None) == expires_at
    assert counts(item_id) == (0, 2)


def test_the_default_is_one_unit_for_seven_days(eddie, access_wordpress):
    item_id = item_in(PUBLISHED)
    before = utc_now()
    data = reserved(eddie, item_id)
    assert data["quantity"] == 1
    assert datetime.fromisoformat(data["expires_at"]) >= before + timedelta(days=7)
    assert datetime.fromisoformat(data["expires_at"]) <= utc_now() + timedelta(days=7)


@pytest.mark.parametrize(
    ("quantity", "type_"),
    [
        (0, "greater_than_equal"),
        (-1, "greater_than_equal"),
        (-(2**31), "greater_than_equal"),
        (2**31, "less_than_equal"),
        (2**63, "less_than_equal"),
        ("two", "int_parsing"),
        ("1.5", "int_parsing"),
        ("", "int_parsing"),
        (1.5, "int_from_float"),
        (None, "int_type"),
        ([1], "int_type"),
        ({"n": 1}, "int_type"),
    ],
)
def test_a_quantity_that_is_not_a_whole_number_from_1_is_422(eddie, access_wordpress, quantity, type_):
    item_id = item_in(PUBLISHED)
    [found] = validation_errors(reserve(eddie, item_id, {"quantity": quantity}))
    assert (found["type"], found["loc"], found["input"]) == (type_, ["body", "quantity"], quantity)
    assert not Reservation.objects.exists()


def test_the_largest_quantity_is_accepted_where_that_many_are_needed(eddie, access_wordpress):
    item_id = item_in(PUBLISHED)
    Item.objects.filter(id=item_id).update(quantity_needed=2**31 - 1)
    assert reserved(eddie, item_id, 2**31 - 1)["quantity"] == 2**31 - 1
    assert_detail(reserve(eddie, item_id, {}), 409, "Only 0 left")


def test_a_body_that_is_no_json_object_is_422(eddie, access_wordpress):
    item_id = item_in(PUBLISHED)
    for body in ("[1]", "1", "{"):
        assert reserve(eddie, item_id, body).status_code == 422
    assert not Reservation.objects.exists()


def test_beyond_what_is_left_is_409_and_nothing_is_stored(clients, access_wordpress):
    item_id = item_in(PUBLISHED, quantity_purchased=1)  # 5 needed, 1 bought
    reserved(clients["alice"], item_id, 2)
    before = stored(item_id)

    assert_detail(reserve(clients["eddie"], item_id, {"quantity": 3}), 409, "Only 2 left")
    assert_detail(reserve(clients["admin"], item_id, {"quantity": 2**31 - 1}), 409, "Only 2 left")
    assert stored(item_id) == before

    reserved(clients["eddie"], item_id, 2)
    assert_detail(reserve(clients["eddie"], item_id, {}), 409, "Only 0 left")
    assert counts(item_id) == (1, 4)


def test_what_is_left_is_never_below_0(alice, eddie, access_wordpress):
    """The owner may lower what is needed below what is bought and held (PUT)."""
    item_id = item_in(PUBLISHED, quantity_purchased=2)
    reserved(eddie, item_id, 3)
    put = send(alice, "PUT", f"/items/{item_id}", {"quantity_needed": 1})
    assert envelope(put, message="Item updated successfully")["quantity_needed"] == 1
    assert_detail(reserve(eddie, item_id, {}), 409, "Only 0 left")
    assert_detail(send(eddie, "POST", f"/items/{item_id}/purchase", {}), 409, "Only 0 left")


# --- GET /items/{id}/reservations --------------------------------------------------------


def test_the_list_is_the_callers_own_active_reservations_oldest_first(clients, access_wordpress, settings):
    item_id, other_item = item_in(PUBLISHED), item_in(PUBLISHED)
    Item.objects.filter(id=item_id).update(quantity_needed=20)
    settings.RESERVATION_TTL = 600
    first = reserved(clients["eddie"], item_id, 1)
    settings.RESERVATION_TTL = 60  # the later one expires sooner: the order is by age, not expiry
    second = reserved(clients["eddie"], item_id, 2)
    alices = reserved(clients["alice"], item_id, 3)
    expired, cancelled = reserved(clients["eddie"], item_id), reserved(clients["eddie"], item_id)
    reserved(clients["eddie"], other_item)
    used_up = reserved(clients["eddie"], item_id, 2)
    expire(expired["id"])
    reservation(cancel(clients["eddie"], item_id, cancelled["id"]), 200, "Reservation cancelled")
    buy(clients["eddie"], item_id, 2, used_up["id"])
    third = reserved(clients["eddie"], item_id, 4)
    # All made in one second: the earlier still comes first.
    Reservation.objects.update(created_at=timezone.now().replace(microsecond=0))

    assert listed(clients["eddie"], item_id) == [first, second, third]
    assert listed(clients["alice"], item_id) == [alices]
    assert listed(clients["admin"], item_id) == [first, second, alices, third]
    assert listed(clients["admin"], other_item) != [] and listed(clients["alice"], other_item) == []


def test_the_list_shows_what_a_reservation_still_holds(eddie, access_wordpress):
    item_id = item_in(PUBLISHED)
    made = reserved(eddie, item_id, 3)
    buy(eddie, item_id, 2, made["id"])
    assert listed(eddie, item_id) == [{**made, "quantity": 1}]


# --- DELETE /items/{id}/reservations/{reservation_id} ------------------------------------------


@pytest.mark.parametrize("login", ["eddie", "admin"], ids=["its-maker", "an-administrator"])
def test_its_maker_or_an_administrator_cancels_a_reservation(clients, access_wordpress, login):
    item_id = item_in(PUBLISHED)
    made = reserved(clients["eddie"], item_id, 4)

    cancelled = reservation(cancel(clients[login], item_id, made["id"]), 200, "Reservation cancelled")

    assert cancelled == made
    assert listed(clients["eddie"], item_id) == [] and counts(item_id) == (0, 0)
    assert held(made["id"]) == 0
    assert reserved(clients["alice"], item_id, 5)["quantity"] == 5  # the units are free again
    assert_detail(cancel(clients[login], item_id, made["id"]), 404, NOT_FOUND)


REFUSED_CANCELS = ["another user's", "unknown", "expired", "cancelled", "used up", "of another item", "beyond int64"]


@pytest.mark.parametrize("case", REFUSED_CANCELS)
def test_a_reservation_one_may_not_cancel_is_404(clients, access_wordpress, case):
    item_id, other_item = item_in(PUBLISHED), item_in(PUBLISHED)
    eddies = reserved(clients["eddie"], item_id, 2)
    alices = reserved(clients["alice"], item_id, 1)
    target = {
        "another user's": alices["id"],  # alice owns the registry, and still may not cancel eddie's: nor he hers
        "unknown": 987654,
        "expired": eddies["id"],
        "cancelled": eddies["id"],
        "used up": eddies["id"],
        "of another item": reserved(clients["eddie"], other_item)["id"],
        "beyond int64": 2**63,
    }[case]
    if case == "expired":
        expire(eddies["id"])
    elif case == "cancelled":
        reservation(cancel(clients["eddie"], item_id, eddies["id"]), 200, "Reservation cancelled")
    elif case == "used up":
        buy(clients["eddie"], item_id, 2, eddies["id"])
    before = stored(item_id), stored(other_item)

    assert_detail(cancel(clients["eddie"], item_id, target), 404, NOT_FOUND)
    assert_detail(cancel(clients["alice"], item_id, eddies["id"]), 404, NOT_FOUND)  # the owner: not hers either

    assert (stored(item_id), stored(other_item)) == before


# --- Who may reach the routes (D1) ------------------------------------------------------------


@pytest.mark.parametrize(("login", "registry_id"), ACCESS)
def test_whoever_may_read_the_item_reserves_it_and_nobody_else_learns_it_exists(
    clients, access_wordpress, login, registry_id
):
    item_id = item_in(registry_id)
    client = clients[login]
    if ACCESS[login, registry_id] == N:
        hidden = ITEM_NOT_FOUND.format(id=item_id)
        theirs = reservation_of(ALICE_ID, item_id)
        assert_detail(reserve(client, item_id, {}), 404, hidden)
        assert_detail(send(client, "GET", path_of(item_id)), 404, hidden)
        assert_detail(cancel(client, item_id, theirs), 404, hidden)
        assert Reservation.objects.get().held == 1
        return
    made = reserved(client, item_id)
    assert listed(client, item_id) == [made]
    assert reservation(cancel(client, item_id, made["id"]), 200, "Reservation cancelled") == made


@pytest.mark.parametrize("login", ["eddie", "admin"])
@pytest.mark.parametrize("case", ["missing", "inactive", "beyond int64"])
def test_an_item_that_is_not_there_is_404_on_every_route(clients, access_wordpress, login, case):
    item_id = {"missing": 987654, "inactive": item_in(PUBLISHED, is_active=False), "beyond int64": 2**63}[case]
    hidden = ITEM_NOT_FOUND.format(id=item_id)
    made = reservation_of(EDDIE_ID, item_id) if case == "inactive" else 1
    assert_detail(reserve(clients[login], item_id, {}), 404, hidden)
    assert_detail(send(clients[login], "GET", path_of(item_id)), 404, hidden)
    assert_detail(cancel(clients[login], item_id, made), 404, hidden)
    assert Reservation.objects.count() == (1 if case == "inactive" else 0)


def test_anonymous_callers_are_401(anonymous, eddie, access_wordpress):
    item_id = item_in(PUBLISHED)
    made = reserved(eddie, item_id)
    for method, path in [
        ("POST", path_of(item_id)),
        ("GET", path_of(item_id)),
        ("DELETE", path_of(item_id, made["id"])),
    ]:
        assert_missing_auth(send(anonymous, method, path, {}))
    assert held(made["id"]) == 1 and Reservation.objects.count() == 1


# --- Password-protected registries -----------------------------------------------------------

LOCKED, PASSWORD, WRONG = 301, "open sesame", "open says me"


class ProtectedWordPress(WordPressStandIn):
    """The stand-in with WordPress's post passwords, as far as reading takes them:
    a GET whose `password` is not the post's is refused before anything else."""

    def registries(self, request, registry_id=None):
        post = self.posts.get(int(registry_id)) if registry_id is not None else None
        given = request.url.params.get("password")
        if request.method == "GET" and post is not None and given and given != post.get("password"):
            self.received.append(request)
            return wordpress_error(403, "rest_post_incorrect_password", "Incorrect post password.")
        return super().registries(request, registry_id)


@pytest.fixture
def locked_wordpress(wordpress_stub) -> ProtectedWordPress:
    site = ProtectedWordPress(router=wordpress_stub)
    add_access_registries(site)
    site.add(id=LOCKED, password=PASSWORD)
    site.posts[LOCKED]["content"]["protected"] = True
    return site


def test_a_protected_registrys_item_is_reserved_with_its_password_as_it_is_bought(clients, locked_wordpress):
    item_id = item_in(LOCKED)
    eddie, hidden = clients["eddie"], ITEM_NOT_FOUND.format(id=item_id)
    for query in ("", f"?password={WRONG.replace(' ', '+')}"):
        assert_detail(reserve(eddie, item_id, {}, query), 404, hidden)
        assert_detail(send(eddie, "GET", path_of(item_id) + query), 404, hidden)
    right = f"?password={PASSWORD.replace(' ', '+')}"

    made = reservation(reserve(eddie, item_id, {}, right))

    assert listed(eddie, item_id, right) == [made]
    assert_detail(cancel(eddie, item_id, made["id"]), 404, hidden)
    assert reservation(cancel(eddie, item_id, made["id"], right), 200, "Reservation cancelled") == made
    assert reserved(clients["alice"], item_id)["quantity"] == 1  # the owner needs none


# --- quantity_reserved in every item answer ------------------------------------------------------


@pytest.mark.parametrize("login", ["alice", "admin"], ids=["public-shape", "admin-shape"])
def test_every_item_answer_ends_with_the_active_reservations_total(clients, access_wordpress, login):
    client, admin = clients[login], login == "admin"
    item_id = item_in(PUBLISHED)
    reserved(clients["eddie"], item_id, 2)
    expire(reserved(clients["eddie"], item_id, 1)["id"])
    reserved(clients["alice"], item_id, 1)

    def last_key(item: dict) -> tuple[str, int]:
        return list(item)[-1], item["quantity_reserved"]

    assert last_key(item_seen(client, item_id, admin=admin)) == ("quantity_reserved", 3)
    [listed_item] = body_of(send(client, "GET", "/items"))
    [registry_item] = body_of(send(client, "GET", f"/registries/{PUBLISHED}/items"))
    assert last_key(listed_item) == last_key(registry_item) == ("quantity_reserved", 3)
    assert last_key(buy(client, item_id, 1, admin=admin)) == ("quantity_reserved", 3)
    assert last_key(buy(client, item_id, -1, admin=admin)) == ("quantity_reserved", 3)
    put = send(client, "PUT", f"/items/{item_id}", {"notes": "n"})
    assert last_key(envelope(put, message="Item updated successfully", admin=admin)) == ("quantity_reserved", 3)
    # Items just made hold none.
    new = send(client, "POST", "/items", {"registry_id": PUBLISHED, "name": "New", "url": "https://example.com/new"})
    assert last_key(envelope(new, 201, "Item created successfully", admin=admin)) == ("quantity_reserved", 0)


# --- Expiry -------------------------------------------------------------------------------------


def test_an_expired_reservation_counts_for_nothing_with_no_job_to_run(clients, access_wordpress):
    item_id = item_in(PUBLISHED)  # 5 needed
    eddies = reserved(clients["eddie"], item_id, 4)
    assert_detail(reserve(clients["alice"], item_id, {"quantity": 2}), 409, "Only 1 left")

    expire(eddies["id"])

    assert counts(item_id) == (0, 0)
    assert listed(clients["eddie"], item_id) == [] and listed(clients["admin"], item_id) == []
    assert_detail(cancel(clients["eddie"], item_id, eddies["id"]), 404, NOT_FOUND)
    response = send(clients["eddie"], "POST", f"/items/{item_id}/purchase", purchase_body(1, eddies["id"]))
    assert_detail(response, 404, NOT_FOUND)
    assert stored(item_id)[0] == 0 and not Purchase.objects.exists()
    assert buy(clients["alice"], item_id, 2)["quantity_purchased"] == 2  # its units are anyone's
    assert reserved(clients["eddie"], item_id, 3)["quantity"] == 3


# --- Purchases and reservations -----------------------------------------------------------------


def test_a_purchase_cannot_take_units_others_hold(clients, access_wordpress):
    item_id = item_in(PUBLISHED)  # 5 needed
    reserved(clients["eddie"], item_id, 3)
    before = stored(item_id)

    for login in ("alice", "admin"):
        response = send(clients[login], "POST", f"/items/{item_id}/purchase", {"quantity": 3})
        assert_detail(response, 409, "Only 2 left")
    assert stored(item_id) == before

    assert buy(clients["alice"], item_id, 2)["quantity_purchased"] == 2
    assert_detail(send(clients["alice"], "POST", f"/items/{item_id}/purchase", {}), 409, "Only 0 left")
    # Nor, without its id, units the buyer holds himself.
    assert_detail(send(clients["eddie"], "POST", f"/items/{item_id}/purchase", {}), 409, "Only 0 left")
    assert counts(item_id) == (2, 3)


def test_a_purchase_uses_its_reservation_first_which_shrinks_and_is_gone_at_0(clients, access_wordpress):
    item_id = item_in(PUBLISHED)  # 5 needed
    eddies = reserved(clients["eddie"], item_id, 3)
    reserved(clients["alice"], item_id, 2)  # nothing else is left

    item = buy(clients["eddie"], item_id, 2, eddies["id"])

    assert (item["quantity_purchased"], item["quantity_reserved"]) == (2, 3)
    assert listed(clients["eddie"], item_id) == [{**eddies, "quantity": 1}]
    # The reservation's 1, and nothing beyond it.
    response = send(clients["eddie"], "POST", f"/items/{item_id}/purchase", purchase_body(2, eddies["id"]))
    assert_detail(response, 409, "Only 1 left")
    assert held(eddies["id"]) == 1

    item = buy(clients["eddie"], item_id, 1, eddies["id"])

    assert (item["quantity_purchased"], item["quantity_reserved"]) == (3, 2)
    assert listed(clients["eddie"], item_id) == []
    assert_detail(cancel(clients["eddie"], item_id, eddies["id"]), 404, NOT_FOUND)
    again = send(clients["eddie"], "POST", f"/items/{item_id}/purchase", purchase_body(1, eddies["id"]))
    assert_detail(again, 404, NOT_FOUND)
    assert stored(item_id)[2] == [(EDDIE_ID, 2), (EDDIE_ID, 1)]


def test_a_purchase_beyond_its_reservation_takes_the_rest_from_what_is_left(clients, access_wordpress):
    item_id = item_in(PUBLISHED)  # 5 needed
    eddies = reserved(clients["eddie"], item_id, 2)
    reserved(clients["alice"], item_id, 1)

    # The reservation's 2 and the 2 nobody holds, whether the count alone would allow it or not.
    for quantity in (5, 6, 2**31 - 1):
        response = send(clients["eddie"], "POST", f"/items/{item_id}/purchase", purchase_body(quantity, eddies["id"]))
        assert_detail(response, 409, "Only 4 left")
    assert held(eddies["id"]) == 2 and stored(item_id)[0] == 0
    item = buy(clients["eddie"], item_id, 4, eddies["id"])

    assert (item["quantity_purchased"], item["quantity_reserved"]) == (4, 1)
    assert held(eddies["id"]) == 0 and listed(clients["eddie"], item_id) == []


REFUSED_RESERVATIONS = ["another user's", "unknown", "expired", "cancelled", "of another item", "largest id"]


@pytest.mark.parametrize("case", REFUSED_RESERVATIONS)
def test_a_reservation_that_is_not_the_buyers_is_404_and_nothing_changes(clients, access_wordpress, case):
    item_id, other_item = item_in(PUBLISHED), item_in(PUBLISHED)
    alices = reserved(clients["alice"], item_id, 2)
    eddies = reserved(clients["eddie"], item_id, 2)
    target = {
        "another user's": alices["id"],
        "unknown": 987654,
        "expired": eddies["id"],
        "cancelled": eddies["id"],
        "of another item": reserved(clients["eddie"], other_item, 2)["id"],
        "largest id": 2**63 - 1,
    }[case]
    if case == "expired":
        expire(eddies["id"])
    elif case == "cancelled":
        reservation(cancel(clients["eddie"], item_id, eddies["id"]), 200, "Reservation cancelled")
    before = stored(item_id), stored(other_item)

    response = send(clients["eddie"], "POST", f"/items/{item_id}/purchase", purchase_body(1, target))

    assert_detail(response, 404, NOT_FOUND)
    assert (stored(item_id), stored(other_item)) == before


def test_the_owner_may_not_buy_with_a_guests_reservation(alice, access_wordpress):
    item_id = item_in(PUBLISHED)
    guests = reservation_of(GUEST_ID, item_id, 5)
    response = send(alice, "POST", f"/items/{item_id}/purchase", purchase_body(1, guests))
    assert_detail(response, 404, NOT_FOUND)
    assert held(guests) == 5 and stored(item_id)[0] == 0


def test_administrators_may_buy_with_anyones_reservation(admin, access_wordpress):
    item_id = item_in(PUBLISHED)
    guests = reservation_of(GUEST_ID, item_id, 5)
    item = buy(admin, item_id, 2, guests, admin=True)
    assert (item["quantity_purchased"], item["quantity_reserved"]) == (2, 3)
    assert held(guests) == 3
    assert stored(item_id)[2] == [(ADMIN_ID, 2)]


def test_an_undo_gives_the_units_back_to_everyone_not_to_the_reservation(clients, access_wordpress):
    item_id = item_in(PUBLISHED)
    eddies = reserved(clients["eddie"], item_id, 2)
    buy(clients["eddie"], item_id, 2, eddies["id"])
    item = buy(clients["eddie"], item_id, -1)
    assert (item["quantity_purchased"], item["quantity_reserved"]) == (1, 0)
    assert reserved(clients["alice"], item_id, 4)["quantity"] == 4


def test_put_keeps_its_meaning_and_ignores_reservations(alice, eddie, access_wordpress):
    item_id = item_in(PUBLISHED)
    made = reserved(eddie, item_id, 3)
    put = send(alice, "PUT", f"/items/{item_id}", {"quantity_purchased": 5})
    item = envelope(put, message="Item updated successfully")
    assert (item["quantity_purchased"], item["quantity_reserved"]) == (5, 3)
    assert listed(eddie, item_id) == [made] and not Purchase.objects.exists()
    assert_detail(reserve(eddie, item_id, {}), 409, "Only 0 left")


# --- Nothing is oversold, whatever the sequence --------------------------------------------------------


class Model:
    """The rules of D10 and D2 for one item of alice's: alice and eddie
    reserving, buying, cancelling and undoing (alice any purchase, as the
    owner; eddie his own); time expiring reservations."""

    def __init__(self, needed: int) -> None:
        self.needed, self.purchased = needed, 0
        self.reservations: dict[int, list[Any]] = {}  # id -> [login, held]; held 0: gone
        self.bought = Counter[str]()

    def left(self, besides: int | None = None) -> int:
        held = sum(units for rid, (_, units) in self.reservations.items() if rid != besides)
        return self.needed - self.purchased - held

    def usable(self, login: str, reservation_id: int | None) -> bool:
        found = self.reservations.get(reservation_id) if reservation_id is not None else None
        return found is not None and found[0] == login and found[1] > 0

    def reserve(self, login: str, quantity: int) -> tuple[int, str | None]:
        left = self.left()
        return (201, None) if quantity <= left else (409, f"Only {max(left, 0)} left")

    def buy(self, login: str, quantity: int, reservation_id: int | None) -> tuple[int, str | None]:
        if reservation_id is not None and not self.usable(login, reservation_id):
            return 404, NOT_FOUND
        left = self.left(besides=reservation_id)
        if quantity > left:
            return 409, f"Only {max(left, 0)} left"
        self.purchased += quantity
        self.bought[login] += quantity
        if reservation_id is not None:
            self.reservations[reservation_id][1] = max(self.reservations[reservation_id][1] - quantity, 0)
        return 200, None

    def undo(self, login: str, quantity: int) -> tuple[int, str | None]:
        # The owner's undo may have taken eddie's back: it counts against his allowance.
        allowed = self.purchased if login == "alice" else self.bought["eddie"] + min(self.bought["alice"], 0)
        if min(allowed, self.purchased) < quantity:
            return 409, "Nothing to undo"
        self.purchased -= quantity
        self.bought[login] -= quantity
        return 200, None

    def cancel(self, login: str, reservation_id: int) -> tuple[int, str | None]:
        if not self.usable(login, reservation_id):
            return 404, NOT_FOUND
        self.reservations[reservation_id][1] = 0
        return 200, None

    @property
    def reserved(self) -> int:
        return sum(units for _, units in self.reservations.values())


def outcome(response) -> tuple[int, str | None]:
    body = body_of(response)
    return response.status_code, body.get("detail") if response.status_code >= 400 else None


def test_nothing_is_oversold_whatever_the_sequence(clients, access_wordpress):
    rng, model, item_id = random.Random(10), Model(5), item_in(PUBLISHED)
    seen = Counter[tuple[str, int]]()
    for _ in range(200):
        login, quantity = rng.choice(["alice", "eddie"]), rng.randint(1, 3)
        own = [rid for rid in model.reservations if model.usable(login, rid)]
        # Mostly one of the caller's own active reservations, else any, or one that never was.
        picked = rng.choice(own if own and rng.random() < 0.7 else [*model.reservations, 987654])
        step = rng.choice(["reserve", "reserve", "buy", "buy with", "cancel", "undo", "expire"])
        if step == "reserve":
            response = reserve(clients[login], item_id, {"quantity": quantity})
            expected = model.reserve(login, quantity)
            if response.status_code == 201:
                model.reservations[body_of(response)["data"]["id"]] = [login, quantity]
        elif step in ("buy", "buy with"):
            reservation_id = picked if step == "buy with" else None
            response = send(
                clients[login], "POST", f"/items/{item_id}/purchase", purchase_body(quantity, reservation_id)
            )
            expected = model.buy(login, quantity, reservation_id)
        elif step == "cancel":
            response, expected = cancel(clients[login], item_id, picked), model.cancel(login, picked)
        elif step == "undo":
            response = send(clients[login], "POST", f"/items/{item_id}/purchase", {"quantity": -quantity})
            expected = model.undo(login, quantity)
        else:
            if picked in model.reservations:
                expire(picked)
                model.reservations[picked][1] = 0
            continue
        assert outcome(response) == expected, (step, login, quantity)
        seen[step, response.status_code] += 1
        purchased, reserved_now = counts(item_id)
        assert (purchased, reserved_now) == (model.purchased, model.reserved)
        assert purchased + reserved_now <= 5
    # Every rule was met, not only passed.
    for met in [("reserve", 201), ("reserve", 409), ("buy", 200), ("buy", 409), ("buy with", 200), ("buy with", 404), ("buy with", 409),
                ("cancel", 200), ("cancel", 404), ("undo", 200), ("undo", 409)]:  # fmt: skip
        assert seen[met] > 0, (met, seen)


# --- Who reserved is nobody's business -----------------------------------------------------------------


def test_who_reserved_is_in_no_answer(clients, access_wordpress):
    item_id = item_in(PUBLISHED)
    made = reserved(clients["eddie"], item_id, 2)
    answers = [
        reserve(clients["eddie"], item_id, {}),
        send(clients["eddie"], "GET", path_of(item_id)),
        send(clients["admin"], "GET", path_of(item_id)),
        send(clients["alice"], "GET", f"/items/{item_id}"),
        send(clients["alice"], "GET", f"/registries/{PUBLISHED}/items"),
        send(clients["alice"], "GET", f"/registries/{PUBLISHED}"),
        cancel(clients["eddie"], item_id, made["id"]),
    ]
    eddie = ACCOUNTS["eddie"][1]
    for response in answers:
        assert response.status_code in (200, 201)
        for identity in ("user_id", eddie["username"], eddie["email"], eddie["name"]):
            assert identity.encode() not in response.content.lower(), (identity, response.content)
    assert listed(clients["alice"], item_id) == []  # the owner does not see eddie's


# --- The services, called as the routes call them ---------------------------------------------------------


def test_the_rules_are_the_services(eddie, access_wordpress):
    caller = caller_of("eddie")
    item_id = item_in(PUBLISHED)

    made = reservations.reserve(caller, item_id, 4)
    assert (made.item_id, made.quantity) == (item_id, 4)
    with pytest.raises(Conflict) as refused:
        reservations.reserve(caller, item_id, 2)
    assert refused.value.detail == "Only 1 left"
    assert [found.id for found in reservations.list_reservations(caller, item_id)] == [made.id]
    assert reservations.cancel_reservation(caller, item_id, made.id) == made
    with pytest.raises(NotFound) as missing:
        reservations.cancel_reservation(caller, item_id, made.id)
    assert missing.value.detail == NOT_FOUND
    assert reservations.list_reservations(caller, item_id) == []


# --- Through the Lambda handler ---------------------------------------------------------------------------

EDDIE, ALICE = {"Authorization": basic("eddie")}, {"Authorization": basic("alice")}


@BUILDERS
def test_reservations_through_the_lambda_handler(lambda_handler, build):
    item_id = item_in(PUBLISHED)  # 5 needed; the default stand-in: alice's, published
    path = path_of(item_id)

    status, made = lambda_answer(lambda_handler, build, "POST", path, EDDIE, {"quantity": 2})
    assert (status, list(made), made["message"], list(made["data"])) == (
        201,
        ["success", "data", "message"],
        "Item reserved",
        RESERVATION_KEYS,
    )
    data = made["data"]
    assert (data["item_id"], data["quantity"]) == (item_id, 2) and ISO_SECONDS.match(data["expires_at"])
    assert lambda_answer(lambda_handler, build, "GET", path, EDDIE) == (200, [data])
    assert lambda_answer(lambda_handler, build, "GET", path, ALICE) == (200, [])
    assert lambda_answer(lambda_handler, build, "POST", path, ALICE, {"quantity": 4}) == (
        409,
        {"detail": "Only 3 left"},
    )
    assert lambda_answer(lambda_handler, build, "POST", path, ALICE, {"quantity": 0})[0] == 422

    status, bought = lambda_answer(
        lambda_handler,
        build,
        "POST",
        f"/items/{item_id}/purchase",
        EDDIE,
        {"quantity": 3, "reservation_id": data["id"]},
    )
    assert (status, bought["message"]) == (200, "Purchase recorded")
    assert (bought["data"]["quantity_purchased"], list(bought["data"])[-1], bought["data"]["quantity_reserved"]) == (
        3,
        "quantity_reserved",
        0,
    )
    assert lambda_answer(lambda_handler, build, "GET", path, EDDIE) == (200, [])

    status, again = lambda_answer(lambda_handler, build, "POST", path, EDDIE, {})
    assert status == 201
    assert lambda_answer(lambda_handler, build, "DELETE", path_of(item_id, again["data"]["id"]), EDDIE) == (
        200,
        {"success": True, "data": again["data"], "message": "Reservation cancelled"},
    )
    assert lambda_answer(lambda_handler, build, "DELETE", path_of(item_id, again["data"]["id"]), EDDIE) == (
        404,
        {"detail": NOT_FOUND},
    )
    assert lambda_answer(lambda_handler, build, "GET", path, {}) == (401, {"detail": "Missing Authorization header"})
