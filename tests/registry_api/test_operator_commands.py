"""Operator invocations of the Lambda handler: {"manage": ...} (registry_api/operator_commands.py)."""

import json

import pytest
from django.core import management

from registry_api import operator_commands
from tests.support.accounts import basic
from tests.support.events import http_v2_event, rest_v1_event
from tests.support.items import SAMPLE_ITEM
from tests.support.project import django_process, finish


@pytest.fixture
def handler(lambda_handler):
    return lambda_handler


@pytest.fixture
def nothing_runs(monkeypatch):
    """Fails the test if any management command is started."""
    ran = []
    monkeypatch.setattr(operator_commands, "call_command", lambda *args, **kwargs: ran.append(args))
    yield ran
    assert ran == [], f"a refused invocation ran {ran}"


def test_other_events_go_to_mangum_around_djangos_asgi_handler(handler, settings):
    from django.core.handlers.asgi import ASGIHandler
    from mangum import Mangum

    from registry_api import asgi, lambda_handler

    assert type(asgi.handler) is Mangum and asgi.handler.app is asgi.application
    assert lambda_handler.http_handler is asgi.handler  # serverless.yml's module holds it
    assert isinstance(asgi.application, ASGIHandler)
    assert (asgi.handler.lifespan, asgi.handler.config["api_gateway_base_path"]) == ("off", settings.API_BASE_PATH)


# --- allowed ---------------------------------------------------------------


def test_migrate_on_a_migrated_database(handler):
    result = handler({"manage": "migrate"}, None)
    assert result == {"command": ["migrate"], "exit_status": 0, "output": result["output"]}
    assert "No migrations to apply." in result["output"]


def test_migrate_takes_the_same_lock_as_cold_starts(handler, monkeypatch):
    from contextlib import contextmanager

    from registry_api import startup

    held = []

    @contextmanager
    def lock():
        held.append("acquired")
        yield

    monkeypatch.setattr(startup, "_migration_lock", lock)
    assert handler({"manage": ["migrate", "items"]}, None)["exit_status"] == 0
    assert held == ["acquired"]


def test_migrate_plan_and_check_report_nothing_pending(handler):
    plan = handler({"manage": ["migrate", "--plan"]}, None)
    assert plan["exit_status"] == 0 and "No planned migration operations." in plan["output"]
    assert handler({"manage": "migrate --check"}, None)["exit_status"] == 0


def test_migrate_check_exits_1_when_a_migration_is_pending(handler, monkeypatch):
    def pending(*args, **kwargs):
        raise SystemExit(1)  # what `migrate --check` does with unapplied migrations

    monkeypatch.setattr(operator_commands, "call_command", pending)
    result = handler({"manage": "migrate --check"}, None)
    assert result["exit_status"] == 1


@pytest.mark.parametrize("manage", [["showmigrations", "items"], "showmigrations items"])
def test_showmigrations_as_a_list_or_a_command_line(handler, manage):
    result = handler({"manage": manage}, None)
    assert result["command"] == ["showmigrations", "items"]
    assert result["exit_status"] == 0
    assert result["output"].splitlines() == [
        "items",
        " [X] 0001_initial",
        " [X] 0002_purchase_ledger",
        " [X] 0003_reservations_and_gifts",
    ]


def test_check(handler):
    result = handler({"manage": "check"}, None)
    assert result["exit_status"] == 0
    assert "System check identified no issues" in result["output"]


def test_check_deploy_reports_warnings_with_exit_status_0(handler):
    result = handler({"manage": ["check", "--deploy"]}, None)
    assert result["exit_status"] == 0
    assert "security.W" in result["output"]  # e.g. HSTS: API Gateway terminates TLS


def test_a_failing_command_has_exit_status_1_and_no_traceback(handler):
    result = handler({"manage": ["check", "--deploy", "--fail-level", "WARNING"]}, None)
    assert result["exit_status"] == 1
    assert "SystemCheckError" in result["output"] or "CommandError" in result["output"]
    assert "Traceback" not in result["output"]
    unknown_app = handler({"manage": ["showmigrations", "no_such_app"]}, None)
    assert unknown_app["exit_status"] == 1
    assert "No installed app with label 'no_such_app'" in unknown_app["output"]


def test_an_unexpected_exception_is_reported_without_traceback(handler, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk I/O error")

    monkeypatch.setattr(operator_commands, "call_command", broken)
    result = handler({"manage": "check"}, None)
    assert result == {"command": ["check"], "exit_status": 1, "output": "OSError: disk I/O error\n"}


def test_verbosity_values_are_accepted(handler):
    for manage in (
        ["showmigrations", "-v", "2", "items"],
        ["showmigrations", "-v2", "items"],
        ["showmigrations", "--verbosity=0", "items"],
    ):
        assert handler({"manage": manage}, None)["exit_status"] == 0, manage


# --- refused: nothing runs -------------------------------------------------


@pytest.mark.parametrize(
    "manage",
    [
        "shell",
        ["shell", "-c", "import os"],
        "dbshell",
        "flush",
        ["flush", "--no-input"],
        "sqlflush",
        "createsuperuser",
        "changepassword admin",
        "loaddata fixture.json",
        "dumpdata",
        "makemigrations",
        "runserver",
        "sqlmigrate items 0001",  # items' migration runs SQL even when only "printing" it
        "squashmigrations items 0001",
        "startapp evil",
        "collectstatic",
        "test",
        ["migrate", "--settings=evil.settings"],
        ["migrate", "--pythonpath", "/tmp"],
        ["check", "--database", "default"],
        ["migrate", "items", "zero"],  # a target migration may go backwards
        ["migrate", "--fake"],
        ["migrate", "--run-syncdb"],
        ["migrate", "--pl"],  # argparse would take the abbreviation; the whitelist does not
        ["migrate", "--plan=yes"],
        ["showmigrations", "-v", "--settings=evil"],
        "Migrate",
        "migrate; rm -rf /",
        "migrate && flush",
    ],
)
def test_refused_commands_and_options(handler, nothing_runs, manage):
    result = handler({"manage": manage}, None)
    assert result["exit_status"] == 1
    assert result["error"].startswith("refused: ")
    assert result["output"] == ""
    assert "Traceback" not in json.dumps(result)


def test_the_refusal_names_the_allowed_commands(handler, nothing_runs):
    result = handler({"manage": "flush"}, None)
    assert result == {
        "command": "flush",
        "exit_status": 1,
        "error": "refused: command 'flush' is not allowed (allowed: check, migrate, showmigrations)",
        "output": "",
    }


def test_every_whitelisted_command_exists_and_no_dangerous_one_is_listed():
    assert set(operator_commands.ALLOWED_COMMANDS) <= set(management.get_commands())
    assert not {"shell", "dbshell", "flush", "createsuperuser", "loaddata", "sqlmigrate"} & set(
        operator_commands.ALLOWED_COMMANDS
    )


# --- malformed -------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        {"manage": None},
        {"manage": 42},
        {"manage": {"command": "migrate"}},
        {"manage": []},
        {"manage": ""},
        {"manage": "   "},
        {"manage": [""]},
        {"manage": ["migrate", 3]},
        {"manage": ["migrate", None]},
        {"manage": "migrate 'unbalanced"},
        {"manage": "migrate", "extra": True},
    ],
)
def test_malformed_operator_invocations_are_refused(handler, nothing_runs, event):
    result = handler(event, None)
    assert result["exit_status"] == 1
    assert result["error"].startswith("refused: ")
    assert "Traceback" not in json.dumps(result)


@pytest.mark.parametrize("event", [{}, {"command": "migrate"}, {"requestContext": 5}, [], "migrate", 42, None])
def test_other_invocations_get_an_error_payload_not_a_traceback(handler, nothing_runs, event):
    result = handler(event, None)
    assert result["exit_status"] == 1
    assert result["error"].startswith("unsupported event")
    assert '{"manage": "migrate"}' in result["error"]


# --- API Gateway events are still served -----------------------------------


@pytest.mark.parametrize("event_builder", [http_v2_event, rest_v1_event], ids=["v2", "v1"])
def test_api_gateway_events_are_still_served(handler, event_builder):
    health = handler(event_builder("GET", "/health"), None)
    assert health["statusCode"] == 200
    assert json.loads(health["body"]) == {"status": "healthy", "service": "aws-lambda-fastapi"}

    auth = {"Authorization": basic("alice")}
    created = handler(event_builder("POST", "/items", body=SAMPLE_ITEM, headers=auth), None)
    assert created["statusCode"] == 201, created["body"]
    item_id = json.loads(created["body"])["data"]["id"]
    fetched = handler(event_builder("GET", f"/items/{item_id}", headers=auth), None)
    assert fetched["statusCode"] == 200
    assert json.loads(fetched["body"])["data"]["name"] == SAMPLE_ITEM["name"]


def test_a_manage_key_in_an_http_body_is_just_a_request(handler, nothing_runs):
    response = handler(
        http_v2_event("POST", "/items", body={"manage": "flush"}, headers={"Authorization": basic("alice")}), None
    )
    assert "statusCode" in response  # an HTTP answer (422), not an operator command
    assert response["statusCode"] == 422


# --- the cold-start migration check (registry_api/startup.py) --------------


def test_a_migrated_database_runs_no_migrate(transactional_db, monkeypatch):
    from registry_api import startup

    monkeypatch.setattr(startup, "call_command", lambda *args, **kwargs: pytest.fail("migrate ran"))
    assert startup.is_migrated()
    startup.migrate_if_needed()


def test_pending_migrations_are_checked_again_under_the_lock(transactional_db, monkeypatch):
    from contextlib import contextmanager

    from registry_api import startup

    events = []

    @contextmanager
    def lock():
        events.append("lock")
        yield

    plans = iter([["items.0001_initial"], []])  # pending; then another cold start has applied it

    def pending_migrations():
        events.append("graph")
        return next(plans)

    monkeypatch.setattr(startup, "_pending_migrations", pending_migrations)
    monkeypatch.setattr(startup, "_migration_lock", lock)
    monkeypatch.setattr(startup, "call_command", lambda *a, **k: events.append("migrate"))
    startup.migrate_if_needed()
    assert events == ["graph", "lock", "graph"]  # re-checked under the lock: nothing left to run


def test_racing_cold_starts_on_an_empty_database_migrate_it_once(tmp_path):
    """Three processes import the Lambda handler at once on a fresh SQLite
    file (an empty EFS volume): all start, and each migration is applied once."""
    import sqlite3

    db = tmp_path / "data.db"
    code = "import registry_api.lambda_handler as a; print(type(a.http_handler).__name__)"
    processes = [django_process(db, "-c", code, MIGRATE_ON_START="true") for _ in range(3)]  # all at once
    outputs = [finish(process) for process in processes]  # each exits 0
    assert all(out.strip() == "Mangum" for out, _ in outputs)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT app, name, COUNT(*) FROM django_migrations GROUP BY app, name").fetchall()
        assert rows and all(count == 1 for _, _, count in rows)
        assert ("items", "0001_initial", 1) in rows
        assert conn.execute("SELECT COUNT(*) FROM items").fetchone() == (0,)
