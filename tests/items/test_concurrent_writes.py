"""D2 and data integrity under real concurrency: 8 OS processes, each a Lambda
instance of its own (tests/support/concurrency_worker.py), write through the real
handler at the same moment.

- 8 x 200 purchases of one item: the count is exact, and with fewer wanted
  than bought it stops at quantity_needed, the rest get 409, never more.
- 8 callers (the owner, an administrator, 6 guests) buying and undoing one
  item: the count and the purchase ledger agree, per caller too, and no guest
  ever undid more than they had bought; one guest undoing from 8 processes at
  once undoes exactly what they bought, no more.
- 8 processes mixing creates, updates and deletes: every write the service
  acknowledged is in the database afterwards.
- No answer but the expected ones: no "database is locked", no 5xx.

Engines: a SQLite file set up as on EFS (rollback journal, busy_timeout,
BEGIN IMMEDIATE), a temp file migrated once here; and PostgreSQL when
DATABASE_URL points there (the test database pytest-django created). Each
runs in its engine's pass of scripts/test.sh.
"""

import re
import sqlite3
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from itertools import accumulate

import pytest

from tests.support.accounts import ACCOUNTS, GUESTS, basic
from tests.support.concurrency_worker import WorkerPool
from tests.support.engines import engine, postgresql_url
from tests.support.project import django_process, finish

WORKERS = 8
PURCHASES = 200  # per worker
LEDGER_OPERATIONS = 60  # per worker
CRUD_OPERATIONS = 100  # per worker
CRUD_REGISTRY = 4242

Query = Callable[[str, list], list[tuple]]  # SQL with %s placeholders, as Django's cursor takes

BUYERS = ["alice", "admin", *GUESTS]  # one per worker; alice owns the registry


@dataclass
class Database:
    pool: WorkerPool
    query: Query

    def create_item(self, quantity_needed: int) -> int:
        [(item_id,)] = self.query(
            "INSERT INTO items (registry_id, name, url, quantity_needed) VALUES (%s, %s, %s, %s) RETURNING id",
            [1, "Contested gift", "https://example.com/gift", quantity_needed],
        )
        return item_id


def sqlite_file(request) -> tuple[dict[str, str], Query]:
    """A fresh file, migrated once by `manage.py migrate` before any worker starts."""
    path = request.getfixturevalue("tmp_path_factory").mktemp("concurrency") / "registry.db"
    env = {"DATABASE_PATH": str(path)}
    finish(django_process(path, "manage.py", "migrate", "--noinput", "-v0"))

    def query(sql: str, params: list) -> list[tuple]:
        with closing(sqlite3.connect(path, isolation_level=None)) as conn:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()

    return env, query


def postgresql_test_database(request) -> tuple[dict[str, str], Query]:
    """The test database pytest-django created (and migrated); the workers get its URL."""
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    from django.db import connection

    url = postgresql_url(connection.settings_dict)

    def query(sql: str, params: list) -> list[tuple]:
        with blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return {"DATABASE_URL": url}, query


ENGINES = {"sqlite": sqlite_file, "postgresql": postgresql_test_database}


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(
            "sqlite", marks=pytest.mark.sqlite_only(reason="the SQLite file's variant runs in the SQLite pass")
        ),
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                engine() != "postgresql", reason="DATABASE_URL does not point to PostgreSQL (scripts/postgres.sh)"
            ),
        ),
    ],
)
def warm_pool(request, wordpress_url):
    """8 warm Lambda instances on the engine's database, shared by this module's tests."""
    env, query = ENGINES[request.param](request)
    # ADMIN_ENABLED and CONN_MAX_AGE as serverless.yml sets them on Lambda.
    # MIGRATE_ON_START off: the database is migrated already (racing cold-start
    # migrations are the subject of tests/items/test_adoption.py and tests/registry_api/test_engines.py).
    env.update(ADMIN_ENABLED="false", CONN_MAX_AGE="600", MIGRATE_ON_START="false", WP_BASE_URL=wordpress_url,
               LOG_LEVEL="WARNING")  # fmt: skip
    with WorkerPool(WORKERS, env, basic("admin")) as pool:
        yield Database(pool, query)


@pytest.fixture
def database(warm_pool, transactional_db):
    """The pool; on PostgreSQL, the test database's rows are committed (the
    workers see them) and flushed afterwards (the suite's other tests start empty)."""
    return warm_pool


def total(reports: list[dict], key: str) -> Counter:
    return sum((Counter(report[key]) for report in reports), Counter())


@pytest.mark.parametrize("quantity_needed", [2 * WORKERS * PURCHASES, 1000], ids=["all-succeed", "sold-out-at-1000"])
def test_concurrent_purchases_are_never_lost_or_oversold(database, quantity_needed):
    item_id = database.create_item(quantity_needed)
    reports = database.pool.run([{"op": "purchases", "item_id": item_id, "count": PURCHASES}] * WORKERS)

    assert [report["unexpected"] for report in reports] == [[]] * WORKERS
    attempted = WORKERS * PURCHASES
    sold = min(attempted, quantity_needed)
    assert total(reports, "statuses") == Counter({"200": sold, "409": attempted - sold})
    assert total(reports, "refusals") == Counter({"Only 0 left": attempted - sold})
    assert database.query("SELECT quantity_purchased FROM items WHERE id = %s", [item_id]) == [(sold,)]
    # No answer ever showed more than were wanted.
    assert max(report["highest"] for report in reports) == sold
    # One ledger line per recorded purchase.
    assert database.query("SELECT COUNT(*), SUM(quantity) FROM purchases WHERE item_id = %s", [item_id]) == [
        (sold, sold)
    ]


def test_counts_and_the_ledger_agree_with_buyers_and_undoers(database):
    quantity_needed = 40
    item_id = database.create_item(quantity_needed)
    accounts = {**ACCOUNTS, **GUESTS}
    reports = database.pool.run([
        {"op": "ledger", "item_id": item_id, "count": LEDGER_OPERATIONS, "seed": n, "authorization": basic(login, accounts[login][0])}
        for n, login in enumerate(BUYERS)
    ])  # fmt: skip

    assert [report["unexpected"] for report in reports] == [[]] * WORKERS
    assert all(re.fullmatch(r"Nothing to undo|Only \d+ left", detail) for detail in total(reports, "refusals"))
    [(count,)] = database.query("SELECT quantity_purchased FROM items WHERE id = %s", [item_id])
    lines = database.query("SELECT user_id, quantity FROM purchases WHERE item_id = %s ORDER BY id", [item_id])
    acknowledged = {accounts[login][1]["id"]: report["net"] for login, report in zip(BUYERS, reports, strict=True)}
    assert 0 <= count <= quantity_needed
    assert count == sum(quantity for _, quantity in lines) == sum(acknowledged.values())
    assert len(lines) == total(reports, "statuses")["200"]
    by_user = {user_id: [quantity for line_user, quantity in lines if line_user == user_id] for user_id in acknowledged}
    assert {user_id: sum(quantities) for user_id, quantities in by_user.items()} == acknowledged
    # A guest's own lines, in order: never more undone than bought.
    for login in GUESTS:
        assert min(accumulate(by_user[accounts[login][1]["id"]]), default=0) >= 0, login
    assert total(reports, "refusals")["Nothing to undo"] > 0  # the rule was met, not only passed


def test_every_acknowledged_write_survives_concurrent_writers(database):
    reports = database.pool.run(
        [{"op": "crud", "seed": n, "count": CRUD_OPERATIONS, "registry_id": CRUD_REGISTRY} for n in range(WORKERS)]
    )

    assert [report["unexpected"] for report in reports] == [[]] * WORKERS
    assert sum(total(reports, "statuses").values()) == WORKERS * CRUD_OPERATIONS
    acknowledged = {int(item_id): row for report in reports for item_id, row in report["items"].items()}
    assert len(acknowledged) == sum(len(report["items"]) for report in reports)  # no id handed out twice
    rows = database.query(
        "SELECT id, name, notes, quantity_needed, is_active FROM items WHERE registry_id = %s", [CRUD_REGISTRY]
    )
    stored = {
        item_id: {"name": name, "notes": notes, "quantity_needed": needed, "is_active": bool(active)}
        for item_id, name, notes, needed, active in rows
    }
    assert stored == acknowledged


def test_a_guest_undoing_from_every_process_undoes_exactly_what_they_bought(database):
    (login, (password, guest)), bought = next(iter(GUESTS.items())), 20
    item_id = database.create_item(100)
    # 100 bought: 20 by the guest (their ledger line), 80 before the ledger began.
    database.query("UPDATE items SET quantity_purchased = 100 WHERE id = %s RETURNING id", [item_id])
    database.query(
        "INSERT INTO purchases (item_id, user_id, quantity) VALUES (%s, %s, %s) RETURNING id",
        [item_id, guest["id"], bought],
    )

    command = {
        "op": "purchases",
        "item_id": item_id,
        "count": 10,
        "quantity": -1,
        "authorization": basic(login, password),
    }
    reports = database.pool.run([command] * WORKERS)

    assert [report["unexpected"] for report in reports] == [[]] * WORKERS
    assert total(reports, "statuses") == Counter({"200": bought, "409": 10 * WORKERS - bought})
    assert total(reports, "refusals") == Counter({"Nothing to undo": 10 * WORKERS - bought})
    assert database.query("SELECT quantity_purchased FROM items WHERE id = %s", [item_id]) == [(100 - bought,)]
    assert database.query(
        "SELECT SUM(quantity) FROM purchases WHERE item_id = %s AND user_id = %s", [item_id, guest["id"]]
    ) == [(0,)]
