"""Request and response bodies of the item routes (docs/api.md, "The item")."""

from enum import Enum
from typing import cast

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, JsonValue, StrictBool, TypeAdapter, field_validator

from core.schema_types import INT64_MAX, INT64_MIN, ApiDateTime, TextSchema

# Built at first use (pydantic's defer_build): a cold start builds none of them.
AT_FIRST_USE = ConfigDict(defer_build=True)
# Counts are capped at 32-bit (v1.0.x's columns); ids at 64-bit (core.schema_types). A larger number is a 422, not a 500.
INT32_MAX = 2**31 - 1


class AffiliateStatus(str, Enum):
    active = "active"
    inactive = "inactive"
    expired = "expired"
    none = "none"


class ItemFields(TextSchema):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(None, max_length=500)
    notes: str | None = Field(None, max_length=1000)
    url: str = Field(min_length=10, max_length=2000)
    retailer: str | None = Field(None, max_length=100)
    affiliate_url: str | None = Field(None, max_length=2000)
    affiliate_status: AffiliateStatus | None = None
    image_url: str | None = Field(None, max_length=2000)
    price: float | None = Field(None, gt=0, allow_inf_nan=False)
    quantity_needed: int = Field(1, ge=1, le=INT32_MAX)
    quantity_purchased: int = Field(0, ge=0, le=INT32_MAX)
    is_active: bool = True


# The examples are what /docs offers for "Try it out": they must be accepted
# (tests/registry_api/test_request_examples.py sends each one).
ITEM_EXAMPLE: dict[str, JsonValue] = {
    "name": "Stand mixer",
    "description": "5-quart tilt-head, in red",
    "url": "https://example.com/mixer",
    "retailer": "Example Store",
    "image_url": "https://example.com/mixer.jpg",
    "price": 199.5,
    "quantity_needed": 1,
}


class ItemCreate(ItemFields):
    """POST /items: `registry_id` is a registry the caller owns, or any one for an
    administrator (404 `Registry not found` if the caller may not read it, 403 if
    they may only read it)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**ITEM_EXAMPLE, "registry_id": 42}]})

    registry_id: int = Field(ge=INT64_MIN, le=INT64_MAX)


class ItemRegistryCreate(ItemFields):
    """POST /registries/{id}/items: the registry comes from the path."""

    model_config = ConfigDict(json_schema_extra={"examples": [ITEM_EXAMPLE]})


class ItemUpdate(TextSchema):
    """PUT /items/{id}: only the keys sent are written.

    A column that cannot be NULL defaults to None without being nullable:
    leaving it out is fine, sending null is a 422 (D3). Hence the
    `type: ignore[assignment]`s: the type says what a client may send, the
    default None what it may leave out, which no annotation says at once.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [{"price": 179.99, "quantity_needed": 2}]})

    name: str = Field(None, min_length=1, max_length=100)  # type: ignore[assignment]
    description: str | None = Field(None, max_length=500)
    notes: str | None = Field(None, max_length=1000)
    url: str = Field(None, min_length=10, max_length=2000)  # type: ignore[assignment]
    retailer: str | None = Field(None, max_length=100)
    affiliate_url: str | None = Field(None, max_length=2000)
    affiliate_status: AffiliateStatus | None = None
    image_url: str | None = Field(None, max_length=2000)
    price: float | None = Field(None, gt=0, allow_inf_nan=False)
    quantity_needed: int = Field(None, ge=1, le=INT32_MAX)  # type: ignore[assignment]
    quantity_purchased: int = Field(None, ge=0, le=INT32_MAX)  # type: ignore[assignment]
    is_active: bool = None  # type: ignore[assignment]


class StoredItem(BaseModel):
    """An item as stored, from its row's values (column → value). A plain
    pydantic model, not a Ninja Schema: pydantic-core reads the fields itself,
    without Ninja's Python getter per field."""

    model_config = AT_FIRST_USE

    @field_validator("is_active", mode="before", check_fields=False)
    @classmethod
    def _null_is_inactive(cls, value):
        # v1.0.x's column is nullable; such a row is invisible to its queries.
        return bool(value)


class PurchaseRequest(TextSchema):
    """POST /items/{id}/purchase: how many were bought (negative: undo); a
    purchase may use the caller's reservation (D10) and carry a note to the
    registry's owner (D11), which an undo ignores."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"quantity": 1, "from": "Aunt May", "message": "Congratulations, you two!"}]}
    )

    quantity: int = Field(1, ge=-INT32_MAX, le=INT32_MAX)
    reservation_id: int | None = Field(None, ge=INT64_MIN, le=INT64_MAX)
    from_name: str | None = Field(None, alias="from", max_length=100)
    message: str | None = Field(None, max_length=1000)

    @field_validator("quantity")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("quantity must not be 0")
        return value


class ItemPublicOut(StoredItem):
    """An item as non-administrators see it: the affiliate keys are absent."""

    id: int
    registry_id: int | None
    name: str
    description: str | None
    notes: str | None
    url: str
    retailer: str | None
    image_url: str | None
    price: float | None
    quantity_needed: int
    quantity_purchased: int
    is_active: bool
    created_at: ApiDateTime | None
    updated_at: ApiDateTime | None
    quantity_reserved: int  # the active reservations' units (D10)


class ItemOut(StoredItem):
    """An item as administrators see it (v1.0.x's `Item`, in its key order)."""

    name: str
    description: str | None
    notes: str | None
    url: str
    retailer: str | None
    # Free text in the database: v1.0.x's affiliate PUT stored any string.
    affiliate_url: str | None
    affiliate_status: str | None
    image_url: str | None
    price: float | None
    quantity_needed: int
    quantity_purchased: int
    is_active: bool
    id: int
    registry_id: int | None
    created_at: ApiDateTime | None
    updated_at: ApiDateTime | None
    quantity_reserved: int


ItemView = ItemOut | ItemPublicOut
# A non-finite price (which no write of the API stores) is written as Python's
# json.dumps writes it, as Ninja's renderer did: the outermost model's setting counts.
WRITTEN_AS_BEFORE = ConfigDict(**AT_FIRST_USE, ser_json_inf_nan="constants")
# Lists are validated in one pass per viewer's shape (rows → models), and written
# in one. (Either shape's list is a list[ItemView]; mypy's invariant list is not told.)
ADMIN_ITEMS = cast("TypeAdapter[list[ItemView]]", TypeAdapter(list[ItemOut], config=AT_FIRST_USE))
PUBLIC_ITEMS = cast("TypeAdapter[list[ItemView]]", TypeAdapter(list[ItemPublicOut], config=AT_FIRST_USE))
ITEM_LIST = TypeAdapter(list[ItemView], config=WRITTEN_AS_BEFORE)


class ItemEnvelope(BaseModel):
    model_config = WRITTEN_AS_BEFORE

    success: bool = True
    data: ItemView
    message: str | None = None


class ErrorDetail(Schema):
    detail: str


# --- Reservations (/items/{id}/reservations; D10) ---


class ReservationRequest(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"quantity": 1}]})

    quantity: int = Field(1, ge=1, le=INT32_MAX)


class ReservationOut(Schema):
    """A reservation as its maker and administrators see it: never who made it."""

    id: int
    item_id: int
    quantity: int  # the units it still holds
    expires_at: ApiDateTime


class ReservationEnvelope(Schema):
    success: bool = True
    data: ReservationOut
    message: str


# --- Gifts (/registries/{id}/gifts; D11) ---


class GiftOut(Schema):
    """A purchase as the registry's owner sees it: never who bought it."""

    id: int
    item_id: int
    item_name: str
    quantity: int  # bought, less what the buyer undid later
    from_name: str | None = Field(alias="from")
    message: str | None
    purchased_at: ApiDateTime
    thanked: bool


class GiftUpdate(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"thanked": True}]})

    thanked: StrictBool


# --- The affiliate routes (/registries/{id}/items/{item_id}/affiliate) ---


class AffiliateUpdate(TextSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"affiliate_url": "https://aff.example/mixer?tag=restart-20", "affiliate_status": "active"}]
        }
    )

    affiliate_url: str = Field(min_length=10, max_length=500)
    # An explicit null clears the status; anything else must be a known one (D3).
    affiliate_status: AffiliateStatus | None = AffiliateStatus.active


class AffiliateOut(Schema):
    item_id: int
    url: str
    affiliate_url: str | None
    affiliate_status: str | None  # free text in the database (v1.0.x stored any string)
    retailer: str | None
