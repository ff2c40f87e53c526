"""The /items answers as the contract shapes them, and the helpers the tests of
items, access and the Lambda handler check them with."""

import json
import re
from typing import Any

import pytest

SAMPLE_ITEM = {
    "registry_id": 1,
    "name": "Test Item",
    "description": "A test item description",
    "url": "https://example.com/product/test-item",
    "price": 29.99,
    "is_active": True,
}
# An item's fields without its registry: the body of POST /registries/{id}/items.
ITEM = {key: value for key, value in SAMPLE_ITEM.items() if key != "registry_id"}
# docs/api.md, "The item": the keys, in order, of an item as administrators and as everyone else see it.
ADMIN_KEYS = [
    "name", "description", "notes", "url", "retailer", "affiliate_url", "affiliate_status", "image_url",
    "price", "quantity_needed", "quantity_purchased", "is_active", "id", "registry_id", "created_at", "updated_at",
    "quantity_reserved",
]  # fmt: skip
PUBLIC_KEYS = [
    "id", "registry_id", "name", "description", "notes", "url", "retailer", "image_url", "price",
    "quantity_needed", "quantity_purchased", "is_active", "created_at", "updated_at", "quantity_reserved",
]  # fmt: skip
ISO_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


def _no_constant(name):
    raise AssertionError(f"response body is not strict JSON: bare {name}")


def body_of(response) -> Any:
    """The JSON body, parsed strictly (Infinity/NaN are not JSON)."""
    return json.loads(response.content, parse_constant=_no_constant)


def send(client, method: str, path: str, body: object = ""):
    """A request whose body is JSON (a dict/list is encoded, a str/bytes sent as is)."""
    return client.generic(method, path, body)


def assert_detail(response, status: int, detail, **headers) -> None:
    """An error answer: exact status, `{"detail": detail}` and the given headers."""
    assert (response.status_code, body_of(response)) == (status, {"detail": detail})
    for name, value in headers.items():
        assert response.headers[name.replace("_", "-")] == value


def assert_missing_auth(response) -> None:
    assert_detail(response, 401, "Missing Authorization header", WWW_Authenticate="Basic")


def assert_item_shape(item: dict, admin: bool) -> None:
    """Keys in the contract's order (affiliate keys absent for non-admins); naive ISO timestamps."""
    assert list(item) == (ADMIN_KEYS if admin else PUBLIC_KEYS)
    assert ISO_SECONDS.match(item["created_at"]) and ISO_SECONDS.match(item["updated_at"])


def expected_item(item: dict, admin: bool, **values) -> dict:
    """`item` with `values` applied, in the shape the caller sees."""
    keys = ADMIN_KEYS if admin else PUBLIC_KEYS
    merged = {**item, **values}
    return {key: merged[key] for key in keys}


def envelope(response, status: int = 200, message: str | None = None, *, admin: bool = False) -> dict:
    """Assert `{success, data, message}` and return `data`, checked for shape."""
    body = body_of(response)
    assert response.status_code == status, body
    assert list(body) == ["success", "data", "message"]
    assert (body["success"], body["message"]) == (True, message)
    assert_item_shape(body["data"], admin)
    return body["data"]


def create(client, *, admin: bool = False, **fields) -> dict:
    """POST SAMPLE_ITEM (with `fields`) and return the created item."""
    response = send(client, "POST", "/items", {**SAMPLE_ITEM, **fields})
    return envelope(response, 201, "Item created successfully", admin=admin)


def ids(response) -> list[int]:
    assert response.status_code == 200
    return [item["id"] for item in body_of(response)]


# --- writes and their 422 answers (the validation and engine tests) -----------

ERROR_KEYS = {"type", "loc", "msg", "input", "ctx"}
BOTH_METHODS = pytest.mark.parametrize("method", ["POST", "PUT"])


def write_target(client, method: str, admin: bool) -> tuple[str, dict]:
    """Where to write and what to start from: a new item (POST) or an update of one (PUT)."""
    if method == "POST":
        return "/items", SAMPLE_ITEM
    return f"/items/{create(client, admin=admin)['id']}", {}


def write(client, method: str, fields: dict, *, admin: bool = False):
    """POST a new SAMPLE_ITEM with `fields`, or PUT `fields` onto a new item."""
    path, base = write_target(client, method, admin)
    return send(client, method, path, {**base, **fields})


def accepted(response, method: str, *, admin: bool = False) -> dict:
    if method == "POST":
        return envelope(response, 201, "Item created successfully", admin=admin)
    return envelope(response, 200, "Item updated successfully", admin=admin)


def validation_errors(response) -> list[dict]:
    """The 422 `detail` list, each error in FastAPI's shape (no `url`)."""
    body = body_of(response)
    assert response.status_code == 422, body
    assert list(body) == ["detail"] and body["detail"]
    for error in body["detail"]:
        assert {"type", "loc", "msg", "input"} <= set(error) <= ERROR_KEYS
    return body["detail"]


def assert_single_error(response, expected: dict) -> None:
    assert validation_errors(response) == [expected]


def error(type_: str, field: str, msg: str, value, **ctx) -> dict:
    """One body error as the API reports it."""
    found = {"type": type_, "loc": ["body", field], "msg": msg, "input": value}
    return {**found, "ctx": ctx} if ctx else found


def bare_list(client, path: str, assert_shape) -> list[dict]:
    """A 200 answer's bare array, each element checked by `assert_shape`."""
    response = send(client, "GET", path)
    body = body_of(response)
    assert response.status_code == 200, body
    assert isinstance(body, list)
    for element in body:
        assert_shape(element)
    return body
