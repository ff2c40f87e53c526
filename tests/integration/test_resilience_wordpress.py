"""Against the project's real WordPress: what the service concludes from its answers (issue 12).

- Its refusal of a credential is its REST error body, the only answer that
  counts as "bad credentials"; the service caches it briefly (D6).
- Its REST index is what GET /health/ready checks.
"""

from unittest import mock

import httpx

from registry_api import __version__
from tests.support.accounts import basic
from tests.support.client import ApiClient
from wpauth import wordpress as wordpress_connection
from wpauth.wordpress import rest_error_body


def test_wordpress_refuses_with_its_rest_error_body(wordpress):
    answer = httpx.get(
        f"{wordpress.url}/wp-json/wp/v2/users/me",
        params={"context": "edit"},
        auth=("alice", "wrong-app-password-000000"),
        timeout=30,
    )
    assert answer.status_code == 401
    assert rest_error_body(answer) is not None, answer.text


def test_a_wrong_password_retried_costs_wordpress_one_call(db, wordpress, settings):
    settings.WP_AUTH_NEGATIVE_CACHE_TTL = 60  # longer than the test
    wrong = ApiClient(basic("alice", "wrong-app-password-000000"))
    with mock.patch.object(wordpress_connection, "current_user", wraps=wordpress_connection.current_user) as asked:
        for _ in range(20):
            response = wrong.get("/items")
            assert (response.status_code, response.json()) == (401, {"detail": "Invalid WordPress credentials"})
        assert ApiClient(wordpress.alice.authorization).get("/items").status_code == 200
    assert asked.call_count == 2  # the wrong password once, the right one once


def test_ready_with_the_real_wordpress(db, wordpress):
    response = ApiClient().get("/health/ready")
    assert (response.status_code, response.json()) == (
        200,
        {"status": "ready", "version": __version__, "checks": {"database": "ok", "wordpress": "ok"}},
    )
