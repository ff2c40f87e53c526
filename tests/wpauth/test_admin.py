"""The admin's parts that need no WordPress (tests/integration/test_admin.py logs
in against the real one): the split credential, the read-only rule, the
reservations and gifts pages, and what Lambda's settings (ADMIN_ENABLED off) load."""

import base64
import json
import re
from datetime import timedelta

import pytest
from django.contrib.admin import site
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.utils import timezone

from items.models import Item, Purchase, Reservation
from tests.support.project import django_process, finish
from wpauth.admin_session import join, split
from wpauth.administrators import staff_user
from wpauth.identity import WordPressUser


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


# --- reservations and gifts (D10, D11) ------------------------------------------

RESERVATIONS = "/admin/items/reservation/"
PURCHASES = "/admin/items/purchase/"
WP_ADMIN = WordPressUser(
    id=3, slug="ann", login="ann", email="ann@example.test", display_name="Ann Admin", roles=("administrator",)
)


@pytest.fixture
def staff(db, settings) -> Client:
    """A WordPress administrator's staff user, as the admin's login makes it (the
    real login: tests/integration/test_admin.py)."""
    settings.ADMIN_RECHECK_INTERVAL = 10**12  # no re-check with WordPress: this session has no password
    client = Client()
    client.force_login(staff_user(WP_ADMIN))
    return client


def headers(page: str) -> list[str]:
    return re.findall(r'<div class="text">(?:<a [^>]*>|<span>)([^<]*)<', page)


def ids(response) -> list[int]:
    assert response.status_code == 200
    return sorted(row.pk for row in response.context["cl"].result_list)


@pytest.fixture
def reservations(db) -> dict[str, Reservation]:
    lamp = Item.objects.create(registry_id=7, name="Lamp", url="https://example.com/lamp", quantity_needed=9)
    kettle = Item.objects.create(registry_id=8, name="Kettle", url="https://example.com/kettle", quantity_needed=9)
    ahead, past = timezone.now() + timedelta(days=7), timezone.now() - timedelta(seconds=1)
    return {
        "active": Reservation.objects.create(item=lamp, user_id=3, quantity=2, held=2, expires_at=ahead),
        "expired": Reservation.objects.create(item=lamp, user_id=42, quantity=1, held=1, expires_at=past),
        "cancelled": Reservation.objects.create(
            item=kettle, user_id=42, quantity=3, held=0, expires_at=ahead, cancelled_at=timezone.now()
        ),
        "used up": Reservation.objects.create(item=kettle, user_id=5, quantity=1, held=0, expires_at=ahead),
    }


def test_reservations_are_listed_with_the_reserver_and_whether_they_hold(staff, reservations, settings):
    page = staff.get(RESERVATIONS).content.decode()
    assert headers(page) == [
        "ID", "Item", "Reserver", "Quantity", "Held", "Active", "Expires (UTC)", "Created (UTC)", "Cancelled (UTC)",
    ]  # fmt: skip
    wordpress = settings.WP_BASE_URL.rstrip("/")
    assert (
        f'href="{wordpress}/wp-admin/user-edit.php?user_id=3" target="_blank" rel="noopener">Ann Admin (user 3)' in page
    )
    assert f'href="{wordpress}/wp-admin/user-edit.php?user_id=42" target="_blank" rel="noopener">user 42<' in page
    # One "active" icon per row: only the reservation that holds units and has not expired.
    assert page.count('alt="True"') == 1 and page.count('alt="False"') == 3
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", page)
    assert 'id="nav-sidebar"' not in page  # its width goes to the columns

    viewed = staff.get(f"{RESERVATIONS}{reservations['active'].pk}/change/").content.decode()
    labels = re.findall(r"<label>([^<]*):</label>", viewed)
    assert {"ID", "Item", "Reserver", "Quantity", "Held", "Active", "Expires at", "Cancelled at"} <= set(labels)
    assert "Ann Admin (user 3)" in viewed and 'name="_save"' not in viewed


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["active", "expired", "cancelled", "used up"]),
        ("?active=1", ["active"]),
        ("?active=0", ["expired", "cancelled", "used up"]),
        ("?q=42", ["expired", "cancelled"]),  # a WordPress user id
        ("?q={lamp}", ["active", "expired"]),  # an item id
        ("?q=Lamp", []),  # ids only: never the item's name
    ],
)
def test_reservations_filter_and_search_by_item_and_user(staff, reservations, query, expected):
    query = query.format(lamp=reservations["active"].item_id)
    assert ids(staff.get(RESERVATIONS + query)) == sorted(reservations[name].pk for name in expected)


def test_nobody_adds_changes_or_deletes_a_reservation_or_a_gift(staff, reservations):
    request = RequestFactory().get(RESERVATIONS)
    request.user = User(username="root", is_staff=True, is_superuser=True, is_active=True)
    for model, row in ((Reservation, reservations["active"]), (Purchase, None)):
        model_admin = site.get_model_admin(model)
        assert model_admin.has_view_permission(request, row)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, row)
        assert not model_admin.has_delete_permission(request, row)
    reservation = reservations["active"]
    assert staff.get(f"{RESERVATIONS}add/").status_code == 403
    assert staff.post(f"{RESERVATIONS}{reservation.pk}/change/", {"held": "0"}).status_code == 403
    assert staff.post(f"{RESERVATIONS}{reservation.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Reservation.objects.get(pk=reservation.pk).held == 2


def test_the_reservations_list_costs_no_query_per_row(staff, reservations, django_assert_max_num_queries):
    item = reservations["active"].item
    ahead = timezone.now() + timedelta(days=1)
    for user_id in range(30):
        Reservation.objects.create(item=item, user_id=user_id, quantity=1, held=1, expires_at=ahead)
    staff.get(RESERVATIONS)  # the session and user loaded once
    with django_assert_max_num_queries(8):
        assert staff.get(RESERVATIONS).status_code == 200


@pytest.fixture
def gifts(db) -> dict[str, Purchase]:
    lamp = Item.objects.create(registry_id=7, name="Lamp", url="https://example.com/lamp", quantity_needed=9)
    long_message = "Congratulations, you two! " + "May it light many evenings. " * 5
    return {
        "aunt": Purchase.objects.create(
            item=lamp, user_id=3, quantity=2, gift_quantity=2, from_name="Aunt May", message=long_message
        ),
        "thanked": Purchase.objects.create(
            item=lamp, user_id=42, quantity=1, gift_quantity=1, from_name="The Smiths", message="Enjoy", thanked=True
        ),
        "no note": Purchase.objects.create(item=lamp, user_id=5, quantity=1, gift_quantity=1),
        "undo": Purchase.objects.create(item=lamp, user_id=42, quantity=-1),
    }


def test_the_ledger_shows_each_gift_its_name_message_and_whether_thanked(staff, gifts):
    page = staff.get(PURCHASES).content.decode()
    assert headers(page) == [
        "ID", "Item", "Buyer", "Quantity", "Gift quantity", "From", "Message", "Thanked", "Created (UTC)",
    ]  # fmt: skip
    message = gifts["aunt"].message
    assert f'<span title="{message}">{message[:39]}…</span>' in page  # cut, whole on hover
    assert ">Aunt May<" in page and ">The Smiths<" in page
    assert page.count('alt="True"') == 1  # thanked

    viewed = staff.get(f"{PURCHASES}{gifts['aunt'].pk}/change/").content.decode()
    labels = re.findall(r"<label>([^<]*):</label>", viewed)
    assert {"From", "Message", "Gift quantity", "Thanked", "Buyer"} <= set(labels)
    assert "From name" not in labels and message.strip() in viewed  # the whole message on its page
    no_note = staff.get(f"{PURCHASES}{gifts['no note'].pk}/change/").content.decode()
    assert re.search(r"<label>From:</label>\s*<div class=\"readonly\">-</div>", no_note)  # not "None"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?thanked__exact=1", ["thanked"]),
        ("?thanked__exact=0", ["aunt", "no note", "undo"]),
        ("?q=aunt", ["aunt"]),  # the name the buyer gave
        ("?q=evenings", ["aunt"]),  # words of the message
        ("?q=42", ["thanked", "undo"]),  # a WordPress user id, as before
    ],
)
def test_gifts_filter_on_thanked_and_search_by_name_and_message(staff, gifts, query, expected):
    assert ids(staff.get(PURCHASES + query)) == sorted(gifts[name].pk for name in expected)


def test_an_items_page_shows_its_reserved_units(staff, reservations):
    item = reservations["active"].item  # 2 held, 1 expired
    viewed = staff.get(f"/admin/items/item/{item.pk}/change/").content.decode()
    assert re.search(
        r"<label>Quantity reserved \(active reservations\):</label>\s*<div class=\"readonly\">2</div>", viewed
    )


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
