"""The project as other processes run it: its root, a Python process of it
configured through the environment, the items app's migrations."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def items_migrations() -> int:
    """How many migrations the items app has: each is recorded once when applied."""
    return len(list((ROOT / "items" / "migrations").glob("0*.py")))


def django_process(database: Path, *argv: str, **env: str | None) -> subprocess.Popen[str]:
    """A Python process of the project, configured through the environment as in
    production: the suite's environment with `env` over it (None: left unset)."""
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment.update(DATABASE_PATH=str(database), **{key: value for key, value in env.items() if value is not None})
    for key in [key for key, value in env.items() if value is None]:
        environment.pop(key, None)
    return subprocess.Popen(
        [sys.executable, *argv], cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Its standard output and error, once it has succeeded."""
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, f"{process.args!r} failed:\n{stdout}\n{stderr}"
    return stdout, stderr


def fresh_settings(monkeypatch, **environment: str | None) -> dict:
    """registry_api/settings.py evaluated again with these environment variables (None: unset)."""
    for name, value in environment.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "registry_api" / "settings.py"))
