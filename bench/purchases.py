#!/usr/bin/env python3
"""Purchases per second and their latency, with 1, 2, 4 and 8 concurrent writers.

Each writer is an OS process of its own, a warm Lambda instance
(tests/support/concurrency_worker.py) calling the real handler with API Gateway v2
`POST /items/{id}/purchase` events, all on one item. Engines:

  sqlite         one SQLite file, set up as on EFS (rollback journal,
                 busy_timeout 5 s), migrated once before the writers start
  postgresql     a scratch database on the PostgreSQL of DATABASE_URL, or of
                 scripts/postgres.sh when DATABASE_URL is not PostgreSQL
  raw-sqlite3    no Django, no Lambda: processes running, with Python's
                 sqlite3 on a file of the same schema and PRAGMAs, the
                 statements the handler runs per purchase (the conditional
                 UPDATE, then reading the row back), as a floor

Cold starts are not timed: the clock starts when every writer is warm and
gets its command at once. Latency is per request, inside the writer. "Writer
CPU" is the CPU time of the writer processes per purchase (for PostgreSQL,
the server's own processes come on top); unlike the wall times, it hardly
depends on what else the machine is running. Each
row is the median of --repeat runs (a fresh item each time); the engines
take turns for each number of writers, so that other load on the machine
weighs on all of them alike. "Errors" are answers other than 200 (every
purchase can succeed: the item needs exactly what is bought) and, for
raw-sqlite3, "database is locked", summed over the runs.

Usage:
  .venv/bin/python bench/purchases.py [--writers 1 2 4 8] [--purchases 200] [--repeat 3]
                                      [--engines sqlite postgresql raw-sqlite3]

Prints the machine and a Markdown table (bench/README.md, "Purchases", keeps
the results). It measures only; tests/items/test_concurrent_writes.py asserts correctness.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, closing, contextmanager
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.accounts import basic  # noqa: E402
from tests.support.concurrency_worker import WorkerPool, serve  # noqa: E402
from tests.support.postgresql import scratch_postgresql_database  # noqa: E402
from tests.support.secrets import OFFLINE_SECRET_KEY  # noqa: E402
from tests.support.wordpress import LoopbackWordPress, serve_stand_in  # noqa: E402

# What the handler's purchase runs (items/services.py, record_purchase): one
# conditional UPDATE in autocommit mode, then the row for the answer.
PURCHASE_SQL = (
    "UPDATE items SET quantity_purchased = quantity_purchased + ? "
    "WHERE id = ? AND is_active AND quantity_purchased <= quantity_needed - ?"
)
READ_BACK_SQL = "SELECT * FROM items WHERE id = ?"
SQLITE_PRAGMAS = ("PRAGMA journal_mode=DELETE", "PRAGMA busy_timeout=5000")  # registry_api/settings.py


# --- the raw sqlite3 writer (a child process) ----------------------------------------------


def raw_purchases(conn: sqlite3.Connection, item_id: int, count: int, quantity: int = 1) -> dict:
    statuses = {"200": 0, "409": 0, "error": 0}
    latencies, unexpected = [], []
    for _ in range(count):
        started = time.perf_counter()
        try:
            bought = conn.execute(PURCHASE_SQL, (quantity, item_id, quantity)).rowcount == 1
            conn.execute(READ_BACK_SQL, (item_id,)).fetchall()
            statuses["200" if bought else "409"] += 1
        except sqlite3.OperationalError as error:  # "database is locked"
            statuses["error"] += 1
            unexpected.append(str(error))
        latencies.append(time.perf_counter() - started)
    return {"statuses": statuses, "latencies": latencies, "unexpected": unexpected[:5]}


def raw_writer(path: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)  # autocommit, as Django runs the UPDATE
    for pragma in SQLITE_PRAGMAS:
        conn.execute(pragma)
    serve(conn, {"purchases": raw_purchases})


# --- the databases ---------------------------------------------------------------------------


def migrate(env: dict[str, str]) -> None:
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env={**environment, **env}, check=True
    )


@contextmanager
def sqlite_database():
    """(env for the writers, new_item(quantity_needed) -> id) on a fresh migrated file."""
    with tempfile.TemporaryDirectory(prefix="bench-purchases-") as tmp:
        path = str(Path(tmp) / "registry.db")
        env = {"DATABASE_PATH": path}
        migrate(env)
        yield env, partial(new_sqlite_item, path)


def new_sqlite_item(path: str, quantity_needed: int) -> int:
    """A new active item of registry 1 on the SQLite file `path`; its id."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        return conn.execute(
            "INSERT INTO items (registry_id, name, url, quantity_needed) VALUES (1, 'Bench', 'https://example.com/b', ?) RETURNING id",
            (quantity_needed,),
        ).fetchone()[0]


def postgresql_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    return (
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "postgres.sh"), "url"], check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )


@contextmanager
def postgresql_database():
    """The same on a scratch database (created, migrated, dropped) next to DATABASE_URL's."""
    import psycopg

    with scratch_postgresql_database(postgresql_url(), prefix="bench_purchases") as url:
        env = {"DATABASE_URL": url}
        migrate(env)

        def new_item(quantity_needed: int) -> int:
            with psycopg.connect(url, autocommit=True) as conn:
                row = conn.execute(
                    "INSERT INTO items (registry_id, name, url, quantity_needed) VALUES (1, 'Bench', 'https://example.com/b', %s) RETURNING id",
                    (quantity_needed,),
                ).fetchone()
            assert row is not None
            return row[0]

        yield env, new_item


DATABASES = {"sqlite": sqlite_database, "postgresql": postgresql_database, "raw-sqlite3": sqlite_database}


# --- measuring -------------------------------------------------------------------------------


def measure(pool: WorkerPool, item_id: int, purchases: int) -> dict:
    started = time.perf_counter()
    reports = pool.run([{"op": "purchases", "item_id": item_id, "count": purchases}] * len(pool.processes))
    seconds = time.perf_counter() - started
    latencies = sorted(latency for report in reports for latency in report["latencies"])
    percentiles = statistics.quantiles(latencies, n=100, method="inclusive")
    done = sum(int(report["statuses"].get("200", 0)) for report in reports)
    for report in reports:
        for unexpected in report["unexpected"]:
            print(f"    unexpected: {unexpected}", file=sys.stderr)
    return {
        "seconds": seconds,
        "per_second": len(latencies) / seconds,
        "p50_ms": percentiles[49] * 1000,
        "p95_ms": percentiles[94] * 1000,
        "max_ms": latencies[-1] * 1000,
        "cpu_ms": sum(report["cpu_seconds"] for report in reports) / len(latencies) * 1000,
        "errors": len(latencies) - done,
    }


def writer_pool(engine: str, writers: int, env: dict[str, str], wordpress: LoopbackWordPress) -> WorkerPool:
    if engine == "raw-sqlite3":
        return WorkerPool(writers, {}, argv=[sys.executable, __file__, "--raw-writer", env["DATABASE_PATH"]])
    # As serverless.yml configures the function: no admin (so no admin middleware),
    # one database connection per instance, kept between requests.
    lambda_env = {
        **env,
        "ADMIN_ENABLED": "false",
        "CONN_MAX_AGE": "600",
        "MIGRATE_ON_START": "false",
        "WP_BASE_URL": wordpress.url,
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": OFFLINE_SECRET_KEY,
    }
    return WorkerPool(writers, lambda_env, basic("admin"))


def run(engines: list[str], writer_counts: list[int], purchases: int, repeat: int) -> list[dict]:
    """Engines interleaved for each number of writers, so that a change in the
    machine's other load weighs on all of them alike. Each row is the median of
    `repeat` runs by throughput (fresh item each, same warm writers); errors
    are those of every run."""
    rows = []
    wordpress = serve_stand_in()
    with ExitStack() as stack:
        databases = {engine: stack.enter_context(DATABASES[engine]()) for engine in engines}
        stack.callback(wordpress.stop)
        for writers in writer_counts:
            for engine in engines:
                env, new_item = databases[engine]
                with writer_pool(engine, writers, env, wordpress) as pool:
                    runs = sorted(
                        (measure(pool, new_item(writers * purchases), purchases) for _ in range(repeat)),
                        key=lambda r: r["per_second"],
                    )
                median = {**runs[len(runs) // 2], "errors": sum(r["errors"] for r in runs)}
                rows.append({"engine": engine, "writers": writers, "purchases": writers * purchases, **median})
                print(
                    f"  {engine:12} {writers} writers: {', '.join(f'{r["per_second"]:.1f}' for r in runs)} /s",
                    file=sys.stderr,
                )
    return rows


def machine(engines: list[str]) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    facts = [f"{os.cpu_count()} CPUs (nproc), {cpu}", f"Linux {platform.release()}",
             f"Python {platform.python_version()}", f"SQLite {sqlite3.sqlite_version}"]  # fmt: skip
    if "postgresql" in engines:
        import psycopg

        with psycopg.connect(postgresql_url()) as conn:
            version = conn.execute("SHOW server_version").fetchone()
            assert version is not None
            facts.append(f"PostgreSQL {version[0]}")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return "; ".join(facts) + f"; load average {load}"


def table(rows: list[dict]) -> str:
    lines = ["| engine | writers | purchases | seconds | purchases/s | p50 ms | p95 ms | max ms | writer CPU ms/purchase | errors |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]  # fmt: skip
    lines += [
        f"| {r['engine']} | {r['writers']} | {r['purchases']} | {r['seconds']:.2f} | {r['per_second']:.1f} | {r['p50_ms']:.1f}"
        f" | {r['p95_ms']:.1f} | {r['max_ms']:.0f} | {r['cpu_ms']:.2f} | {r['errors']} |"
        for r in rows
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--purchases", type=int, default=200, help="per writer")
    parser.add_argument("--repeat", type=int, default=3, help="runs per row (the median is shown)")
    parser.add_argument(
        "--engines",
        nargs="+",
        default=["sqlite", "postgresql", "raw-sqlite3"],
        choices=["sqlite", "postgresql", "raw-sqlite3"],
    )
    parser.add_argument("--raw-writer", metavar="PATH", help=argparse.SUPPRESS)  # a raw-sqlite3 child
    args = parser.parse_args()
    if args.raw_writer:
        raw_writer(args.raw_writer)
        return 0

    print(f"Machine before: {machine(args.engines)}")
    rows = run(args.engines, args.writers, args.purchases, args.repeat)
    print(f"Machine after: {machine(args.engines)}\n")
    print(table(rows))
    by_engine = {(row["engine"], row["writers"]): row["per_second"] for row in rows}
    most = max(args.writers)
    if ("sqlite", most) in by_engine and ("raw-sqlite3", most) in by_engine:
        ratio = by_engine[("raw-sqlite3", most)] / by_engine[("sqlite", most)]
        print(f"\nraw sqlite3 / handler on SQLite, {most} writers: {ratio:.2f}x")
    return 1 if any(row["errors"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
