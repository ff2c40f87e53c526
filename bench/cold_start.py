#!/usr/bin/env python3
"""Cold start and warm latency of the packaged Lambda artifact, measured the way Lambda runs it.

The zip from `serverless package` (scripts/check-deploy.sh builds it) is
unpacked into a temp dir and run in isolation (`python3.13 -I -S`) under the
real Lambda runtime client, awslambdaric, against a fake Runtime API
(scripts/fake_runtime_api.py), with the template's environment except
DATABASE_PATH (a temp SQLite file) and WP_BASE_URL (a loopback WordPress
stand-in answering users/me).

Measured:
  empty-volume cold start  process start -> first /health on a fresh database
                           (includes applying every migration), once
  cold start (migrated DB) process start -> first v2 GET /health answer, and
                           -> first authenticated GET /items/{id} (one users/me
                           call to the stand-in), --runs times; also the CPU
                           time the function process had used at the first
                           answer (less sensitive to other load on the machine)
  INIT phases              in-process: django.setup(), URLconf import, the
                           migration check on a migrated DB (Django's
                           MigrationExecutor graph, registry_api/startup.py),
                           registry_api.asgi (Django's ASGI handler, Mangum)
                           and the Lambda entry, --runs times
  warm latency             p50/p95 of the item routes through the runtime
                           client, --warm requests per route, in one process

Usage:
  bash scripts/check-deploy.sh          # or: SOURCE_DATE_EPOCH=315532800 npx serverless package
  .venv/bin/python bench/cold_start.py [--runs 15] [--warm 300] [--zip .serverless/restart-registry-api.zip] [--json out.json]

Prints a Markdown summary (bench/README.md keeps the results).  No assertion:
this measures, the tests do not time anything.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

import fake_runtime_api as fra  # noqa: E402
from smoke_artifact import find_python  # noqa: E402

from tests.support.accounts import basic  # noqa: E402
from tests.support.events import http_v2_event  # noqa: E402
from tests.support.secrets import OFFLINE_SECRET_KEY  # noqa: E402
from tests.support.wordpress import serve_stand_in  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")

PHASES = r"""
import json, os, sys, time
sys.path[:0] = [sys.argv[1]]
os.environ["MIGRATE_ON_START"] = "false"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry_api.settings")
w, c = time.perf_counter, time.process_time
out, t = {}, (w(), c())
def mark(name):
    global t
    now = (w(), c()); out[name] = [now[0] - t[0], now[1] - t[1]]; t = now
import django
django.setup(set_prefix=False); mark("django.setup()")
from django.urls import get_resolver
get_resolver().url_patterns; mark("URLconf import (ninja, pydantic, apps)")
from django.db import connection
connection.ensure_connection(); mark("database connect")
from registry_api import startup
mark("import registry_api.startup")
migrated = startup.is_migrated(); mark("migration check: MigrationExecutor graph")
import registry_api.asgi; mark("registry_api.asgi: Django's ASGI handler (its middleware), Mangum")
import registry_api.lambda_handler; mark("Lambda entry (its request thread's context)")
assert migrated
print(json.dumps(out))
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if len(values) == 1:
        return values[0]
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "loadavg": os.getloadavg()}


class Function:
    """One function process (one Lambda execution environment)."""

    def __init__(self, py, task_root, runtime_dir, handler, env_vars, memory, tmp):
        self.api = fra.FakeRuntimeAPI()
        env = fra.lambda_environment(self.api, task_root, runtime_dir, env_vars, memory)
        self.log = open(os.path.join(tmp, "function.log"), "ab")
        self.t0 = time.perf_counter()
        self.proc = fra.start_function(
            py, task_root, runtime_dir, handler, os.devnull, env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def invoke(self, event) -> dict:
        res = self.api.invoke(event)
        if res["status"] != "response":
            raise RuntimeError(f"invocation failed: {res}")
        return res["payload"]

    def stop(self) -> None:
        fra.stop_function(self.proc)
        self.api.close()
        self.log.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zip", default=str(ROOT / ".serverless" / "restart-registry-api.zip"))
    ap.add_argument("--template", default=str(ROOT / ".serverless" / "cloudformation-template-update-stack.json"))
    ap.add_argument("--runs", type=int, default=15, help="cold starts on the migrated database")
    ap.add_argument("--warm", type=int, default=300, help="warm requests per route")
    ap.add_argument("--python", help="CPython 3.13 (default: found like the smoke test)")
    ap.add_argument("--json", help="also write the raw results here")
    args = ap.parse_args()

    props = json.loads(Path(args.template).read_text())["Resources"]["ApiLambdaFunction"]["Properties"]
    py = find_python(props["Runtime"], args.python)
    if py is None:
        sys.exit(f"no interpreter for {props['Runtime']}")
    memory = int(props.get("MemorySize", 1024))
    runtime_dir = str(fra.runtime_client_dir())
    result: dict[str, Any] = {
        "machine_before": machine(),
        "python": subprocess.run([py, "-VV"], capture_output=True, text=True).stdout.strip(),
        "artifact": {"path": os.path.relpath(args.zip, ROOT), "bytes": os.path.getsize(args.zip)},
    }
    auth = {"Authorization": basic("alice")}
    item = {"registry_id": 3, "name": "Bench kettle", "url": "https://example.com/kettle", "price": 19.5}

    with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp:
        task_root = os.path.join(tmp, "task")
        with zipfile.ZipFile(args.zip) as zf:
            zf.extractall(task_root)
            result["artifact"].update(entries=len(zf.infolist()), pyc=sum(n.endswith(".pyc") for n in zf.namelist()))
        wordpress = serve_stand_in()
        env_vars = dict(props.get("Environment", {}).get("Variables", {}))
        env_vars.update(
            DATABASE_PATH=os.path.join(tmp, "data.db"), WP_BASE_URL=wordpress.url, SECRET_KEY=OFFLINE_SECRET_KEY
        )

        # 1. The very first cold start on an empty volume: it applies every migration.
        fn = Function(py, task_root, runtime_dir, props["Handler"], env_vars, memory, tmp)
        fn.invoke(http_v2_event("GET", "/health"))
        result["empty_volume_first_health_s"] = time.perf_counter() - fn.t0
        created = json.loads(fn.invoke(http_v2_event("POST", "/items", body=item, headers=auth))["body"])["data"]
        fn.stop()
        item_path = f"/items/{created['id']}"

        # 2. Cold starts on the migrated database.
        cold = []
        for _ in range(args.runs):
            calls = wordpress.site.users_me_calls
            fn = Function(py, task_root, runtime_dir, props["Handler"], env_vars, memory, tmp)
            health = fn.invoke(http_v2_event("GET", "/health"))
            t_health = time.perf_counter() - fn.t0
            cpu_health = cpu_seconds(fn.proc.pid)
            got = fn.invoke(http_v2_event("GET", item_path, headers=auth))
            t_item = time.perf_counter() - fn.t0
            fn.stop()
            assert health["statusCode"] == 200 and got["statusCode"] == 200, (health, got)
            cold.append(
                {
                    "health_s": t_health,
                    "health_cpu_s": cpu_health,
                    "item_s": t_item,
                    "wordpress_calls": wordpress.site.users_me_calls - calls,
                }
            )
        result["cold"] = cold

        # 3. INIT phases, in-process.
        phases = []
        for _ in range(args.runs):
            out = subprocess.run(
                [py, "-I", "-S", "-c", PHASES, task_root],
                capture_output=True,
                text=True,
                env={**os.environ, **env_vars, "PYDANTIC_DISABLE_PLUGINS": "__all__"},
            )
            if out.returncode:
                sys.exit(out.stderr)
            phases.append(json.loads(out.stdout.strip().splitlines()[-1]))
        result["phases"] = phases

        # 4. Warm latency of the item routes (one process, after its first requests).
        fn = Function(py, task_root, runtime_dir, props["Handler"], env_vars, memory, tmp)
        fn.invoke(http_v2_event("GET", "/health"))
        fn.invoke(http_v2_event("GET", item_path, headers=auth))
        routes = {
            "GET /items/{id}": lambda i: http_v2_event("GET", item_path, headers=auth),
            "GET /items?limit=20": lambda i: http_v2_event("GET", "/items", query="limit=20", headers=auth),
            "POST /items": lambda i: http_v2_event("POST", "/items", body={**item, "name": f"Bench {i}"}, headers=auth),
            "PUT /items/{id}": lambda i: http_v2_event(
                "PUT", item_path, body={"quantity_purchased": i % 3}, headers=auth
            ),
            "GET /health": lambda i: http_v2_event("GET", "/health"),
        }
        warm = {}
        for name, build in routes.items():
            samples = []
            for i in range(args.warm):
                event = build(i)
                t = time.perf_counter()
                answer = fn.invoke(event)
                samples.append((time.perf_counter() - t) * 1000)
                assert answer["statusCode"] in (200, 201), (name, answer)
            warm[name] = samples
        fn.stop()
        wordpress.stop()
        result["warm_ms"] = warm
    result["machine_after"] = machine()

    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    print(report(result, args))
    return 0


def report(r: dict, args) -> str:
    def row(label, values, unit="s", scale=1.0):
        v = [x * scale for x in values]
        fmt = "{:.3f}" if unit == "s" else "{:.2f}"
        return (
            f"| {label} | "
            + " | ".join(fmt.format(x) for x in (min(v), statistics.median(v), pct(v, 0.95)))
            + f" | {unit} |"
        )

    m0, m1 = r["machine_before"], r["machine_after"]
    lines = [
        f"Machine: {m0['nproc']} CPUs, {m0['cpu']}, Linux {m0['kernel']}; {r['python']}; "
        f"load average {m0['loadavg'][0]:.2f} before, {m1['loadavg'][0]:.2f} after",
        f"Artifact: {r['artifact']['path']}, {r['artifact']['bytes']:,} bytes, {r['artifact']['entries']} entries, "
        f"{r['artifact']['pyc']} .pyc",
        "",
        f"Empty EFS volume, first cold start to first /health (applies all migrations): "
        f"{r['empty_volume_first_health_s']:.3f} s",
        "",
        f"Cold starts on a migrated database ({len(r['cold'])} processes):",
        "",
        "| measure | min | median | p95 | unit |",
        "|---|---|---|---|---|",
        row("process start -> first `/health` answer", [c["health_s"] for c in r["cold"]]),
        row("  CPU time of the function process at that point", [c["health_cpu_s"] for c in r["cold"]]),
        row("process start -> first authenticated `GET /items/{id}`", [c["item_s"] for c in r["cold"]]),
        f"| WordPress calls for that first authenticated request | {min(c['wordpress_calls'] for c in r['cold'])} | "
        f"{statistics.median(c['wordpress_calls'] for c in r['cold']):g} | {max(c['wordpress_calls'] for c in r['cold'])} | calls |",
        "",
        f"INIT phases, in-process ({len(r['phases'])} processes; wall ms / CPU ms, median):",
        "",
        "| phase | wall (min) | wall (median) | CPU (median) |",
        "|---|---|---|---|",
    ]
    for name in r["phases"][0]:
        wall = [p[name][0] * 1000 for p in r["phases"]]
        cpu = [p[name][1] * 1000 for p in r["phases"]]
        lines.append(f"| {name} | {min(wall):.1f} | {statistics.median(wall):.1f} | {statistics.median(cpu):.1f} |")
    lines += [
        "",
        f"Warm latency through the runtime client ({args.warm} requests per route, one process):",
        "",
        "| route | p50 | p95 | unit |",
        "|---|---|---|---|",
    ]
    for name, samples in r["warm_ms"].items():
        lines.append(f"| `{name}` | {pct(samples, 0.5):.2f} | {pct(samples, 0.95):.2f} | ms |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
