"""Input validation of the /items routes (docs/api.md, "Validation errors (422)", "The item"; D3; v1.0.x's validation/test_xss_inputs.py)."""

import json

import pytest

from items.models import Item
from tests.support.items import (
    BOTH_METHODS,
    SAMPLE_ITEM,
    accepted,
    assert_missing_auth,
    assert_single_error,
    body_of,
    create,
    envelope,
    error,
    expected_item,
    send,
    validation_errors,
    write,
    write_target,
)

ENUM_EXPECTED = "'active', 'inactive', 'expired' or 'none'"


def too_long(field: str, value: str, limit: int) -> dict:
    return error("string_too_long", field, f"String should have at most {limit} characters", value, max_length=limit)


def too_short(field: str, value: str, limit: int) -> dict:
    unit = "character" if limit == 1 else "characters"
    return error("string_too_short", field, f"String should have at least {limit} {unit}", value, min_length=limit)


def write_raw(client, method: str, field: str, raw_value: str):
    """As `write`, with `raw_value` as the JSON text of `field` (Infinity, "\\ud800"...)."""
    path, base = write_target(client, method, False)
    return send(client, method, path, json.dumps({**base, field: "RAW"}).replace('"RAW"', raw_value))


# --- 422 bodies --------------------------------------------------------------


GT_0 = ("greater_than", "Input should be greater than 0", {"gt": 0})
ENUM = ("enum", f"Input should be {ENUM_EXPECTED}", {"expected": ENUM_EXPECTED})
# field, value, then the error's type, msg and ctx.
INVALID_VALUES = [
    ("price", 0, *GT_0),
    ("price", -10, *GT_0),
    ("price", -19.99, *GT_0),
    ("price", "abc", "float_parsing", "Input should be a valid number, unable to parse string as a number", {}),
    ("name", "", "string_too_short", "String should have at least 1 character", {"min_length": 1}),
    ("name", "x" * 500, "string_too_long", "String should have at most 100 characters", {"max_length": 100}),
    ("url", "short", "string_too_short", "String should have at least 10 characters", {"min_length": 10}),
    ("url", "not a url", "string_too_short", "String should have at least 10 characters", {"min_length": 10}),
    ("description", "d" * 5000, "string_too_long", "String should have at most 500 characters", {"max_length": 500}),
    ("affiliate_status", "bogus", *ENUM),
    ("affiliate_status", "hacked", *ENUM),
    ("quantity_needed", 0, "greater_than_equal", "Input should be greater than or equal to 1", {"ge": 1}),
    ("quantity_purchased", -1, "greater_than_equal", "Input should be greater than or equal to 0", {"ge": 0}),
    (
        "quantity_needed",
        2.5,
        "int_from_float",
        "Input should be a valid integer, got a number with a fractional part",
        {},
    ),
    (
        "quantity_purchased",
        "two",
        "int_parsing",
        "Input should be a valid integer, unable to parse string as an integer",
        {},
    ),
    ("is_active", "maybe", "bool_parsing", "Input should be a valid boolean, unable to interpret input", {}),
    ("name", ["a"], "string_type", "Input should be a valid string", {}),
]


@BOTH_METHODS
@pytest.mark.parametrize(("field", "value", "type_", "msg", "ctx"), INVALID_VALUES, ids=lambda v: str(v)[:20])
def test_invalid_values_are_422_in_fastapis_shape(alice, method, field, value, type_, msg, ctx):
    assert_single_error(write(alice, method, {field: value}), error(type_, field, msg, value, **ctx))


@pytest.mark.parametrize("missing", ["name", "url", "registry_id"])
def test_a_missing_required_field_is_422(alice, missing):
    fields = {key: value for key, value in SAMPLE_ITEM.items() if key != missing}
    response = send(alice, "POST", "/items", fields)
    assert_single_error(
        response, {"type": "missing", "loc": ["body", missing], "msg": "Field required", "input": fields}
    )


def test_every_error_of_a_body_is_reported(alice):
    response = send(alice, "POST", "/items", {"price": 0, "quantity_needed": 0})
    assert [(e["type"], e["loc"][1]) for e in validation_errors(response)] == [
        ("missing", "name"), ("missing", "url"), ("greater_than", "price"),
        ("greater_than_equal", "quantity_needed"), ("missing", "registry_id"),
    ]  # fmt: skip


def test_a_registry_id_beyond_64_bits_is_422(alice):
    response = send(alice, "POST", "/items", {**SAMPLE_ITEM, "registry_id": 2**64})
    limit = 2**63 - 1
    assert_single_error(
        response,
        error("less_than_equal", "registry_id", f"Input should be less than or equal to {limit}", 2**64, le=limit),
    )


@pytest.mark.parametrize("body", [b"\xff\xfe{}", b"", b"   "])
def test_a_body_that_is_not_json_text(alice, body):
    response = send(alice, "POST", "/items", body)
    if body:
        assert [(e["type"], e["msg"]) for e in validation_errors(response)] == [("json_invalid", "JSON decode error")]
    else:
        assert_single_error(response, {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None})


# --- Field limits at their boundaries (docs/api.md, "The item") -------------


LIMITS = [
    ("name", 100, 101, too_long),
    ("description", 500, 501, too_long),
    ("notes", 1000, 1001, too_long),
    ("url", 2000, 2001, too_long),
    ("url", 10, 9, too_short),
    ("name", 1, 0, too_short),
    ("retailer", 100, 101, too_long),
    ("affiliate_url", 2000, 2001, too_long),
    ("image_url", 2000, 2001, too_long),
]


@BOTH_METHODS
@pytest.mark.parametrize(("field", "allowed", "refused", "expected"), LIMITS, ids=[f"{f}-{a}" for f, a, _, _ in LIMITS])
def test_field_limits(admin, method, field, allowed, refused, expected):
    data = accepted(write(admin, method, {field: "a" * allowed}, admin=True), method, admin=True)
    assert data[field] == "a" * allowed
    assert_single_error(
        write(admin, method, {field: "b" * refused}, admin=True), expected(field, "b" * refused, allowed)
    )


def test_lengths_count_characters_not_bytes(alice):
    assert create(alice, name="🎁" * 100)["name"] == "🎁" * 100
    assert_single_error(
        send(alice, "POST", "/items", {**SAMPLE_ITEM, "name": "🎁" * 101}), too_long("name", "🎁" * 101, 100)
    )


def test_a_ten_character_url_is_accepted(alice):
    assert create(alice, url="https://x.c")["url"] == "https://x.c"


# --- Lax coercion ---------------------------------------------------------------


COERCED = {"price": "10.5", "quantity_needed": "2", "quantity_purchased": 2.0, "is_active": "true"}


@BOTH_METHODS
def test_lax_coercion_of_numbers_and_booleans(alice, method):
    data = accepted(write(alice, method, COERCED), method)
    assert (data["price"], data["quantity_needed"], data["quantity_purchased"], data["is_active"]) == (10.5, 2, 2, True)


def test_a_numeric_string_registry_id_is_accepted(alice):
    assert create(alice, registry_id="7")["registry_id"] == 7


@pytest.mark.parametrize("affiliate_status", ["active", "inactive", "expired", "none"])
def test_every_affiliate_status_is_accepted(admin, affiliate_status):
    assert create(admin, admin=True, affiliate_status=affiliate_status)["affiliate_status"] == affiliate_status


# --- Explicit nulls in PUT (D3) --------------------------------------------------


NOT_NULL = [
    ("name", "string_type", "Input should be a valid string"),
    ("url", "string_type", "Input should be a valid string"),
    ("quantity_needed", "int_type", "Input should be a valid integer"),
    ("quantity_purchased", "int_type", "Input should be a valid integer"),
    ("is_active", "bool_type", "Input should be a valid boolean"),
]


@pytest.mark.parametrize(("field", "type_", "msg"), NOT_NULL)
def test_null_for_a_not_null_column_is_422_and_writes_nothing(alice, field, type_, msg):
    item = create(alice)
    response = send(alice, "PUT", f"/items/{item['id']}", {"description": "changed", field: None})
    assert_single_error(response, error(type_, field, msg, None))
    assert envelope(send(alice, "GET", f"/items/{item['id']}")) == item


def test_null_for_a_nullable_column_writes_null(admin):
    nullable = ["description", "notes", "retailer", "affiliate_url", "affiliate_status", "image_url", "price"]
    item = create(
        admin, admin=True, notes="n", retailer="r", affiliate_url="https://aff.example.com/a",
        affiliate_status="active", image_url="https://img.example.com/a.png",
    )  # fmt: skip
    changes = dict.fromkeys(nullable)
    data = envelope(
        send(admin, "PUT", f"/items/{item['id']}", changes), message="Item updated successfully", admin=True
    )
    assert data == expected_item(item, True, **changes, updated_at=data["updated_at"])
    assert Item.objects.filter(id=item["id"], **{f"{name}__isnull": True for name in nullable}).exists()


def test_unknown_keys_in_put_are_ignored(alice):
    item = create(alice)
    response = send(alice, "PUT", f"/items/{item['id']}", {"registry_id": 999, "id": 5, "colour": "red"})
    assert envelope(response) == item  # nothing known was sent: the current item, message null


# --- Stored verbatim, never a 500 (as v1.0.x's tests expect) --------------------


VERBATIM = [
    {"name": "<script>alert('xss')</script>"},
    {"description": '<img src=x onerror="alert(1)">'},
    {"name": "'; DROP TABLE items; --"},
    {"retailer": '" OR 1=1 --', "notes": "1; DELETE FROM items WHERE 1=1"},
    {"url": "javascript:alert(document.cookie)"},
    {"name": "Ünïcödé 日本語 🎁👍🏽", "description": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and RTL ‮txet"},
    {"name": "Nul\x00byte", "notes": "\x00", "description": "a\x00b\x00c"},
    {"name": "   "},
]


@pytest.mark.sqlite_only(
    "6", reason="NUL characters, which PostgreSQL text cannot hold: a 422 there, see tests/registry_api/test_engines.py"
)
@pytest.mark.parametrize("fields", VERBATIM, ids=[str(i) for i in range(len(VERBATIM))])
def test_text_is_stored_and_echoed_verbatim(alice, fields):
    item = create(alice, **fields)
    for key, value in fields.items():
        assert item[key] == value
    assert envelope(send(alice, "GET", f"/items/{item['id']}")) == item
    assert body_of(send(alice, "GET", "/items")) == [item]


@pytest.mark.parametrize("field", ["name", "description", "notes", "url", "retailer", "image_url"])
@BOTH_METHODS
def test_lone_surrogates_are_422(alice, method, field):
    response = write_raw(alice, method, field, '"surrogate \\ud800 inside"')
    [found] = validation_errors(response)
    assert (found["type"], found["loc"], found["msg"]) == (
        "string_unicode", ["body", field], "Input should be a valid string, unable to parse raw data as a unicode string",
    )  # fmt: skip
    assert list(Item.objects.values_list("name", "is_active")) == ([] if method == "POST" else [("Test Item", True)])


@pytest.mark.parametrize(
    ("literal", "echoed"), [("Infinity", "Infinity"), ("-Infinity", "-Infinity"), ("NaN", "NaN"), ("1e400", "Infinity")]
)
@BOTH_METHODS
def test_non_finite_prices_are_422_with_a_json_body(alice, method, literal, echoed):
    response = write_raw(alice, method, "price", literal)
    assert_single_error(response, error("finite_number", "price", "Input should be a finite number", echoed))
    assert list(Item.objects.values_list("price", flat=True)) == ([] if method == "POST" else [29.99])


def test_non_finite_numbers_inside_an_echoed_body_are_strings(alice):
    response = send(
        alice, "POST", "/items", '{"registry_id": 1, "url": "https://example.com/u", "extra": [NaN, -Infinity]}'
    )
    echoed = {"registry_id": 1, "url": "https://example.com/u", "extra": ["NaN", "-Infinity"]}
    assert_single_error(
        response, {"type": "missing", "loc": ["body", "name"], "msg": "Field required", "input": echoed}
    )


@pytest.mark.parametrize("authorized", [True, False])
def test_json_nested_too_deep_to_decode_is_422(anonymous, alice, authorized):
    response = send(alice if authorized else anonymous, "POST", "/items", "[" * 100_000 + "]" * 100_000)
    [found] = validation_errors(response)
    assert (found["type"], found["loc"], found["msg"]) == ("json_invalid", ["body", 0], "JSON decode error")


def test_deep_but_decodable_json_is_a_plain_422(alice, anonymous):
    nested = "[" * 2000 + "]" * 2000
    body = f'{{"registry_id": 1, "url": "https://example.com/u", "name": {nested}}}'
    [found] = validation_errors(send(alice, "POST", "/items", body))
    assert (found["type"], found["loc"]) == ("string_type", ["body", "name"])
    assert_missing_auth(send(anonymous, "POST", "/items", body))
