"""THE WordPress accounts of the tests, the benchmarks and the artifact smoke test:
each login's application password and the body WordPress answers its
`users/me?context=edit` with."""

import base64

import httpx

from wpauth.caller import Caller
from wpauth.identity import WordPressUser

# login -> (application password, users/me body)
ACCOUNTS: dict[str, tuple[str, dict]] = {
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
ALICE_ID: int = ACCOUNTS["alice"][1]["id"]
# Guests who may read (and buy from) every registry of `serve_stand_in`, which
# are alice's and published: the writers of tests/items/test_concurrent_writes.py.
GUESTS: dict[str, tuple[str, dict]] = {
    f"guest{n}": (f"guest{n}-app-password", {"id": 100 + n, "username": f"guest{n}", "slug": f"guest{n}",
                                             "email": f"guest{n}@example.test", "name": f"Guest {n}",
                                             "roles": ["registry_user"], "capabilities": {"read": True}})
    for n in range(6)
}  # fmt: skip


def basic(login: str, password: str | None = None) -> str:
    """The Authorization header for an account of ACCOUNTS (or any pair)."""
    if password is None:
        password = ACCOUNTS[login][0]
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


def account_of(request: httpx.Request, accounts: dict[str, tuple[str, dict]] = ACCOUNTS) -> dict | None:
    """The users/me body of the account whose credentials `request` carries, if any."""
    header = request.headers.get("Authorization", "")
    try:
        login, password = base64.b64decode(header.removeprefix("Basic ")).decode().split(":", 1)
    except ValueError:
        return None
    account = accounts.get(login)
    return account[1] if account is not None and account[0] == password else None


def users_me(request: httpx.Request, accounts: dict[str, tuple[str, dict]] = ACCOUNTS) -> httpx.Response:
    """WordPress's users/me: 401 rest_not_logged_in unless the pair is known."""
    account = account_of(request, accounts)
    if account is None:
        return httpx.Response(
            401,
            json={"code": "rest_not_logged_in", "message": "You are not currently logged in.", "data": {"status": 401}},
        )
    return httpx.Response(200, json=account)


def caller_of(login: str) -> Caller:
    """The Caller the API's auth makes of `login` (ACCOUNTS), to call services directly."""
    password, account = ACCOUNTS[login]
    user = WordPressUser(
        account["id"], account["slug"], account["username"], account["email"], account["name"],
        roles=tuple(account["roles"]),
    )  # fmt: skip
    return Caller(user, (login, password))
