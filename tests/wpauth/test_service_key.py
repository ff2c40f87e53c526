"""The plugin's 1.1+ client sends X-Service-Key and X-WP-* headers instead of
Basic when its API key is set: the 401 says what to configure instead."""

import pytest

from tests.support.accounts import basic
from tests.support.client import ApiClient

SERVICE_KEY_HEADERS = {
    "HTTP_X_SERVICE_KEY": "a-shared-secret",
    "HTTP_X_WP_USER_ID": "1",
    "HTTP_X_WP_USERNAME": "admin",
    "HTTP_X_WP_ROLES": "administrator",
}


@pytest.mark.parametrize(("method", "path"), [("GET", "/items?limit=1"), ("POST", "/items/1/purchase")])
def test_a_service_key_without_basic_is_refused_saying_what_to_send(db, wordpress_stub, method, path):
    response = ApiClient().generic(method, path, {"quantity": 1}, **SERVICE_KEY_HEADERS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Basic"
    detail = response.json()["detail"]
    assert detail.startswith("X-Service-Key is not supported")
    assert "application password" in detail and "API key empty" in detail
    assert not wordpress_stub.calls  # nobody to ask WordPress about


def test_without_any_credentials_the_answer_is_unchanged(db, wordpress_stub):
    response = ApiClient().get("/items?limit=1")
    assert (response.status_code, response.json()) == (401, {"detail": "Missing Authorization header"})


def test_basic_credentials_are_used_even_beside_a_service_key(db, wordpress_stub):
    response = ApiClient(basic("admin")).get("/items?limit=1", **SERVICE_KEY_HEADERS)
    assert response.status_code == 200
