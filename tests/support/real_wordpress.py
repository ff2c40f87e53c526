"""Calling the API, and WordPress itself, as the accounts of the real WordPress
(tests/integration: `site` is its `wordpress` fixture)."""

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.accounts import basic
from tests.support.client import ApiClient
from tests.support.events import http_v2_event
from tests.support.project import ROOT

WORDPRESS_SH = ROOT / "scripts" / "wordpress.sh"

# bob by login, carol by e-mail in another case; sorted, as the invitee routes keep them.
INVITEES = ["CAROL@example.test", "bob"]

# (account, method, path, body) -> (status, decoded JSON body or None)
Send = Callable[..., tuple[int, Any]]


@dataclass(frozen=True)
class Account:
    """One of the accounts scripts/wordpress.sh made, with its application password."""

    id: int
    login: str
    email: str
    role: str
    password: str  # the login password (refused by the REST API)
    app_password: str

    @property
    def authorization(self) -> str:
        return basic(self.login, self.app_password)


@dataclass(frozen=True)
class WordPressSite:
    """The running WordPress of scripts/wordpress.sh: its address and accounts (`site.alice`)."""

    url: str
    port: int
    state_dir: str
    accounts: dict[str, Account]

    def __getattr__(self, name: str) -> Account:
        try:
            return self.accounts[name]
        except KeyError:
            raise AttributeError(name) from None

    def run(self, *args: str) -> subprocess.CompletedProcess:
        """Run scripts/wordpress.sh against this instance."""
        env = {**os.environ, "WP_PORT": str(self.port), "WP_STATE_DIR": self.state_dir}
        return subprocess.run(["bash", str(WORDPRESS_SH), *args], env=env, capture_output=True, text=True, timeout=600)


def django_sender(site: WordPressSite) -> Send:
    def send(account: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = ApiClient(site.accounts[account].authorization).generic(method, path, "" if body is None else body)
        return response.status_code, response.json() if response.content else None

    return send


def lambda_sender(site: WordPressSite) -> Send:
    """Through the Lambda entry point, as API Gateway (HTTP API, payload 2.0) calls it."""
    from registry_api.lambda_handler import handler

    def send(account: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        path, _, query = path.partition("?")
        headers = {"Authorization": site.accounts[account].authorization}
        result = handler(http_v2_event(method, path, query=query, body=body, headers=headers), None)
        return result["statusCode"], json.loads(result["body"]) if result["body"] else None

    return send


def new_registry(send: Send, created, **body) -> dict:
    status, registry = send("alice", "POST", "/registries", {"title": "Wedding", "username": "alice", **body})
    assert status == 201, registry
    created(registry["id"])
    return registry


def wordpress_api(site: WordPressSite, account: Account, method: str, path: str, **kwargs) -> httpx.Response:
    """Call WordPress directly, as `account`, outside the service."""
    return httpx.request(
        method, f"{site.url}/wp-json{path}", auth=(account.login, account.app_password), timeout=30, **kwargs
    )


def force_delete_registries(site: WordPressSite, registry_ids: Iterable[int]) -> None:
    """Force-delete the registries a test made, as the administrator (its teardown).
    Under a heavy machine load the local `php -S` WordPress has stopped answering
    for minutes at a time: each delete is sent again until WordPress answers it
    (404: already gone), for up to three minutes, rather than fail a test that passed."""
    for registry_id in registry_ids:
        give_up = time.monotonic() + 180
        while True:
            try:
                response = wordpress_api(
                    site, site.admin, "DELETE", f"/wp/v2/restart-registry/{registry_id}", params={"force": "true"}
                )
                if response.status_code in (200, 404):
                    break
            except httpx.TransportError:
                response = None
            if time.monotonic() > give_up:
                raise AssertionError(f"registry {registry_id} not deleted: {response and response.text}")
            time.sleep(1)


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
