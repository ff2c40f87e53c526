"""scripts/run.sh as a developer uses it, on free ports: start, start again while it
runs (reuse), stop (nothing left running), start again; a port someone else holds; and
the commands it prints and the README's "Calling the API" block, run as pasted."""

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
    def __init__(self, tmp_path: Path, tmpdir: Path | None = None):
        self.api_port, self.wp_port = free_port(), free_port()
        # WordPress's state: the mysql user that runs MariaDB must be able to reach it, which
        # pytest's tmp_path is not.
        self.wp_state = Path(tempfile.mkdtemp(prefix="run-sh-test-wp-", dir="/tmp"))
        self.wp_state.chmod(0o755)
        # run.sh's, for this port
        self.api_state = Path(tmpdir or "/tmp", f"restart-registry-api-{self.api_port}")
        self.env = {
            **os.environ,
            "PORT": str(self.api_port),
            "WP_PORT": str(self.wp_port),
            "WP_STATE_DIR": str(self.wp_state),
            "DATABASE_PATH": str(tmp_path / "run.db"),
        }
        self.env.pop("TMPDIR", None)
        if tmpdir is not None:
            self.env["TMPDIR"] = str(tmpdir)
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
def stack_in(tmp_path):
    """Makes a stack whose run.sh has the given TMPDIR (None: unset); stops it at the end."""
    stacks: list[Stack] = []

    def make(tmpdir: Path | None = None) -> Stack:
        if tmpdir is not None:
            tmpdir.mkdir(parents=True, exist_ok=True)
        stacks.append(Stack(tmp_path, tmpdir))
        return stacks[-1]

    yield make
    for stack in stacks:
        stack.run("stop")
        shutil.rmtree(stack.wp_state, ignore_errors=True)
        shutil.rmtree(stack.api_state, ignore_errors=True)
        if "TMPDIR" in stack.env:
            shutil.rmtree(stack.env["TMPDIR"], ignore_errors=True)


@pytest.fixture
def stack(stack_in):
    return stack_in()


def started(result: subprocess.CompletedProcess, stack: Stack) -> tuple[str, str]:
    """Checks a successful start; the login and application password the banner shows."""
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Restart Registry API on http://127.0.0.1:{stack.api_port}" in result.stdout
    assert f"Stop both: PORT={stack.api_port} WP_PORT={stack.wp_port} WP_STATE_DIR={stack.wp_state} " in result.stdout
    banner = re.search(rf"^export API=http://127\.0\.0\.1:{stack.api_port} AUTH=([^:\s]+):(\S+)$", result.stdout, re.M)
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
    assert "already running at" in (stack.api_state / "wordpress.log").read_text()  # scripts/wordpress.sh's
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


def pasted(block: str, **kwargs) -> subprocess.CompletedProcess:
    """Runs a block of commands as bash runs what is pasted, stopping at the first failure."""
    curls = re.findall(r"\bcurl\b[^|)]*", block)
    assert curls, block
    # An HTTP error fails the block only through curl's exit status.
    assert [curl for curl in curls if "--fail-with-body" not in curl] == []
    return subprocess.run(
        ["bash", "-c", f"set -euo pipefail\n{block}"], capture_output=True, text=True, timeout=120, **kwargs
    )


def readme_block() -> str:
    """The README's "Calling the API" example."""
    section = (ROOT / "README.md").read_text().split("\n## Calling the API\n", 1)[1]
    block = re.search(r"^```sh\n(.*?)^```$", section, re.S | re.M)
    assert block is not None
    return block[1]


def test_what_run_sh_prints_and_the_readme_work_as_pasted_and_the_printed_stop_line_stops_it(stack_in, tmp_path):
    # A TMPDIR of its own, shared like /tmp: mariadbd, run as the mysql user, writes its temporary files there.
    tmpdir = Path(tempfile.mkdtemp(prefix="run-sh-test-tmp-", dir="/tmp"))
    tmpdir.chmod(0o1777)
    stack = stack_in(tmpdir)
    result = stack.run()
    started(result, stack)
    assert "<" not in result.stdout  # no placeholder to fill in
    # The printed block ends the output; pasted in any directory, with nothing of run.sh's environment.
    try_it = result.stdout.split("paste these lines into bash", 1)[1].split("\n", 1)[1]
    bare = {k: v for k, v in os.environ.items() if k not in ("PORT", "WP_PORT", "WP_STATE_DIR", "TMPDIR")}
    printed = pasted(try_it, cwd=tmp_path, env=bare)
    assert printed.returncode == 0, printed.stdout + printed.stderr
    assert '"Purchase recorded"' in printed.stdout and '"Aunt May"' in printed.stdout

    # The README's block, from the checkout, with the ports given to run.sh; twice: it relies on
    # no id that only a fresh database has.
    for _ in range(2):
        readme = pasted(readme_block(), cwd=ROOT, env=stack.env)
        assert readme.returncode == 0, readme.stdout + readme.stderr
        assert '"Purchase recorded"' in readme.stdout and '"Aunt May"' in readme.stdout

    pids = stack.pids()
    stop_line = re.search(r"^Stop both: (.+)$", result.stdout, re.M)
    assert stop_line is not None
    stopped = subprocess.run(
        ["bash", "-c", stop_line[1]], cwd=ROOT, env=bare, capture_output=True, text=True, timeout=120
    )
    assert stopped.returncode == 0, stopped.stderr
    assert [name for name, pid in pids.items() if alive(pid)] == []
    assert group_members(pids["api"]) == []
    assert not accepts_connections(stack.api_port) and not accepts_connections(stack.wp_port)
