"""Operator commands on a SQLite file that does not exist (a mistyped DATABASE_PATH),
or is empty: those that need the data refuse in one line and create nothing;
`migrate` still creates a new database, on purpose; commands that need none run as ever."""

import subprocess
from pathlib import Path
from typing import cast

import pytest

from registry_api import startup
from tests.support.project import django_process

pytestmark = pytest.mark.sqlite_only(reason="DATABASE_PATH names a SQLite file")


def refusal(command: str, path: Path) -> str:
    return (
        f"{command}: there is no SQLite database at {path} (DATABASE_PATH: the file is missing or empty); "
        "`manage.py migrate` creates a new one"
    )


def assert_refused(process: subprocess.Popen[str], path: Path) -> None:
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 1
    command = cast(list[str], process.args)[2]  # django_process's [python, "manage.py", command, ...]
    assert (stdout, stderr) == ("", f"manage.py {refusal(command, path)}\n")


def test_commands_that_need_the_data_refuse_a_missing_file_in_one_line(tmp_path):
    path = tmp_path / "typo.db"
    commands = [
        ["shell", "-c", "print('ran')"],
        ["dbshell"],
        ["dumpdata", "items"],
        ["showmigrations"],
        ["runserver", "--noreload"],
        ["flush", "--no-input"],
        ["loaddata", "items.json"],
    ]
    for process in [django_process(path, "manage.py", *argv) for argv in commands]:  # all at once
        assert_refused(process, path)
    assert not path.exists()


@pytest.mark.parametrize("missing", ["no-such-directory/data.db", "empty.db"])
def test_a_missing_directory_or_an_empty_file_is_refused_too(tmp_path, missing):
    path = tmp_path / missing
    if missing == "empty.db":  # left by an earlier command on the wrong path, before this check
        path.touch()
    assert_refused(django_process(path, "manage.py", "shell", "-c", "print('ran')"), path)
    if missing == "empty.db":
        assert path.stat().st_size == 0
    else:
        assert not path.exists()


def test_migrate_creates_a_new_database_which_the_other_commands_then_use(tmp_path):
    path = tmp_path / "new.db"
    migrate = django_process(path, "manage.py", "migrate", "--no-input", "-v0")
    assert migrate.communicate(timeout=120) == ("", "") and migrate.returncode == 0
    assert path.exists()
    shell = django_process(
        path, "manage.py", "shell", "-v0", "-c", "from items.models import Item; print(Item.objects.count())"
    )
    assert shell.communicate(timeout=120) == ("0\n", "") and shell.returncode == 0


def test_a_command_that_needs_no_data_runs_and_creates_nothing(tmp_path):
    path = tmp_path / "typo.db"
    process = django_process(path, "manage.py", "check")
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert not path.exists()


def test_on_lambda_an_operator_command_refuses_a_missing_file_too(lambda_handler, settings, monkeypatch, tmp_path):
    """With migrateOnStart=false an empty volume has no file yet: showmigrations says so
    instead of creating one (the lambda_handler fixture's test database is elsewhere)."""
    path = tmp_path / "data.db"
    monkeypatch.setitem(settings.DATABASES["default"], "NAME", str(path))
    result = lambda_handler({"manage": "showmigrations"}, None)
    assert result == {
        "command": "showmigrations",
        "exit_status": 1,
        "error": f"refused: {refusal('showmigrations', path)}",
        "output": "",
    }
    assert not path.exists()


def test_every_listed_command_exists():
    from django.core.management import get_commands

    assert startup.NEEDS_EXISTING_DATABASE <= set(get_commands())
