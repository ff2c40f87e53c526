"""GET /health/ready: database reachable and migrated, WordPress answering as WordPress, version.

For operators and alarms: no credentials needed, and nothing in the answer
but words and the version. GET /health keeps its v1.0.x body (tests/registry_api/test_health.py).
"""

import json

import httpx
import pytest
from django.db import OperationalError, connection

from registry_api import __version__, readiness
from tests.support.accounts import basic
from tests.support.clock import Clock
from tests.support.events import http_v2_event, rest_v1_event

INDEX = {"namespaces": ["oembed/1.0", "wp/v2", "wp-site-health/v1"]}
READY = {"status": "ready", "version": __version__, "checks": {"database": "ok", "wordpress": "ok"}}


@pytest.fixture
def index_route(wordpress_stub):
    """WordPress's REST index, `/wp-json/`."""
    return wordpress_stub.get("/", name="index").mock(return_value=httpx.Response(200, json=INDEX))


def not_ready(**failing: str) -> dict:
    """The 503's body: an error's `detail`, and the checks."""
    detail = "Not ready: " + ", ".join(f"{name} {state}" for name, state in failing.items())
    checks = {"database": "ok", "wordpress": "ok", **failing}
    return {"detail": detail, "status": "not ready", "version": __version__, "checks": checks}


def test_ready(anonymous, index_route):
    response = anonymous.get("/health/ready")
    assert (response.status_code, response.json()) == (200, READY)
    request = index_route.calls.last.request
    assert (request.url.path, request.url.params["_fields"]) == ("/wp-json/", "namespaces")
    assert "Authorization" not in request.headers


@pytest.mark.parametrize("build", [http_v2_event, rest_v1_event], ids=["v2", "v1"])
def test_ready_through_the_lambda_handler(lambda_handler, index_route, build):
    response = lambda_handler(build("GET", "/health/ready"), None)
    assert (response["statusCode"], json.loads(response["body"])) == (200, READY)


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        pytest.param(httpx.ConnectError, "unreachable", id="refused"),
        pytest.param(httpx.ReadTimeout, "timeout", id="timeout"),
        pytest.param(httpx.Response(403, html="<html>Blocked by the firewall</html>"), "not WordPress", id="waf-403"),
        pytest.param(httpx.Response(502, html="<html>Bad Gateway</html>"), "not WordPress", id="proxy-502"),
        pytest.param(httpx.Response(200, html="<html>Maintenance</html>"), "not WordPress", id="html-200"),
        pytest.param(httpx.Response(200, json={"namespaces": ["oembed/1.0"]}), "not WordPress", id="no-wp-v2"),
        pytest.param(httpx.Response(200, json=["wp/v2"]), "not WordPress", id="a-list"),
        pytest.param(
            httpx.Response(404, json={"code": "rest_no_route", "message": "No route", "data": {"status": 404}}),
            "not WordPress",
            id="rest-api-off",
        ),
    ],
)
def test_wordpress_not_answering_as_wordpress_is_not_ready(anonymous, index_route, answer, state):
    if isinstance(answer, type):
        index_route.mock(side_effect=answer)
    else:
        index_route.mock(return_value=answer)
    response = anonymous.get("/health/ready")
    assert (response.status_code, response.json()) == (503, not_ready(wordpress=state))


def test_a_database_with_a_pending_migration_is_not_ready(anonymous, index_route):
    with connection.cursor() as cursor:  # rolled back with the test
        cursor.execute("DELETE FROM django_migrations WHERE app = 'items'")
    response = anonymous.get("/health/ready")
    assert (response.status_code, response.json()) == (503, not_ready(database="not migrated"))


def test_an_unreachable_database_is_not_ready(anonymous, index_route, monkeypatch):
    def unreachable():
        raise OperationalError("unable to open database file")

    monkeypatch.setattr(readiness, "is_migrated", unreachable)
    response = anonymous.get("/health/ready")
    assert (response.status_code, response.json()) == (503, not_ready(database="unreachable"))


def test_no_credentials_are_needed_or_checked(anonymous, index_route, wordpress_stub):
    response = anonymous.get("/health/ready", HTTP_AUTHORIZATION=basic("alice", "wrong-password"))
    assert response.status_code == 200
    assert wordpress_stub["users_me"].call_count == 0


def test_nothing_secret_is_answered(anonymous, index_route, settings):
    settings.SECRET_KEY = "a-secret-that-must-stay-in-the-function-0123456789"
    index_route.mock(side_effect=httpx.ConnectError("connection refused to localhost:8082"))
    body = anonymous.get("/health/ready").content.decode()
    for secret in (settings.SECRET_KEY, settings.WP_BASE_URL, "localhost", str(connection.settings_dict["NAME"])):
        assert secret not in body


def test_the_wordpress_check_is_reused_for_a_few_seconds(anonymous, index_route, monkeypatch):
    """An anonymous route must not turn requests into calls to WordPress."""
    clock = Clock(monkeypatch)
    for _ in range(5):
        assert anonymous.get("/health/ready").status_code == 200
    assert index_route.call_count == 1
    clock.advance(readiness.WORDPRESS_CHECK_TTL + 0.1)
    index_route.mock(side_effect=httpx.ConnectError)
    assert anonymous.get("/health/ready").json() == not_ready(wordpress="unreachable")
    assert index_route.call_count == 2


def test_health_is_unchanged(anonymous):
    assert anonymous.get("/health").json() == {"status": "healthy", "service": "aws-lambda-fastapi"}
