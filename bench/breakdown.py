#!/usr/bin/env python3
"""Where the time goes: the Lambda cold start's imports, and warm requests by layer.

Same set-up as bench/run.py (serverless.yml's function settings, a v1.0.x
SQLite file with 500 items, the loopback WordPress stand-in, the
administrator calling).

  imports    `python -I -S -X importtime -c "import registry_api.asgi"` on a
             task root like the artifact's (the whole INIT: django.setup(),
             the URLconf, the migration check, the Mangum handler), --runs
             processes; the INIT phases of bench/cold_start.py; per top-level
             package the self time, and the subtrees worth cutting
             (cumulative), each the minimum over the runs (the least disturbed
             by other load)
  requests   in this process, per route: 50 warm-up requests; then 100 more
             counting, per request, thread hand-offs (executor submits),
             event-loop turns, tasks, SQL statements and log records; then
             cProfile of --calls requests with a CPU-time clock (waiting costs
             nothing), the self time summed per layer (Django's request path,
             the ORM and its SQL compilation, Ninja, pydantic, Mangum, asyncio
             and threads, logging, the service's own code, ...), the steps
             within the sync thread, and the functions that cost most (the
             cumulative time of a frame spanning a thread hand-off is unreliable:
             the profiler keeps one call stack for both threads)
  instructions
             the instructions a cold start executes (valgrind's cachegrind,
             "I refs") from process start to its first GET /health answer,
             and to its first authenticated GET /items, --runs processes on a
             task root like the artifact's. Other load on the machine does not
             change the count (it repeats to within 0.1%), so it compares two
             versions where wall and CPU times swing by 10-20% on this shared
             machine. It does not see what the kernel spends (opening and
             reading the modules); needs valgrind.

Usage:
  .venv/bin/python bench/breakdown.py imports [--runs 5] [--save importtime.txt]
  .venv/bin/python bench/breakdown.py requests [--calls 1000] [--routes item put post list] [--top 25]
  .venv/bin/python bench/breakdown.py instructions [--runs 3]

It measures only. bench/README.md ("Where the time goes") keeps the results.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import cProfile
import json
import logging
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cold_start import PHASES  # noqa: E402
from run import ADMIN, count_wordpress_requests, serverless_environment, task_root, v1_database, warm_routes

from tests.support.events import http_v2_event  # noqa: E402
from tests.support.secrets import OFFLINE_SECRET_KEY  # noqa: E402
from tests.support.wordpress import serve_stand_in  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# --- imports ---------------------------------------------------------------------------------

# Subtrees whose cumulative import time says what cutting them would save.
SUBTREES = [
    "django.contrib.admin", "django.contrib.admin.sites", "django.contrib.auth.models", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.contenttypes.models", "django.test",
    "unittest", "ninja", "ninja.conf", "ninja.openapi", "pydantic", "pydantic_core", "httpx", "environ",
    "django.db.models", "django.db.backends.sqlite3.base",
    "django.core.handlers.asgi", "django.template", "django.forms", "mangum", "asgiref", "email", "json",
    "registry_api.api", "items.api", "items.schemas", "registries.api", "registries.schemas", "wpauth.wordpress",
    "registries.wordpress", "registry_api.startup", "django.db.migrations", "registry_api.settings", "registry_api.urls",
    "django.contrib.admin.apps", "django.contrib.sessions.models", "django.contrib.messages.apps",
    "django.contrib.staticfiles.apps", "items.models", "items.admin",
]  # fmt: skip
# Code the Lambda function may not need: the self time of every module under each prefix.
PREFIXES = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.test", "unittest", "ninja", "pydantic", "httpx",
    "asyncio", "email",
]  # fmt: skip
LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")
# -X importtime does not see importlib.import_module (django.setup() imports
# every app, its models and the settings that way, Django the URLconf): those
# are timed by hand, cumulative, on lines of their own.
INIT = r"""
import importlib, sys, time
sys.path[:0] = sys.argv[1:]
_import_module = importlib.import_module
def _timed(name, package=None):
    new = name not in sys.modules
    started = time.perf_counter_ns()
    try:
        return _import_module(name, package)
    finally:
        if new:
            sys.stderr.write(f"import_module: {(time.perf_counter_ns() - started) // 1000} | {name}\n")
importlib.import_module = _timed
import registry_api.asgi
"""
BY_HAND = re.compile(r"import_module: (\d+) \| (\S+)")


def importtime_run(
    task: Path, env: dict[str, str], save: Path | None = None
) -> tuple[dict[str, tuple[int, int]], dict[str, str], float]:
    """module -> (self µs, cumulative µs) of one INIT, module -> what imported
    it first, and the process's wall seconds. Modules loaded by import_module
    have a cumulative time only."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-I", "-S", "-X", "importtime", "-c", INIT, str(task)], env=env,
                          capture_output=True, text=True)  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    if save:
        save.write_text(done.stderr)
    modules: dict[str, tuple[int, int]] = {}
    importer: dict[str, str] = {}
    waiting: defaultdict[int, list[str]] = defaultdict(list)  # indent -> modules whose importer comes later
    for match in LINE.finditer(done.stderr):
        indent, module = len(match[3]), match[4]
        # A module's line follows those of the modules it imported, indented 2
        # more. A package imported for its submodule names that submodule.
        for child in waiting.pop(indent + 2, []):
            if not module.startswith(child + "."):
                importer.setdefault(child, module)
            else:
                waiting[indent].append(child)
        if module not in modules:
            modules[module] = (int(match[1]), int(match[2]))
            waiting[indent].append(module)
    for match in BY_HAND.finditer(done.stderr):
        modules.setdefault(match[2], (0, int(match[1])))
        importer.setdefault(match[2], "import_module")
    return modules, importer, wall


def children_cpu() -> float:
    usage = os.times()
    return usage.children_user + usage.children_system


@contextmanager
def lambda_task_root() -> Iterator[tuple[Path, dict[str, str]]]:
    """A task root like the artifact's and the function's environment for
    processes on it (serverless.yml's, on a v1.0.x file, with the WordPress
    stand-in), for as long as the block runs."""
    wordpress = serve_stand_in()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-breakdown-") as tmp:
            path = Path(tmp) / "data.db"
            v1_database(path)
            env = {**os.environ, **serverless_environment(), "DATABASE_PATH": str(path),
                   "WP_BASE_URL": wordpress.url, "SECRET_KEY": OFFLINE_SECRET_KEY}  # fmt: skip
            env.pop("DATABASE_URL", None)
            yield task_root(Path(tmp) / "task"), env
    finally:
        wordpress.stop()


def imports(runs: int, save: Path | None) -> None:
    with lambda_task_root() as (task, env):
        results, walls, cpus, phases = [], [], [], []
        for _ in range(runs):
            spent = children_cpu()
            modules, importer, wall = importtime_run(task, env, save)
            results.append(modules)
            walls.append(wall)
            cpus.append(children_cpu() - spent)
            done = subprocess.run(
                [sys.executable, "-I", "-S", "-c", PHASES, str(task)], env=env, capture_output=True, text=True
            )
            phases.append(json.loads(done.stdout.strip().splitlines()[-1]))

    def least(module: str, index: int) -> float:
        return min(run[module][index] for run in results if module in run) / 1000

    names = set().union(*results)
    by_package: defaultdict[str, float] = defaultdict(float)
    for name in names:
        by_package[name.split(".")[0]] += least(name, 0)
    total = sum(by_package.values())
    print(f"INIT (`import registry_api.asgi` under `-X importtime`, `python -I -S` on a task root like the artifact's, "
          f"{runs} processes): process wall {min(walls) * 1000:.0f} ms min, {sorted(walls)[runs // 2] * 1000:.0f} ms median; "
          f"CPU {min(cpus) * 1000:.0f} ms min; {len(names)} modules; load average {os.getloadavg()[0]:.1f}\n")  # fmt: skip
    print("| phase (cold_start.PHASES, without -X importtime) | wall ms (min) | CPU ms (min) |\n|---|--:|--:|")
    for phase in phases[0]:
        print(
            f"| {phase} | {min(p[phase][0] for p in phases) * 1000:.1f} | {min(p[phase][1] for p in phases) * 1000:.1f} |"
        )
    print("\n| package | self ms (min per module) | share |\n|---|--:|--:|")
    for package, spent_ms in sorted(by_package.items(), key=lambda kv: -kv[1])[:25]:
        print(f"| `{package}` | {spent_ms:.1f} | {spent_ms / total:.0%} |")
    print(f"| all {len(by_package)} (import_module's own work counts in its importer's self time) | {total:.1f} | |")
    print("\n| modules under | self ms (min per module) |\n|---|--:|")
    for prefix in PREFIXES:
        under = [name for name in names if name == prefix or name.startswith(prefix + ".")]
        print(f"| `{prefix}` ({len(under)} modules) | {sum(least(name, 0) for name in under):.1f} |")
    print("\n| subtree (imported first by) | cumulative ms (min) |\n|---|--:|")
    for module in sorted((m for m in SUBTREES if m in names), key=lambda m: -least(m, 1)):
        print(f"| `{module}` (`{importer.get(module, '-c')}`) | {least(module, 1):.1f} |")


# --- instructions ----------------------------------------------------------------------------

# A cold start answering the API Gateway events of argv[2] (JSON), as Lambda calls the handler.
COLD_START = r"""
import json, sys
sys.path[:0] = sys.argv[1:2]
from registry_api.lambda_handler import handler
for event in json.loads(sys.argv[2]):
    assert handler(event, None)["statusCode"] == 200
"""
I_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions(runs: int) -> None:
    health = http_v2_event("GET", "/health")
    items = http_v2_event("GET", "/items", headers=ADMIN)
    rows = {"first `GET /health`": [health], "first authenticated `GET /items`": [health, items]}
    counts: dict[str, list[int]] = {row: [] for row in rows}
    with lambda_task_root() as (task, env):
        command = [sys.executable, "-I", "-S", "-c", COLD_START, str(task)]
        # Uncounted: writes the .pyc of modules that have none yet (in the task root itself).
        subprocess.run([*command, json.dumps([health])], env=env, check=True)
        for _ in range(runs):
            for row, events in rows.items():
                done = subprocess.run(
                    ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                     *command, json.dumps(events)], env=env, capture_output=True, text=True)  # fmt: skip
                found = I_REFS.search(done.stderr)
                if done.returncode or not found:
                    raise SystemExit(done.stderr[-3000:])
                counts[row].append(int(found[1].replace(",", "")))
    print(f"Instructions of a cold start (valgrind cachegrind, `python -I -S` on a task root like the artifact's, "
          f"{runs} processes each):\n\n| process start → | instructions (median) | min | max |\n|---|--:|--:|--:|")  # fmt: skip
    for row, seen in counts.items():
        low, middle, high = min(seen) / 1e6, statistics.median(seen) / 1e6, max(seen) / 1e6
        print(f"| {row} | {middle:,.1f} M | {low:,.1f} M | {high:,.1f} M |")


# --- requests --------------------------------------------------------------------------------

LAYERS = [  # (layer, substrings of a profile entry's file or name), first match wins
    ("sqlite3 (C)", ["sqlite3.Cursor", "sqlite3.Connection"]),
    ("pydantic", ["/pydantic/", "/pydantic_core/", "pydantic_core."]),
    ("Ninja", ["/ninja/"]),
    (
        "ORM: SQL compilation",
        [
            "/django/db/models/sql/",
            "/django/db/models/expressions.py",
            "/django/db/models/lookups.py",
            "/django/db/models/fields/",
            "/django/db/models/query_utils.py",
            "/django/db/backends/base/operations.py",
            "/django/db/backends/sqlite3/operations.py",
        ],
    ),
    ("ORM: querysets, models, connection", ["/django/db/"]),
    ("Django: signals, handlers, request, response, URLs", ["/django/"]),
    ("asgiref (thread hand-offs)", ["/asgiref/"]),
    (
        "asyncio, threads, queues",
        [
            "/asyncio/",
            "/concurrent/",
            "threading.py",
            "queue.py",
            "selectors.py",
            "select.epoll",
            "_thread.",
            "contextvars",
            "_asyncio.",
        ],
    ),
    ("Mangum", ["/mangum/"]),
    ("logging (Mangum's and httpx's INFO lines)", ["/logging/", "_io.TextIOWrapper", "method 'flush'"]),
    ("WordPress client (httpx)", ["/httpx/", "/httpcore/", "/h11/", "/ssl.py", "socket"]),
    ("the service's code", ["/registry_api/", "/items/", "/registries/", "/wpauth/", "/core/"]),
    ("JSON", ["/json/", "_json."]),
]


OTHER = "other (stdlib, builtins)"


def own_layer(entry: tuple) -> str:
    file, _, name = entry
    text = f"{file} {name}"
    for layer, needles in LAYERS:
        if any(needle in text for needle in needles):
            return layer
    return OTHER


def layer_shares(stats: dict) -> defaultdict[str, float]:
    """Self time per layer. A builtin or stdlib function (isinstance, getattr,
    inspect, functools...) counts for the layers that called it, in
    proportion to the time each caller spent in it, up the call chain."""
    memo: dict[tuple, dict[str, float]] = {}

    def fractions(entry: tuple, seen: frozenset) -> dict[str, float]:
        """entry's time as fractions per layer."""
        if entry in memo:
            return memo[entry]
        layer = own_layer(entry)
        callers = stats[entry][4] if entry in stats else {}
        spent = sum(timing[2] for timing in callers.values())
        if layer != OTHER or not spent or entry in seen:
            result = {layer: 1.0}
        else:
            result = defaultdict(float)
            for caller, timing in callers.items():
                for caller_layer, share in fractions(caller, seen | {entry}).items():
                    result[caller_layer] += share * timing[2] / spent
        memo[entry] = result
        return result

    layers: defaultdict[str, float] = defaultdict(float)
    for entry, (_, _, self_time, _, _) in stats.items():
        for layer, share in fractions(entry, frozenset()).items():
            layers[layer] += self_time * share
    return layers


class Counters:
    """Per-request counts of what the issue names: thread hand-offs, event-loop turns, tasks, SQL, log records."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self._undo: list[tuple[object, str, object]] = []  # (owner, name, original)

    def wrap(self, owner, name: str, label: str) -> None:
        original = getattr(owner, name)
        counts = self.counts

        def counting(*args, **kwargs):
            counts[label] += 1
            return original(*args, **kwargs)

        setattr(owner, name, counting)
        self._undo.append((owner, name, original))

    def __enter__(self) -> Counters:
        from asgiref.current_thread_executor import CurrentThreadExecutor
        from django.db.backends.utils import CursorWrapper

        self.wrap(concurrent.futures.ThreadPoolExecutor, "submit", "thread hand-offs (to a worker thread)")
        self.wrap(CurrentThreadExecutor, "submit", "thread hand-offs (back to the event loop thread)")
        self.wrap(asyncio.base_events.BaseEventLoop, "_run_once", "event-loop turns")
        self.wrap(asyncio.base_events.BaseEventLoop, "create_task", "tasks created")
        self.wrap(logging.Logger, "handle", "log records emitted")
        # The requests' connection belongs to another thread: count at the class.
        self.wrap(CursorWrapper, "execute", "SQL statements (BEGIN included)")
        self.wrap(CursorWrapper, "executemany", "SQL statements (BEGIN included)")
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)


def requests(calls: int, routes: list[str], top: int) -> None:
    wordpress = serve_stand_in()
    wordpress_requests = count_wordpress_requests(wordpress)
    tmp = tempfile.TemporaryDirectory(prefix="bench-profile-")
    path = Path(tmp.name) / "data.db"
    ids = v1_database(path)
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(
        {
            **serverless_environment(),
            "DATABASE_PATH": str(path),
            "WP_BASE_URL": wordpress.url,
            "SECRET_KEY": OFFLINE_SECRET_KEY,
        }
    )
    # Lambda's log goes to CloudWatch; here to a file, so that writing it costs what a pipe would.
    log = open(Path(tmp.name) / "function.log", "w")
    sys.stderr, stderr = log, sys.stderr
    asyncio.set_event_loop(asyncio.new_event_loop())
    from registry_api.lambda_handler import handler

    sys.stderr = stderr
    log_handler = logging.getLogger().handlers[0]
    assert isinstance(log_handler, logging.StreamHandler)
    log_handler.setStream(log)
    all_routes = warm_routes(ids)
    print(f"Load average {os.getloadavg()[0]:.1f}; {calls} profiled requests per route after 150 unprofiled ones "
          f"(the administrator calling, Lambda settings).\n")  # fmt: skip
    for key in routes:
        expected, event = all_routes[key]
        for i in range(50):
            assert handler(event(i), None)["statusCode"] == expected
        before = sum(wordpress_requests.values())
        with Counters() as counters:
            for i in range(50, 150):
                handler(event(i), None)
        per_request = {label: n / 100 for label, n in counters.counts.items()}
        per_request["WordPress requests"] = (sum(wordpress_requests.values()) - before) / 100
        events = [event(150 + i) for i in range(calls)]
        profile = cProfile.Profile(time.process_time)
        started_cpu, started = time.process_time(), time.perf_counter()
        profile.enable()
        for e in events:
            handler(e, None)
        profile.disable()
        cpu_ms, wall_ms = (
            (time.process_time() - started_cpu) * 1000 / calls,
            (time.perf_counter() - started) * 1000 / calls,
        )
        report(key, profile, calls, per_request, cpu_ms, wall_ms, top)
    log.close()
    tmp.cleanup()
    wordpress.stop()


# Steps of a request worth knowing whole (cumulative time): (file ending, function, label).
# Only steps within one thread: the profiler keeps one call stack, so the cumulative time
# of a frame that spans a thread hand-off (Mangum's call, Django's ASGI handle) means little.
STEPS = [
    ("ninja/operation.py", "run", "Ninja's operation (parameters, auth, view, response)"),
    ("ninja/operation.py", "_get_values", "Ninja: parsing and validating the request"),
    ("registry_api/auth.py", "__call__", "auth: ApiAuth (body checks, credentials)"),
    ("wpauth/backends.py", "verify", "auth: the cached credential lookup"),
    ("ninja/operation.py", "_result_to_response", "Ninja: response validation and rendering"),
    ("items/services.py", "item_view", "building ItemOut / ItemPublicOut from rows"),
    ("items/purchases.py", "_buy", "purchase: the transaction (lock, update, ledger line, row)"),
    ("django/db/models/sql/compiler.py", "as_sql", "ORM: compiling SQL"),
    ("django/db/models/sql/compiler.py", "execute_sql", "ORM: executing (compiling included)"),
    ("django/db/models/base.py", "refresh_from_db", "ORM: refresh_from_db"),
    ("registries/wordpress.py", "fetch_registry", "WordPress: fetching the registry"),
    ("logging/__init__.py", "handle", "logging: records handled"),
]


def report(
    key: str, profile: cProfile.Profile, calls: int, per_request: dict, cpu_ms: float, wall_ms: float, top: int
) -> None:
    # (file, line, name) -> (primitive calls, calls, self, cumulative, callers): the
    # raw table pstats keeps (no public accessor; typeshed leaves it out).
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    layers = layer_shares(stats)
    total = sum(layers.values())
    print(f"### `{key}`: {cpu_ms:.2f} ms CPU per request under the profiler ({wall_ms:.2f} ms wall), profiled self time "
          f"{total * 1000 / calls:.2f} ms\n")  # fmt: skip
    print("Per request: " + "; ".join(f"{label} {n:g}" for label, n in sorted(per_request.items())) + "\n")
    print("| layer | ms per request | share |\n|---|--:|--:|")
    for layer, spent in sorted(layers.items(), key=lambda kv: -kv[1]):
        print(f"| {layer} | {spent * 1000 / calls:.3f} | {spent / total:.0%} |")
    print("\n| step (cumulative) | calls | ms per request | share |\n|---|--:|--:|--:|")
    for ending, function, label in STEPS:
        found = [
            (timing[1], timing[3])
            for (file, _, name), timing in stats.items()
            if file.endswith(ending) and name == function
        ]
        if found:
            ncalls, cumulative = sum(n for n, _ in found), max(c for _, c in found)
            print(f"| {label} | {ncalls / calls:g} | {cumulative * 1000 / calls:.3f} | {cumulative / total:.0%} |")
    print(
        f"\n| function (top {top} by cumulative time, per request) | calls | self ms | cumulative ms |\n|---|--:|--:|--:|"
    )
    ranked = sorted(stats.items(), key=lambda kv: -kv[1][3])
    for (file, line, name), (_, ncalls, self_time, cumulative, _) in ranked[:top]:
        where = short(file)
        print(
            f"| `{where}:{line} {name}` | {ncalls / calls:g} | {self_time * 1000 / calls:.3f} | {cumulative * 1000 / calls:.3f} |"
        )
    print(f"\n| function (top {top} by self time, per request) | calls | self ms | cumulative ms |\n|---|--:|--:|--:|")
    for (file, line, name), (_, ncalls, self_time, cumulative, _) in sorted(stats.items(), key=lambda kv: -kv[1][2])[
        :top
    ]:
        print(
            f"| `{short(file)}:{line} {name}` | {ncalls / calls:g} | {self_time * 1000 / calls:.3f} | {cumulative * 1000 / calls:.3f} |"
        )
    print()


def short(file: str) -> str:
    for marker in ("site-packages/", "python3.13/", str(ROOT) + "/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    imp = sub.add_parser("imports")
    imp.add_argument("--runs", type=int, default=5)
    imp.add_argument("--save", type=Path, help="write the last run's -X importtime output here")
    req = sub.add_parser("requests")
    req.add_argument("--calls", type=int, default=1000)
    req.add_argument("--routes", nargs="+", default=["health", "item", "put", "post", "list", "registry_items"])
    req.add_argument("--top", type=int, default=25)
    ins = sub.add_parser("instructions")
    ins.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.what == "imports":
        imports(args.runs, args.save)
    elif args.what == "instructions":
        instructions(args.runs)
    else:
        requests(args.calls, args.routes, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
