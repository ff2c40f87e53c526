"""Authentication against WordPress (docs/api.md, "Authentication"; D3, D6), with respx standing in for WordPress.

Over HTTP, `GET /items/not-a-number` is the probe: authentication runs before
path validation (docs/api.md, "Conventions"), so an accepted caller gets 422 and a refused one
401 (or 503 when WordPress cannot say), without any registry logic involved.
"""

import base64
import hashlib
import logging
import re
import threading
import time
from typing import Any

import httpx
import pytest
from django.core.cache import BaseCache, caches
from django.test import Client, RequestFactory

from core.errors import InvalidCredentials, WordPressUnavailable
from tests.support.accounts import ACCOUNTS, basic, users_me
from tests.support.client import ApiClient
from tests.support.clock import Clock
from tests.support.project import fresh_settings
from wpauth import wordpress as wp_client
from wpauth.admin_site import REFUSALS
from wpauth.administrators import Refusal
from wpauth.backends import cache_key, verify
from wpauth.cache import LRUCache
from wpauth.identity import WordPressUser
from wpauth.security import WordPressBasicAuth

PROBE = "/items/not-a-number"
INVALID = "Invalid WordPress credentials"
MISSING = "Missing Authorization header"


# --- helpers ----------------------------------------------------------------


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def password(login: str) -> str:
    return ACCOUNTS[login][0]


def cache_entries(cache: BaseCache) -> dict[str, Any]:
    """The live entries of one of wpauth's LRUCaches, by full key."""
    assert isinstance(cache, LRUCache)
    return dict(cache.items())


def wordpress_saw(route) -> list[str]:
    """The `login:password` pairs WordPress received, in order."""
    return [
        base64.b64decode(call.request.headers["Authorization"].removeprefix("Basic ")).decode() for call in route.calls
    ]


def probe(authorization: str | None = None):
    return ApiClient(authorization).get(PROBE)


def assert_authenticated(response):
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"] == ["path", "item_id"]


def assert_refused(response, detail: str = INVALID):
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response["WWW-Authenticate"] == "Basic"


def assert_unavailable(response, retry_after: str = "5"):
    assert response.status_code == 503
    assert response.json() == {"detail": "WordPress is unavailable"}
    assert response["Retry-After"] == retry_after
    assert not response.has_header("WWW-Authenticate")


def wp_error(status: int, code: str, message: str = "Sorry.") -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message, "data": {"status": status}})


def answer_with(route, answer) -> None:
    """Make the route answer with a response, or raise an httpx exception class."""
    if isinstance(answer, type):
        route.mock(side_effect=answer)
    else:
        route.mock(return_value=answer)


@pytest.fixture
def users_me_route(db, wordpress_stub):
    """The stub's users/me route; tests change its answer with `.mock(...)`."""
    return wordpress_stub["users_me"]


# --- the WordPress user -----------------------------------------------------

ALICE = WordPressUser(
    id=2,
    slug="alice",
    login="alice",
    email="alice@example.test",
    display_name="Alice",
    roles=("registry_user",),
)
ADMIN = WordPressUser(
    id=1,
    slug="admin",
    login="admin",
    email="admin@example.test",
    display_name="Site Admin",
    roles=("administrator",),
)
EDDIE = WordPressUser(
    id=3,
    slug="eddie",
    login="eddie",
    email="eddie@example.test",
    display_name="Eddie Editor",
    roles=("editor",),
)


@pytest.mark.parametrize(
    ("login", "expected", "is_admin"),
    [("alice", ALICE, False), ("admin", ADMIN, True), ("eddie", EDDIE, False)],
)
def test_users_me_is_mapped_to_the_wordpress_user(wordpress_stub, login, expected, is_admin):
    user = verify(login, password(login))
    assert user is not None and user == expected
    assert user.is_admin is is_admin
    assert (user.is_authenticated, user.is_anonymous, user.is_active) == (True, False, True)


def test_only_the_administrator_role_is_admin():
    assert ("registry_user" in ALICE.roles, ALICE.is_admin) == (True, False)
    assert ("editor" in EDDIE.roles, EDDIE.is_admin) == (True, False)  # editors are not admins
    assert ADMIN.is_admin is True


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            {"id": 9, "username": "zed", "slug": "zed-s", "name": "Zed", "meta": [], "roles": ["subscriber"]},
            WordPressUser(id=9, slug="zed-s", login="zed", email="", display_name="Zed", roles=("subscriber",)),
            id="meta-empty-list",
        ),
        pytest.param(
            {"id": "9", "username": "zed", "slug": "", "capabilities": [], "roles": None},
            WordPressUser(id=9, slug="", login="zed", email="", display_name=""),
            id="php-empty-arrays-and-empty-slug",
        ),
        pytest.param(
            {"id": 9, "capabilities": {"read": 1, "edit_posts": 0}},
            WordPressUser(id=9, slug="", login="", email="", display_name=""),
            id="minimal-capabilities-ignored",
        ),
    ],
)
def test_odd_but_valid_users_me_bodies_are_tolerated(users_me_route, body, expected):
    users_me_route.mock(return_value=httpx.Response(200, json=body))
    user = verify("zed", "pw")
    assert user == expected


# --- over HTTP: accepted, refused, unavailable ---------------------------------


def test_valid_credentials_pass_and_the_auth_class_returns_the_caller(users_me_route):
    assert_authenticated(probe(basic("alice")))
    request = RequestFactory().get("/items", HTTP_AUTHORIZATION=basic("admin"))
    caller = WordPressBasicAuth()(request)
    assert (caller.user, caller.credentials) == (ADMIN, ("admin", password("admin")))
    assert password("admin") not in repr(caller)
    assert users_me_route.call_count == 2


@pytest.mark.parametrize("code", ["rest_not_logged_in", "incorrect_password", "invalid_username", "something_else"])
def test_any_wordpress_401_is_invalid_credentials(users_me_route, code):
    users_me_route.mock(return_value=wp_error(401, code))
    assert_refused(probe(basic("alice")))
    assert users_me_route.call_count == 1


def test_the_stub_refuses_a_wrong_password(users_me_route):
    assert_refused(probe(basic("alice", "wrong-password")))
    assert wordpress_saw(users_me_route) == ["alice:wrong-password"]


UNAVAILABLE = [
    # Only WordPress's own REST error body speaks for WordPress (D3): anything
    # else at its address says nothing about the credentials.
    pytest.param(
        httpx.Response(403, html="<html><h1>403 Forbidden</h1>Request blocked by the firewall</html>"),
        id="403-waf-html",
    ),
    pytest.param(httpx.Response(401, text="<html>401 Authorization Required</html>"), id="401-html"),
    pytest.param(httpx.Response(401), id="401-empty"),
    pytest.param(httpx.Response(401, json="Unauthorized"), id="401-json-string"),
    pytest.param(httpx.Response(401, json={"message": "Unauthorized"}), id="401-json-without-code"),
    pytest.param(httpx.Response(401, json={"code": 401, "message": "Unauthorized"}), id="401-json-numeric-code"),
    pytest.param(httpx.Response(403, json=["forbidden"]), id="403-json-list"),
    pytest.param(httpx.Response(403, json={"error": "blocked", "ray": "8c1f"}), id="403-foreign-json"),
    # WordPress's own 403: users/me refuses no credentials with it, so it is no verdict on them.
    pytest.param(wp_error(403, "rest_forbidden"), id="403-wordpress"),
    pytest.param(wp_error(500, "internal_server_error"), id="500"),
    pytest.param(httpx.Response(502, text="<html>Bad Gateway</html>"), id="502-html"),
    pytest.param(httpx.Response(503), id="503-empty"),
    pytest.param(httpx.Response(500, json=["a", "list"]), id="500-json-list"),
    pytest.param(wp_error(404, "rest_no_route"), id="404-no-rest-api"),
    pytest.param(wp_error(429, "too_many_requests"), id="429"),
    pytest.param(httpx.ConnectError, id="connection-refused"),
    pytest.param(httpx.ReadTimeout, id="read-timeout"),
    pytest.param(httpx.ConnectTimeout, id="connect-timeout"),
    pytest.param(httpx.RemoteProtocolError, id="connection-reset"),
    pytest.param(httpx.Response(200, text="<html>maintenance</html>"), id="200-not-json"),
    pytest.param(httpx.Response(200, text=""), id="200-empty"),
    pytest.param(httpx.Response(200, json=None), id="200-null"),
    pytest.param(httpx.Response(200, json=[]), id="200-list"),
    pytest.param(httpx.Response(200, json="alice"), id="200-string"),
    pytest.param(httpx.Response(200, json={}), id="200-no-id"),
    pytest.param(httpx.Response(200, json={"id": "two"}), id="200-text-id"),
    pytest.param(httpx.Response(200, json={"id": True}), id="200-bool-id"),
    pytest.param(httpx.Response(200, json={"id": 2}, headers={"X-WP-Total": "many"}), id="200-bad-total-header"),
    pytest.param(httpx.Response(301, headers={"Location": "https://elsewhere.test/"}), id="301"),
]


@pytest.mark.parametrize("answer", UNAVAILABLE)
def test_wordpress_that_cannot_say_is_503_with_retry_after(users_me_route, answer):
    answer_with(users_me_route, answer)
    assert_unavailable(probe(basic("alice")))
    assert users_me_route.call_count == 1


def test_retry_after_follows_the_setting(users_me_route, settings):
    settings.WP_RETRY_AFTER = 30
    users_me_route.mock(side_effect=httpx.ConnectError)
    assert_unavailable(probe(basic("alice")), retry_after="30")


# --- the Authorization header ------------------------------------------------


@pytest.mark.parametrize(
    ("header", "wordpress_receives"),
    [
        pytest.param(basic("alice", "pass:with:colons"), "alice:pass:with:colons", id="colons-in-password"),
        pytest.param(basic("alice", ""), "alice:", id="empty-password"),
        pytest.param(basic("", "secret"), ":secret", id="empty-username"),
        pytest.param("Basic " + b64(b"alice"), None, id="no-colon"),
        pytest.param("Bearer x", None, id="bearer"),
        pytest.param("Basic !!!invalid!!!", None, id="bad-base64"),
        pytest.param("Basic ", None, id="basic-alone"),
        pytest.param("Basic", None, id="basic-without-space"),
        pytest.param("InvalidFormat", None, id="no-scheme"),
        pytest.param("basic " + b64(b"alice:alice-app-password"), None, id="lowercase-scheme"),
        pytest.param("BASIC " + b64(b"alice:alice-app-password"), None, id="uppercase-scheme"),
        pytest.param("Basic " + b64(b"\xff\xfe:pw"), None, id="not-utf8"),
        pytest.param("Basic é" + b64(b"alice:pw"), None, id="not-ascii"),
        # Two headers a proxy or Mangum joined: neither is read.
        pytest.param(f"{basic('alice')}, {basic('admin')}", None, id="two-joined-by-a-comma"),
        pytest.param(f"{basic('alice')},{basic('admin')}", None, id="two-joined-without-space"),
        pytest.param(basic("alice") + "@@", None, id="trailing-garbage"),
    ],
)
def test_header_parsing(users_me_route, header, wordpress_receives):
    assert_refused(probe(header))
    assert wordpress_saw(users_me_route) == ([wordpress_receives] if wordpress_receives is not None else [])


@pytest.mark.parametrize("header", [None, ""], ids=["absent", "empty"])
def test_no_credentials_is_missing_authorization(users_me_route, header):
    assert_refused(probe(header), MISSING)
    assert users_me_route.call_count == 0


def test_application_password_display_spaces_are_dropped_before_wordpress(users_me_route):
    spaced = "alice -app- password"  # WordPress shows application passwords in groups
    assert_authenticated(probe(basic("alice", spaced)))
    assert wordpress_saw(users_me_route) == ["alice:alice-app-password"]


def test_each_caller_speaks_to_wordpress_with_their_own_credentials(users_me_route):
    for login in ("alice", "admin", "eddie"):
        assert_authenticated(probe(basic(login)))
    assert [call.request.headers["Authorization"] for call in users_me_route.calls] == [
        basic("alice"),
        basic("admin"),
        basic("eddie"),
    ]
    request = users_me_route.calls.last.request
    assert (request.method, request.url.path, request.url.query) == ("GET", "/wp-json/wp/v2/users/me", b"context=edit")
    # The shared client carries no credential of its own.
    assert "Authorization" not in wp_client.http_client().headers


# --- the credential cache (D6) -------------------------------------------------


def test_a_hit_within_the_ttl_skips_wordpress_and_expiry_asks_again(users_me_route, settings, monkeypatch):
    settings.WP_AUTH_CACHE_TTL = 300
    clock = Clock(monkeypatch)
    assert verify("alice", password("alice")) == ALICE
    clock.advance(60)
    assert verify("alice", password("alice")) == ALICE
    assert users_me_route.call_count == 1
    clock.advance(241)  # 301 s after the first call
    assert verify("alice", password("alice")) == ALICE
    assert users_me_route.call_count == 2


def test_cache_hits_over_http(users_me_route):
    for _ in range(3):
        assert_authenticated(probe(basic("alice")))
    assert users_me_route.call_count == 1


def test_a_cached_user_is_served_while_wordpress_is_down(users_me_route):
    assert_authenticated(probe(basic("alice")))
    users_me_route.mock(side_effect=httpx.ConnectError)
    assert_authenticated(probe(basic("alice")))
    assert_unavailable(probe(basic("admin")))
    assert users_me_route.call_count == 2


def test_ttl_zero_disables_the_cache(users_me_route, settings):
    settings.WP_AUTH_CACHE_TTL = 0
    for _ in range(3):
        assert verify("alice", password("alice")) == ALICE
    assert users_me_route.call_count == 3
    assert list(cache_entries(caches["wpauth"])) == []


def test_the_cache_bound_evicts_the_least_recently_used_entry(users_me_route, settings, monkeypatch):
    # WP_AUTH_CACHE_SIZE shapes CACHES when settings load, so the whole CACHES
    # setting is rebuilt from settings.py with the variable set.
    fresh = fresh_settings(monkeypatch, WP_AUTH_CACHE_SIZE="2")
    assert fresh["WP_AUTH_CACHE_SIZE"] == 2
    settings.CACHES = fresh["CACHES"]
    wpauth_cache = caches["wpauth"]

    verify("alice", password("alice"))
    verify("admin", password("admin"))
    verify("alice", password("alice"))  # a hit: alice is now the most recently used
    verify("eddie", password("eddie"))  # overflow: admin goes
    assert [wpauth_cache.has_key(cache_key(login, password(login))) for login in ("alice", "admin", "eddie")] == [
        True,
        False,
        True,
    ]
    assert len(cache_entries(wpauth_cache)) == 2
    assert wordpress_saw(users_me_route) == [
        "alice:alice-app-password",
        "admin:admin-app-password",
        "eddie:editor-app-password",
    ]
    verify("alice", password("alice"))  # still cached
    verify("admin", password("admin"))  # evicted: asked again
    assert users_me_route.call_count == 4
    assert wordpress_saw(users_me_route)[-1] == "admin:admin-app-password"


def test_the_default_bound_is_1024_and_the_default_ttl_300(monkeypatch):
    fresh = fresh_settings(monkeypatch, WP_AUTH_CACHE_SIZE=None, WP_AUTH_CACHE_TTL=None)
    assert fresh["WP_AUTH_CACHE_SIZE"] == 1024
    assert fresh["CACHES"]["wpauth"]["OPTIONS"] == {"MAX_ENTRIES": 1024}
    assert fresh["WP_AUTH_CACHE_TTL"] == 300.0
    assert fresh["CACHES"]["wpauth-refused"]["OPTIONS"] == {"MAX_ENTRIES": 1024}
    assert fresh["WP_AUTH_NEGATIVE_CACHE_TTL"] == 5.0


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(wp_error(500, "internal_server_error"), id="unavailable"),
        pytest.param(httpx.ConnectError, id="unreachable"),
        pytest.param(httpx.Response(403, html="<html>blocked</html>"), id="firewall"),
    ],
)
def test_wordpress_failing_is_never_cached(users_me_route, failure):
    answer_with(users_me_route, failure)
    for _ in range(2):
        assert_unavailable(probe(basic("alice")))
    assert users_me_route.call_count == 2
    assert list(cache_entries(caches["wpauth"])) == list(cache_entries(caches["wpauth-refused"])) == []
    users_me_route.mock(side_effect=users_me)  # WordPress answers again
    assert_authenticated(probe(basic("alice")))
    assert users_me_route.call_count == 3


# --- the negative cache: credentials WordPress refused (D6) ----------------------


def test_a_thousand_requests_with_one_wrong_password_cost_one_call_per_period(users_me_route, settings, monkeypatch):
    settings.WP_AUTH_NEGATIVE_CACHE_TTL = 5
    clock = Clock(monkeypatch)
    assert_refused(probe(basic("alice", "wrong-password")))
    # The other 999 through the auth class every API request runs (the whole
    # route, 1000 times, would only make the test slower), over 9.99 s: two periods of 5 s.
    request = RequestFactory().get(PROBE, HTTP_AUTHORIZATION=basic("alice", "wrong-password"))
    for _ in range(999):
        clock.advance(0.01)
        with pytest.raises(InvalidCredentials):
            WordPressBasicAuth()(request)
    assert users_me_route.call_count == 2
    assert wordpress_saw(users_me_route) == ["alice:wrong-password"] * 2


def test_whitespace_variants_of_a_wrong_password_cost_one_call(users_me_route):
    """WordPress ignores the whitespace of an application password: so do the keys."""
    compact = "abcdefghijklmnopqrstuvwx"
    variants = {compact[: i % 24] + " " * (1 + i // 24) + compact[i % 24 :] for i in range(50)}
    assert len(variants) == 50
    for variant in variants:
        assert_refused(probe(basic("alice", variant)))
    assert wordpress_saw(users_me_route) == [f"alice:{compact}"]
    assert len(cache_entries(caches["wpauth-refused"])) == 1


def test_spellings_of_one_account_share_one_entry(users_me_route):
    """Five spacings of the right password and three spellings of the login: one call, one entry."""
    right = password("alice")
    for spaced in (right, f" {right}", f"{right} ", right.replace("-", " - "), right.replace("-", "-\t")):
        assert_authenticated(probe(basic("alice", spaced)))
    for login in ("Alice", "ALICE", " alice "):
        assert_authenticated(probe(basic(login, right)))
    assert users_me_route.call_count == 1
    assert len(cache_entries(caches["wpauth"])) == 1


def test_each_new_wrong_password_costs_one_call(users_me_route):
    for attempt in range(50):
        assert_refused(probe(basic("alice", f"guess-{attempt}")))
    assert users_me_route.call_count == 50


def test_a_refusal_never_refuses_the_right_password(users_me_route):
    assert_refused(probe(basic("alice", "wrong-password")))
    assert_authenticated(probe(basic("alice")))
    assert_refused(probe(basic("alice", "wrong-password")))  # still refused, from the cache
    assert wordpress_saw(users_me_route) == ["alice:wrong-password", "alice:alice-app-password"]


def test_credentials_wordpress_starts_accepting_wait_out_the_period(users_me_route, settings, monkeypatch):
    """The price of the negative cache: an application password created just
    after a refused attempt with it is refused for at most the period."""
    settings.WP_AUTH_NEGATIVE_CACHE_TTL = 5
    clock = Clock(monkeypatch)
    users_me_route.mock(return_value=wp_error(401, "incorrect_password"))
    assert verify("alice", password("alice")) is None
    users_me_route.mock(side_effect=users_me)
    clock.advance(4.9)
    assert verify("alice", password("alice")) is None
    clock.advance(0.2)
    assert verify("alice", password("alice")) == ALICE
    assert users_me_route.call_count == 2


def test_refusals_never_evict_verified_users(users_me_route, settings, monkeypatch):
    fresh = fresh_settings(monkeypatch, WP_AUTH_CACHE_SIZE="2")
    settings.CACHES = fresh["CACHES"]
    verify("alice", password("alice"))
    for attempt in range(10):
        assert verify("admin", f"guess-{attempt}") is None
    assert len(cache_entries(caches["wpauth-refused"])) == 2  # bounded too
    assert verify("alice", password("alice")) == ALICE
    assert users_me_route.call_count == 11  # alice's second check came from the cache


def test_negative_ttl_zero_asks_wordpress_every_time(users_me_route, settings):
    settings.WP_AUTH_NEGATIVE_CACHE_TTL = 0
    for _ in range(3):
        assert verify("alice", "wrong-password") is None
    assert users_me_route.call_count == 3
    assert list(cache_entries(caches["wpauth-refused"])) == []


def test_the_negative_cache_holds_no_credential(users_me_route):
    assert_refused(probe(basic("alice", "wrong-password")))
    ((key, value),) = cache_entries(caches["wpauth-refused"]).items()
    assert key == f":1:{hashlib.sha256(b'alice:wrong-password').hexdigest()}"
    assert value is True


def test_different_credentials_are_cached_independently(users_me_route):
    assert verify("alice", password("alice")) == ALICE
    assert verify("admin", password("admin")) == ADMIN
    assert verify("alice", "wrong") is None  # not answered from alice's entry
    assert verify("alice", password("alice")) == ALICE
    assert verify("admin", password("admin")) == ADMIN
    assert wordpress_saw(users_me_route) == ["alice:alice-app-password", "admin:admin-app-password", "alice:wrong"]
    assert sorted(cache_entries(caches["wpauth"])) == sorted(
        f":1:{cache_key(login, password(login))}" for login in ("alice", "admin")
    )


def test_the_cache_holds_no_credential(users_me_route):
    for login in ("alice", "admin"):
        assert_authenticated(probe(basic(login)))
    entries = dict(cache_entries(caches["wpauth"]))
    assert len(entries) == 2
    for key, value in entries.items():
        digest = key.removeprefix(":1:")
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
        assert value in (ALICE, ADMIN)
        for login in ("alice", "admin"):
            for secret in (password(login), basic(login).removeprefix("Basic ")):
                assert secret not in key
                assert secret not in repr(value)
    assert cache_key("alice", password("alice")) == hashlib.sha256(b"alice:alice-app-password").hexdigest()


# --- one WordPress call, one client ---------------------------------------------


def run_concurrently(count: int, target) -> list:
    """`target()` in `count` threads released together; their results or exceptions."""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def worker(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = target()
        except Exception as exc:  # collected for the assertions
            outcomes[index] = exc

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return outcomes


def slowly(answer):
    def side_effect(request):
        time.sleep(0.2)
        return answer(request) if callable(answer) else answer

    return side_effect


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        pytest.param(users_me, ALICE, id="success"),
        pytest.param(wp_error(401, "incorrect_password"), None, id="refused"),
    ],
)
def test_concurrent_misses_make_one_wordpress_call(users_me_route, answer, expected):
    users_me_route.mock(side_effect=slowly(answer))
    outcomes = run_concurrently(8, lambda: verify("alice", password("alice")))
    assert outcomes == [expected] * 8
    assert users_me_route.call_count == 1


def test_concurrent_misses_share_an_outage(users_me_route):
    users_me_route.mock(side_effect=slowly(wp_error(500, "internal_server_error")))
    outcomes = run_concurrently(8, lambda: verify("alice", password("alice")))
    assert [type(outcome) for outcome in outcomes] == [WordPressUnavailable] * 8
    assert users_me_route.call_count == 1


def test_one_http_client_serves_every_call(users_me_route, monkeypatch):
    built = []
    original_init = httpx.Client.__init__

    def counting_init(self, *args, **kwargs):
        built.append(self)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(httpx.Client, "__init__", counting_init)
    shared = wp_client.http_client()
    for login in ("alice", "admin", "eddie"):
        verify(login, password(login))
    verify("alice", "wrong")
    assert users_me_route.call_count == 4
    assert built == [shared]
    assert wp_client.http_client() is shared
    assert str(shared.base_url) == "http://localhost:8082/wp-json/"
    wp_client.reset_http_client()
    assert shared.is_closed
    assert wp_client.http_client() is not shared


# --- logs -----------------------------------------------------------------------


def test_no_credential_reaches_the_logs(users_me_route, caplog):
    caplog.set_level(logging.DEBUG)
    assert_authenticated(probe(basic("alice")))
    assert_refused(probe(basic("alice", "wrong-password")))
    users_me_route.mock(side_effect=httpx.ConnectError)
    assert_unavailable(probe(basic("admin")))
    assert "WordPress could not verify credentials" in caplog.text  # the logs were captured
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    for secret in ("alice-app-password", "wrong-password", "admin-app-password"):
        assert secret not in logged
    for header in (basic("alice"), basic("alice", "wrong-password"), basic("admin")):
        assert header.removeprefix("Basic ") not in logged
    assert "Authorization" not in logged


# --- the Django admin login (WordPressStaffBackend) ----------------------------
# tests/integration/test_admin.py logs in against the real WordPress; here, what it cannot show.


@pytest.mark.parametrize(
    ("login", "answer", "reason"),
    [
        pytest.param("eddie", None, Refusal.NOT_ADMINISTRATOR, id="editor"),
        pytest.param("admin", httpx.Response(500, text="<html>Fatal error</html>"), Refusal.UNAVAILABLE, id="500-html"),
        pytest.param("admin", httpx.Response(200, json=["not", "a", "user"]), Refusal.UNAVAILABLE, id="200-garbage"),
        pytest.param("admin", httpx.ReadTimeout("slow"), Refusal.UNAVAILABLE, id="timeout"),
    ],
)
def test_the_admin_login_says_why_wordpress_did_not_vouch(users_me_route, django_user_model, login, answer, reason):
    if answer is not None:
        users_me_route.mock(side_effect=[answer])
    response = Client().post("/admin/login/", {"username": login, "password": password(login)})
    assert response.status_code == 200  # the login form again
    assert [str(error) for error in response.context["form"].non_field_errors()] == [REFUSALS[reason]]
    assert django_user_model.objects.count() == 0
