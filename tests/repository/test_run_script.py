"""scripts/run.sh as a developer uses it, on free ports: start, start again while it
runs (reuse), stop (nothing left running), start again; and a port someone else holds."""

import os
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.sqlite_only(reason="run.sh serves a SQLite file (data.db): one run of these is enough")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def accepts_connections(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting for its new parent to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def group_members(pgid: int) -> list[int]:
    members = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getpgid(int(entry)) == pgid and alive(int(entry)):
                members.append(int(entry))
        except ProcessLookupError:
            pass
    return members


class Stack:
    def __init__(self, tmp_path: Path):
        self.api_port, self.wp_port = free_port(), free_port()
        # WordPress's state: the mysql user that runs MariaDB must be able to reach it, which
        # pytest's tmp_path is not.
        self.wp_state = Path(tempfile.mkdtemp(prefix="run-sh-test-wp-", dir="/tmp"))
        self.wp_state.chmod(0o755)
        self.api_state = Path(f"/tmp/restart-registry-api-{self.api_port}")  # run.sh's, for this port
        self.env = {
            **os.environ,
            "PORT": str(self.api_port),
            "WP_PORT": str(self.wp_port),
            "WP_STATE_DIR": str(self.wp_state),
            "DATABASE_PATH": str(tmp_path / "run.db"),
        }
        self.env.pop("TMPDIR", None)
        self.env.pop("DATABASE_URL", None)  # the PostgreSQL run of the suite sets it

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "scripts/run.sh", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600
        )

    def pids(self) -> dict[str, int]:
        """The API's and WordPress's daemons, as their pid files name them."""
        files = {
            "api": self.api_state / "server.pid",
            "php": self.wp_state / "php-server.pid",
            "mariadbd": self.wp_state / "mysql" / "mariadbd.pid",
        }
        return {name: int(path.read_text()) for name, path in files.items()}


@pytest.fixture
def stack(tmp_path):
    stack = Stack(tmp_path)
    yield stack
    stack.run("stop")
    shutil.rmtree(stack.wp_state, ignore_errors=True)
    shutil.rmtree(stack.api_state, ignore_errors=True)


def started(result: subprocess.CompletedProcess, stack: Stack) -> tuple[str, str]:
    """Checks a successful start; the login and application password the banner shows."""
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Restart Registry API on http://127.0.0.1:{stack.api_port}" in result.stdout
    assert f"Stop both: PORT={stack.api_port} WP_PORT={stack.wp_port} bash scripts/run.sh stop" in result.stdout
    banner = re.search(r"curl -u '([^:']+):([^']+)' http://127\.0\.0\.1:\d+/items", result.stdout)
    assert banner is not None, result.stdout
    return banner[1], banner[2]


def test_start_reuse_stop_and_start_again(stack):
    first = stack.run()
    login, app_password = started(first, stack)
    api = f"http://127.0.0.1:{stack.api_port}"
    # Signed in through the local WordPress: the whole stack answers.
    assert httpx.get(f"{api}/items", auth=(login, app_password), timeout=10).status_code == 200
    pids = stack.pids()

    second = stack.run()  # while it runs
    assert started(second, stack) == (login, app_password)
    assert f"the API is already running (pid {pids['api']}): reusing it" in second.stderr
    assert "already running at" in second.stderr  # WordPress, from scripts/wordpress.sh
    assert stack.pids() == pids
    assert httpx.get(f"{api}/health", timeout=10).status_code == 200

    stopped = stack.run("stop")
    assert stopped.returncode == 0, stopped.stderr[-3000:]
    assert [name for name, pid in pids.items() if alive(pid)] == []
    assert not accepts_connections(stack.api_port) and not accepts_connections(stack.wp_port)
    # The API's runserver forks the server: no process of its process group is left either.
    assert group_members(pids["api"]) == []

    again = stack.run()
    assert started(again, stack) == (login, app_password)  # the same WordPress data, restarted
    assert httpx.get(f"{api}/items", auth=(login, app_password), timeout=10).status_code == 200


def test_a_port_held_by_another_program_is_refused_before_anything_starts(stack):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", stack.api_port))
        holder.listen()
        result = stack.run()
    assert result.returncode == 1
    assert f"port {stack.api_port} is in use by a process this script did not start" in result.stderr
    assert not accepts_connections(stack.wp_port)  # WordPress was not started
