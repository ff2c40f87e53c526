"""What makes the item routes fast, where a test can see it: the statements each
route runs, and no model instance per listed row. Counted, never timed."""

import pytest
from django.db import connection
from django.db.models.signals import pre_init
from django.test.utils import CaptureQueriesContext

from items.models import Item
from tests.support.items import SAMPLE_ITEM

# Transaction control, which the purchase's transaction adds around its statements
# (a savepoint here: the test runs inside a transaction).
CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")


def statements(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if not query["sql"].startswith(CONTROL)]


@pytest.fixture
def item() -> Item:
    return Item.objects.create(**SAMPLE_ITEM, quantity_needed=5)


@pytest.fixture
def instances():
    """The Item instances built meanwhile, counted."""
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    pre_init.connect(count, sender=Item)
    yield built
    pre_init.disconnect(count, sender=Item)


@pytest.mark.parametrize(
    ("login", "path", "listed"),
    [("admin", "/items?limit=100", 100), ("alice", "/items?limit=100", 100), ("alice", "/registries/1/items", 120)],
)
def test_a_list_is_one_query_and_no_model_instance(request, login, path, listed, instances):
    client = request.getfixturevalue(login)
    Item.objects.bulk_create(Item(**SAMPLE_ITEM, quantity_needed=n + 1) for n in range(120))
    # Warm: the caller's own registries are cached (the stand-in's answer reads the database).
    client.get("/items?limit=1")
    instances.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200 and len(response.json()) == listed
    assert len(statements(captured)) == 1
    assert instances == []


def test_get_is_one_query(admin, item):
    with CaptureQueriesContext(connection) as captured:
        assert admin.get(f"/items/{item.id}").status_code == 200
    assert len(statements(captured)) == 1


def test_post_is_one_insert_that_returns_the_stored_defaults(admin):
    with CaptureQueriesContext(connection) as captured:
        response = admin.post("/items", SAMPLE_ITEM)
    assert response.status_code == 201
    assert response.json()["data"]["created_at"] is not None
    (insert,) = statements(captured)
    assert insert.startswith('INSERT INTO "items"') and "RETURNING" in insert


def in_one_transaction(captured: CaptureQueriesContext) -> bool:
    """Whether everything captured ran in one transaction (a savepoint here: the test runs inside a transaction)."""
    first, last = captured.captured_queries[0]["sql"], captured.captured_queries[-1]["sql"]
    return first.startswith(("BEGIN", "SAVEPOINT")) and last.startswith(("COMMIT", "RELEASE SAVEPOINT"))


def test_an_administrators_put_is_one_update_then_the_row_it_wrote(admin, item):
    """Nothing is read before the write; the answer is the row read in the write's transaction."""
    with CaptureQueriesContext(connection) as captured:
        response = admin.put(f"/items/{item.id}", {"name": "Renamed"})
    assert response.status_code == 200 and response.json()["data"]["name"] == "Renamed"
    update, read = statements(captured)
    assert update.startswith('UPDATE "items"') and read.startswith("SELECT")
    assert in_one_transaction(captured)


def test_an_owners_put_reads_the_items_registry_then_updates_once(alice, item):
    """Access depends on the registry, read first (a missing item is a 404 before
    WordPress is asked); then one update, and the row it wrote."""
    with CaptureQueriesContext(connection) as captured:
        assert alice.put(f"/items/{item.id}", {"name": "Renamed"}).status_code == 200
    read, update, written = statements(captured)
    assert read.startswith("SELECT") and update.startswith('UPDATE "items"') and written.startswith("SELECT")


def after_the_lock(captured: CaptureQueriesContext) -> list[str]:
    """The statements after the item's row lock: PostgreSQL's SELECT ... FOR
    UPDATE comes first; SQLite's transaction holds the whole database already."""
    found = statements(captured)
    if connection.features.has_select_for_update:
        lock, *found = found
        assert lock.startswith("SELECT") and lock.endswith("FOR UPDATE"), lock
    return found


def test_an_administrators_purchase_is_its_update_the_ledger_line_and_the_row(admin, item):
    with CaptureQueriesContext(connection) as captured:
        response = admin.post(f"/items/{item.id}/purchase", {"quantity": 2, "from": "May", "message": "Enjoy"})
    assert response.status_code == 200 and response.json()["data"]["quantity_purchased"] == 2
    update, line, read = statements(captured)  # no lock: the UPDATE takes the row's
    assert update.startswith('UPDATE "items"') and "quantity_needed" in update  # the bound is the update's own
    assert line.startswith('INSERT INTO "purchases"')
    # What others' reservations hold comes back with the row, in the same transaction.
    assert read.startswith("SELECT") and "FROM reservations" in read
    assert in_one_transaction(captured)


def test_a_refused_purchase_reads_the_row_only_for_its_409(admin, item):
    with CaptureQueriesContext(connection) as captured:
        response = admin.post(f"/items/{item.id}/purchase", {"quantity": 6})
    assert (response.status_code, response.json()) == (409, {"detail": "Only 5 left"})
    update, read = statements(captured)
    assert update.startswith('UPDATE "items"') and read.startswith("SELECT")


def test_a_reservation_reads_what_is_left_and_inserts(admin, item):
    with CaptureQueriesContext(connection) as captured:
        assert admin.post(f"/items/{item.id}/reservations", {"quantity": 2}).status_code == 201
    left, insert = after_the_lock(captured)
    assert left.startswith("SELECT") and "FROM reservations" in left
    assert insert.startswith('INSERT INTO "reservations"')
    assert in_one_transaction(captured)
