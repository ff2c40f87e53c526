"""The project's real WordPress (scripts/wordpress.sh), started once per test session.

TEST_WP_PORT picks its port (default 8093, apart from the development
instance on 8082). The instance is left running after the session, so the
next run starts in about a second; `WP_PORT=8093 scripts/wordpress.sh down`
stops it.
"""

import os
import subprocess
from pathlib import Path

import pytest
from django.test import override_settings

from tests.support.client import ApiClient
from tests.support.real_wordpress import (
    WORDPRESS_SH,
    Account,
    Send,
    WordPressSite,
    django_sender,
    force_delete_registries,
)
from wpgateway import client as wp_client


def _read_credentials(path: str) -> dict[str, str]:
    values = {}
    for line in Path(path).read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def start_wordpress() -> WordPressSite:
    port = int(os.environ.get("TEST_WP_PORT", "8093"))
    env = {**os.environ, "WP_PORT": str(port)}
    result = subprocess.run(["bash", str(WORDPRESS_SH), "up"], env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"scripts/wordpress.sh up failed ({result.returncode}):\n{result.stderr[-4000:]}")
    values = _read_credentials(result.stdout.strip().splitlines()[-1])
    accounts = {
        name.lower(): Account(
            id=int(values[f"WP_{name}_ID"]),
            login=values[f"WP_{name}_USER"],
            email=values[f"WP_{name}_EMAIL"],
            role=values[f"WP_{name}_ROLE"],
            password=values[f"WP_{name}_PASSWORD"],
            app_password=values[f"WP_{name}_APP_PASSWORD"],
        )
        for name in ("ADMIN", "ALICE", "BOB", "CAROL", "DAVE")
    }
    return WordPressSite(url=values["WP_URL"], port=port, state_dir=values["WP_STATE_DIR"], accounts=accounts)


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
