"""Known or missing secrets, and the example WordPress, never reach production.

`manage.py check --deploy` fails on them (registry_api/checks.py), and with
DEBUG off the process refuses to start: importing the Lambda handler (what
Lambda's INIT does) exits with status 1 after one log line that says why.
"""

import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from registry_api import startup
from registry_api.checks import SERVERLESS_PLACEHOLDER_SECRET_KEY, deployment_settings
from registry_api.settings import DEVELOPMENT_SECRET_KEY
from tests.support.project import django_process
from tests.support.serverless import serverless_default

GOOD_KEY = "a-long-random-key-for-these-tests-only-0123456789abcdefghij"
GOOD_URL = "https://shop.restart-registry.test"

BAD_KEYS = {
    "development default": DEVELOPMENT_SECRET_KEY,
    "serverless placeholder": serverless_default("secretKey"),
    "empty": "",
    "whitespace": "   ",
    "development default with a trailing space": DEVELOPMENT_SECRET_KEY + " ",
    "changeme": "changeme",
    "one character": "x",
    "startproject's prefix": "django-insecure-abc",
    "startproject's prefix, long": "django-insecure-" + GOOD_KEY,
    "49 characters": GOOD_KEY[:49],
    "long, four distinct characters": "abcd" * 20,
    "surrounding whitespace": f" {GOOD_KEY}\n",
}
BAD_URLS = {
    "serverless placeholder": serverless_default("wpBaseUrl"),
    "example.org subdomain": "https://shop.example.org/",
    "example.net": "http://example.net",
    ".example": "https://wordpress.example",
    ".invalid": "https://wordpress.invalid/",
    "empty": "",
    "no host": "wordpress",
}


def test_the_known_placeholders_are_serverless_ymls():
    assert serverless_default("secretKey") == SERVERLESS_PLACEHOLDER_SECRET_KEY
    assert serverless_default("wpBaseUrl") == "https://wordpress.example.com"


@pytest.mark.parametrize("key", BAD_KEYS.values(), ids=BAD_KEYS)
def test_a_known_or_empty_secret_key_is_an_error(settings, key):
    settings.SECRET_KEY, settings.WP_BASE_URL = key, GOOD_URL
    assert [error.id for error in deployment_settings()] == ["registry_api.E001"]


@pytest.mark.parametrize("url", BAD_URLS.values(), ids=BAD_URLS)
def test_an_example_or_missing_wordpress_is_an_error(settings, url):
    settings.SECRET_KEY, settings.WP_BASE_URL = GOOD_KEY, url
    assert [error.id for error in deployment_settings()] == ["registry_api.E002"]


@pytest.mark.parametrize(
    "url", [GOOD_URL, "http://127.0.0.1:8082", "https://example.community.org", "https://notexample.com"]
)
def test_real_settings_pass(settings, url):
    settings.SECRET_KEY, settings.WP_BASE_URL = GOOD_KEY, url
    assert deployment_settings() == []


def test_the_refusal_says_how_to_set_a_key(settings):
    settings.SECRET_KEY, settings.WP_BASE_URL = "changeme", GOOD_URL
    (error,) = deployment_settings()
    assert error.hint is not None and "Set SECRET_KEY" in error.hint and "secrets.token_urlsafe" in error.hint


def test_check_deploy_fails_on_them(settings, capsys):
    settings.SECRET_KEY, settings.WP_BASE_URL = DEVELOPMENT_SECRET_KEY, BAD_URLS["serverless placeholder"]
    with pytest.raises(SystemCheckError) as failure:
        call_command("check", "--deploy")
    assert "registry_api.E001" in str(failure.value) and "registry_api.E002" in str(failure.value)
    settings.SECRET_KEY, settings.WP_BASE_URL = GOOD_KEY, GOOD_URL
    call_command("check", "--deploy", "--fail-level", "ERROR")  # no error left (Django's own warnings stay)
    assert "registry_api" not in capsys.readouterr().err


# --- start-up --------------------------------------------------------------------------

REFUSED = {
    "key development default": ({"SECRET_KEY": DEVELOPMENT_SECRET_KEY}, ["SECRET_KEY is the development default"]),
    "key serverless placeholder": (
        {"SECRET_KEY": SERVERLESS_PLACEHOLDER_SECRET_KEY},
        ["SECRET_KEY is serverless.yml's placeholder"],
    ),
    "key empty": ({"SECRET_KEY": ""}, ["SECRET_KEY is empty"]),
    "wordpress serverless placeholder": (
        {"WP_BASE_URL": BAD_URLS["serverless placeholder"]},
        ["WP_BASE_URL 'https://wordpress.example.com' is an example address"],
    ),
    "both": (
        {"SECRET_KEY": DEVELOPMENT_SECRET_KEY, "WP_BASE_URL": BAD_URLS["serverless placeholder"]},
        ["SECRET_KEY is the development default", "is an example address"],
    ),
}
PREFIX = "refusing to start (DEBUG is off): "


def assert_one_clear_line(line: str, messages: list[str]) -> None:
    assert PREFIX in line, line
    for message in messages:
        assert message in line, line
    assert "Set SECRET_KEY" in line or "Set WP_BASE_URL" in line  # and what to do about it


@pytest.mark.parametrize("name", REFUSED)
def test_start_up_refuses_known_secrets_with_debug_off(settings, caplog, name):
    environment, messages = REFUSED[name]
    settings.DEBUG, settings.SECRET_KEY, settings.WP_BASE_URL = False, GOOD_KEY, GOOD_URL
    for setting, value in environment.items():
        setattr(settings, setting, value)
    with pytest.raises(SystemExit) as stopped:
        startup.refuse_known_secrets()
    assert stopped.value.code == 1
    (record,) = caplog.records
    assert (record.levelname, record.name) == ("CRITICAL", "registry_api.startup")
    assert_one_clear_line(record.getMessage(), messages)


def test_debug_on_starts_with_them(settings):
    settings.DEBUG, settings.SECRET_KEY, settings.WP_BASE_URL = True, DEVELOPMENT_SECRET_KEY, BAD_URLS["empty"]
    startup.refuse_known_secrets()  # returns


def start(environment: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Import the Lambda handler in a new process, as Lambda's INIT does."""
    settings = {
        "DEBUG": "false",
        "SECRET_KEY": GOOD_KEY,
        "WP_BASE_URL": GOOD_URL,
        "MIGRATE_ON_START": "false",
        **environment,
    }
    process = django_process(tmp_path / "data.db", "-c", "import registry_api.asgi", **settings)
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_the_lambda_handler_does_not_start_with_them(tmp_path):
    """The process itself: exit status 1 and one line on stderr (CloudWatch), no traceback;
    with DEBUG on, the same settings start."""
    environment, messages = REFUSED["both"]
    with ThreadPoolExecutor(max_workers=2) as pool:  # side by side
        refused, debugging = pool.map(lambda env: start(env, tmp_path), [environment, {**environment, "DEBUG": "true"}])
    assert refused.returncode == 1
    (line,) = refused.stderr.splitlines()
    assert line.startswith(f"CRITICAL registry_api.startup {PREFIX}")
    assert_one_clear_line(line, messages)
    assert (debugging.returncode, debugging.stderr) == (0, "")


def test_runserver_does_not_serve_with_them(tmp_path):
    """`manage.py runserver` runs the same refusal before it binds its port."""
    database = tmp_path / "data.db"
    sqlite3.connect(database).execute("CREATE TABLE present (x)").connection.close()  # past manage.py's file check
    process = django_process(
        database,
        "manage.py",
        "runserver",
        "--noreload",
        "127.0.0.1:0",
        SECRET_KEY=None,
        DEBUG=None,
        WP_BASE_URL=GOOD_URL,
    )
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, (stdout, stderr)
    (line,) = stderr.splitlines()
    assert line.startswith(f"CRITICAL registry_api.startup {PREFIX}")
    assert_one_clear_line(line, ["SECRET_KEY is the development default"])
