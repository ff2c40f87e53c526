"""The admin explains itself (issue 23): its refusals, unknown pages and wrong
methods are its own HTML pages, it shows no history, its labels read right and
the purchase ledger names buyers. A local staff user stands in for a WordPress
administrator (tests/integration/test_admin.py logs in against the real one)."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from items.models import Item, Purchase
from wpauth.administrators import staff_user
from wpauth.identity import WordPressUser

CHANGELIST = "/admin/items/item/"
WP_ADMIN = WordPressUser(
    id=3, slug="ann", login="ann", email="ann@example.test", display_name="Ann Admin", roles=("administrator",)
)


@pytest.fixture
def staff(db, settings) -> Client:
    settings.ADMIN_RECHECK_INTERVAL = 10**12  # no re-check with WordPress: this session has no password
    client = Client()
    client.force_login(staff_user(WP_ADMIN))
    return client


@pytest.fixture
def lamp(db) -> Item:
    return Item.objects.create(registry_id=7, name="Lamp", url="https://example.com/lamp")


def is_admin_html(response) -> str:
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'id="site-name"' in page and "Restart Registry admin (read-only)" in page  # the admin's header
    return page


@pytest.mark.parametrize(
    ("method", "page"),
    [("get", "add/"), ("post", "add/"), ("post", "{id}/change/"), ("get", "{id}/delete/"), ("post", "{id}/delete/")],
)
def test_a_refusal_is_the_admins_page_saying_it_is_read_only(staff, lamp, method, page):
    response = getattr(staff, method)(CHANGELIST + page.format(id=lamp.id))
    assert response.status_code == 403
    page_html = is_admin_html(response)
    assert re.search(r"<title>403 [^<]*read-only", page_html)
    assert "Nothing can be added, changed or deleted in this admin" in page_html
    assert f'<a href="{CHANGELIST}" id="explained-back">Back to the list of items</a>' in page_html


@pytest.mark.parametrize("path", ["/admin/auth/user/", "/admin/auth/group/", "/admin/nope/", "/admin/items/nope"])
def test_an_unknown_admin_page_is_html_not_the_apis_json(staff, path):
    response = staff.get(path)
    assert response.status_code == 404
    page = is_admin_html(response)
    assert "Page not found" in page and "There is no such page in this admin" in page
    assert '<a href="/admin/" id="explained-back">' in page


def test_a_wrong_method_is_html_not_the_apis_json(staff):
    response = staff.get("/admin/logout/")  # Django's logout takes POST only
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    page = is_admin_html(response)
    assert "This page does not answer GET requests." in page and "Log out" in page
    assert staff.get(CHANGELIST).status_code == 200  # still logged in


def test_the_api_keeps_its_json_for_the_same_statuses(staff):
    response = staff.get("/no-such-route")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}
    response = staff.delete("/health")
    assert response.status_code == 405 and response.json() == {"detail": "Method Not Allowed"}


def test_no_recent_actions_and_no_history(staff, lamp):
    index = staff.get("/admin/")
    assert index.status_code == 200
    assert "Recent actions" not in index.content.decode() and "Read-only" in index.content.decode()
    viewed = staff.get(f"{CHANGELIST}{lamp.id}/change/")
    assert viewed.status_code == 200 and "Lamp" in viewed.content.decode()
    assert "History" not in viewed.content.decode() and "historylink" not in viewed.content.decode()
    history = staff.get(f"{CHANGELIST}{lamp.id}/history/")
    assert history.status_code == 404 and "Page not found" in is_admin_html(history)


def test_url_labels_read_url_and_long_or_unsafe_urls_are_cut_or_left_as_text(staff, db):
    long_url = "https://shop.example.com/" + "very-long-product-path/" * 8
    item = Item.objects.create(
        registry_id=7, name="Lamp", url=long_url, image_url="javascript:alert(1)", affiliate_url="https://aff.example/x"
    )
    page = staff.get(f"{CHANGELIST}{item.id}/change/").content.decode()
    labels = re.findall(r"<label>([^<]*):</label>", page)
    assert {"ID", "URL", "Image URL", "Affiliate URL"} <= set(labels)
    assert not {"Id", "Url", "Image url", "Affiliate url"} & set(labels)
    assert f'href="{long_url}"' in page and f">{long_url}<" not in page  # linked in full, shown cut
    assert 'href="javascript:' not in page and "javascript:alert(1)" in page


def test_the_changelist_has_short_columns(staff, lamp):
    long_name = "A name far too long for one line " * 4
    Item.objects.create(registry_id=7, name=long_name, url="https://example.com/x")
    page = staff.get(CHANGELIST).content.decode()
    headers = re.findall(r'<div class="text">(?:<a [^>]*>|<span>)([^<]*)<', page)
    assert headers == [
        "ID",
        "Name",
        "Registry",
        "Price",
        "Needed / bought",
        "Active",
        "Updated (UTC)",
    ]
    assert f">{long_name[:49]}…<" in page and long_name.strip() not in page
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", page)
    assert 'id="nav-sidebar"' not in page  # its width goes to the columns


def test_buyers_are_named_where_wordpress_gave_the_name_else_linked_by_id(staff, lamp, settings):
    lamp.name = "A lamp whose name goes on and on, longer than a column should be"
    lamp.save()
    staff_user(WordPressUser(id=9, slug="bo", login="bo", email="bo@example.test", display_name="Bo Boss"))
    User.objects.create(username="gone", first_name="Not Staff", last_name="5", is_staff=False)
    for user_id in (3, 5, 9):
        Purchase.objects.create(item=lamp, user_id=user_id, quantity=1)
    wordpress = settings.WP_BASE_URL.rstrip("/")

    page = staff.get("/admin/items/purchase/").content.decode()
    assert "User id" not in page
    assert (
        f'href="{wordpress}/wp-admin/user-edit.php?user_id=3" target="_blank" rel="noopener">Ann Admin (user 3)' in page
    )
    assert (
        f'href="{wordpress}/wp-admin/user-edit.php?user_id=9" target="_blank" rel="noopener">Bo Boss (user 9)' in page
    )
    assert f'href="{wordpress}/wp-admin/user-edit.php?user_id=5" target="_blank" rel="noopener">user 5<' in page
    assert "Not Staff" not in page
    assert f"#{lamp.id} {lamp.name}"[:49] + "…" in page and lamp.name not in page

    line = Purchase.objects.get(user_id=3)
    viewed = staff.get(f"/admin/items/purchase/{line.id}/change/").content.decode()
    assert "<label>Buyer:</label>" in viewed and "Ann Admin (user 3)" in viewed and "User id" not in viewed


def test_the_buyers_names_cost_no_query_per_row(staff, lamp, django_assert_max_num_queries):
    for user_id in range(30):
        Purchase.objects.create(item=lamp, user_id=user_id, quantity=1)
    staff.get("/admin/items/purchase/")  # the session and user loaded once
    with django_assert_max_num_queries(8):
        assert staff.get("/admin/items/purchase/").status_code == 200
