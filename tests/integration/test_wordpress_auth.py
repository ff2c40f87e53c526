"""Authentication against the project's real WordPress (issue 3)."""

import json
import time
from unittest import mock

import pytest

from tests.support.accounts import basic
from tests.support.client import ApiClient
from tests.support.events import http_v2_event, rest_v1_event
from tests.support.real_wordpress import force_delete_registries, wordpress_api
from wpauth import backends as credentials
from wpauth import wordpress as wordpress_connection

ITEM = {
    "name": "Kettle",
    "url": "https://example.com/kettle",
    "price": 35.5,
    "affiliate_url": "https://affiliate.example/kettle",
    "affiliate_status": "active",
}


@pytest.fixture
def alices_item(wordpress):
    """An item body for a published registry of alice's, made straight in WordPress
    (force-deleted afterwards): only an owner or an administrator may add items (D1)."""
    made = wordpress_api(
        wordpress, wordpress.alice, "POST", "/wp/v2/restart-registry", json={"title": "Auth tests", "status": "publish"}
    )
    assert made.status_code == 201, made.text
    registry_id = made.json()["id"]
    yield {**ITEM, "registry_id": registry_id}
    force_delete_registries(wordpress, [registry_id])


@pytest.mark.parametrize("name", ["admin", "alice", "bob", "carol", "dave"])
def test_each_application_password_is_accepted(client_for, wordpress, name):
    response = client_for(name).get("/items")
    assert response.status_code == 200, response.content
    assert response.json() == []


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(lambda site: basic("alice", "wrong-app-password-000000"), id="wrong password"),
        pytest.param(lambda site: basic("nobody-here", site.alice.app_password), id="unknown user"),
        pytest.param(lambda site: basic("alice", site.alice.password), id="login password"),
    ],
)
def test_refused_credentials_are_401(db, wordpress, authorization):
    response = ApiClient(authorization(wordpress)).get("/items")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid WordPress credentials"}
    assert response["WWW-Authenticate"] == "Basic"


def test_application_password_with_display_spaces_is_accepted(db, wordpress):
    spaced = " ".join(wordpress.alice.app_password[i : i + 4] for i in range(0, 24, 4))
    assert ApiClient(basic("alice", spaced)).get("/items").status_code == 200


@pytest.mark.parametrize("login", ["alice", "Alice", "ALICE", " alice "])
def test_wordpress_itself_takes_the_spellings_the_cache_keys_share(db, wordpress, settings, login):
    """The credential cache gives one key to these spellings (the login's case and
    outer spaces, the password's whitespace): only because WordPress, asked every
    time, answers each of them as alice."""
    settings.WP_AUTH_CACHE_TTL = settings.WP_AUTH_NEGATIVE_CACHE_TTL = 0
    secret = wordpress.alice.app_password
    for password in (secret, f" {secret}", "\t".join(secret[i : i + 4] for i in range(0, 24, 4))):
        response = ApiClient(basic(login, password)).get("/items")
        assert response.status_code == 200, (login, response.content)


def test_two_authorization_values_in_a_v1_event_are_refused(real_lambda_handler, wordpress):
    """API Gateway v1 keeps both values in multiValueHeaders (Mangum joins them with
    a comma) and the last in headers: neither credential is read."""
    event = rest_v1_event("GET", "/items", headers={"Authorization": wordpress.alice.authorization})
    event["multiValueHeaders"]["Authorization"] = [wordpress.alice.authorization, wordpress.admin.authorization]
    event["headers"]["Authorization"] = wordpress.admin.authorization
    response = real_lambda_handler(event, None)
    assert response["statusCode"] == 401
    assert json.loads(response["body"]) == {"detail": "Invalid WordPress credentials"}


def test_roles_decide_who_sees_affiliate_fields(client_for, wordpress, alices_item):
    created = client_for("admin").post("/items", alices_item)
    assert created.status_code == 201
    item_id = created.json()["data"]["id"]

    as_admin = client_for("admin").get(f"/items/{item_id}").json()["data"]
    as_alice = client_for("alice").get(f"/items/{item_id}").json()["data"]
    assert as_admin["affiliate_url"] == alices_item["affiliate_url"]
    assert as_admin["affiliate_status"] == "active"
    assert "affiliate_url" not in as_alice and "affiliate_status" not in as_alice


def test_wordpress_is_asked_once_per_credential_within_the_ttl(client_for, wordpress, settings):
    settings.WP_AUTH_CACHE_TTL = 300
    with mock.patch.object(wordpress_connection, "current_user", wraps=wordpress_connection.current_user) as asked:
        for _ in range(3):
            assert client_for("alice").get("/items").status_code == 200
            assert client_for("bob").get("/items").status_code == 200
    assert asked.call_count == 2


def test_revoked_application_password_is_refused_once_the_ttl_passes(db, wordpress, settings):
    settings.WP_AUTH_CACHE_TTL = 1
    created = wordpress_api(
        wordpress, wordpress.alice, "POST", "/wp/v2/users/me/application-passwords", json={"name": "revocation-test"}
    )
    assert created.status_code == 201, created.text
    new_password, uuid = created.json()["password"], created.json()["uuid"]
    client = ApiClient(basic("alice", new_password))
    assert client.get("/items").status_code == 200

    revoked = wordpress_api(wordpress, wordpress.alice, "DELETE", f"/wp/v2/users/me/application-passwords/{uuid}")
    assert revoked.status_code == 200, revoked.text
    time.sleep(1.1)
    response = client.get("/items")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid WordPress credentials"}


def test_administrator_is_admin_and_ordinary_user_is_not(wordpress):
    admin = credentials.verify("admin", wordpress.admin.app_password)
    assert admin is not None and admin.is_admin
    alice = credentials.verify("alice", wordpress.alice.app_password)
    assert alice is not None and not alice.is_admin
    assert (alice.id, alice.slug, alice.email, alice.roles) == (
        wordpress.alice.id,
        "alice",
        wordpress.alice.email,
        ("registry_user",),
    )


@pytest.fixture
def real_lambda_handler(transactional_db, wordpress):
    from registry_api.lambda_handler import handler

    return handler


@pytest.mark.parametrize("event", [http_v2_event, rest_v1_event], ids=["v2", "v1"])
def test_items_through_the_lambda_handler_with_real_credentials(real_lambda_handler, wordpress, alices_item, event):
    def call(method, path, account, body=None):
        response = real_lambda_handler(
            event(method, path, body=body, headers={"Authorization": account.authorization}), None
        )
        return response["statusCode"], json.loads(response["body"])

    status, created = call("POST", "/items", wordpress.alice, alices_item)
    assert status == 201
    item_id = created["data"]["id"]
    assert "affiliate_url" not in created["data"]

    status, as_admin = call("GET", f"/items/{item_id}", wordpress.admin)
    assert status == 200
    assert as_admin["data"]["affiliate_url"] == alices_item["affiliate_url"]

    status, as_alice = call("GET", f"/items/{item_id}", wordpress.alice)
    assert status == 200
    assert "affiliate_status" not in as_alice["data"]


def test_wordpress_stopped_mid_run_gives_503_then_recovers(db, wordpress, settings):
    settings.WP_AUTH_CACHE_TTL = 0  # every request asks WordPress
    client = ApiClient(wordpress.alice.authorization)
    assert client.get("/items").status_code == 200

    stopped = wordpress.run("down")
    assert stopped.returncode == 0, stopped.stderr
    try:
        response = client.get("/items")
        assert response.status_code == 503
        assert response.json() == {"detail": "WordPress is unavailable"}
        assert int(response["Retry-After"]) > 0
    finally:
        restarted = wordpress.run("up")
        assert restarted.returncode == 0, restarted.stderr
    assert client.get("/items").status_code == 200
