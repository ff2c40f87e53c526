"""The SQLite layer on a real database file (v1.0.x's schema; D8): connection
settings, the v1.0.x table with its trigger and index, raw SQL, migrations, the admin."""

import io
import re
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from items.models import Item
from tests.support.items import SAMPLE_ITEM

# Tests marked sqlite_only assert facts of the SQLite file itself (PRAGMAs,
# sqlite_master, SQLite's text timestamps); tests/support/engines.py skips them only
# when DATABASE_URL selects another engine.
OLD = "2000-01-01 00:00:00"
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def sql(query: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def raw_insert(**columns) -> int:
    names = ", ".join(columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO items ({names}) VALUES ({marks})", list(columns.values()))
        return cursor.lastrowid


def timestamps(item_id: int) -> tuple[str, str]:
    """As stored: text (Django's cursor would parse TIMESTAMP columns into datetimes)."""
    [(created_at, updated_at)] = sql(
        "SELECT CAST(created_at AS TEXT), CAST(updated_at AS TEXT) FROM items WHERE id = %s", [item_id]
    )
    return created_at, updated_at


def backdated_item(**columns) -> int:
    """A row whose timestamps are far in the past (an INSERT fires no UPDATE trigger)."""
    return raw_insert(
        registry_id=1, name="Old lamp", url="https://example.com/lamp", created_at=OLD, updated_at=OLD, **columns
    )


# --- the connection ------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_the_tests_run_on_a_database_file(db):
    name = connection.settings_dict["NAME"]
    assert name == settings.DATABASES["default"]["TEST"]["NAME"]
    assert name != ":memory:" and "mode=memory" not in name
    assert Path(name).is_file()
    [path] = [row[2] for row in sql("PRAGMA database_list") if row[1] == "main"]
    assert Path(path).resolve() == Path(name).resolve()


@pytest.mark.sqlite_only
@pytest.mark.parametrize(("pragma", "value"), [("journal_mode", "delete"), ("busy_timeout", 5000)])
def test_connection_pragmas_suit_a_shared_nfs_file(db, pragma, value):
    assert sql(f"PRAGMA {pragma}") == [(value,)]


@pytest.mark.sqlite_only
def test_write_transactions_begin_immediate(transactional_db):
    # The SQLite wrapper's (its OPTIONS' transaction_mode), which django-stubs leave out.
    assert connection.transaction_mode == "IMMEDIATE"  # type: ignore[attr-defined]
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        Item.objects.create(registry_id=1, name="Lamp", url="https://example.com/lamp")
    statements = [query["sql"] for query in captured.captured_queries]
    assert statements[0] == "BEGIN IMMEDIATE"
    assert statements[1].startswith('INSERT INTO "items"')


@pytest.mark.sqlite_only
def test_a_writer_waits_for_another_writers_lock(transactional_db):
    """busy_timeout: a second process holding the write lock delays us, it does not fail us."""
    other = sqlite3.connect(connection.settings_dict["NAME"], check_same_thread=False, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO items (registry_id, name, url) VALUES (1, 'Held', 'https://example.com/held')")
    releaser = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    releaser.start()
    started = time.monotonic()
    try:
        Item.objects.create(registry_id=1, name="Waited", url="https://example.com/waited")
    finally:
        releaser.join()
        other.close()
    assert time.monotonic() - started >= 0.4
    assert sorted(Item.objects.values_list("name", flat=True)) == ["Held", "Waited"]


# --- the schema ------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_table_trigger_and_index_exist(db):
    rows = sql(
        "SELECT type, name, tbl_name FROM sqlite_master WHERE name IN (%s, %s, %s) ORDER BY name",
        ["idx_items_registry_id", "items", "update_items_timestamp"],
    )
    assert rows == [
        ("index", "idx_items_registry_id", "items"),
        ("table", "items", "items"),
        ("trigger", "update_items_timestamp", "items"),
    ]
    assert sql("PRAGMA index_info(idx_items_registry_id)") == [(0, 1, "registry_id")]


# PRAGMA table_info: (name, type, notnull, default, pk), as v1.0.x's init_db() creates it
ITEMS_COLUMNS = [
    ("id", "INTEGER", 0, None, 1),
    ("registry_id", "INTEGER", 0, None, 0),
    ("name", "TEXT", 1, None, 0),
    ("description", "TEXT", 0, None, 0),
    ("url", "TEXT", 1, None, 0),
    ("retailer", "TEXT", 0, None, 0),
    ("affiliate_url", "TEXT", 0, None, 0),
    ("affiliate_status", "TEXT", 0, None, 0),
    ("image_url", "TEXT", 0, None, 0),
    ("notes", "TEXT", 0, None, 0),
    ("price", "REAL", 0, None, 0),
    ("quantity_needed", "INTEGER", 1, "1", 0),
    ("quantity_purchased", "INTEGER", 1, "0", 0),
    ("is_active", "INTEGER", 0, "1", 0),
    ("created_at", "TIMESTAMP", 0, "CURRENT_TIMESTAMP", 0),
    ("updated_at", "TIMESTAMP", 0, "CURRENT_TIMESTAMP", 0),
]


@pytest.mark.sqlite_only
def test_the_items_table_has_the_v1_columns(db):
    assert [row[1:] for row in sql("PRAGMA table_info(items)")] == ITEMS_COLUMNS
    [(ddl,)] = sql("SELECT sql FROM sqlite_master WHERE name = 'items'")
    assert "id INTEGER PRIMARY KEY AUTOINCREMENT" in ddl


@pytest.mark.sqlite_only
def test_a_raw_insert_of_the_required_columns_gets_the_defaults(db):
    item_id = raw_insert(registry_id=987654, name="Lamp", url="https://example.com/lamp")
    [row] = sql(
        "SELECT registry_id, price, image_url, notes, quantity_needed, quantity_purchased, is_active,"
        " typeof(created_at), typeof(updated_at) FROM items WHERE id = %s",
        [item_id],
    )
    assert row == (987654, None, None, None, 1, 0, 1, "text", "text")  # any registry id: no foreign key
    created_at, updated_at = timestamps(item_id)
    assert TIMESTAMP.fullmatch(created_at) and updated_at == created_at
    item = Item.objects.get(id=item_id)
    assert (item.price, item.quantity_needed, item.is_active) == (None, 1, True)
    assert item.created_at.tzinfo is not None


@pytest.mark.sqlite_only
@pytest.mark.parametrize("missing", ["name", "url"])
def test_name_and_url_are_not_null(db, missing):
    columns = {"registry_id": 1, "name": "Lamp", "url": "https://example.com/lamp"}
    del columns[missing]
    with pytest.raises(Exception, match=f"NOT NULL constraint failed: items.{missing}"), transaction.atomic():
        raw_insert(**columns)


def test_soft_delete_keeps_the_row(admin):
    item_id = admin.post("/items", SAMPLE_ITEM).json()["data"]["id"]
    response = admin.delete(f"/items/{item_id}")
    assert response.status_code == 200
    assert response.json()["data"]["is_active"] is False
    assert sql("SELECT name, is_active FROM items WHERE id = %s", [item_id]) == [("Test Item", 0)]
    assert admin.get(f"/items/{item_id}").status_code == 404


# --- the updated_at trigger -----------------------------------------------------------


@pytest.mark.sqlite_only
def test_a_raw_update_moves_updated_at_through_the_trigger(db):
    item_id = backdated_item()
    sql("UPDATE items SET notes = 'wrapped' WHERE id = %s", [item_id])
    created_at, updated_at = timestamps(item_id)
    assert created_at == OLD
    assert TIMESTAMP.fullmatch(updated_at) and updated_at > OLD
    # Even an attempt to write updated_at itself ends at the current time.
    sql("UPDATE items SET updated_at = %s WHERE id = %s", [OLD, item_id])
    assert timestamps(item_id)[1] > OLD


@pytest.mark.sqlite_only
def test_an_api_update_moves_updated_at(admin):
    item_id = backdated_item()
    response = admin.put(f"/items/{item_id}", {"price": 12.5})
    assert response.status_code == 200
    created_at, updated_at = timestamps(item_id)
    assert created_at == OLD and updated_at > OLD
    assert response.json()["data"]["updated_at"] == updated_at.replace(" ", "T")
    assert response.json()["data"]["created_at"] == "2000-01-01T00:00:00"


def test_every_update_moves_updated_at_again(admin):
    """Consecutive updates, a second apart (CURRENT_TIMESTAMP has second resolution)."""
    item_id = admin.post("/items", SAMPLE_ITEM).json()["data"]["id"]
    seen = [timestamps(item_id)[1]]
    time.sleep(1.1)
    assert admin.put(f"/items/{item_id}", {"name": "Renamed"}).status_code == 200
    seen.append(timestamps(item_id)[1])
    time.sleep(1.1)
    sql("UPDATE items SET quantity_purchased = 1 WHERE id = %s", [item_id])
    seen.append(timestamps(item_id)[1])
    assert seen[0] < seen[1] < seen[2]


# --- migrations ------------------------------------------------------------------------


def test_the_models_match_the_migrations(db):
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "No changes detected"
