"""The /items routes over HTTP (docs/api.md, "Items"; v1.0.x's test_items.py, test_items_expanded.py).

WordPress is conftest's default stand-in: every registry is alice's and
published, so alice may do anything with the items here, and eddie (an editor,
no administrator) may read them and nothing more (D1; tests/items/test_access.py
has the access rules in full). The item shapes and helpers these tests share
with others are in tests/support/items.py.
"""

from datetime import UTC, datetime

import pytest

from items.models import Item
from tests.support.accounts import basic
from tests.support.client import ApiClient
from tests.support.items import (
    PUBLIC_KEYS,
    SAMPLE_ITEM,
    assert_detail,
    assert_missing_auth,
    body_of,
    create,
    envelope,
    expected_item,
    ids,
    send,
)

AFFILIATE_KEYS = {"affiliate_url", "affiliate_status"}
# Values of a freshly created SAMPLE_ITEM besides id, registry_id and the timestamps.
SAMPLE_DEFAULTS = {
    "notes": None, "retailer": None, "affiliate_url": None, "affiliate_status": None, "image_url": None,
    "quantity_needed": 1, "quantity_purchased": 0,
}  # fmt: skip
# The keys a request can set, echoed back as sent.
WRITABLE_KEYS = set(PUBLIC_KEYS) - {"id", "created_at", "updated_at"}
BEYOND_INT64 = "99999999999999999999999"


def assert_not_found(response, item_id) -> None:
    assert_detail(response, 404, f"Item with id {item_id} not found")


@pytest.fixture
def editor(db, wordpress_stub):
    """Eddie: an editor, who is not an administrator."""
    return ApiClient(basic("eddie"))


# --- Success shapes ---------------------------------------------------------


def test_create_answers_201_with_the_stored_item(alice):
    item = create(alice, notes="Size M")
    assert item == {
        "id": item["id"], "registry_id": 1, "name": "Test Item", "description": "A test item description",
        "notes": "Size M", "url": "https://example.com/product/test-item", "retailer": None, "image_url": None,
        "price": 29.99, "quantity_needed": 1, "quantity_purchased": 0, "is_active": True,
        "created_at": item["created_at"], "updated_at": item["created_at"], "quantity_reserved": 0,
    }  # fmt: skip
    assert isinstance(item["id"], int) and item["id"] > 0


def test_created_at_is_utc_to_the_second(alice):
    before = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    item = create(alice)
    after = datetime.now(UTC).replace(tzinfo=None)
    assert before <= datetime.fromisoformat(item["created_at"]) <= after


def test_get_answers_the_envelope_with_a_null_message(alice):
    item = create(alice)
    assert envelope(send(alice, "GET", f"/items/{item['id']}")) == item


def test_update_answers_the_updated_item(alice):
    item = create(alice)
    response = send(alice, "PUT", f"/items/{item['id']}", {"name": "Updated", "price": 49.99})
    data = envelope(response, message="Item updated successfully")
    assert data == expected_item(item, False, name="Updated", price=49.99, updated_at=data["updated_at"])


def test_update_with_an_empty_body_answers_the_current_item_and_a_null_message(alice):
    item = create(alice)
    assert envelope(send(alice, "PUT", f"/items/{item['id']}", {})) == item


def test_update_without_any_body_is_a_422(alice):
    item = create(alice)
    response = send(alice, "PUT", f"/items/{item['id']}")
    assert response.status_code == 422
    assert body_of(response) == {
        "detail": [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]
    }


def test_delete_answers_the_inactive_item(alice):
    item = create(alice)
    data = envelope(send(alice, "DELETE", f"/items/{item['id']}"), message="Item deleted successfully")
    assert data == expected_item(item, False, is_active=False, updated_at=data["updated_at"])


def test_non_admins_never_see_the_affiliate_keys(alice, editor):
    item = create(alice, affiliate_url="https://aff.example.com/x", affiliate_status="active")
    path = f"/items/{item['id']}"
    assert AFFILIATE_KEYS.isdisjoint(item)
    envelope(send(alice, "GET", path))
    envelope(send(editor, "GET", path))  # a reader of the published registry
    envelope(send(editor, "POST", f"{path}/purchase", {}), message="Purchase recorded")
    envelope(send(alice, "PUT", path, {"affiliate_status": "expired"}), message="Item updated successfully")
    envelope(send(alice, "DELETE", path), message="Item deleted successfully")
    stored = Item.objects.get(id=item["id"])
    assert (stored.affiliate_url, stored.affiliate_status) == ("https://aff.example.com/x", "expired")


def test_admins_see_every_key_in_the_contract_order(admin):
    item = create(admin, admin=True, affiliate_url="https://aff.example.com/x", affiliate_status="active")
    assert (item["affiliate_url"], item["affiliate_status"]) == ("https://aff.example.com/x", "active")
    path = f"/items/{item['id']}"
    assert envelope(send(admin, "GET", path), admin=True) == item
    data = envelope(
        send(admin, "PUT", path, {"affiliate_status": "none"}), message="Item updated successfully", admin=True
    )
    assert data["affiliate_status"] == "none"
    data = envelope(send(admin, "DELETE", path), message="Item deleted successfully", admin=True)
    assert (data["affiliate_url"], data["is_active"]) == ("https://aff.example.com/x", False)
    assert list(body_of(send(admin, "GET", "/items"))) == []


def test_lists_are_bare_arrays_in_each_callers_shape(alice, admin):
    item = create(alice)
    public, full = body_of(send(alice, "GET", "/items")), body_of(send(admin, "GET", "/items"))
    assert public == [item]
    assert full == [expected_item(item, True, **SAMPLE_DEFAULTS)]


# --- Listing ----------------------------------------------------------------


@pytest.fixture
def five_items(alice) -> list[int]:
    """Ids of five active items, newest first."""
    return [create(alice, name=f"Item {n}")["id"] for n in range(5)][::-1]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", slice(None)),
        ("?limit=2", slice(0, 2)),
        ("?skip=1&limit=2", slice(1, 3)),
        ("?skip=4", slice(4, 5)),
        ("?skip=5", slice(5, 5)),
        ("?limit=0", slice(0, 0)),
        ("?limit=-1", slice(None)),
        ("?skip=1&limit=-1", slice(1, None)),
        ("?skip=-3", slice(None)),
        ("?skip=-3&limit=2", slice(0, 2)),
        (f"?limit={BEYOND_INT64}", slice(None)),
        (f"?skip={BEYOND_INT64}", slice(0, 0)),
        (f"?skip=-{BEYOND_INT64}&limit=-{BEYOND_INT64}", slice(None)),
        ("?status=active&page=2", slice(None)),
    ],
)
def test_list_paging_is_sqls_limit_and_offset(alice, five_items, query, expected):
    assert ids(send(alice, "GET", f"/items{query}")) == five_items[expected]


def test_list_defaults_to_100_items(alice):
    Item.objects.bulk_create(Item(registry_id=1, name=f"Bulk {n}", url="https://example.com/b") for n in range(101))
    listed = ids(send(alice, "GET", "/items"))
    assert len(listed) == 100 and listed == sorted(listed, reverse=True)
    assert len(body_of(send(alice, "GET", "/items?limit=-1"))) == 101


def test_list_leaves_out_inactive_items_of_every_registry(alice):
    first, second, third = (create(alice, registry_id=n)["id"] for n in (1, 2, 3))
    create(alice, is_active=False)
    send(alice, "DELETE", f"/items/{second}")
    assert ids(send(alice, "GET", "/items")) == [third, first]


@pytest.mark.parametrize("query", ["?skip=x", "?limit=1.5"])
def test_list_rejects_non_integer_paging(alice, query):
    name, value = query[1:].split("=")
    response = send(alice, "GET", f"/items{query}")
    assert response.status_code == 422
    [error] = body_of(response)["detail"]
    assert error == {
        "type": "int_parsing", "loc": ["query", name], "input": value,
        "msg": "Input should be a valid integer, unable to parse string as an integer",
    }  # fmt: skip


# --- Soft delete, timestamps, missing ids -----------------------------------


def test_soft_delete_is_repeatable_and_hides_the_item(alice):
    item = create(alice)
    path = f"/items/{item['id']}"
    for _ in range(2):
        assert envelope(send(alice, "DELETE", path), message="Item deleted successfully")["is_active"] is False
    assert_not_found(send(alice, "GET", path), item["id"])
    assert Item.objects.filter(id=item["id"], is_active=False).exists()  # the row is kept


def test_an_inactive_item_can_be_edited_and_reactivated(alice):
    item = create(alice, is_active=False)
    path = f"/items/{item['id']}"
    assert_not_found(send(alice, "GET", path), item["id"])
    data = envelope(send(alice, "PUT", path, {"is_active": True, "notes": "back"}), message="Item updated successfully")
    assert (data["is_active"], data["notes"]) == (True, "back")
    assert envelope(send(alice, "GET", path)) == data


@pytest.fixture
def old_item() -> Item:
    """An item last written in 2020 (inserting fires no update trigger)."""
    then = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    return Item.objects.create(
        registry_id=1, name="Old", url="https://example.com/old", created_at=then, updated_at=then
    )


@pytest.mark.parametrize(("method", "body"), [("PUT", {"name": "New"}), ("DELETE", "")])
def test_writes_refresh_updated_at(alice, old_item, method, body):
    data = body_of(send(alice, method, f"/items/{old_item.id}", body))["data"]
    assert data["created_at"] == "2020-01-02T03:04:05"
    assert data["updated_at"] > "2025"


def test_an_empty_update_writes_nothing(alice, old_item):
    data = envelope(send(alice, "PUT", f"/items/{old_item.id}", {}))
    assert (data["created_at"], data["updated_at"]) == ("2020-01-02T03:04:05", "2020-01-02T03:04:05")


@pytest.mark.parametrize("item_id", ["99999", "0", "-1", BEYOND_INT64, f"-{BEYOND_INT64}"])
@pytest.mark.parametrize(("method", "body"), [("GET", ""), ("PUT", {"quantity_purchased": 1}), ("DELETE", "")])
def test_missing_ids_are_404(alice, method, body, item_id):
    assert_not_found(send(alice, method, f"/items/{item_id}", body), item_id)


# --- Routing: unknown paths, wrong methods, trailing slashes ----------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/nonexistent"), ("GET", "/items/1/extra"), ("PUT", "/items/1/status"), ("GET", "/api/items")],
)
def test_unknown_paths_are_404_not_found(alice, method, path):
    assert_detail(send(alice, method, path), 404, "Not Found")


@pytest.mark.parametrize(
    ("method", "path"), [("PATCH", "/items"), ("DELETE", "/items"), ("PATCH", "/items/1"), ("POST", "/items/1")]
)
@pytest.mark.parametrize("authorization", [None, basic("alice")], ids=["anonymous", "alice"])
def test_wrong_methods_are_405(db, wordpress_stub, authorization, method, path):
    assert_detail(send(ApiClient(authorization), method, path, {}), 405, "Method Not Allowed")


@pytest.mark.parametrize(
    ("method", "path", "location"),
    [
        ("GET", "/items/", "/items"),
        ("POST", "/items/", "/items"),
        ("GET", "/items/?skip=1&limit=2", "/items?skip=1&limit=2"),
        ("GET", "/items/7/", "/items/7"),
    ],
)
@pytest.mark.parametrize("host", ["testserver", "evil.example"])
def test_a_trailing_slash_redirects_with_307_to_the_path_whatever_the_host(anonymous, method, path, location, host):
    response = anonymous.generic(method, path, SAMPLE_ITEM if method == "POST" else "", HTTP_HOST=host)
    assert (response.status_code, response.headers["Location"], response.content) == (307, location, b"")


# --- Order of checks (docs/api.md, "Conventions") ----------------------------


@pytest.mark.parametrize(("method", "path"), [("POST", "/items"), ("PUT", "/items/1"), ("PUT", "/items/abc")])
@pytest.mark.parametrize("authorization", [None, "Basic bm9ib2R5Om5vcGU=", "Bearer token"])
def test_malformed_json_is_422_before_authentication(db, wordpress_stub, method, path, authorization):
    response = send(ApiClient(authorization), method, path, "{bad json")
    assert response.status_code == 422
    assert body_of(response) == {
        "detail": [
            {
                "type": "json_invalid", "loc": ["body", 1], "msg": "JSON decode error", "input": {},
                "ctx": {"error": "Expecting property name enclosed in double quotes"},
            }
        ]
    }  # fmt: skip
    assert wordpress_stub["users_me"].call_count == 0


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/items", ""),
        ("GET", "/items?skip=x&limit=y", ""),
        ("POST", "/items", SAMPLE_ITEM),
        ("POST", "/items", {"name": 5, "price": 0}),
        ("POST", "/items", ""),
        ("GET", "/items/1", ""),
        ("GET", "/items/abc", ""),
        ("PUT", "/items/abc", {"name": None}),
        ("PUT", "/items/1", {"price": -1}),
        ("DELETE", "/items/abc", ""),
        ("DELETE", "/items/1", ""),
    ],
)
def test_authentication_runs_before_schema_validation(anonymous, method, path, body):
    assert_missing_auth(send(anonymous, method, path, body))


def test_refused_credentials_are_401(db, wordpress_stub):
    response = send(ApiClient(basic("alice", "wrong-password")), "GET", "/items")
    assert_detail(response, 401, "Invalid WordPress credentials", WWW_Authenticate="Basic")


@pytest.mark.parametrize(("method", "body"), [("GET", ""), ("PUT", {}), ("DELETE", "")])
def test_a_non_integer_id_is_422_once_authenticated(alice, method, body):
    response = send(alice, method, "/items/abc", body)
    assert response.status_code == 422
    assert body_of(response) == {
        "detail": [
            {
                "type": "int_parsing", "loc": ["path", "item_id"], "input": "abc",
                "msg": "Input should be a valid integer, unable to parse string as an integer",
            }
        ]
    }  # fmt: skip


# --- v1.0.x's test_items.py ---------------------------------------------------


def test_create_without_description_or_notes_stores_null(alice):
    fields = {key: value for key, value in SAMPLE_ITEM.items() if key != "description"}
    data = envelope(send(alice, "POST", "/items", fields), 201, "Item created successfully")
    assert (data["description"], data["notes"]) == (None, None)


def test_list_of_nothing_is_empty(alice):
    assert body_of(send(alice, "GET", "/items")) == []


def test_list_of_three_and_a_page_of_one(alice):
    created = [create(alice, price=price)["id"] for price in (10, 20, 30)]
    assert ids(send(alice, "GET", "/items")) == created[::-1]
    assert ids(send(alice, "GET", "/items?skip=1&limit=1")) == [created[1]]


@pytest.mark.parametrize(
    "changes",
    [
        {"url": "https://other.example.com/item", "retailer": "Other Shop"},
        {"notes": "Gift wrap please"},
        {"is_active": False},
        {"quantity_needed": 3, "quantity_purchased": 5},
    ],
)
def test_update_changes_only_the_keys_sent(alice, changes):
    item = create(alice)
    data = envelope(send(alice, "PUT", f"/items/{item['id']}", changes), message="Item updated successfully")
    assert data == expected_item(item, False, **changes, updated_at=data["updated_at"])


def test_admin_update_of_every_field(admin):
    item = create(admin, admin=True)
    changes = {
        "name": "All", "description": "d", "notes": "n", "url": "https://example.com/all", "retailer": "r",
        "affiliate_url": "https://aff.example.com/all", "affiliate_status": "inactive",
        "image_url": "https://img.example.com/all.png", "price": 1.5, "quantity_needed": 4,
        "quantity_purchased": 2, "is_active": True,
    }  # fmt: skip
    data = envelope(
        send(admin, "PUT", f"/items/{item['id']}", changes), message="Item updated successfully", admin=True
    )
    assert data == expected_item(item, True, **changes, updated_at=data["updated_at"])


# --- v1.0.x's test_items_expanded.py ------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "A"},
        {"price": 999999.99},
        {"price": 19.999},
        {"price": None},
        {"registry_id": 99999},
        {"url": "javascript:alert(1)"},
        {"description": None, "notes": None},
        {"name": "Café ☕ 日本語 🎁"},
        {"color": "red", "id": 424242, "created_at": "1999-01-01T00:00:00"},
    ],
)
def test_accepted_creates(alice, fields):
    item = create(alice, **fields)
    assert item == expected_item(item, False, **{k: v for k, v in fields.items() if k in WRITABLE_KEYS})
    assert item["id"] != 424242 and item["created_at"] != "1999-01-01T00:00:00"


def test_only_the_owner_writes_what_anyone_may_read(alice, editor):
    """v1.0.x let any caller write any item; under D1 a reader of a published
    registry may read and buy its items, and write nothing."""
    assert_detail(
        send(editor, "POST", "/items", {**SAMPLE_ITEM, "registry_id": 12345}),
        403,
        "Only the registry owner can add items",
    )
    item = create(alice, registry_id=12345)
    path = f"/items/{item['id']}"
    assert envelope(send(editor, "GET", path)) == item
    for method, body in (("PUT", {"quantity_purchased": 1}), ("DELETE", "")):
        assert_detail(send(editor, method, path, body), 403, "Not authorized to modify this item")
    assert (
        envelope(send(alice, "PUT", path, {"quantity_purchased": 1}), message="Item updated successfully")[
            "quantity_purchased"
        ]
        == 1
    )
    assert envelope(send(alice, "DELETE", path), message="Item deleted successfully")["is_active"] is False


# --- D2: purchases ----------------------------------------------------------------


def test_purchase_changes_the_count_within_what_is_needed(alice):
    item = create(alice, quantity_needed=2)
    path = f"/items/{item['id']}/purchase"
    data = envelope(send(alice, "POST", path, {}), message="Purchase recorded")
    assert data == expected_item(item, False, quantity_purchased=1, updated_at=data["updated_at"])
    assert_detail(send(alice, "POST", path, {"quantity": 2}), 409, "Only 1 left")
    assert envelope(send(alice, "POST", path, {"quantity": -1}), message="Purchase recorded")["quantity_purchased"] == 0
    assert_detail(send(alice, "POST", path, {"quantity": -1}), 409, "Nothing to undo")


@pytest.mark.parametrize("inactive", [False, True], ids=["missing", "inactive"])
def test_purchase_of_an_item_that_is_not_there_is_404(alice, inactive):
    item_id = create(alice, is_active=False)["id"] if inactive else 99999
    assert_not_found(send(alice, "POST", f"/items/{item_id}/purchase", {}), item_id)


def test_purchase_of_nothing_is_422(alice):
    item = create(alice)
    response = send(alice, "POST", f"/items/{item['id']}/purchase", {"quantity": 0})
    assert response.status_code == 422
    assert [error["loc"] for error in body_of(response)["detail"]] == [["body", "quantity"]]
