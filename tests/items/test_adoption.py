"""D8: `manage.py migrate` adopts a v1.x database in place; an empty volume needs no manual step.

Every database of tests/support/v1_databases.py gets the items migration from this
process's Django, pointed at a copy of it (quick: the other apps' migrations
do not touch items), then is checked with raw SQLite and served through the
app. What operators run, a whole `manage.py migrate` in a process of its own
with DATABASE_PATH set, twice, is run on both shapes of table (rebuilt,
altered) and must give the same result. The cold-start test starts the Lambda
entry point (registry_api.lambda_handler.handler) in fresh processes that meet a
loopback WordPress stand-in (respx does not cross process boundaries).
"""

import json
import re
import shutil
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connections

from tests.support.accounts import ACCOUNTS, basic
from tests.support.client import ApiClient
from tests.support.items import SAMPLE_ITEM
from tests.support.project import django_process, finish, items_migrations
from tests.support.v1_databases import FINAL_V1_0_VERSION, LATEST_VERSION, V1Database, v1_init_db

ROOT = Path(__file__).resolve().parents[2]

CASES = [V1Database(version) for version in range(LATEST_VERSION + 1)] + [
    V1Database(FINAL_V1_0_VERSION, fresh=True),  # created by v1.0.x's init_db() on an empty file
    V1Database(0, with_rows=False),  # an empty table that has handed out ids before
]

# Columns the v1.x migrations added, with the value old rows get (the rest get NULL).
ADDED_COLUMN_DEFAULTS = {"url": "", "quantity_needed": 1, "quantity_purchased": 0}

# The keys of an item as an administrator sees it (docs/api.md, "The item").
ITEM_KEYS = [
    "name", "description", "notes", "url", "retailer", "affiliate_url", "affiliate_status", "image_url", "price",
    "quantity_needed", "quantity_purchased", "is_active", "id", "registry_id", "created_at", "updated_at",
]  # fmt: skip


# --- Raw SQLite views of a file ---------------------------------------------


def query(path: Path, sql: str, params=()) -> list[tuple]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql, params).fetchall()


def table_info(path: Path) -> dict[str, list]:
    """Column name -> (type, notnull, default, pk): the DDL, column order aside."""
    return {name: rest for _cid, name, *rest in query(path, "PRAGMA table_info(items)")}


def stored_rows(path: Path) -> dict[int, dict[str, tuple]]:
    """id -> column -> (value, storage class), so that 1 and 1.0 or '1' differ."""
    columns = list(table_info(path))
    select = ", ".join(f"{name}, typeof({name})" for name in columns)
    rows = query(path, f"SELECT {select} FROM items ORDER BY id")
    return {row[0]: {name: row[2 * i : 2 * i + 2] for i, name in enumerate(columns)} for row in rows}


def counter(path: Path) -> int:
    """The AUTOINCREMENT counter of items, or 0."""
    return max([seq for (seq,) in query(path, "SELECT seq FROM sqlite_sequence WHERE name = 'items'")], default=0)


def schema_migrations(path: Path) -> tuple | None:
    """v1.x's bookkeeping: its DDL and rows, None when the table never existed."""
    ddl = query(path, "SELECT sql FROM sqlite_master WHERE name = 'schema_migrations'")
    if not ddl:
        return None
    return ddl[0][0], query(path, "SELECT * FROM schema_migrations ORDER BY version")


def dump(path: Path) -> list[str]:
    """Schema and data, sqlite_sequence included."""
    with closing(sqlite3.connect(path)) as conn:
        return list(conn.iterdump())


# --- The databases, migrated ------------------------------------------------


@contextmanager
def django_database(path: Path, django_db_blocker):
    """This process's Django, on `path` instead of the test database."""
    connection = connections["default"]
    saved = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = str(path)
    try:
        with django_db_blocker.unblock():
            yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = saved
        ContentType.objects.clear_cache()  # filled by migrate from the other file


def migrate_items(path: Path, django_db_blocker) -> str:
    """The output of `migrate items`, run on `path` by this process."""
    output = StringIO()
    with django_database(path, django_db_blocker):
        call_command("migrate", "items", interactive=False, stdout=output)
    return output.getvalue()


@dataclass(frozen=True)
class Adoption:
    case: V1Database
    before: Path  # as v1.x left it
    after: Path  # after `migrate items`
    migrate_output: str

    def expected_rows(self) -> dict[int, dict[str, object]]:
        """Every old row, its old values, and the defaults for the columns v1.x had not added yet."""
        final_columns = table_info(self.after)
        return {
            item_id: {name: row[name][0] if name in row else ADDED_COLUMN_DEFAULTS.get(name) for name in final_columns}
            for item_id, row in stored_rows(self.before).items()
        }

    def highest_old_id(self) -> int:
        return max([counter(self.before), *stored_rows(self.before)], default=0)

    def working_copy(self, directory: Path) -> Path:
        return Path(shutil.copy(self.after, directory / self.after.name))


@dataclass(frozen=True)
class Migrated:
    adoptions: dict[str, Adoption]
    fresh: Path  # an empty file after `migrate items`


@pytest.fixture(scope="module")
def migrated(tmp_path_factory, django_db_blocker) -> Migrated:
    directory = tmp_path_factory.mktemp("adoption")
    adoptions = {}
    for case in CASES:
        before = case.build(directory / f"{case.label}.v1.db")
        after = Path(shutil.copy(before, directory / f"{case.label}.db"))
        adoptions[case.label] = Adoption(case, before, after, migrate_items(after, django_db_blocker))
    fresh = directory / "fresh.db"
    migrate_items(fresh, django_db_blocker)
    return Migrated(adoptions, fresh)


def label(case: V1Database) -> str:
    return case.label


@pytest.fixture(params=CASES, ids=label)
def adoption(request, migrated) -> Adoption:
    return migrated.adoptions[request.param.label]


@pytest.fixture
def serve(adoption, tmp_path, django_db_blocker, wordpress_stub):
    """An administrator's ApiClient on a copy of the adopted database, and that copy."""
    copy = adoption.working_copy(tmp_path)
    with django_database(copy, django_db_blocker):
        yield ApiClient(basic("admin")), copy


@pytest.fixture
def serve_fresh(migrated, tmp_path, django_db_blocker, wordpress_stub):
    """The same on a copy of a database Django created."""
    copy = Path(shutil.copy(migrated.fresh, tmp_path / migrated.fresh.name))
    with django_database(copy, django_db_blocker):
        yield ApiClient(basic("admin")), copy


# --- Adoption ---------------------------------------------------------------


@pytest.mark.sqlite_only
def test_migrate_adopts_the_table(adoption):
    assert "Applying items.0001_initial... OK" in adoption.migrate_output


@pytest.mark.sqlite_only
def test_every_row_and_id_is_kept_with_its_values(adoption):
    before, after = stored_rows(adoption.before), stored_rows(adoption.after)
    assert list(after) == list(before)
    for item_id, old in before.items():
        assert {name: after[item_id][name] for name in old} == old, f"row {item_id} changed"
    assert {item_id: {name: value for name, (value, _) in row.items()} for item_id, row in after.items()} == (
        adoption.expected_rows()
    )


@pytest.mark.sqlite_only
def test_the_autoincrement_counter_is_kept(adoption):
    assert counter(adoption.after) == adoption.highest_old_id()


@pytest.mark.sqlite_only
def test_the_table_is_the_one_a_fresh_database_gets(adoption, migrated):
    assert table_info(adoption.after) == table_info(migrated.fresh)
    assert table_info(adoption.after)["price"][1] == 0  # nullable (v0 had NOT NULL)
    for path in (adoption.after, migrated.fresh):
        assert query(path, "SELECT type, name FROM sqlite_master WHERE tbl_name = 'items' ORDER BY name") == [
            ("index", "idx_items_registry_id"),
            ("table", "items"),
            ("trigger", "update_items_timestamp"),
        ]
        assert query(path, "SELECT name FROM pragma_index_info('idx_items_registry_id')") == [("registry_id",)]


@pytest.mark.sqlite_only
def test_schema_migrations_is_left_alone(adoption, tmp_path):
    assert schema_migrations(adoption.after) == schema_migrations(adoption.before)
    # So v1.0.x could still be rolled back to: its init_db() and writes work on the adopted file.
    copy = adoption.working_copy(tmp_path)
    with closing(sqlite3.connect(copy)) as conn:
        v1_init_db(conn, FINAL_V1_0_VERSION)
        conn.execute("INSERT INTO items (registry_id, name, url) VALUES (1, 'From v1.0.x', 'https://e.com/v1')")
        conn.commit()
    assert table_info(copy) == table_info(adoption.after)


@pytest.mark.sqlite_only
def test_the_purchase_ledger_starts_empty_and_no_count_changes(adoption, serve):
    assert "Applying items.0002_purchase_ledger... OK" in adoption.migrate_output
    assert query(adoption.after, "SELECT COUNT(*) FROM purchases") == [(0,)]
    # Old purchases have no buyer on record: an administrator (or the owner) may undo them.
    client, copy = serve
    bought = [
        item_id for item_id, row in adoption.expected_rows().items() if row["quantity_purchased"] and row["is_active"]
    ]
    for item_id in bought:
        response = client.post(f"/items/{item_id}/purchase", {"quantity": -1})
        assert response.status_code == 200, response.content
    assert query(copy, "SELECT item_id, user_id, quantity FROM purchases ORDER BY id") == [
        (item_id, ACCOUNTS["admin"][1]["id"], -1) for item_id in bought
    ]


@pytest.mark.sqlite_only
def test_migrating_again_is_a_no_op(adoption, tmp_path, django_db_blocker):
    copy = adoption.working_copy(tmp_path)
    before = dump(copy)
    assert "No migrations to apply." in migrate_items(copy, django_db_blocker)
    assert dump(copy) == before


def items_state(path: Path) -> tuple:
    """Everything about the items table: DDL, trigger, index, rows, counter."""
    ddl = query(path, "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'items' ORDER BY name")
    return ddl, stored_rows(path), counter(path)


def manage_py_migrate(targets: list[Path]) -> list[str]:
    """`manage.py migrate` as operators run it, on every target at once; the outputs."""
    processes = [django_process(target, "manage.py", "migrate", "--no-input") for target in targets]
    return [finish(process)[0] for process in processes]


@pytest.mark.sqlite_only
def test_manage_py_migrate_adopts_the_same_way_and_then_does_nothing(migrated, tmp_path):
    """On a rebuilt (v0) and an altered (fresh v1.0.x) table."""
    adoptions = [migrated.adoptions["v0"], migrated.adoptions[f"v{FINAL_V1_0_VERSION}-fresh"]]
    targets = [Path(shutil.copy(adoption.before, tmp_path / adoption.after.name)) for adoption in adoptions]
    for adoption, target, output in zip(adoptions, targets, manage_py_migrate(targets), strict=True):
        assert "Applying items.0001_initial... OK" in output
        assert items_state(target) == items_state(adoption.after)
    dumps = [dump(target) for target in targets]
    for output in manage_py_migrate(targets):
        assert "No migrations to apply." in output
    assert [dump(target) for target in targets] == dumps


# --- Served through the API -------------------------------------------------


def as_served(row: dict[str, object]) -> dict[str, object]:
    """What GET returns for a stored row: CURRENT_TIMESTAMP text as naive ISO-8601."""
    item = {key: row[key] for key in ITEM_KEYS}
    item["is_active"] = True
    for key in ("created_at", "updated_at"):
        stamp = row[key]
        item[key] = stamp.replace(" ", "T") if isinstance(stamp, str) else stamp
    item["quantity_reserved"] = 0  # no reservation is adopted: v1.0.x had none
    return item


@pytest.mark.sqlite_only
def test_the_api_serves_every_active_row_unchanged(adoption, serve):
    client, _ = serve
    rows = adoption.expected_rows()
    active = {item_id: as_served(row) for item_id, row in rows.items() if row["is_active"] == 1}
    listed = client.get("/items?limit=-1")
    assert listed.status_code == 200
    assert listed.json() == [active[item_id] for item_id in sorted(active, reverse=True)]
    for item_id in rows:
        response = client.get(f"/items/{item_id}")
        if item_id in active:
            assert response.status_code == 200, response.content
            assert response.json() == {"success": True, "data": active[item_id], "message": None}
        else:  # soft-deleted, or is_active NULL: invisible, as in v1.x
            assert response.status_code == 404, response.content


@pytest.mark.sqlite_only
def test_a_new_item_gets_an_id_never_handed_out_before(adoption, serve):
    client, _ = serve
    response = client.post("/items", SAMPLE_ITEM)
    assert response.status_code == 201, response.content
    assert response.json()["data"]["id"] > adoption.highest_old_id()


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.sqlite_only
@pytest.mark.parametrize("adoption", [case for case in CASES if case.with_rows], ids=label, indirect=True)
def test_every_update_refreshes_updated_at(adoption, serve):
    client, copy = serve
    old = [item_id for item_id, row in adoption.expected_rows().items() if row["updated_at"] and row["is_active"]]
    started = utc_now()
    # Through the API, on an old row: write, then soft-delete.
    updated = client.put(f"/items/{old[0]}", {"quantity_purchased": 1})
    assert updated.status_code == 200, updated.content
    assert updated.json()["data"]["updated_at"] >= started.replace(" ", "T")
    assert client.delete(f"/items/{old[0]}").json()["data"]["is_active"] is False
    # By any writer: the trigger is in the database.
    with closing(sqlite3.connect(copy)) as conn:
        conn.execute("UPDATE items SET name = 'renamed' WHERE id = ?", [old[1]])
        conn.commit()
    for item_id in old[:2]:
        (updated_at,) = query(copy, "SELECT updated_at FROM items WHERE id = ?", [item_id])[0]
        assert updated_at >= started


@pytest.mark.sqlite_only
def test_new_rows_get_v1_timestamps_and_updated_at_never_goes_back(serve_fresh):
    client, copy = serve_fresh
    item_id = client.post("/items", SAMPLE_ITEM).json()["data"]["id"]
    client.put(f"/items/{item_id}", {"quantity_purchased": 1})
    created_at, updated_at = query(copy, "SELECT created_at, updated_at FROM items WHERE id = ?", [item_id])[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", created_at), created_at
    assert updated_at >= created_at


# --- An empty volume --------------------------------------------------------


# A cold start: import the Lambda handler, then answer one POST /items event.
COLD_START = """
import asyncio, json, sys
asyncio.set_event_loop(asyncio.new_event_loop())
from registry_api.lambda_handler import handler
from tests.support.events import http_v2_event
event = http_v2_event("POST", "/items", body=json.loads(sys.argv[2]), headers={"Authorization": sys.argv[1]})
print(json.dumps(handler(event, None)))
"""


@pytest.mark.sqlite_only
def test_cold_starts_on_an_empty_volume_migrate_once_and_serve(tmp_path, wordpress_url, migrated):
    """Three Lambda instances start at once on an empty EFS volume (no database file yet)."""
    database = tmp_path / "data.db"
    starts = [
        django_process(
            database,
            "-c",
            COLD_START,
            basic("admin"),
            json.dumps({**SAMPLE_ITEM, "name": f"Cold start {n}"}),
            MIGRATE_ON_START="true",
            WP_BASE_URL=wordpress_url,
            LOG_LEVEL="INFO",
        )
        for n in range(3)
    ]
    outputs = [finish(process) for process in starts]
    responses = [json.loads(stdout.splitlines()[-1]) for stdout, _ in outputs]
    assert [response["statusCode"] for response in responses] == [201] * 3, responses
    assert len({json.loads(response["body"])["data"]["id"] for response in responses}) == 3
    # One migrated; the others waited on the migration lock, then found nothing to do.
    assert sum("applying pending migrations" in stderr for _, stderr in outputs) == 1
    assert query(database, "SELECT COUNT(*) FROM items") == [(3,)]
    assert query(database, "SELECT COUNT(*) FROM django_migrations WHERE app = 'items'") == [(items_migrations(),)]
    assert table_info(database) == table_info(migrated.fresh)
