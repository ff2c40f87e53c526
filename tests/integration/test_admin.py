"""The Django admin against the project's real WordPress (issue 11): read-only for
WordPress administrators, a login that asks WordPress and says why it refuses,
sessions WordPress keeps vouching for."""

import base64
import logging
import re
import secrets
import shutil
import socket
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client
from django.utils import timezone

from items.models import Item, Purchase, Reservation
from tests.support.accounts import basic
from tests.support.client import ApiClient
from tests.support.real_wordpress import WordPressSite, wordpress_api
from wpauth import admin_session
from wpauth import wordpress as wp_client
from wpauth.admin_site import REFUSALS
from wpauth.administrators import Refusal

if TYPE_CHECKING:  # the test client's response type, in django-stubs only
    from django.test.client import _MonkeyPatchedWSGIResponse

CHANGELIST = "/admin/items/item/"


def log_in(login: str, password: str) -> tuple[Client, "_MonkeyPatchedWSGIResponse"]:
    client = Client()
    return client, client.post(f"/admin/login/?next={CHANGELIST}", {"username": login, "password": password})


@pytest.fixture
def staff(db, wordpress) -> Client:
    """The WordPress administrator, logged into the admin."""
    client, response = log_in(wordpress.admin.login, wordpress.admin.app_password)
    assert (response.status_code, response["Location"]) == (302, CHANGELIST)
    return client


@pytest.fixture
def closed_port_url() -> str:
    """A loopback address nothing listens on: WordPress down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass
class TemporaryAdministrator:
    """A WordPress administrator made for one test, whom the test may demote or revoke."""

    site: WordPressSite
    id: int
    login: str
    app_password: str

    def wordpress(self, method: str, path: str, **kwargs):
        answer = wordpress_api(self.site, self.site.admin, method, path, **kwargs)
        assert answer.status_code < 300, answer.text
        return answer

    def demote(self) -> None:
        self.wordpress("POST", f"/wp/v2/users/{self.id}", json={"roles": ["subscriber"]})

    def revoke(self) -> None:
        self.wordpress("DELETE", f"/wp/v2/users/{self.id}/application-passwords")


@pytest.fixture
def temporary_administrator(db, wordpress):
    login = f"admin-{secrets.token_hex(4)}"
    site_admin = TemporaryAdministrator(wordpress, wordpress.admin.id, wordpress.admin.login, "")
    user = site_admin.wordpress(
        "POST",
        "/wp/v2/users",
        json={
            "username": login,
            "email": f"{login}@example.test",
            "password": secrets.token_hex(12),
            "roles": ["administrator"],
        },
    ).json()
    made = site_admin.wordpress("POST", f"/wp/v2/users/{user['id']}/application-passwords", json={"name": "admin test"})
    yield TemporaryAdministrator(wordpress, user["id"], login, made.json()["password"])
    site_admin.wordpress(
        "DELETE", f"/wp/v2/users/{user['id']}", params={"force": "true", "reassign": wordpress.admin.id}
    )


# --- who gets in, as what ---------------------------------------------------


def test_a_wordpress_administrator_gets_a_staff_user_who_may_only_view(db, wordpress):
    # A local user an earlier version made a superuser is demoted at its next login.
    User.objects.create_superuser(wordpress.admin.login, password="a local password")
    Item.objects.create(registry_id=7, name="Blender", url="https://example.com/blender")

    client, response = log_in(wordpress.admin.login, wordpress.admin.app_password)
    assert (response.status_code, response["Location"]) == (302, CHANGELIST)
    listed = client.get(CHANGELIST)
    assert listed.status_code == 200
    assert b"Blender" in listed.content

    user = User.objects.get(username=wordpress.admin.login)
    assert (user.is_staff, user.is_superuser, user.email) == (True, False, wordpress.admin.email)
    assert not user.has_usable_password()
    assert not user.user_permissions.exists() and not user.groups.exists()
    assert User.objects.count() == 1


def test_the_login_page_says_an_application_password_is_needed_and_where(db, wordpress):
    page = Client().get("/admin/login/").content.decode()
    assert "application password</strong>, not your" in page
    assert f'href="{wordpress.url}/wp-admin/profile.php#application-passwords-section"' in page
    assert "Application password:" in page


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("login password", Refusal.CREDENTIALS),
        ("wrong password", Refusal.CREDENTIALS),
        ("not an administrator", Refusal.NOT_ADMINISTRATOR),
        ("wordpress down", Refusal.UNAVAILABLE),
    ],
)
def test_each_login_failure_says_what_happened(db, wordpress, settings, closed_port_url, caplog, case, reason):
    account, password = {
        "login password": (wordpress.admin, wordpress.admin.password),
        "wrong password": (wordpress.admin, "abcd efgh ijkl mnop qrst uvwx"),
        "not an administrator": (wordpress.alice, wordpress.alice.app_password),
        "wordpress down": (wordpress.admin, wordpress.admin.app_password),
    }[case]
    if case == "wordpress down":
        settings.WP_BASE_URL = closed_port_url
    caplog.set_level(logging.INFO)

    client, response = log_in(account.login, password)

    assert response.status_code == 200  # the form again, saying why
    messages = [
        message for message in REFUSALS.values() if message.encode() in response.content.replace(b"&#x27;", b"'")
    ]
    assert messages == [REFUSALS[reason]]
    assert client.get(CHANGELIST).status_code == 302
    assert not User.objects.exists()
    assert f"admin login refused for {account.login!r}: {reason.value}" in caplog.text
    assert password not in caplog.text + "".join(repr(record.args) for record in caplog.records)


def test_the_login_asks_wordpress_never_the_credential_cache(temporary_administrator):
    api = ApiClient(basic(temporary_administrator.login, temporary_administrator.app_password))
    assert api.get("/items").status_code == 200  # the API's cache now holds the credential
    temporary_administrator.revoke()
    assert api.get("/items").status_code == 200  # the API trusts its cache for WP_AUTH_CACHE_TTL

    _, response = log_in(temporary_administrator.login, temporary_administrator.app_password)
    assert response.status_code == 200
    assert REFUSALS[Refusal.CREDENTIALS].replace("'", "&#x27;").encode() in response.content


# --- read-only ---------------------------------------------------------------


def test_nobody_adds_changes_or_deletes_through_the_admin(staff):
    item = Item.objects.create(registry_id=7, name="Kettle", url="https://example.com/kettle", price=35.5)
    before = model_to_dict(Item.objects.get(id=item.id))
    assert before["description"] is None and before["image_url"] is None
    change, delete = f"{CHANGELIST}{item.id}/change/", f"{CHANGELIST}{item.id}/delete/"
    edited = {**{key: value or "" for key, value in before.items()}, "price": "-3", "_save": "Save"}

    assert staff.get(f"{CHANGELIST}add/").status_code == 403
    assert staff.post(f"{CHANGELIST}add/", {**edited, "name": "Forged"}).status_code == 403
    viewed = staff.get(change)
    assert viewed.status_code == 200  # viewing is what the admin is for
    assert b"View item" in viewed.content and b'name="_save"' not in viewed.content
    assert staff.post(change, edited).status_code == 403
    assert staff.get(delete).status_code == 403
    assert staff.post(delete, {"post": "yes"}).status_code == 403
    bulk = staff.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [item.id], "post": "yes"})
    assert bulk.status_code == 200 and b"delete_selected" not in bulk.content

    assert list(Item.objects.values_list("id", flat=True)) == [item.id]
    assert model_to_dict(Item.objects.get(id=item.id)) == before
    for screen in ("/admin/auth/user/", "/admin/auth/group/"):
        answer = staff.get(screen)
        assert answer.status_code == 404 and answer["Content-Type"].startswith("text/html")
    refused = staff.get(f"{CHANGELIST}add/").content.decode()
    assert "This admin is read-only" in refused and f'href="{CHANGELIST}"' in refused


def test_the_ledger_names_an_administrator_who_bought_by_the_name_wordpress_gave(staff, wordpress):
    item = Item.objects.create(registry_id=7, name="Kettle", url="https://example.com/kettle", quantity_needed=2)
    Purchase.objects.create(item=item, user_id=wordpress.admin.id, quantity=1)
    name = User.objects.get(username=wordpress.admin.login).first_name
    assert name  # WordPress's display name, mirrored at the login
    page = staff.get("/admin/items/purchase/").content.decode()
    link = f"{wordpress.url}/wp-admin/user-edit.php?user_id={wordpress.admin.id}"
    assert f'href="{link}" target="_blank" rel="noopener">{name} (user {wordpress.admin.id})</a>' in page


def test_reservations_and_gifts_made_through_the_api_are_inspected_by_who_made_them(staff, wordpress, created):
    registry = wordpress_api(
        wordpress,
        wordpress.alice,
        "POST",
        "/wp/v2/restart-registry",
        json={"title": "Admin gifts", "status": "publish"},
    )
    assert registry.status_code == 201, registry.text
    created(registry.json()["id"])
    item = Item.objects.create(
        registry_id=registry.json()["id"], name="Kettle", url="https://example.com/kettle", quantity_needed=3
    )
    bob, admin = (ApiClient(wordpress.accounts[name].authorization) for name in ("bob", "admin"))
    held = bob.post(f"/items/{item.id}/reservations", {"quantity": 2})
    assert held.status_code == 201, held.content
    bought = bob.post(
        f"/items/{item.id}/purchase",
        {"quantity": 2, "reservation_id": held.json()["data"]["id"], "from": "Uncle Bob", "message": "Tea time!"},
    )
    assert bought.status_code == 200, bought.content
    assert admin.post(f"/items/{item.id}/reservations", {}).status_code == 201
    bobs, admins = Reservation.objects.order_by("id")
    name = User.objects.get(username=wordpress.admin.login).first_name

    page = staff.get("/admin/items/reservation/").content.decode()
    assert f"{name} (user {wordpress.admin.id})</a>" in page  # a staff user: by the name WordPress gave
    assert f'user_id={wordpress.bob.id}" target="_blank" rel="noopener">user {wordpress.bob.id}</a>' in page
    found = staff.get(f"/admin/items/reservation/?q={wordpress.bob.id}").context["cl"].result_list
    assert [row.pk for row in found] == [bobs.pk]
    active = staff.get("/admin/items/reservation/?active=1").context["cl"].result_list
    assert [row.pk for row in active] == [admins.pk]  # bob's purchase used his up

    gifts = staff.get("/admin/items/purchase/?q=uncle").content.decode()
    assert ">Uncle Bob<" in gifts and ">Tea time!<" in gifts and f"user {wordpress.bob.id}</a>" in gifts
    gift = Purchase.objects.get(from_name="Uncle Bob")
    assert (gift.user_id, gift.gift_quantity, gift.thanked) == (wordpress.bob.id, 2, False)
    assert [row.pk for row in staff.get("/admin/items/purchase/?thanked__exact=0").context["cl"].result_list] == [
        gift.pk
    ]


# --- inspecting ----------------------------------------------------------------


@pytest.fixture
def inspected(db):
    lamp = Item.objects.create(
        registry_id=424242,
        name="Lamp",
        url="https://example.com/lamp",
        retailer="IKEA",
        affiliate_url="https://aff.example/lamp",
        affiliate_status="active",
    )
    rows = {
        "Lamp": lamp,
        "Kettle": Item.objects.create(registry_id=515151, name="Kettle", url="https://example.com/kettle", price=35.5),
        "Removed rug": Item.objects.create(
            registry_id=424242, name="Removed rug", url="https://example.com/rug", is_active=False
        ),
        # Its registry id is the lamp's item id: an id search must not mix the two.
        "Mixer": Item.objects.create(registry_id=lamp.id, name="Mixer", url="https://example.com/mixer"),
        "Legacy row": Item.objects.create(registry_id=None, name="Legacy row", url="https://example.com/legacy"),
    }
    return {name: item.id for name, item in rows.items()}


def listed(response) -> list[str]:
    assert response.status_code == 200
    return sorted(
        Item.objects.filter(id__in=response.context["cl"].result_list.values("id")).values_list("name", flat=True)
    )


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("", ["Kettle", "Lamp", "Legacy row", "Mixer", "Removed rug"]),  # soft-deleted rows too
        ("?is_active__exact=1", ["Kettle", "Lamp", "Legacy row", "Mixer"]),
        ("?is_active__exact=0", ["Removed rug"]),
        ("?registry_id=424242", ["Lamp", "Removed rug"]),
        ("?registry_id__isnull=True", ["Legacy row"]),
        ("?retailer=IKEA", ["Lamp"]),
        ("?affiliate_status=active", ["Lamp"]),
        ("?q=kettle", ["Kettle"]),
        ("?q=example.com/rug", ["Removed rug"]),
        ("?q=ikea", ["Lamp"]),
        ("?q=registry:424242", ["Lamp", "Removed rug"]),
        ("?q=item:{Lamp}", ["Lamp"]),
        ("?q=registry:{Lamp}", ["Mixer"]),
        ("?q=%23{Kettle}", ["Kettle"]),
        ("?q=424242", []),  # a bare number is text: never an id of either kind
    ],
)
def test_the_changelist_filters_and_searches(staff, inspected, query, names):
    assert listed(staff.get(CHANGELIST + query.format(**inspected))) == names


def test_stored_html_is_shown_as_text(staff):
    Item.objects.create(
        registry_id=7,
        name="<script>alert(1)</script>",
        url="javascript:alert(2)",
        retailer='<img src=x onerror="alert(3)">',
    )
    page = staff.get(CHANGELIST).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page and "<img src=x" not in page


def test_the_changelist_fits_a_laptop_and_links_each_registry_to_wordpress(staff, inspected, wordpress):
    page = staff.get(CHANGELIST).content.decode()
    columns = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', page)
    assert columns == ["number", "short_name", "registry", "price", "quantities", "active", "updated"]
    assert f'href="{wordpress.url}/wp-admin/post.php?post=424242&amp;action=edit"' in page
    assert "1 / 0" in page  # needed / purchased
    for filter_title in ("By is active", "By registry id", "By retailer", "By affiliate status"):
        assert filter_title in page


# --- sessions ------------------------------------------------------------------


def test_cookies_are_secure_and_the_service_keeps_no_credential(db, wordpress, settings):
    assert settings.DEBUG is False
    client, response = log_in(wordpress.admin.login, wordpress.admin.app_password)
    cookies = response.cookies
    assert {"sessionid", "csrftoken", admin_session.COOKIE} <= set(cookies)
    for name in ("sessionid", "csrftoken", admin_session.COOKIE):
        assert cookies[name]["secure"] is True, name
    assert cookies["sessionid"]["httponly"] and cookies[admin_session.COOKIE]["httponly"]
    # The browser's share is a browser-session cookie: no Max-Age, no Expires.
    assert cookies[admin_session.COOKIE]["max-age"] == cookies[admin_session.COOKIE]["expires"] == ""
    set_cookie = cookies[admin_session.COOKIE].OutputString().lower()
    assert "max-age" not in set_cookie and "expires" not in set_cookie

    session = Session.objects.get()  # server-side, in the database
    stored = str(session.get_decoded()) + session.session_data
    password = wordpress.admin.app_password
    assert password not in stored and password.replace(" ", "") not in stored
    assert all(password not in morsel.value for morsel in cookies.values())
    # The two shares together are the password; each alone is noise.
    assert admin_session.join(session.get_decoded()[admin_session.PAD], cookies[admin_session.COOKIE].value) == password


def test_a_session_ends_at_its_age_however_it_is_used(staff, settings):
    settings.ADMIN_RECHECK_INTERVAL = 0  # each request re-checks (and saves) the session
    expiry = Session.objects.get().expire_date
    assert staff.get(CHANGELIST).status_code == 200
    assert Session.objects.get().expire_date == expiry  # not extended by use
    Session.objects.update(expire_date=expiry.replace(year=2000))
    assert staff.get(CHANGELIST).status_code == 302


def test_logout_ends_the_session_for_good(staff):
    kept = {name: morsel.value for name, morsel in staff.cookies.items()}
    response = staff.post("/admin/logout/")
    assert response.status_code == 200
    assert not Session.objects.exists()
    assert response.cookies[admin_session.COOKIE]["max-age"] == 0  # the browser's share is dropped

    replayed = Client()
    for name, value in kept.items():
        replayed.cookies[name] = value
    response = replayed.get(CHANGELIST)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    "change", ["demoted", "revoked", "wordpress down", "share tampered with", "share missing", "another user's session"]
)
def test_a_session_wordpress_no_longer_vouches_for_ends_at_the_next_recheck(
    temporary_administrator, settings, closed_port_url, caplog, change
):
    client, response = log_in(temporary_administrator.login, temporary_administrator.app_password)
    assert response.status_code == 302
    if change == "demoted":
        temporary_administrator.demote()
    elif change == "revoked":
        temporary_administrator.revoke()
    elif change == "wordpress down":
        settings.WP_BASE_URL = closed_port_url
        wp_client.reset_http_client()  # the process-wide client was made for the real one
    elif change == "share tampered with":  # one bit: it rebuilds a wrong password
        share = bytearray(base64.b64decode(client.cookies[admin_session.COOKIE].value))
        share[0] ^= 1
        client.cookies[admin_session.COOKIE] = base64.b64encode(share).decode()
    elif change == "share missing":
        del client.cookies[admin_session.COOKIE]
    else:  # the session says it belongs to another WordPress user than the one the password is
        session = Session.objects.get()
        data = {**session.get_decoded(), admin_session.USER_ID: temporary_administrator.id + 1}
        Session.objects.save(session.session_key, data, session.expire_date)
    assert client.get(CHANGELIST).status_code == 200  # not due yet: one re-check per ADMIN_RECHECK_INTERVAL

    settings.ADMIN_RECHECK_INTERVAL = 0
    response = client.get(CHANGELIST, follow=True)
    assert response.redirect_chain == [(f"/admin/login/?next={CHANGELIST}", 302)]
    expected = {
        "demoted": admin_session.ENDED[Refusal.NOT_ADMINISTRATOR],
        "revoked": admin_session.ENDED[Refusal.CREDENTIALS],
        "share tampered with": admin_session.ENDED[Refusal.CREDENTIALS],
        "wordpress down": admin_session.ENDED[Refusal.UNAVAILABLE],
    }.get(change, admin_session.NO_SHARE)
    assert [str(message) for message in response.context["messages"]] == [expected]
    assert not Session.objects.exists()
    assert client.get(CHANGELIST).status_code == 302
    assert f"admin session of {temporary_administrator.login!r} ended" in caplog.text
    assert temporary_administrator.app_password not in caplog.text


def expire(*session_keys: str) -> None:
    Session.objects.filter(session_key__in=session_keys).update(expire_date=timezone.now() - timedelta(seconds=1))


def server_shares_in_a_copy(copy: Path) -> list[str | None]:
    """The server's share each session row of a copy of the SQLite database
    file holds (None: a row without one), as a backup taken then would."""
    shutil.copyfile(connection.settings_dict["NAME"], copy)
    with closing(sqlite3.connect(copy)) as database:
        rows = database.execute("SELECT session_data FROM django_session").fetchall()
    return [Session(session_data=data).get_decoded().get(admin_session.PAD) for (data,) in rows]


# Committed rows only (transactional_db) reach the file that is copied.
@pytest.mark.sqlite_only(reason="copies the SQLite database file")
@pytest.mark.parametrize("after_expiry", ["next request", "admin start", "clearsessions"])
def test_a_database_copy_after_expiry_and_the_cookie_give_back_no_password(
    transactional_db, wordpress, tmp_path, after_expiry
):
    password = wordpress.admin.app_password
    client, response = log_in(wordpress.admin.login, password)
    assert response.status_code == 302
    assert response.cookies[admin_session.COOKIE]["max-age"] == response.cookies[admin_session.COOKIE]["expires"] == ""
    browser_share = client.cookies[admin_session.COOKIE].value
    # While the session lives, a copy and the cookie do rebuild the password.
    before = server_shares_in_a_copy(tmp_path / "before.db")
    assert password in {admin_session.join(share, browser_share) for share in before if share}

    expire(client.cookies["sessionid"].value)
    if after_expiry == "next request":
        response = client.get(CHANGELIST)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
        assert response.cookies[admin_session.COOKIE]["max-age"] == 0  # the browser's share is dropped
        assert response.cookies["sessionid"]["max-age"] == 0
    elif after_expiry == "admin start":  # a new handler, as a process starting anew has
        assert Client().get("/admin/login/").status_code == 200
    else:
        call_command("clearsessions")

    after = server_shares_in_a_copy(tmp_path / "after.db")
    assert after == []  # the expired row is gone, its share with it
    assert admin_session.join("", browser_share) is None and password not in browser_share


def test_an_expired_session_is_deleted_when_next_seen_and_the_others_at_a_login(db, wordpress):
    clients = {}
    for name in ("seen", "unseen", "live"):
        client, response = log_in(wordpress.admin.login, wordpress.admin.app_password)
        assert response.status_code == 302
        clients[name] = client
    keys = {name: client.cookies["sessionid"].value for name, client in clients.items()}
    expire(keys["seen"], keys["unseen"])

    # This client's process has purged already (at its first request): only the row it names goes.
    assert clients["seen"].get(CHANGELIST).status_code == 302
    assert set(Session.objects.values_list("session_key", flat=True)) == {keys["unseen"], keys["live"]}

    response = clients["seen"].post(
        "/admin/login/", {"username": wordpress.admin.login, "password": wordpress.admin.app_password}
    )
    assert response.status_code == 302
    left = set(Session.objects.values_list("session_key", flat=True))
    assert left == {keys["live"], clients["seen"].cookies["sessionid"].value}


def test_a_session_wordpress_still_vouches_for_goes_on(staff, settings):
    settings.ADMIN_RECHECK_INTERVAL = 0
    checked = Session.objects.get().get_decoded()[admin_session.CHECKED_AT]
    assert [staff.get(CHANGELIST).status_code for _ in range(2)] == [200, 200]
    assert Session.objects.get().get_decoded()[admin_session.CHECKED_AT] > checked


# --- framing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "status"),
    [
        ("login page", 200),
        ("admin page", 200),
        ("login refused", 200),
        ("forbidden", 403),
        ("not logged in", 302),
        ("session ended", 302),
    ],
)
def test_no_site_may_frame_the_admin(staff, wordpress, settings, page, status):
    if page == "login page":
        response = Client().get("/admin/login/")
    elif page == "admin page":
        response = staff.get(CHANGELIST)
    elif page == "login refused":
        _, response = log_in(wordpress.admin.login, "abcd efgh ijkl mnop qrst uvwx")
        assert REFUSALS[Refusal.CREDENTIALS].replace("'", "&#x27;").encode() in response.content
    elif page == "forbidden":
        response = staff.get(f"{CHANGELIST}add/")
    elif page == "not logged in":
        response = Client().get(CHANGELIST)
    else:
        del staff.cookies[admin_session.COOKIE]
        settings.ADMIN_RECHECK_INTERVAL = 0
        response = staff.get(CHANGELIST)
    assert response.status_code == status
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"] == "frame-ancestors 'none'"
