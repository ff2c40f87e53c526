#!/usr/bin/env python3
"""Issue 15's table: every operation through the Lambda handler, beside v1.0.x's figures and the floors.

The service runs as serverless.yml configures the function (its
`provider.environment` with each parameter's default: ADMIN_ENABLED=false,
CONN_MAX_AGE=600, PYDANTIC_DISABLE_PLUGINS=__all__, LOG_LEVEL=INFO, ...), on a
SQLite file that v1.0.x created (tests/support/v1_databases.py) holding 500 active
items (50 of them in registry 1), adopted by `manage.py migrate`, with a
loopback WordPress stand-in (scripts/smoke_artifact.py) that answers
`users/me` and the registry post type. Each Lambda instance is an OS process
(bench/instance.py) calling the real handler, `registry_api.lambda_handler.handler`,
with API Gateway v2 events (tests/support/events.py). Callers are the stand-in's
administrator: one `users/me` per instance, no registry lookup for /items.

  cold start      a new process per run: process start -> first GET /health
                  answered, then -> first authenticated GET /items (1 users/me)
  warm            one instance, per route 50 warm-up calls then 1000 timed
                  ones: wall time inside the handler call (the median), and
                  the CPU time the instance spent in it
  purchases       8 instances x 200 `POST /items/{id}/purchase` on one item
                  of the same file (bench/purchases.py's `measure`),
                  successful writes/s and lost purchases (acknowledged but not
                  counted in the row), median of 3 runs
  floors          a bare ASGI app through Mangum per call; Python's sqlite3
                  reading one row, and (not in the issue) committing an update
                  of one row; `python -I -S -c pass` (interpreter start)

Prints the machine, the load average around each part (2 CPUs shared with
other work make the wall times noisy: the CPU column is steadier), and ONE
Markdown table. --quick: fewer runs and calls, for a fast check. It measures
only: nothing is asserted beyond every answer having its expected status.

Usage: bash bench/run.sh [--quick] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from importlib.metadata import distribution
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from cold_start import cpu_seconds, machine  # noqa: E402
from purchases import measure, migrate, new_sqlite_item  # noqa: E402
from smoke_artifact import service_packages  # noqa: E402

from tests.support.accounts import basic  # noqa: E402
from tests.support.concurrency_worker import WorkerPool  # noqa: E402
from tests.support.events import http_v2_event  # noqa: E402
from tests.support.v1_databases import FINAL_V1_0_VERSION, V1Database  # noqa: E402
from tests.support.wordpress import LoopbackWordPress, serve_stand_in  # noqa: E402

ADMIN = {"Authorization": basic("admin")}
REGISTRY_ID = 1  # holds 50 of the 500 items
NEW_ITEM = {"registry_id": 3, "name": "Bench kettle", "url": "https://example.com/kettle", "price": 19.5}

# v1.0.x's figures in issue 15 (medians, same machine class), and the floors it gives.
REFERENCE = {
    "cold_health": 711,
    "cold_items": 869,
    "health": 0.94,
    "item": 1.48,
    "put": 3.09,
    "post": 3.16,
    "list": 9.25,
    "registry_items": 50.3,
    "purchases": 288,  # successful writes/s, GET+PUT: 1249 of 1600 lost
    "floor_mangum": 0.03,
    "floor_sqlite_read": 0.01,
    "floor_interpreter": 12,
}


# --- the function's settings and its data ------------------------------------------------------


def serverless_environment() -> dict[str, str]:
    """serverless.yml's provider.environment, each ${param:x} replaced by the
    parameter's default (`${env:REGISTRY_..., 'default'}`), as a deploy
    without --param gets it."""
    config = yaml.safe_load((ROOT / "serverless.yml").read_text())
    params = {
        name: re.sub(r"^\$\{env:\w+, '(.*)'\}$", r"\1", str(value))
        for name, value in config["params"]["default"].items()
    }
    return {
        name: re.sub(r"\$\{param:(\w+)\}", lambda ref: params[ref[1]], str(value))
        for name, value in config["provider"]["environment"].items()
    }


def v1_database(path: Path) -> dict[str, int]:
    """A v1.0.x file (schema 4, created by its init_db()) with 500 active items as
    v1.0.x stored them, then adopted by the service's migrations. The ids to use."""
    V1Database(FINAL_V1_0_VERSION, fresh=True, with_rows=False).build(path)
    with closing(sqlite3.connect(path)) as conn:
        for n in range(500):
            registry = REGISTRY_ID if n < 50 else 2 + n % 8
            conn.execute(
                "INSERT INTO items (registry_id, name, description, url, retailer, affiliate_url, affiliate_status,"
                " image_url, price, quantity_needed, quantity_purchased) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (registry, f"Gift {n}", f"A gift, number {n}, for the bench", f"https://shop.example/gift/{n}",
                 "Shop & Co", f"https://aff.example/{n}?tag=restart-20" if n % 3 else None, "active" if n % 3 else None,
                 f"https://img.example/{n}.jpg", 10 + n * 0.25, 1 + n % 4, n % 2),
            )  # fmt: skip
        conn.commit()
        first = conn.execute("SELECT MIN(id) FROM items").fetchone()[0]
    migrate({"DATABASE_PATH": str(path), "PYDANTIC_DISABLE_PLUGINS": "__all__"})
    # Items the warm purchases and reservations take from, one unit a call.
    writes = {key: new_sqlite_item(str(path), 10**6) for key in ("purchase", "purchase_note", "reserve")}
    return {"item": first, **writes}


def task_root(target: Path) -> Path:
    """A directory like the Lambda artifact's /var/task, as links: the service's
    packages and, from .venv, only those of requirements/lambda.txt. The
    .venv's dev tools would weigh on a cold start: httpx imports its CLI
    (click, rich, pygments: about 80 ms) when they are installed."""
    target.mkdir()
    for package in service_packages():
        (target / package).symlink_to(ROOT / package)
    for line in (ROOT / "requirements" / "lambda.txt").read_text().splitlines():
        pinned = re.match(r"([A-Za-z0-9_.-]+)==", line)
        if pinned:
            installed = distribution(pinned[1])
            assert installed.files is not None, f"{pinned[1]} has no RECORD"
            for top in {file.parts[0] for file in installed.files} - {"..", "__pycache__"}:
                if not top.endswith(".dist-info"):  # the artifact has none (serverless.yml's slimPatterns)
                    (target / top).symlink_to(str(installed.locate_file(top)))
    return target


def instance_command(task: Path) -> list[str]:
    """An instance runs as isolated as on Lambda: `-I -S`, the task root, the stdlib."""
    return [sys.executable, "-I", "-S", str(ROOT / "bench" / "instance.py"), str(task)]


def count_wordpress_requests(stand_in: LoopbackWordPress) -> Counter:
    """Every request the stand-in answers, by path (its own counter has users/me only)."""
    seen: Counter = Counter()
    answer = stand_in.server.RequestHandlerClass

    class Counting(answer):  # type: ignore[valid-type, misc]  # a class made at run time: the stand-in's handler
        def do_GET(self):
            seen[self.path.partition("?")[0]] += 1
            super().do_GET()

    stand_in.server.RequestHandlerClass = Counting
    return seen


def load() -> float:
    return os.getloadavg()[0]


# --- the parts ------------------------------------------------------------------------------


def check(answer: dict, expected: int, what: str) -> dict:
    unexpected = [status for status in answer["statuses"] if status != expected]
    if unexpected:
        raise SystemExit(f"{what}: {len(unexpected)} answers other than {expected}: {Counter(unexpected)}")
    return answer


def cold_starts(instance: list[str], env: dict, runs: int, wordpress: LoopbackWordPress) -> list[dict]:
    results = []
    for _ in range(runs):
        users_me = wordpress.site.users_me_calls
        started = time.perf_counter()
        with WorkerPool(1, env, argv=instance) as pool:
            health = pool.run([{"op": "invoke", "events": [http_v2_event("GET", "/health")]}])[0]
            health_s = time.perf_counter() - started
            health_cpu_s = cpu_seconds(pool.processes[0].pid)
            items = pool.run([{"op": "invoke", "events": [http_v2_event("GET", "/items", headers=ADMIN)]}])[0]
            items_s = time.perf_counter() - started
            items_cpu_s = cpu_seconds(pool.processes[0].pid)
        check(health, 200, "cold GET /health")
        check(items, 200, "cold GET /items")
        results.append({"health_ms": health_s * 1000, "health_cpu_ms": health_cpu_s * 1000, "items_ms": items_s * 1000,
                        "items_cpu_ms": items_cpu_s * 1000, "users_me": wordpress.site.users_me_calls - users_me})  # fmt: skip
    return results


def warm_routes(ids: dict[str, int]) -> dict[str, tuple[int, Callable[[int], dict]]]:
    """route key -> (expected status, the i-th event). Reads first: POST adds items.
    The purchases and reservations each take one unit of an item of their own."""
    item = f"/items/{ids['item']}"
    note = {"quantity": 1, "from": "Aunt May", "message": "Congratulations, you two! With love from all of us."}
    return {
        "health": (200, lambda i: http_v2_event("GET", "/health")),
        "item": (200, lambda i: http_v2_event("GET", item, headers=ADMIN)),
        "list": (200, lambda i: http_v2_event("GET", "/items", query="limit=100", headers=ADMIN)),
        "registry_items": (200, lambda i: http_v2_event("GET", f"/registries/{REGISTRY_ID}/items", headers=ADMIN)),
        "put": (
            200,
            lambda i: http_v2_event("PUT", item, body={"name": f"Gift {i}", "price": 10 + i % 7}, headers=ADMIN),
        ),
        "post": (
            201,
            lambda i: http_v2_event("POST", "/items", body={**NEW_ITEM, "name": f"Bench {i}"}, headers=ADMIN),
        ),
        "purchase": (
            200,
            lambda i: http_v2_event("POST", f"/items/{ids['purchase']}/purchase", body={"quantity": 1}, headers=ADMIN),
        ),
        "purchase_note": (
            200,
            lambda i: http_v2_event("POST", f"/items/{ids['purchase_note']}/purchase", body=note, headers=ADMIN),
        ),
        "reserve": (
            201,
            lambda i: http_v2_event(
                "POST", f"/items/{ids['reserve']}/reservations", body={"quantity": 1}, headers=ADMIN
            ),
        ),
    }


def warm(
    instance: list[str], env: dict, path: Path, ids: dict, calls: int, warmup: int, wordpress_requests: Counter
) -> dict:
    results = {}
    with WorkerPool(1, env, argv=instance) as pool:
        for key, (expected, event) in warm_routes(ids).items():
            before = sum(wordpress_requests.values())
            events = [event(i) for i in range(warmup + calls)]
            answer = check(pool.run([{"op": "invoke", "events": events, "warmup": warmup}])[0], expected, key)
            answer["wordpress_per_call"] = (sum(wordpress_requests.values()) - before) / len(events)
            results[key] = answer
        mangum = {"op": "mangum_floor", "event": http_v2_event("GET", "/health"), "count": calls, "warmup": warmup}
        results["floor_mangum"] = pool.run([mangum])[0]
        for statement in ("read", "write"):
            sqlite = {"op": "sqlite_floor", "path": str(path), "item_id": ids["item"], "count": calls, "warmup": warmup,
                      "statement": statement}  # fmt: skip
            results[f"floor_sqlite_{statement}"] = pool.run([sqlite])[0]
    return results


def purchases(env: dict, path: Path, writers: int, each: int, repeat: int) -> list[dict]:
    """`writers` instances buying one item at once; each run on a new item that
    needs exactly what is bought, so every purchase can succeed."""
    runs = []
    with WorkerPool(writers, env, basic("admin")) as pool:  # tests/support/concurrency_worker.py's purchases
        for _ in range(repeat):
            item_id = new_sqlite_item(str(path), writers * each)
            result = measure(pool, item_id, each)
            with closing(sqlite3.connect(path)) as conn:
                counted = conn.execute("SELECT quantity_purchased FROM items WHERE id = ?", (item_id,)).fetchone()[0]
            acknowledged = writers * each - result["errors"]
            runs.append({**result, "successful_per_second": acknowledged / result["seconds"],
                         "acknowledged": acknowledged, "lost": acknowledged - counted})  # fmt: skip
    return sorted(runs, key=lambda run: run["successful_per_second"])


def interpreter_starts(runs: int) -> list[float]:
    """`python -I -S -c pass` (as the instances start) from process start to its exit, in ms."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-S", "-c", "pass"], check=True)
        times.append((time.perf_counter() - started) * 1000)
    return times


# --- the table ------------------------------------------------------------------------------


def median(values) -> float:
    return statistics.median(values)


def ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 100 else f"{value:.2f} ms" if value >= 0.1 else f"{value:.3f} ms"


def table(r: dict) -> str:
    rows = []

    def row(label, key, ours, cpu="", n="", goal="≤ 1.0×", reference=None, shown=None):
        v1 = REFERENCE[key]
        ratio = f"{ours / v1:.2f}×"
        rows.append(f"| {label} | {reference or ms(v1)} | {shown or ms(ours)} | {ratio} | {goal} | {cpu} | {n} |")

    cold = r["cold"]
    row(
        "cold start: process start → first `GET /health`",
        "cold_health",
        median(c["health_ms"] for c in cold),
        ms(median(c["health_cpu_ms"] for c in cold)),
        len(cold),
    )
    users_me = "/".join(str(n) for n in sorted({c["users_me"] for c in cold}))
    row(
        f"cold start: → first authenticated `GET /items` ({users_me} `users/me`)",
        "cold_items",
        median(c["items_ms"] for c in cold),
        ms(median(c["items_cpu_ms"] for c in cold)),
        len(cold),
    )
    labels = {
        "health": "warm `GET /health` (handler)",
        "item": "warm `GET /items/{id}` (handler)",
        "put": "warm `PUT /items/{id}` (handler)",
        "post": "warm `POST /items` (handler)",
        "list": "warm `GET /items?limit=100` (500 items, handler)",
        "registry_items": "warm `GET /registries/{id}/items` (50 items, WP WordPress call, handler)",
    }
    # Not in issue 15 (v1.0.x had none of them): compared with the purchase row (issue 21).
    unreferenced = {
        "purchase": "warm `POST /items/{id}/purchase` (handler)",
        "purchase_note": "warm `POST /items/{id}/purchase` with a note (`from`, `message`; handler)",
        "reserve": "warm `POST /items/{id}/reservations` (handler)",
    }
    for key, label in labels.items():
        w = r["warm"][key]
        row(
            label.replace("WP", f"{w['wordpress_per_call']:g}"),
            key,
            median(w["wall_ms"]),
            ms(median(w["cpu_ms"])),
            len(w["wall_ms"]),
        )
    for key, label in unreferenced.items():
        if key in r["warm"]:
            w = r["warm"][key]
            rows.append(
                f"| {label} | | {ms(median(w['wall_ms']))} | | | {ms(median(w['cpu_ms']))} | {len(w['wall_ms'])} |"
            )
    runs = r["purchases"]
    best = runs[len(runs) // 2]  # the median run by successful writes/s
    total = best["acknowledged"] + best["errors"]
    lost = max(run["lost"] for run in runs)
    row(
        f"{r['writers']} processes × {r['each']} purchases on one file, successful writes/s",
        "purchases",
        best["successful_per_second"],
        f"{best['cpu_ms']:.2f} ms/purchase",
        f"{len(runs)} run{'s' * (len(runs) != 1)}",
        goal="≥ 1.0×, 0 lost",
        reference="288 (GET+PUT, 1249 of 1600 lost)",
        shown=f"{best['successful_per_second']:.0f} ({best['acknowledged']} of {total} acknowledged, "
        f"{lost} lost, {sum(run['errors'] for run in runs)} errors in all runs)",
    )
    for key, label in (("floor_mangum", "floor: bare ASGI app through Mangum, per call"),
                       ("floor_sqlite_read", "floor: raw `sqlite3` read of one row")):  # fmt: skip
        f = r["warm"][key]
        row(label, key, median(f["wall_ms"]), ms(median(f["cpu_ms"])), len(f["wall_ms"]), goal="")
    f = r["warm"]["floor_sqlite_write"]  # not in the issue: what a committed write costs on this disk
    rows.append(
        f"| floor: raw `sqlite3` committed update of one row (not in the issue) | | {ms(median(f['wall_ms']))} | | |"
        f" {ms(median(f['cpu_ms']))} | {len(f['wall_ms'])} |"
    )
    starts = r["interpreter_ms"]
    row(
        "floor: interpreter start (`python -I -S -c pass`)", "floor_interpreter", median(starts), n=len(starts), goal=""
    )
    head = ["| measure | FastAPI v1.0.x (issue 15) | this service | ratio | goal | CPU (median) | n |",
            "|---|---:|---:|---:|---|---:|---:|"]  # fmt: skip
    return "\n".join(head + rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="3 cold starts, 100 warm calls after 10, purchases 8 × 50 once"
    )
    parser.add_argument("--json", help="also write the raw measurements here")
    args = parser.parse_args()
    cold_runs, calls, warmup, each, repeat, starts = (
        (3, 100, 10, 50, 1, 5) if args.quick else (15, 1000, 50, 200, 3, 20)
    )
    writers = 8

    before = machine()
    results: dict = {"machine": before, "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version,
                     "quick": args.quick, "writers": writers, "each": each, "load": {}}  # fmt: skip
    print(f"Machine: {before['nproc']} CPUs, {before['cpu']}, Linux {before['kernel']}; Python {results['python']}; "
          f"SQLite {results['sqlite']}", file=sys.stderr)  # fmt: skip

    def part(name: str, run):
        load_before = load()
        print(f"{name} (load average {load_before:.2f}) ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        results[name] = run()
        results["load"][name] = (load_before, load())
        print(f"  {time.perf_counter() - started:.0f} s, load average {load():.2f}", file=sys.stderr, flush=True)

    wordpress = serve_stand_in()
    wordpress_requests = count_wordpress_requests(wordpress)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
            path = Path(tmp) / "data.db"
            ids = v1_database(path)
            env = {**serverless_environment(), "DATABASE_PATH": str(path), "WP_BASE_URL": wordpress.url}
            # The start-up checks refuse serverless.yml's placeholder, as a deploy must set secretKey.
            env["SECRET_KEY"] = secrets.token_urlsafe(50)
            results["environment"] = {k: v for k, v in env.items() if k != "SECRET_KEY"}
            instance = instance_command(task_root(Path(tmp) / "task"))
            part("cold", lambda: cold_starts(instance, env, cold_runs, wordpress))
            part("warm", lambda: warm(instance, env, path, ids, calls, warmup, wordpress_requests))
            part("purchases", lambda: purchases(env, path, writers, each, repeat))
            part("interpreter_ms", lambda: interpreter_starts(starts))
    finally:
        wordpress.stop()

    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    loads = ", ".join(f"{name} {a:.1f} → {b:.1f}" for name, (a, b) in results["load"].items())
    print(f"\nMachine: {before['nproc']} CPUs ({before['cpu']}), Linux {before['kernel']}, Python {results['python']}, "
          f"SQLite {results['sqlite']}{', --quick' if args.quick else ''}. Load average (1 min) before → after each part: {loads}.\n")  # fmt: skip
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
