"""The two locks: uv.lock (the development environment, scripts/venv.sh) and
requirements/lambda*.txt (the Lambda artifact) pin the same versions, and
the Lambda locks hold none of the tests' tools."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UV_LOCK = {package["name"]: package for package in tomllib.loads((ROOT / "uv.lock").read_text())["package"]}
LAMBDA_LOCKS = sorted((ROOT / "requirements").glob("lambda*.txt"))
TEST_TOOLS = ("pytest", "pytest-django", "respx", "schemathesis")  # the dev group's: never on Lambda


def pins(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)", path.read_text(), re.MULTILINE))


def test_lambda_locks_are_found():
    assert [path.name for path in LAMBDA_LOCKS] == ["lambda-postgresql.txt", "lambda.txt"]


@pytest.mark.parametrize("lock", LAMBDA_LOCKS, ids=lambda path: path.name)
def test_lambda_runs_the_versions_the_development_environment_runs(lock):
    pinned = pins(lock)
    assert "django" in pinned and "httpx" in pinned
    differing = {
        name: (version, UV_LOCK.get(name, {}).get("version"))
        for name, version in pinned.items()
        if UV_LOCK.get(name, {}).get("version") != version
    }
    assert differing == {}, f"{lock.name} and uv.lock disagree (name: (Lambda, uv.lock)); see requirements/lambda.in"


@pytest.mark.parametrize("name", TEST_TOOLS)
def test_no_test_tool_is_in_a_lambda_lock(name):
    assert name in UV_LOCK  # the name is spelled as the locks spell it
    for lock in LAMBDA_LOCKS:
        assert name not in pins(lock)


def test_every_locked_distribution_carries_hashes():
    for name, package in UV_LOCK.items():
        if package["source"].get("virtual") == ".":
            continue  # the project itself
        files = package.get("wheels", []) + ([package["sdist"]] if "sdist" in package else [])
        assert files and all(f["hash"].startswith("sha256:") for f in files), name
