"""What makes the item routes fast, where a test can see it (issue 15; bench/README.md,
plan steps 2 and 3): the statements each route runs, and no model instance per listed
row. Counted, never timed."""

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


def test_an_administrators_put_is_one_update_returning_the_row(admin, item):
    with CaptureQueriesContext(connection) as captured:
        response = admin.put(f"/items/{item.id}", {"name": "Renamed"})
    assert response.status_code == 200 and response.json()["data"]["name"] == "Renamed"
    (update,) = statements(captured)
    assert update.startswith('UPDATE "items"') and "RETURNING" in update


def test_an_owners_put_reads_the_items_registry_then_updates_once(alice, item):
    """Access depends on the registry, read first (a missing item is a 404 before
    WordPress is asked); the write answers the row, so nothing is read after it."""
    with CaptureQueriesContext(connection) as captured:
        assert alice.put(f"/items/{item.id}", {"name": "Renamed"}).status_code == 200
    read, update = statements(captured)
    assert read.startswith("SELECT") and update.startswith('UPDATE "items"')


def test_an_administrators_purchase_is_its_update_and_the_ledger_line(admin, item):
    with CaptureQueriesContext(connection) as captured:
        response = admin.post(f"/items/{item.id}/purchase", {"quantity": 2})
    assert response.status_code == 200 and response.json()["data"]["quantity_purchased"] == 2
    update, line = statements(captured)
    assert update.startswith('UPDATE "items"') and "RETURNING" in update
    assert line.startswith('INSERT INTO "purchases"')


def test_a_refused_purchase_reads_the_row_only_for_its_409(admin, item):
    with CaptureQueriesContext(connection) as captured:
        response = admin.post(f"/items/{item.id}/purchase", {"quantity": 6})
    assert (response.status_code, response.json()) == (409, {"detail": "Only 5 left"})
    update, read = statements(captured)
    assert update.startswith('UPDATE "items"') and read.startswith("SELECT")
