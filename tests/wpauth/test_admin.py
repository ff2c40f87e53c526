"""The admin's parts that need no WordPress (tests/integration/test_admin.py logs
in against the real one): the split credential, the read-only rule, and what
Lambda's settings (ADMIN_ENABLED off) load."""

import base64
import json

import pytest
from django.contrib.admin import site
from django.contrib.auth.models import User
from django.test import RequestFactory

from items.models import Item, Purchase
from tests.support.project import django_process, finish
from wpauth.admin_session import join, split


@pytest.mark.parametrize("password", ["abcd EFGH ijkl MNOP qrst UVWX", "ümlaut:colon", "x"])
def test_the_two_shares_rebuild_the_password(password):
    assert join(*split(password)) == password


# Passwords long enough (or with characters outside base64) that random shares
# cannot contain them by chance: a one-character password's shares hold it
# about one time in 32, and its one-byte pad repeats one time in 256.
@pytest.mark.parametrize("password", ["abcd EFGH ijkl MNOP qrst UVWX", "ümlaut:colon"])
def test_neither_share_is_the_password_and_each_login_draws_a_new_pad(password):
    server_share, browser_share = split(password)
    assert password not in server_share + browser_share
    assert password.encode() not in base64.b64decode(server_share) + base64.b64decode(browser_share)
    again = split(password)
    assert again[0] != server_share and again[1] != browser_share


@pytest.mark.parametrize(
    "browser_share", ["", "not base64!", "AAAA", "QUJD"], ids=["missing", "garbage", "short", "other"]
)
def test_shares_that_do_not_fit_rebuild_nothing(browser_share):
    server_share, _ = split("abcd efgh ijkl mnop qrst uvwx")
    assert join(server_share, browser_share) is None
    assert join("", browser_share) is None  # a session that never logged in through WordPress


def test_not_even_a_superuser_may_add_change_or_delete(db):
    item = Item.objects.create(registry_id=1, name="Lamp", url="https://example.com/lamp")
    request = RequestFactory().get("/admin/items/item/")
    request.user = User(username="root", is_staff=True, is_superuser=True, is_active=True)
    item_admin = site.get_model_admin(Item)
    assert item_admin.has_view_permission(request, item)
    assert not item_admin.has_add_permission(request)
    assert not item_admin.has_change_permission(request, item)
    assert not item_admin.has_delete_permission(request, item)
    assert item_admin.get_actions(request) == {}
    request.user = User(username="visitor", is_staff=False, is_active=True)
    assert not item_admin.has_view_permission(request, item) and not item_admin.has_module_permission(request)


def test_the_purchase_ledger_is_read_only_and_searchable_by_id(db):
    item = Item.objects.create(registry_id=1, name="Lamp", url="https://example.com/lamp", quantity_needed=3)
    line = Purchase.objects.create(item=item, user_id=42, quantity=2)
    Purchase.objects.create(item=item, user_id=7, quantity=1)
    ledger_admin = site.get_model_admin(Purchase)
    request = RequestFactory().get("/admin/items/purchase/")
    request.user = User(username="root", is_staff=True, is_superuser=True, is_active=True)
    assert ledger_admin.has_view_permission(request, line)
    assert not ledger_admin.has_add_permission(request)
    assert not ledger_admin.has_change_permission(request, line)
    assert not ledger_admin.has_delete_permission(request, line)
    found, _ = ledger_admin.get_search_results(request, Purchase.objects.all(), "42")
    assert [row.pk for row in found] == [line.pk]
    found, _ = ledger_admin.get_search_results(request, Purchase.objects.all(), str(item.id))
    assert found.count() == 2
    found, _ = ledger_admin.get_search_results(request, Purchase.objects.all(), "not a number")
    assert list(found) == []  # no error from the integer fields
    assert Purchase.objects.filter(pk=line.pk).exists()


@pytest.mark.parametrize(("path", "status"), [("/health", 200), ("/no-such-route", 404)])
def test_the_api_answers_json_as_ever_beside_the_admin(anonymous, settings, path, status):
    assert settings.ADMIN_ENABLED  # its middleware runs on every route
    response = anonymous.get(path)
    assert response.status_code == status and response["Content-Type"].startswith("application/json")
    assert response.json()
    assert "Content-Security-Policy" not in response  # the admin's policy stays on the admin's pages


# What a process loads with Lambda's settings: the admin's modules, forms and
# session middleware never (they cost cold-start time and would serve nothing).
PROBE = """
import json, sys
from registry_api.lambda_handler import handler
from tests.support.events import http_v2_event
answers = {path: handler(http_v2_event("GET", path), None) for path in ("/health", "/admin/", "/admin/login/")}
from django.conf import settings
print(json.dumps({
    "status": {path: [answer["statusCode"], answer["body"]] for path, answer in answers.items()},
    "modules": sorted(sys.modules),
    "admin_enabled": settings.ADMIN_ENABLED,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
}))
"""
ADMIN_MODULES = {
    "items.admin",
    "wpauth.admin",
    "wpauth.admin_site",
    "wpauth.admin_session",
    "wpauth.admin_headers",
    "django.middleware.clickjacking",
    "django.contrib.admin.forms",
    "django.contrib.auth.forms",
    "django.contrib.sessions.middleware",
    "django.contrib.messages.middleware",
    "django.contrib.sessions.backends.db",
}


def probe(tmp_path, **environment: str) -> dict:
    """A fresh process with the settings' defaults (the suite's ADMIN_ENABLED and DEBUG unset) and `environment`."""
    stdout, _ = finish(
        django_process(
            tmp_path / "probe.db",
            "-c",
            PROBE,
            **{"ADMIN_ENABLED": None, "DEBUG": None, "MIGRATE_ON_START": "true", **environment},
        )
    )
    return json.loads(stdout.splitlines()[-1])


# The probes run on a SQLite file of their own: a second engine would repeat them, not test them.
ON_ITS_OWN_FILE = pytest.mark.sqlite_only(reason="a process on its own SQLite file; the engine makes no difference")


@ON_ITS_OWN_FILE
@pytest.mark.parametrize("environment", [{}, {"ADMIN_ENABLED": "false"}], ids=["default", "lambda"])
def test_the_admin_is_off_by_default_and_on_lambda_and_loads_nothing(tmp_path, environment):
    seen = probe(tmp_path, **environment)
    assert seen["admin_enabled"] is False
    assert seen["status"]["/health"][0] == 200
    for path in ("/admin/", "/admin/login/"):
        assert seen["status"][path] == [404, json.dumps({"detail": "Not Found"})]
    assert ADMIN_MODULES.isdisjoint(seen["modules"])


@ON_ITS_OWN_FILE
@pytest.mark.parametrize(("debug", "secure"), [("false", True), ("true", False)])
def test_cookies_are_secure_unless_debug(tmp_path, debug, secure):
    seen = probe(tmp_path, ADMIN_ENABLED="true", DEBUG=debug)
    assert seen["admin_enabled"] is True and seen["session_cookie_secure"] is secure
    assert seen["status"]["/admin/login/"][0] == 200
