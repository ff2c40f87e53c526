"""End to end through an emulated API Gateway: serverless-offline (serverless.yml) on loopback.

`node node_modules/serverless/bin/serverless.js offline start` runs on free
ports with the function's environment from serverless.yml, except
DATABASE_PATH (a temp SQLite file, migrated by the cold start as an empty EFS
volume would be) and WP_BASE_URL (a loopback WordPress stand-in answering
users/me), both passed as --param.  serverless-offline spawns `python3` from
$VIRTUAL_ENV/bin (this interpreter's venv) and keeps it warm between requests.

Needs node_modules: run `npm ci` first.  Without it these tests FAIL (CI runs
`npm ci` before pytest); they are not skipped.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.accounts import basic
from tests.support.items import SAMPLE_ITEM
from tests.support.secrets import OFFLINE_SECRET_KEY
from tests.support.wordpress import serve_stand_in

ROOT = Path(__file__).resolve().parents[2]
SLS = ROOT / "node_modules" / "serverless" / "bin" / "serverless.js"
REST_API_KEY = "offline-test-api-key-0123456789"


def _missing_tools() -> str:
    missing = [str(p.relative_to(ROOT)) for p in (SLS, ROOT / "node_modules" / "serverless-offline") if not p.exists()]
    if not shutil.which("node"):
        missing.append("node on PATH")
    return ", ".join(missing)


def _require_node_modules() -> None:
    """A test FAILS (it is not skipped) when serverless-offline is not installed."""
    missing = _missing_tools()
    if missing:
        pytest.fail(
            f"serverless-offline is not installed (missing: {missing}): "
            "run `npm ci` in the repository root first (needs Node.js 20 and npm)",
            pytrace=False,
        )


def ready(server: "Offline | None") -> "Offline":
    if server is None:
        _require_node_modules()
    assert server is not None  # the fixture yields None only while the tools are missing
    return server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            method,
            path,
            body=json.dumps(body) if body is not None else None,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


class Offline:
    def __init__(self, api: str, tmp: Path, wordpress_url: str) -> None:
        self.port, lambda_port = _free_port(), _free_port()
        # As on Lambda: the SQLite file of --param databasePath, whatever engine this test run uses.
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_") and k != "DATABASE_URL"}
        env.update(
            SLS_TELEMETRY_DISABLED="1",
            SLS_NOTIFICATIONS_MODE="off",
            VIRTUAL_ENV=sys.prefix,  # serverless-offline runs python3 from $VIRTUAL_ENV/bin
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        )
        self.log_path = tmp / f"serverless-offline-{api}.log"
        self.log = self.log_path.open("wb")
        params = {
            "api": api,
            "databasePath": str(tmp / f"{api}.db"),
            "wpBaseUrl": wordpress_url,
            "secretKey": OFFLINE_SECRET_KEY,  # the placeholder would not start (registry_api/checks.py)
            "restApiKey": REST_API_KEY,
        }
        cmd = ["node", str(SLS), "offline", "start", "--httpPort", str(self.port), "--lambdaPort", str(lambda_port)]
        cmd += [f"--param={k}={v}" for k, v in params.items()]
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                self.stop()
                pytest.fail(f"serverless offline exited with {self.proc.returncode}:\n{self.output()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"serverless offline did not listen within 90 s:\n{self.output()[-3000:]}")
                time.sleep(0.2)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        # SIGINT: serverless-offline stops its python worker and exits.
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


@pytest.fixture(scope="module")
def wordpress():
    server = serve_stand_in()
    yield server
    server.stop()


def _offline_server(kind, tmp_path_factory, wordpress):
    if _missing_tools():
        yield None  # each test fails with the reason (see ready())
        return
    server = Offline(kind, tmp_path_factory.mktemp(f"offline-{kind}"), wordpress.url)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def http_api(tmp_path_factory, wordpress):
    yield from _offline_server("http", tmp_path_factory, wordpress)


@pytest.fixture(scope="module")
def rest_api(tmp_path_factory, wordpress):
    yield from _offline_server("rest", tmp_path_factory, wordpress)


def test_http_api_health(http_api):
    http_api = ready(http_api)
    status, body = _request(http_api.port, "GET", "/health")
    assert status == 200, http_api.output()[-2000:]
    assert json.loads(body) == {"status": "healthy", "service": "aws-lambda-fastapi"}


def test_http_api_authenticated_item_round_trip(http_api, wordpress):
    http_api = ready(http_api)
    calls_before = wordpress.site.users_me_calls
    status, body = _request(http_api.port, "GET", "/items")
    assert status == 401 and json.loads(body) == {"detail": "Missing Authorization header"}

    auth = {"Authorization": basic("alice")}
    status, body = _request(http_api.port, "POST", "/items", SAMPLE_ITEM, auth)
    assert status == 201, body
    item = json.loads(body)["data"]
    status, body = _request(http_api.port, "GET", f"/items/{item['id']}", headers=auth)
    assert status == 200, body
    assert json.loads(body)["data"] == item
    assert wordpress.site.users_me_calls > calls_before  # users/me went to the stand-in over HTTP


def test_http_api_unknown_path_is_the_services_json_404(http_api):
    http_api = ready(http_api)
    status, body = _request(http_api.port, "GET", "/nope")
    assert status == 404 and json.loads(body) == {"detail": "Not Found"}


def test_rest_api_requires_the_api_key(rest_api):
    rest_api = ready(rest_api)
    # REST API: served under /<stage>/, and, as on AWS, event.path has no stage.
    status, _ = _request(rest_api.port, "GET", "/dev/health")
    assert status == 403, rest_api.output()[-2000:]
    status, body = _request(rest_api.port, "GET", "/dev/health", headers={"x-api-key": REST_API_KEY})
    assert status == 200 and json.loads(body)["status"] == "healthy"


def test_rest_api_authenticated_item_round_trip(rest_api):
    rest_api = ready(rest_api)
    headers = {"x-api-key": REST_API_KEY, "Authorization": basic("admin")}
    status, body = _request(rest_api.port, "POST", "/dev/items", SAMPLE_ITEM, headers)
    assert status == 201, body
    item_id = json.loads(body)["data"]["id"]
    status, body = _request(rest_api.port, "GET", f"/dev/items/{item_id}", headers=headers)
    assert status == 200 and json.loads(body)["data"]["id"] == item_id
