"""The project's real WordPress (scripts/wordpress.sh), started once per test session.

TEST_WP_PORT picks its port (default 8093, apart from the development
instance on 8082). The instance is left running after the session, so the
next run starts in about a second; `WP_PORT=8093 scripts/wordpress.sh down`
stops it.
"""

import pytest
from django.test import override_settings

from tests.support.client import ApiClient
from tests.support.real_wordpress import (
    Send,
    django_sender,
    force_delete_registries,
    start_wordpress,
)
from wpauth import wordpress as wp_client


@pytest.fixture(scope="session")
def wordpress_site():
    return start_wordpress()


@pytest.fixture
def wordpress(wordpress_site):
    """The running WordPress; the service's WP_BASE_URL points at it for the test
    (only for the test: unit tests later in the session use the respx stand-in)."""
    with override_settings(WP_BASE_URL=wordpress_site.url):
        wp_client.reset_http_client()
        yield wordpress_site
    wp_client.reset_http_client()


@pytest.fixture
def client_for(db, wordpress):
    """`client_for("alice")`: an ApiClient speaking with that account's application password."""

    def make(name: str) -> ApiClient:
        return ApiClient(wordpress.accounts[name].authorization)

    return make


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.wordpress)


@pytest.fixture
def send(db, wordpress) -> Send:
    return django_sender(wordpress)


@pytest.fixture
def created(wordpress):
    """Call with a registry id to have it force-deleted at teardown."""
    registry_ids: list[int] = []
    yield registry_ids.append
    force_delete_registries(wordpress, registry_ids)
