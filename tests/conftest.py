"""Fixtures shared by the whole suite.

Unit tests meet WordPress through `wordpress_stub`, a respx stand-in that
answers `users/me` for the accounts below and, unless a test routes them
itself, registry reads as if every registry were alice's and published;
integration tests in tests/integration/ use the project's real WordPress instead.
"""

import asyncio
import base64
import json

import httpx
import pytest
import respx
from django.conf import settings
from django.core.cache import caches
from django.test import Client

from access import facts
from items.models import Item
from wpgateway import client as wp_client
from wpgateway.credentials import clear_cache

WP_API = f"{settings.WP_BASE_URL.rstrip('/')}/wp-json"

# login -> (application password, users/me body)
ACCOUNTS = {
    "alice": (
        "alice-app-password",
        {
            "id": 2,
            "username": "alice",
            "slug": "alice",
            "email": "alice@example.test",
            "name": "Alice",
            "roles": ["registry_user"],
            "capabilities": {"read": True, "edit_restart_registries": True},
            "meta": [],
        },
    ),
    "admin": (
        "admin-app-password",
        {
            "id": 1,
            "username": "admin",
            "slug": "admin",
            "email": "admin@example.test",
            "name": "Site Admin",
            "roles": ["administrator"],
            "capabilities": {"manage_options": True},
            "meta": {"persisted_preferences": {}},
        },
    ),
    "eddie": (
        "editor-app-password",
        {
            "id": 3,
            "username": "eddie",
            "slug": "eddie",
            "email": "eddie@example.test",
            "name": "Eddie Editor",
            "roles": ["editor"],
            "capabilities": {"edit_others_posts": True},
        },
    ),
}


def basic(login: str, password: str | None = None) -> str:
    """The Authorization header for an account of ACCOUNTS (or any pair)."""
    if password is None:
        password = ACCOUNTS[login][0]
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


def account_of(request: httpx.Request) -> dict | None:
    """The users/me body of the account whose credentials `request` carries, if any."""
    header = request.headers.get("Authorization", "")
    try:
        login, password = base64.b64decode(header.removeprefix("Basic ")).decode().split(":", 1)
    except ValueError:
        return None
    account = ACCOUNTS.get(login)
    return account[1] if account is not None and account[0] == password else None


def users_me(request: httpx.Request) -> httpx.Response:
    """WordPress's users/me: 401 rest_not_logged_in unless the pair is known."""
    account = account_of(request)
    if account is None:
        return httpx.Response(
            401,
            json={"code": "rest_not_logged_in", "message": "You are not currently logged in.", "data": {"status": 401}},
        )
    return httpx.Response(200, json=account)


# The registry paths the default stand-in answers: the list, and one post by id.
REGISTRY_PATH = r"^/wp/v2/restart-registry(?:/(?P<registry_id>\d+))?$"


def registry_post(registry_id: int, *, author: int = ACCOUNTS["alice"][1]["id"], status: str = "publish") -> dict:
    """A `restart-registry` post as WordPress answers a GET (view context)."""
    return {
        "id": registry_id,
        "date": "2026-04-01T10:00:00",
        "modified": "2026-04-01T12:00:00",
        "status": status,
        "type": "restart-registry",
        "title": {"rendered": f"Registry {registry_id}"},
        "content": {"rendered": "", "protected": False},
        "author": author,
        "meta": {"restart_invitees": "[]", "restart_item_ids": "[]"},
    }


def default_registries(request: httpx.Request, registry_id: str | None = None) -> httpx.Response:
    """Every registry is alice's and published: GET of one answers such a post;
    the list by author answers alice the registries the stored items use."""
    if registry_id is not None:
        return httpx.Response(200, json=registry_post(int(registry_id)))
    params = request.url.params
    alice = str(ACCOUNTS["alice"][1]["id"])
    used = sorted(set(Item.objects.exclude(registry_id=None).values_list("registry_id", flat=True)))
    ids = [registry_id for registry_id in used if registry_id > 0] if params.get("author") == alice else []
    page, per_page = int(params.get("page", 1)), int(params.get("per_page", 10))
    headers = {"X-WP-Total": str(len(ids)), "X-WP-TotalPages": str(-(-len(ids) // per_page))}
    chunk = ids[(page - 1) * per_page : page * per_page]
    return httpx.Response(200, json=[registry_post(registry_id) for registry_id in chunk], headers=headers)


def give_way(router: respx.Router, route: respx.Route, answer):
    """`answer` as `route`'s side effect, except for requests another route of
    `router` matches, even one a test adds later (respx tries routes in order)."""

    def side_effect(request: httpx.Request, **kwargs):
        if any(other is not route and other.pattern.match(request) for other in router.routes):
            return None  # respx: not a match, try the next route
        return answer(request, **kwargs)

    return route.mock(side_effect=side_effect)


@pytest.fixture(autouse=True)
def _fresh_wordpress_state():
    """Every test starts with empty credential and registry caches, no cached
    readiness check (the default cache) and a new HTTP client."""
    clear_cache()
    facts.clear()
    caches["default"].clear()
    wp_client.reset_http_client()
    yield
    clear_cache()
    facts.clear()
    caches["default"].clear()
    wp_client.reset_http_client()


@pytest.fixture(autouse=True)
def _event_loop_for_mangum():
    """Mangum runs each event on asyncio.get_event_loop(); anything that ran
    asyncio.run() before leaves none, so each test gets a fresh loop."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def wordpress_stub():
    """A respx WordPress answering users/me and, as `default_registries`, registry
    reads no route of the test answers; other WordPress calls fail the test."""
    with respx.mock(base_url=WP_API, assert_all_called=False) as router:
        router.get("/wp/v2/users/me", name="users_me").mock(side_effect=users_me)
        give_way(router, router.get(path__regex=REGISTRY_PATH, name="default_registries"), default_registries)
        yield router


class ApiClient(Client):
    """Django's test client speaking JSON, optionally as one account."""

    def __init__(self, authorization: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.authorization = authorization

    def generic(self, method, path, data="", content_type="application/json", **extra):
        if self.authorization is not None:
            extra.setdefault("HTTP_AUTHORIZATION", self.authorization)
        if not isinstance(data, (str, bytes)):
            data = json.dumps(data)
        return super().generic(method, path, data, content_type, **extra)

    def get(self, path, data=None, **extra):
        # Query strings are given in the path; keeps GET from sending a body.
        return self.generic("GET", path, "", **extra)

    # Django's own post/put/patch/delete would encode `data` as a form first.
    def post(self, path, data="", **extra):
        return self.generic("POST", path, data, **extra)

    def put(self, path, data="", **extra):
        return self.generic("PUT", path, data, **extra)

    def patch(self, path, data="", **extra):
        return self.generic("PATCH", path, data, **extra)

    def delete(self, path, data="", **extra):
        return self.generic("DELETE", path, data, **extra)


@pytest.fixture
def anonymous(db):
    return ApiClient()


@pytest.fixture
def alice(db, wordpress_stub):
    return ApiClient(basic("alice"))


@pytest.fixture
def admin(db, wordpress_stub):
    return ApiClient(basic("admin"))


@pytest.fixture
def lambda_handler(transactional_db, wordpress_stub):
    """The real Lambda entry point. Requests run on Django's ASGI worker
    thread, so the data must be committed: hence transactional_db."""
    from registry_api.lambda_handler import handler

    return handler


SAMPLE_ITEM = {
    "registry_id": 1,
    "name": "Test Item",
    "description": "A test item description",
    "url": "https://example.com/product/test-item",
    "price": 29.99,
    "is_active": True,
}
