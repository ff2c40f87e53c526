"""Fixtures shared by the whole suite.

Unit tests meet WordPress through `wordpress_stub`, a respx stand-in that
answers `users/me` for the accounts of tests/support/accounts.py and, unless a test routes them
itself, registry reads as if every registry were alice's and published;
integration tests in tests/integration/ use the project's real WordPress instead.
"""

import asyncio

import httpx
import pytest
import respx
from django.conf import settings
from django.core.cache import caches

from items.models import Item
from registries import facts
from tests.support.access_registries import add_access_registries
from tests.support.accounts import ACCOUNTS, GUESTS, basic
from tests.support.client import ApiClient
from tests.support.wordpress import REGISTRY_PATH, WordPressStandIn, serve_stand_in
from wpauth import wordpress as wp_client
from wpauth.backends import clear_cache

WP_API = f"{settings.WP_BASE_URL.rstrip('/')}/wp-json"


def registries_of_stored_items() -> list[int]:
    """The registries the stored items use: alice's, for the default stand-in."""
    used = Item.objects.values_list("registry_id", flat=True)
    return sorted(registry_id for registry_id in set(used) if registry_id is not None and registry_id > 0)


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
    """A respx WordPress answering users/me and, as a `WordPressStandIn` where every
    registry is alice's and published (her list: the registries the stored items
    use), registry reads no route of the test answers; other WordPress calls fail the test."""
    site = WordPressStandIn(alices_registries=registries_of_stored_items)
    with respx.mock(base_url=WP_API, assert_all_called=False) as router:
        router.get("/wp/v2/users/me", name="users_me").mock(side_effect=site.users_me)
        give_way(router, router.get(path__regex=REGISTRY_PATH, name="default_registries"), site.registries)
        yield router


@pytest.fixture(scope="module")
def wordpress_url():
    """The stand-in over HTTP, for processes the tests start (respx does not
    cross process boundaries), with the guests of tests/support/accounts.py."""
    server = serve_stand_in({**ACCOUNTS, **GUESTS})
    yield server.url
    server.stop()


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
def eddie(db, wordpress_stub):
    """An editor: neither owner nor administrator of anything."""
    return ApiClient(basic("eddie"))


@pytest.fixture
def site_editor(eddie, monkeypatch):
    """eddie as the mu-plugin makes a site's editors: WordPress lets him read
    (private included) and edit every registry."""
    capabilities = {**ACCOUNTS["eddie"][1]["capabilities"], "edit_others_restart_registries": True}
    monkeypatch.setitem(ACCOUNTS["eddie"][1], "capabilities", capabilities)
    return eddie


@pytest.fixture
def clients(alice, admin, eddie) -> dict[str, ApiClient]:
    return {"alice": alice, "admin": admin, "eddie": eddie}


@pytest.fixture
def access_wordpress(wordpress_stub) -> WordPressStandIn:
    """WordPress with the registries of tests/support/access_registries.py."""
    return add_access_registries(WordPressStandIn(router=wordpress_stub))


@pytest.fixture
def lambda_handler(transactional_db, wordpress_stub):
    """The real Lambda entry point. Requests run on Django's ASGI worker
    thread, so the data must be committed: hence transactional_db."""
    from registry_api.lambda_handler import handler

    return handler
