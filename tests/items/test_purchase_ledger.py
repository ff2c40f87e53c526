"""The purchase ledger (D2): who bought, and who may undo.

Every POST /items/{id}/purchase writes a ledger line (WordPress user id,
quantity, time) in the transaction that changes the count. The registry's
owner and administrators undo any purchase; anyone else only what they bought
and have not undone, else 409 `Nothing to undo` and nothing changes. Callers
as in tests/items/test_access.py: alice owns the registry, eddie reads it
(published), admin administers; user 99 is another guest, known only to the
ledger.
"""

import pytest
from django.db import DatabaseError, connection

from core.errors import Conflict
from items import purchases
from items.models import Item, Purchase
from items.schemas import PurchaseRequest
from tests.support.access_registries import PUBLISHED, item_in
from tests.support.accounts import ACCOUNTS, caller_of
from tests.support.items import assert_detail, envelope, send

ALICE_ID, ADMIN_ID, EDDIE_ID = (ACCOUNTS[login][1]["id"] for login in ("alice", "admin", "eddie"))
GUEST_ID = 99
NOTHING_TO_UNDO = "Nothing to undo"


def purchase(clients, login: str, item_id: int, quantity: int) -> int | str:
    """The count after `login`'s purchase was recorded, or the 409's detail."""
    response = send(clients[login], "POST", f"/items/{item_id}/purchase", {"quantity": quantity})
    if response.status_code == 409:
        return response.json()["detail"]
    return envelope(response, message="Purchase recorded", admin=login == "admin")["quantity_purchased"]


def state(item_id: int) -> tuple[int, list[tuple[int, int]]]:
    """The item's count and its ledger lines (user id, quantity), in order."""
    lines = Purchase.objects.filter(item_id=item_id).order_by("id").values_list("user_id", "quantity")
    return Item.objects.get(id=item_id).quantity_purchased, list(lines)


@pytest.fixture
def bought_by_a_guest() -> int:
    """An item of alice's published registry of which another guest bought 2."""
    item_id = item_in(PUBLISHED, quantity_purchased=2)
    Purchase.objects.create(item_id=item_id, user_id=GUEST_ID, quantity=2)
    return item_id


def test_every_purchase_and_undo_is_a_ledger_line(clients, access_wordpress):
    item_id = item_in(PUBLISHED)
    assert purchase(clients, "eddie", item_id, 3) == 3
    assert purchase(clients, "eddie", item_id, -1) == 2
    assert purchase(clients, "alice", item_id, 1) == 3
    assert state(item_id) == (3, [(EDDIE_ID, 3), (EDDIE_ID, -1), (ALICE_ID, 1)])
    assert Purchase.objects.get(quantity=-1).created_at is not None


def test_a_guest_cannot_undo_anothers_purchase(clients, access_wordpress, bought_by_a_guest):
    before = state(bought_by_a_guest)
    for quantity in (-1, -2):
        assert purchase(clients, "eddie", bought_by_a_guest, quantity) == NOTHING_TO_UNDO
    assert state(bought_by_a_guest) == before


def test_a_guest_undoes_their_own_and_no_more(clients, access_wordpress, bought_by_a_guest):
    assert purchase(clients, "eddie", bought_by_a_guest, 2) == 4
    assert purchase(clients, "eddie", bought_by_a_guest, -3) == NOTHING_TO_UNDO  # 4 bought, 2 of them his
    assert purchase(clients, "eddie", bought_by_a_guest, -1) == 3
    assert purchase(clients, "eddie", bought_by_a_guest, -1) == 2
    assert purchase(clients, "eddie", bought_by_a_guest, -1) == NOTHING_TO_UNDO
    assert state(bought_by_a_guest) == (2, [(GUEST_ID, 2), (EDDIE_ID, 2), (EDDIE_ID, -1), (EDDIE_ID, -1)])


@pytest.mark.parametrize("manager", ["alice", "admin"])
def test_the_owner_and_administrators_undo_anyones(clients, access_wordpress, bought_by_a_guest, manager):
    assert purchase(clients, manager, bought_by_a_guest, -2) == 0
    assert state(bought_by_a_guest) == (0, [(GUEST_ID, 2), (ACCOUNTS[manager][1]["id"], -2)])
    assert purchase(clients, manager, bought_by_a_guest, -1) == NOTHING_TO_UNDO  # never below 0, whoever asks


def test_a_managers_undo_counts_against_every_buyers_allowance(clients, access_wordpress, bought_by_a_guest):
    """The ledger does not say whose purchase the owner took back: eddie, who
    bought 2 beside the other guest's 2, may no longer undo what might be the
    other guest's."""
    assert purchase(clients, "eddie", bought_by_a_guest, 2) == 4
    assert purchase(clients, "alice", bought_by_a_guest, -1) == 3
    assert purchase(clients, "eddie", bought_by_a_guest, -2) == NOTHING_TO_UNDO  # one of those 3 may be his
    assert purchase(clients, "eddie", bought_by_a_guest, -1) == 2
    assert purchase(clients, "alice", bought_by_a_guest, -1) == 1
    assert purchase(clients, "eddie", bought_by_a_guest, -1) == NOTHING_TO_UNDO  # the last one is the other guest's
    assert state(bought_by_a_guest)[0] == 1


def test_purchases_counted_before_the_ledger_are_the_managers_to_undo(clients, access_wordpress):
    """A v1.0.x count, or one the WordPress plugin set with PUT (its service account is an administrator)."""
    item_id = item_in(PUBLISHED)
    put = send(clients["admin"], "PUT", f"/items/{item_id}", {"quantity_purchased": 3})
    assert envelope(put, message="Item updated successfully", admin=True)["quantity_purchased"] == 3
    assert state(item_id) == (3, [])  # PUT keeps its v1.0.x meaning: no ledger line

    assert purchase(clients, "eddie", item_id, -1) == NOTHING_TO_UNDO
    assert purchase(clients, "alice", item_id, -3) == 0


def test_a_refused_purchase_writes_no_line(clients, access_wordpress):
    item_id = item_in(PUBLISHED)  # 5 wanted
    assert purchase(clients, "eddie", item_id, 6) == "Only 5 left"
    assert purchase(clients, "alice", item_id, -1) == NOTHING_TO_UNDO
    assert state(item_id) == (0, [])


def refuse_ledger_lines(execute, sql, params, many, context):
    """A database that fails the ledger's INSERT, however the service writes it."""
    if sql.startswith('INSERT INTO "purchases"'):
        raise DatabaseError("disk full")
    return execute(sql, params, many, context)


def test_count_and_line_are_written_together_or_not_at_all(clients, access_wordpress):
    item_id = item_in(PUBLISHED)
    with connection.execute_wrapper(refuse_ledger_lines):
        response = send(clients["eddie"], "POST", f"/items/{item_id}/purchase", {"quantity": 2})
    assert_detail(response, 500, "Internal server error")
    assert state(item_id) == (0, [])


def test_the_rule_is_the_services(access_wordpress, eddie, bought_by_a_guest):
    """Called directly, as the route calls it."""
    caller = caller_of("eddie")
    with pytest.raises(Conflict) as refused:
        purchases.record_purchase(caller, bought_by_a_guest, PurchaseRequest.model_validate({"quantity": -1}))
    assert refused.value.detail == NOTHING_TO_UNDO
    assert (
        purchases.record_purchase(
            caller, bought_by_a_guest, PurchaseRequest.model_validate({"quantity": 1})
        ).quantity_purchased
        == 3
    )
    assert (
        purchases.record_purchase(
            caller, bought_by_a_guest, PurchaseRequest.model_validate({"quantity": -1})
        ).quantity_purchased
        == 2
    )
