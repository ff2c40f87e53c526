#!/usr/bin/env python3
"""Run an unpacked Lambda artifact under the real Lambda Python runtime client
(awslambdaric, from PyPI) against a minimal in-process Lambda Runtime API.

It stands in for the Runtime Interface Emulator (aws-lambda-rie, a Go binary
that no package registry carries): awslambdaric long-polls
GET /2018-06-01/runtime/invocation/next, resolves the handler exactly as
Lambda does ("registry_api.lambda_handler.handler"), calls it, and POSTs the result.

The function process runs in isolation, as on Lambda: `python3.13 -I -S`, and
sys.path is only the task root (the unpacked zip, like /var/task), the runtime
client's directory (like /var/runtime) and the standard library.  Every module
it imports is logged with the file it came from, so callers can check that
nothing leaked in from a virtualenv or site-packages (see `stray_imports`).

Used by scripts/smoke_artifact.py and bench/cold_start.py.  As a command:

  python scripts/fake_runtime_api.py --task-root DIR [--python python3.13] \
      [--handler registry_api.lambda_handler.handler] [--env KEY=VALUE ...] EVENT.json [EVENT.json ...]

prints one JSON line per event: {"status": "response"|"error"|"init_error", "payload": ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PREFIX = "/2018-06-01/runtime"

# The runtime client, pinned with hashes (wheels for CPython 3.13, manylinux x86_64).
RUNTIME_CLIENT_PYTHON = "3.13"
RUNTIME_CLIENT = {
    "awslambdaric==4.2.2": "2215bca01bbdbdfa9579bb4204f55d3e91e6dee589b88f8f9d20a285a790c468",
    "simplejson==4.3.0": "2091df1a8ad3ab6920d5f47527548cfd7a636bc09d91b824db23c7e0c1ddbef2",
    "snapshot-restore-py==1.0.0": "38f99e696793790f54658e71c68c7a8a40cea877c81232b5052383b1301aceba",
}
# Top-level modules that the runtime directory may legitimately provide.
RUNTIME_CLIENT_MODULES = {"awslambdaric", "runtime_client", "simplejson", "snapshot_restore_py"}

# Runs in the function process (python -I -S -c BOOTSTRAP task_root runtime_dir import_log handler).
BOOTSTRAP = r"""
import importlib.machinery, sys
task_root, runtime_dir, import_log, handler = sys.argv[1:5]
sys.path[:0] = [task_root, runtime_dir]
_log = open(import_log, "w", buffering=1)
for _p in sys.path[2:]:
    _log.write("#stdlib\t" + _p + "\n")
_PathFinder = importlib.machinery.PathFinder

class _Recorder:
    # Delegates to the normal path finder and logs where each module was found.
    @staticmethod
    def find_spec(name, path=None, target=None):
        spec = _PathFinder.find_spec(name, path, target)
        if spec is not None and spec.origin:
            _log.write(name + "\t" + spec.origin + "\n")
        return spec

    @staticmethod
    def invalidate_caches():
        _PathFinder.invalidate_caches()

    # importlib.metadata asks the finders (psycopg reads its version that way).
    @staticmethod
    def find_distributions(*args, **kwargs):
        return _PathFinder.find_distributions(*args, **kwargs)

sys.meta_path[sys.meta_path.index(_PathFinder)] = _Recorder
sys.argv = ["awslambdaric", handler]
from awslambdaric.__main__ import main
main(sys.argv)
"""


def runtime_client_dir() -> Path:
    """The directory holding awslambdaric (Lambda's /var/runtime), installed on first use."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    tag = "-".join(spec.replace("==", "-") for spec in RUNTIME_CLIENT)
    target = cache / "restart-registry-api" / f"lambda-runtime-py{RUNTIME_CLIENT_PYTHON}-{tag}"
    if (target / ".complete").exists():
        return target
    reqs = target.with_name(target.name + ".txt")
    reqs.parent.mkdir(parents=True, exist_ok=True)
    reqs.write_text("".join(f"{spec} --hash=sha256:{digest}\n" for spec, digest in RUNTIME_CLIENT.items()))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary=:all:",
            "--platform=manylinux2014_x86_64",
            "--implementation=cp",
            f"--python-version={RUNTIME_CLIENT_PYTHON}",
            "--target",
            str(target),
            "-r",
            str(reqs),
        ],
        check=True,
    )
    (target / ".complete").write_text("")
    return target


class FakeRuntimeAPI:
    """The Lambda Runtime API on 127.0.0.1, one invocation at a time."""

    def __init__(self) -> None:
        self.pending: queue.Queue = queue.Queue()
        self.results: queue.Queue = queue.Queue()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

            def log_message(self, *args):  # quiet
                pass

            def _reply(self, code, body=b"", headers=None):
                self.send_response(code)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != f"{PREFIX}/invocation/next":
                    return self._reply(404)
                item = api.pending.get()  # the runtime long-polls here
                if item is None:  # closing
                    return self._reply(500)
                request_id, body = item
                self._reply(
                    200,
                    body,
                    {
                        "Content-Type": "application/json",
                        "Lambda-Runtime-Aws-Request-Id": request_id,
                        "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 30_000),
                        "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:eu-west-1:123456789012:function:restart-registry-api-dev-api",
                        "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
                    },
                )

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = self.path[len(PREFIX) :].strip("/").split("/")
                if parts[:1] == ["init"]:
                    api.results.put({"status": "init_error", "payload": json.loads(body or b"null")})
                elif len(parts) == 3 and parts[0] == "invocation":
                    api.results.put(
                        {"status": parts[2], "payload": json.loads(body or b"null"), "request_id": parts[1]}
                    )
                self._reply(202, b'{"status":"OK"}', {"Content-Type": "application/json"})

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # the runtime's pending long-poll is cut when it is stopped

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def invoke(self, event, timeout: float = 60) -> dict:
        """Hand `event` to the runtime; its {"status", "payload", "request_id"} (status "init_error",
        without request_id, if INIT failed)."""
        self.pending.put((str(uuid.uuid4()), json.dumps(event).encode()))
        return self.results.get(timeout=timeout)

    def close(self) -> None:
        self.pending.put(None)
        self.server.shutdown()
        self.server.server_close()


def lambda_environment(
    api: FakeRuntimeAPI,
    task_root: str,
    runtime_dir: str,
    function_env: dict[str, str],
    memory_mb: int = 1024,
    logging_config: dict | None = None,
) -> dict[str, str]:
    """The environment Lambda gives a python3.13 function, plus the function's own variables.
    `logging_config`: the function's LoggingConfig, which Lambda hands the runtime as
    AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL."""
    logging_env = {}
    if logging_config:
        logging_env["AWS_LAMBDA_LOG_FORMAT"] = logging_config.get("LogFormat", "Text")
        if "ApplicationLogLevel" in logging_config:
            logging_env["AWS_LAMBDA_LOG_LEVEL"] = logging_config["ApplicationLogLevel"]
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": runtime_dir,
        "AWS_LAMBDA_FUNCTION_NAME": "restart-registry-api-dev-api",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/restart-registry-api-dev-api",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]0123456789abcdef",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        **logging_env,
        **function_env,
    }


def start_function(
    python: str, task_root: str, runtime_dir: str, handler: str, import_log: str, env: dict[str, str], **popen_kwargs
) -> subprocess.Popen:
    """Start the function process (it blocks polling the Runtime API until stopped)."""
    return subprocess.Popen(
        [python, "-I", "-S", "-c", BOOTSTRAP, task_root, runtime_dir, import_log, handler],
        cwd=task_root,
        env=env,
        **popen_kwargs,
    )


def stop_function(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root + os.sep)


def stray_imports(import_log: str, task_root: str, runtime_dir: str) -> list[str]:
    """Modules the function imported from anywhere but the task root, the
    standard library, or (for the runtime client only) the runtime directory."""
    stdlib, stray = [], []
    task_root, runtime_dir = os.path.realpath(task_root), os.path.realpath(runtime_dir)
    for line in Path(import_log).read_text().splitlines():
        name, _, origin = line.partition("\t")
        if name == "#stdlib":
            stdlib.append(os.path.realpath(origin))
            continue
        if origin in ("built-in", "frozen") or not os.path.isabs(origin):
            continue
        origin = os.path.realpath(origin)
        if _inside(origin, task_root):
            continue
        if _inside(origin, runtime_dir) and name.split(".")[0] in RUNTIME_CLIENT_MODULES:
            continue
        if (
            any(_inside(origin, root) for root in stdlib)
            and "site-packages" not in origin
            and "dist-packages" not in origin
        ):
            continue
        stray.append(f"{name} from {origin}")
    return stray


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", default="python3.13", help="a CPython 3.13 interpreter (runs with -I -S)")
    ap.add_argument("--task-root", required=True, help="the unpacked artifact")
    ap.add_argument("--handler", default="registry_api.lambda_handler.handler")
    ap.add_argument("--env", action="append", default=[], help="KEY=VALUE for the function")
    ap.add_argument("events", nargs="+", help="JSON files, one event each")
    args = ap.parse_args()

    runtime_dir = str(runtime_client_dir())
    api = FakeRuntimeAPI()
    env = lambda_environment(api, args.task_root, runtime_dir, dict(kv.split("=", 1) for kv in args.env))
    import_log = os.path.join(args.task_root, ".imports.log") if os.access(args.task_root, os.W_OK) else "/dev/null"
    proc = start_function(args.python, args.task_root, runtime_dir, args.handler, import_log, env)
    rc = 0
    try:
        for path in args.events:
            res = api.invoke(json.loads(Path(path).read_text()))
            print(json.dumps(res))
            if res["status"] != "response":
                rc = 1
                if res["status"] == "init_error":
                    break
    finally:
        stop_function(proc)
        api.close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
