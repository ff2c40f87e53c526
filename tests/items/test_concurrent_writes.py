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
- 8 callers reserving, buying (with their reservations and without),
  undoing and cancelling on one item of 20 (D10): no answer ever shows more
  purchased and reserved than needed, nor does the database; the count, the
  ledger and the callers' acknowledged purchases agree; every reservation holds
  what its maker was told. One guest buying with and cancelling the same
  reservations from every process: a cancellation is never undone.
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
MIXED_OPERATIONS = 150  # per worker
RESERVATION_RACES = 60  # reservations, each bought with and cancelled from every process

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


BUYER_ACCOUNTS = {**ACCOUNTS, **GUESTS}


def as_buyers(database, op: str, item_id: int, count: int) -> list[dict]:
    """Worker n runs `op` on the item as BUYERS[n], seeded with n."""
    return database.pool.run([
        {"op": op, "item_id": item_id, "count": count, "seed": n, "authorization": basic(login, BUYER_ACCOUNTS[login][0])}
        for n, login in enumerate(BUYERS)
    ])  # fmt: skip


def test_counts_and_the_ledger_agree_with_buyers_and_undoers(database):
    quantity_needed = 40
    item_id = database.create_item(quantity_needed)
    reports = as_buyers(database, "ledger", item_id, LEDGER_OPERATIONS)

    assert [report["unexpected"] for report in reports] == [[]] * WORKERS
    assert all(re.fullmatch(r"Nothing to undo|Only \d+ left", detail) for detail in total(reports, "refusals"))
    [(count,)] = database.query("SELECT quantity_purchased FROM items WHERE id = %s", [item_id])
    lines = database.query("SELECT user_id, quantity FROM purchases WHERE item_id = %s ORDER BY id", [item_id])
    acknowledged = {
        BUYER_ACCOUNTS[login][1]["id"]: report["net"] for login, report in zip(BUYERS, reports, strict=True)
    }
    assert 0 <= count <= quantity_needed
    assert count == sum(quantity for _, quantity in lines) == sum(acknowledged.values())
    assert len(lines) == total(reports, "statuses")["200"]
    by_user = {user_id: [quantity for line_user, quantity in lines if line_user == user_id] for user_id in acknowledged}
    assert {user_id: sum(quantities) for user_id, quantities in by_user.items()} == acknowledged
    # A guest's own lines, in order: never more undone than bought.
    for login in GUESTS:
        assert min(accumulate(by_user[BUYER_ACCOUNTS[login][1]["id"]]), default=0) >= 0, login
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


def test_reservations_and_purchases_never_oversell_nor_lose_a_write(database):
    quantity_needed = 20
    item_id = database.create_item(quantity_needed)
    reports = as_buyers(database, "mixed", item_id, MIXED_OPERATIONS)
    outcomes = total(reports, "outcomes")

    assert [report["unexpected"] for report in reports] == [[]] * WORKERS
    assert [report["violations"] for report in reports] == [[]] * WORKERS, outcomes
    assert set(total(reports, "statuses")) <= {"200", "201", "404", "409"}
    assert sum(total(reports, "statuses").values()) == WORKERS * MIXED_OPERATIONS
    # Nothing oversold: what is bought and what active reservations hold.
    [(count,)] = database.query("SELECT quantity_purchased FROM items WHERE id = %s", [item_id])
    rows = database.query("SELECT id, user_id, held FROM reservations WHERE item_id = %s", [item_id])
    [(active,)] = database.query(
        "SELECT COALESCE(SUM(held), 0) FROM reservations"
        " WHERE item_id = %s AND held > 0 AND expires_at > CURRENT_TIMESTAMP",
        [item_id],
    )
    assert active == sum(held for _, _, held in rows)  # none expired: every row's held counts
    assert 0 <= count and count + active <= quantity_needed
    # No purchase lost: the count, the ledger and what the callers were told agree, per caller too.
    ledger = dict(
        database.query("SELECT user_id, SUM(quantity) FROM purchases WHERE item_id = %s GROUP BY user_id", [item_id])
    )
    acknowledged = {
        BUYER_ACCOUNTS[login][1]["id"]: report["net"] for login, report in zip(BUYERS, reports, strict=True)
    }
    assert count == sum(ledger.values()) == sum(acknowledged.values())
    assert set(ledger) <= set(acknowledged)
    assert {user_id: ledger.get(user_id, 0) for user_id in acknowledged} == acknowledged
    for login in GUESTS:  # a guest's own lines, in order: never more undone than bought
        lines = database.query(
            "SELECT quantity FROM purchases WHERE item_id = %s AND user_id = %s ORDER BY id",
            [item_id, BUYER_ACCOUNTS[login][1]["id"]],
        )
        assert min(accumulate(quantity for (quantity,) in lines), default=0) >= 0, login
    # No reservation lost, nor any update of one: each holds what its maker believes.
    believed = {
        int(reservation_id): (BUYER_ACCOUNTS[login][1]["id"], held)
        for login, report in zip(BUYERS, reports, strict=True)
        for reservation_id, held in report["reservations"].items()
    }
    assert {reservation_id: (user_id, held) for reservation_id, user_id, held in rows} == believed
    # The run contended: refusals for want of units, reservations used, cancelled, taken and refused.
    print(
        f"final: purchased {count}, reserved {active} of {quantity_needed}; {len(rows)} reservations; {dict(outcomes)}"
    )
    for outcome in ("reserve done", "reserve Only K left", "buy done", "buy Only K left", "buy-reserved done",
                    "undo done", "undo-beyond Nothing to undo", "cancel done", "buy-gone Reservation not found",
                    "cancel-gone Reservation not found"):  # fmt: skip
        assert outcomes[outcome] > 0, (outcome, outcomes)


def test_a_reservation_cancelled_while_purchases_use_it_stays_cancelled(database):
    """One guest, from every process at once, buys 1 unit with each of their
    reservations of 2 (from 4 processes) and cancels it (from the 4 others):
    a cancellation acknowledged is never undone by a purchase that read the
    reservation before it, and nothing is oversold or lost."""
    login, (password, guest) = next(iter(GUESTS.items()))
    reservations = []
    for _ in range(RESERVATION_RACES):
        item_id = database.create_item(2)
        [(reservation_id,)] = database.query(
            "INSERT INTO reservations (item_id, user_id, quantity, held, expires_at)"
            " VALUES (%s, %s, 2, 2, %s) RETURNING id",
            [item_id, guest["id"], "2100-01-01 00:00:00"],
        )
        reservations.append((item_id, reservation_id))
    # Every process buys with one reservation and cancels the next, in turn: they go
    # at the same pace, so the purchases and the cancellations of each one meet.
    actions = [[("buy", "cancel")[(n + worker) % 2] for n in range(RESERVATION_RACES)] for worker in range(WORKERS)]
    reports = database.pool.run([
        {"op": "use_reservations", "uses": [[*pair, action] for pair, action in zip(reservations, actions[worker], strict=True)],
         "authorization": basic(login, password)}
        for worker in range(WORKERS)
    ])  # fmt: skip

    assert [report["unexpected"] for report in reports] == [[]] * WORKERS
    outcomes: Counter = Counter()
    for n, (item_id, reservation_id) in enumerate(reservations):
        answers = [(actions[worker][n], *report["answers"][n]) for worker, report in enumerate(reports)]
        bought = [answer for action, answer, _ in answers if action == "buy"]
        cancelled = [units for action, answer, units in answers if action == "cancel" and answer == "done"]
        refused = {answer for action, answer, _ in answers if answer != "done"}
        [(count,)] = database.query("SELECT quantity_purchased FROM items WHERE id = %s", [item_id])
        [(held, cancelled_at)] = database.query(
            "SELECT held, cancelled_at FROM reservations WHERE id = %s", [reservation_id]
        )
        [(lines,)] = database.query("SELECT COALESCE(SUM(quantity), 0) FROM purchases WHERE item_id = %s", [item_id])
        where = {"item": item_id, "answers": answers, "held": held, "purchased": count}
        assert refused <= {"Reservation not found"}, where
        assert count == lines == bought.count("done") and count + held <= 2, where
        if cancelled:  # one cancellation took what the purchases before it left; none came back after it
            assert len(cancelled) == 1 and held == 0 and cancelled_at is not None, where
            assert count == 2 - cancelled[0], where  # no purchase took a unit after the cancellation
            outcomes[f"cancelled holding {cancelled[0]}"] += 1
        else:  # the purchases used it up first
            assert count == 2 and held == 0 and cancelled_at is None, where
            outcomes["used up"] += 1
    print(dict(outcomes))
    assert len(outcomes) > 1, outcomes  # the purchases and the cancellations met
