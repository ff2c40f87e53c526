"""Django admin login through WordPress (issue 3)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from items.models import Item


def admin_login(account, password=None) -> Client:
    client = Client()
    client.post("/admin/login/?next=/admin/", {"username": account.login, "password": password or account.app_password})
    return client


def test_wordpress_administrator_reaches_the_items_changelist(db, wordpress):
    Item.objects.create(registry_id=7, name="Blender", url="https://example.com/blender")
    client = admin_login(wordpress.admin)

    response = client.get("/admin/items/item/")
    assert response.status_code == 200
    assert b"Blender" in response.content

    staff = get_user_model().objects.get(username=wordpress.admin.login)
    assert staff.is_staff and staff.is_superuser
    assert staff.email == wordpress.admin.email
    assert not staff.has_usable_password()


def test_second_login_updates_the_same_local_user(db, wordpress):
    admin_login(wordpress.admin)
    admin_login(wordpress.admin)
    assert get_user_model().objects.filter(username=wordpress.admin.login).count() == 1


@pytest.mark.parametrize(
    ("name", "password"),
    [("alice", None), ("admin", "not-the-app-password-0000"), ("admin", "login")],
    ids=["ordinary user", "wrong password", "login password"],
)
def test_others_cannot_log_in(db, wordpress, name, password):
    account = wordpress.accounts[name]
    client = admin_login(account, account.password if password == "login" else password)
    response = client.get("/admin/items/item/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not get_user_model().objects.filter(username=account.login).exists()
