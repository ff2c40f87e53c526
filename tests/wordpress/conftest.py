"""The mu-plugin attacked straight through WordPress (no service in between), on the
project's real WordPress (scripts/wordpress.sh), which tests/integration starts."""

import secrets
from collections.abc import Callable, Iterator

import pytest

from tests.support.real_wordpress import Account, WordPressSite, start_wordpress, wordpress_api


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/wordpress/" in str(item.fspath):
            item.add_marker(pytest.mark.wordpress)


@pytest.fixture(scope="session")
def site() -> WordPressSite:
    return start_wordpress()


@pytest.fixture(scope="module")
def make_user(site) -> Iterator[Callable[..., Account]]:
    """make_user(role): a new account with its own login and application password,
    so that tests which change a user leave the shared accounts alone; deleted afterwards."""
    made: list[int] = []

    def make(role: str = "registry_user") -> Account:
        login = f"guest-{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(16)
        response = wordpress_api(site, site.admin, "POST", "/wp/v2/users", json={
            "username": login, "email": f"{login}@example.test", "password": password, "roles": [role],
        })  # fmt: skip
        assert response.status_code == 201, response.text
        user_id = response.json()["id"]
        made.append(user_id)
        response = wordpress_api(
            site, site.admin, "POST", f"/wp/v2/users/{user_id}/application-passwords", json={"name": "tests/wordpress"}
        )
        assert response.status_code == 201, response.text
        return Account(user_id, login, f"{login}@example.test", role, password, response.json()["password"])

    yield make
    params = {"force": "true", "reassign": site.admin.id}
    responses = [
        wordpress_api(site, site.admin, "DELETE", f"/wp/v2/users/{user_id}", params=params) for user_id in made
    ]
    assert [response.text for response in responses if response.status_code not in (200, 404)] == []


@pytest.fixture
def read_email(site) -> Callable[[Account], str]:
    """read_email(account): the account's e-mail address now, as the administrator reads it."""

    def read(account: Account) -> str:
        response = wordpress_api(site, site.admin, "GET", f"/wp/v2/users/{account.id}", params={"context": "edit"})
        assert response.status_code == 200, response.text
        return response.json()["email"]

    return read
