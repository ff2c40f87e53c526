#!/usr/bin/env python3
"""Smoke-test the zip that `serverless package` built, the way Lambda runs it.

- Reads .serverless/cloudformation-template-update-stack.json for the
  function's Runtime, Handler, MemorySize, environment and LoggingConfig.
- Checks the zip's contents: every file of the service's packages (the
  layers of pyproject.toml's import-linter contract) is there; no test tool
  (pytest, respx, hatch, ...) is; every module has an unchecked-hash .pyc
  (scripts/compile_artifact.py) for the runtime's Python whose source hash
  matches, so a cold start neither compiles nor hashes any source.
- Unpacks it into a temp dir (like /var/task) and runs it in isolation
  (`python3.13 -I -S`, sys.path = the unpacked zip + the runtime client +
  the standard library) under the real Lambda runtime client, awslambdaric,
  against a fake Runtime API (scripts/fake_runtime_api.py), with the
  template's environment except the database (a fresh SQLite file in a temp
  dir, migrated by the cold start as an empty EFS volume would be; or with
  --postgresql, a new empty database on that server, dropped afterwards),
  WP_BASE_URL (the loopback WordPress stand-in of tests/support/wordpress.py) and
  SECRET_KEY (the template's placeholder is refused at start-up).
- Sends API Gateway v2 and v1 events: /health, /health/ready; POST /items then GET
  /items/{id} as a WordPress user (both ways round: v2 then v1, v1 then v2);
  a 401 without credentials; operator invocations (showmigrations, a refused one).
- Checks that the application's log lines come out in Lambda's JSON log format
  with the invocation's requestId.
- Fails if the function imported anything from outside the unpacked zip (other
  than the standard library and the runtime client itself).

Usage: python scripts/smoke_artifact.py [--python /path/to/python3.13] [--function ApiLambdaFunction]
                                        [--sls-dir .serverless] [--postgresql postgres://...]
Exit 0 on success, 1 on failure.  Prints timings and the artifact's size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLS_DIR = ROOT / ".serverless"
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

import fake_runtime_api as fra  # noqa: E402

from tests.support.accounts import basic  # noqa: E402
from tests.support.postgresql import scratch_postgresql_database  # noqa: E402
from tests.support.secrets import OFFLINE_SECRET_KEY  # noqa: E402
from tests.support.wordpress import serve_stand_in  # noqa: E402

# Must never be in the artifact: the tests' and the build's tools.
FORBIDDEN = {
    "pytest",
    "_pytest",
    "pytest_mock",
    "respx",
    "hatch",
    "hatchling",
    "pluggy",
    "iniconfig",
    "pytest_django",
    "uv",
}


def find_python(runtime: str, explicit: str | None) -> str | None:
    """An interpreter of the runtime's version ("python3.13" -> 3.13.x), not a virtualenv's."""
    version = runtime.removeprefix("python")
    candidates = [explicit, os.environ.get("PYTHON_FOR_RUNTIME")]
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == version:
        candidates.append(getattr(sys, "_base_executable", sys.executable))
    candidates.append(shutil.which(f"python{version}"))
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += [str(p / "bin" / f"python{version}") for p in sorted(pyenv.glob(f"{version}.*"), reverse=True)]
    for cand in filter(None, candidates):
        probe = subprocess.run(
            [cand, "-I", "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return cand
        if cand == explicit:
            raise SystemExit(f"--python {explicit} is not a working Python {version}")
    return None


def service_packages() -> list[str]:
    """The service's packages: the layers of pyproject.toml's import-linter
    contract, the one list of them (plain packages too, not only Django apps)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (layers,) = (c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    return list(layers)


def service_files(package: str) -> list[str]:
    """The files of `package` that serverless.yml's patterns put in the zip."""
    return sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / package).rglob("*")
        if path.is_file() and not {"__pycache__", "tests"} & set(path.parts) and path.suffix != ".pyc"
    )


def check_contents(zf: zipfile.ZipFile, packages: list[str]) -> tuple[list[str], dict]:
    problems = []
    names = zf.namelist()
    top = {n.split("/")[0].removesuffix(".py") for n in names}
    for pkg in packages:
        missing = [name for name in service_files(pkg) if name not in names]
        if f"{pkg}/__init__.py" not in names:
            problems.append(f"the service's package {pkg}/ is missing from the zip")
        elif missing:
            problems.append(
                f"{len(missing)} file(s) of the service's package {pkg}/ missing from the zip: {missing[:5]}"
            )
    for bad in sorted(FORBIDDEN & top):
        problems.append(f"{bad} is in the zip (a test/build tool)")
    for name in names:
        parts = name.split("/")
        if "tests" in parts[:-1] and parts[0] in packages:
            problems.append(f"test file in the zip: {name}")
    pyc = [n for n in names if n.endswith(".pyc")]
    stats = {
        "entries": len(names),
        "unpacked_bytes": sum(i.file_size for i in zf.infolist()),
        "pyc": len(pyc),
        "translations": sum("LC_MESSAGES" in n for n in names),
        "ninja_static": sum(n.startswith("ninja/static/") for n in names),
    }
    if stats["translations"]:
        problems.append(f"{stats['translations']} translation files (LC_MESSAGES) in the zip")
    if stats["ninja_static"]:
        problems.append("ninja/static is in the zip")
    if not any(n.startswith("django/conf/locale/") and n.endswith("formats.py") for n in names):
        problems.append("django/conf/locale/**/formats.py is missing: that is code, only LC_MESSAGES may go")
    return problems, stats


PYC_CHECK = r"""
import importlib.util, json, os, struct, sys
root = sys.argv[1]
bad, ok, orphan = [], 0, 0
for dirpath, _, files in os.walk(root):
    for f in files:
        if f.endswith(".py") and not os.path.exists(importlib.util.cache_from_source(os.path.join(dirpath, f))):
            bad.append(os.path.join(dirpath, f) + ": no .pyc (compiled at every cold start)")
        if not f.endswith(".pyc"):
            continue
        pyc = os.path.join(dirpath, f)
        src = os.path.join(os.path.dirname(dirpath), f.split(".")[0] + ".py")
        data = open(pyc, "rb").read(16)
        flags = struct.unpack("<I", data[4:8])[0]
        if data[:4] != importlib.util.MAGIC_NUMBER or not f.endswith(sys.implementation.cache_tag + ".pyc"):
            bad.append(pyc + ": not for this Python")
        elif not os.path.exists(src):
            orphan += 1
        elif flags != 1:
            bad.append(pyc + f": flags={flags} (not unchecked-hash: scripts/compile_artifact.py did not run)")
        elif data[8:16] != importlib.util.source_hash(open(src, "rb").read()):
            bad.append(pyc + ": source hash mismatch")
        else:
            ok += 1
print(json.dumps({"valid": ok, "orphan": orphan, "bad": bad[:10], "bad_count": len(bad)}))
"""


def json_log_lines(path: str) -> list[dict]:
    """The JSON objects among the function's output lines (Lambda's JSON log format)."""
    lines = []
    for text in Path(path).read_text(errors="replace").splitlines():
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if isinstance(line, dict):
            lines.append(line)
    return lines


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--function", default="ApiLambdaFunction")
    ap.add_argument("--python", help="CPython of the runtime's version (default: found automatically)")
    ap.add_argument(
        "--packages",
        default="",
        help="comma-separated service packages that must be in the zip, each file of them "
        "(default: the layers of pyproject.toml's import-linter contract)",
    )
    ap.add_argument(
        "--sls-dir",
        type=Path,
        default=SLS_DIR,
        help="where `serverless package` wrote the template and the zip (default: .serverless)",
    )
    ap.add_argument(
        "--postgresql",
        metavar="URL",
        help="run on a new database of this PostgreSQL server "
        "(e.g. `scripts/postgres.sh url`) instead of a SQLite file: for a --param=database=postgresql zip",
    )
    args = ap.parse_args()
    t_start = time.perf_counter()

    tpl = json.loads((args.sls_dir / "cloudformation-template-update-stack.json").read_text())
    props = tpl["Resources"][args.function]["Properties"]
    runtime, handler_spec = props["Runtime"], props["Handler"]
    function_env = dict(props.get("Environment", {}).get("Variables", {}))
    artifact = args.sls_dir / Path(props["Code"]["S3Key"]).name
    packages = [p for p in args.packages.split(",") if p] or service_packages()

    py = find_python(runtime, args.python)
    if not py:
        print(f"FAIL: no interpreter for {runtime} (set PYTHON_FOR_RUNTIME or pass --python)", file=sys.stderr)
        return 1
    runtime_dir = str(fra.runtime_client_dir())

    from tests.support.events import http_v2_event, rest_v1_event

    failures: list[str] = []
    report: dict = {
        "artifact": str(artifact),
        "artifact_bytes": artifact.stat().st_size,
        "runtime": runtime,
        "handler": handler_spec,
        "python": py,
        "database": "postgresql" if args.postgresql else "sqlite",
    }
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="smoke-artifact-"))
        task_root = os.path.join(tmp, "task")
        with zipfile.ZipFile(artifact) as zf:
            problems, stats = check_contents(zf, packages)
            failures += problems
            report.update(stats)
            zf.extractall(task_root)
        pyc = json.loads(
            subprocess.run(
                [py, "-I", "-S", "-c", PYC_CHECK, task_root], capture_output=True, text=True, check=True
            ).stdout
        )
        report["pyc_valid"] = pyc["valid"]
        if pyc["bad_count"]:
            failures.append(f"{pyc['bad_count']} unusable .pyc, e.g. {pyc['bad'][:3]}")

        data_dir = os.path.join(tmp, "efs")
        os.mkdir(data_dir)
        wordpress = serve_stand_in()
        api = fra.FakeRuntimeAPI()
        if args.postgresql:
            function_env["DATABASE_URL"] = stack.enter_context(scratch_postgresql_database(args.postgresql))
        else:
            function_env["DATABASE_PATH"] = os.path.join(data_dir, "data.db")
        function_env["WP_BASE_URL"] = wordpress.url
        function_env["SECRET_KEY"] = OFFLINE_SECRET_KEY
        env = fra.lambda_environment(
            api, task_root, runtime_dir, function_env, int(props.get("MemorySize", 1024)), props.get("LoggingConfig")
        )
        import_log = os.path.join(tmp, "imports.log")
        log_path = os.path.join(tmp, "function.log")
        t0 = time.perf_counter()
        with open(log_path, "wb") as log:
            proc = fra.start_function(
                py, task_root, runtime_dir, handler_spec, import_log, env, stdout=log, stderr=subprocess.STDOUT
            )
        results = []

        def call(label, event, expect_status=None):
            t = time.perf_counter()
            res = api.invoke(event)
            ms = (time.perf_counter() - t) * 1000
            payload = res["payload"] if isinstance(res.get("payload"), dict) else {}
            status = payload.get("statusCode")
            body = payload.get("body") or ""
            ok = res["status"] == "response" and (expect_status is None or status == expect_status)
            results.append({"call": label, "status": status, "ms": round(ms, 1), "ok": ok})
            if not ok:
                failures.append(
                    f"{label}: expected {expect_status}, got {res['status']} {status} {str(body or res['payload'])[:300]}"
                )
            return res, payload, body

        try:
            res, _, body = call("v2 GET /health", http_v2_event("GET", "/health"), 200)
            report["cold_start_to_first_health_s"] = round(time.perf_counter() - t0, 3)
            if res["status"] == "init_error":
                failures.append(f"INIT failed: {res['payload']}")
                raise StopIteration
            call("v1 GET /health", rest_v1_event("GET", "/health"), 200)
            call("v2 GET /health/ready", http_v2_event("GET", "/health/ready"), 200)
            call("v2 GET /items without credentials", http_v2_event("GET", "/items"), 401)
            item = {"registry_id": 7, "name": "Smoke-test kettle", "url": "https://example.com/kettle", "price": 24.5}
            auth = {"Authorization": basic("alice")}
            for post_event, get_event, tag in (
                (http_v2_event, rest_v1_event, "v2->v1"),
                (rest_v1_event, http_v2_event, "v1->v2"),
            ):
                _, payload, body = call(
                    f"{tag} POST /items", post_event("POST", "/items", body=item, headers=auth), 201
                )
                try:
                    created = json.loads(body)["data"]
                except (ValueError, KeyError, TypeError):
                    failures.append(f"{tag} POST /items: unreadable body {body[:200]}")
                    continue
                _, _, body = call(
                    f"{tag} GET /items/{created['id']}", get_event("GET", f"/items/{created['id']}", headers=auth), 200
                )
                got = json.loads(body).get("data", {}) if body else {}
                if {k: got.get(k) for k in item} != item or got.get("id") != created["id"]:
                    failures.append(f"{tag} round trip: sent {item}, read back {got}")
            res, _, _ = call("operator showmigrations items", {"manage": ["showmigrations", "items"]})
            payload = res.get("payload") or {}
            if payload.get("exit_status") != 0 or "[X] 0001_initial" not in payload.get("output", ""):
                failures.append(f"operator showmigrations: {payload}")
            # The application's own log line, in the runtime's JSON format with the invocation's id.
            logged = [
                line for line in json_log_lines(log_path) if line.get("logger") == "registry_api.operator_commands"
            ]
            expected = {
                "level": "INFO",
                "message": "operator command: showmigrations items",
                "requestId": res.get("request_id"),
            }
            if not any(expected.items() <= line.items() for line in logged):
                failures.append(f"no JSON log line {expected} from registry_api.operator_commands; its lines: {logged}")
            res, _, _ = call("operator flush (refused)", {"manage": "flush"})
            if not str((res.get("payload") or {}).get("error", "")).startswith("refused"):
                failures.append(f"operator flush was not refused: {res.get('payload')}")
        except StopIteration:
            pass
        except Exception as exc:  # noqa: BLE001
            failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            fra.stop_function(proc)
            api.close()
            wordpress.stop()
        report["wordpress_calls"] = wordpress.site.users_me_calls
        if wordpress.site.users_me_calls < 1:
            failures.append("the function never asked the WordPress stand-in")
        stray = fra.stray_imports(import_log, task_root, runtime_dir)
        imported = sum(1 for line in Path(import_log).read_text().splitlines() if not line.startswith("#"))
        report["modules_found_on_path"] = imported
        if stray:
            failures.append(f"{len(stray)} module(s) imported from outside the unpacked zip: {stray[:8]}")
        if failures:
            print(Path(log_path).read_text()[-6000:], file=sys.stderr)

    report["calls"] = results
    report["smoke_test_s"] = round(time.perf_counter() - t_start, 2)
    print(json.dumps(report, indent=1))
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print(
        f"artifact smoke test passed on {report['database']}: {report['artifact_bytes']:,} bytes, {report['entries']} entries, "
        f"cold start to first /health {report['cold_start_to_first_health_s']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
