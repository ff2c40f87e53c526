"""One Lambda instance (an OS process) for bench/run.py; not for people.

It imports the real handler first (`registry_api.lambda_handler.handler`, through
tests/support/concurrency_worker.py's `Lambda`: that import is the cold start), then
speaks concurrency_worker's protocol (`serve`): "ready", then one JSON answer
per command on stdin. Commands:

    {"op": "invoke", "events": [...], "warmup": 50}
        call the handler with each API Gateway event in turn, as Lambda does;
        the first `warmup` calls are not recorded. Answers, per recorded call,
        the status, the wall time inside the handler call and the CPU time the
        process (every thread) spent in it.
    {"op": "mangum_floor", "event": {...}, "count": 1000, "warmup": 50}
        the same timing for a bare ASGI app behind Mangum: the floor of any
        ASGI application on Lambda.
    {"op": "sqlite_floor", "path": "...", "item_id": 1, "count": 1000, "warmup": 50, "statement": "read"}
        the same timing for Python's sqlite3 reading one row by id ("write":
        updating it, committed) on a kept connection with the service's
        PRAGMAs: the floor of a database read (write).

    python -I -S bench/instance.py TASK_ROOT    # started by bench/run.py (WorkerPool)
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `python -I -S bench/instance.py TASK_ROOT` (bench/run.py): the service and
# its packages as the artifact has them (run.task_root); the project for tests/.
sys.path[:0] = [*sys.argv[1:2], str(ROOT)]

from tests.support.concurrency_worker import Lambda, serve  # noqa: E402

api = Lambda()  # imports registry_api.asgi: Django, Ninja, the migration check (Lambda's INIT)


def timed(call, items, warmup: int) -> tuple[dict, list]:
    """`call(item)` for every item: the wall and CPU milliseconds of each call
    after the first `warmup`, and what those calls returned."""
    wall, cpu, results = [], [], []
    for position, item in enumerate(items):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = call(item)
        elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        if position >= warmup:
            wall.append(elapsed * 1000)
            cpu.append(elapsed_cpu * 1000)
            results.append(result)
    return {"wall_ms": wall, "cpu_ms": cpu}, results


def invoke(api: Lambda, events: list[dict], warmup: int = 0) -> dict:
    times, answers = timed(lambda event: api.handler(event, None), events, warmup)
    return {**times, "statuses": [answer["statusCode"] for answer in answers]}


def mangum_floor(api: Lambda, event: dict, count: int, warmup: int) -> dict:
    from mangum import Mangum

    async def bare(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"status":"healthy"}'})

    handler = Mangum(bare, lifespan="off")
    # As the tests do, no Lambda context: Mangum reads none for an HTTP event.
    return timed(lambda event: handler(event, None), [event] * (warmup + count), warmup)[0]  # type: ignore[arg-type]


SQLITE_FLOORS = {  # statement, and whether its cursor shows it found the row
    "read": ("SELECT * FROM items WHERE id = ?", lambda cursor: cursor.fetchone() is not None),
    # A committed change of one row (autocommit: one transaction, the journal and its syncs);
    # it must change the row: SQLite writes nothing for an update that leaves it as it was.
    "write": (
        "UPDATE items SET quantity_purchased = 1 - quantity_purchased WHERE id = ?",
        lambda cursor: cursor.rowcount == 1,
    ),
}


def sqlite_floor(api: Lambda, path: str, item_id: int, count: int, warmup: int, statement: str = "read") -> dict:
    import sqlite3

    from django.conf import settings

    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(settings.SQLITE_OPTIONS["init_command"])
    sql, found = SQLITE_FLOORS[statement]
    times, rows = timed(lambda _: found(conn.execute(sql, (item_id,))), range(warmup + count), warmup)
    conn.close()
    assert all(rows), "the floor must touch a real row"
    return times


if __name__ == "__main__":
    serve(api, {"invoke": invoke, "mangum_floor": mangum_floor, "sqlite_floor": sqlite_floor})
