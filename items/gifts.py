"""The thank-you list (D11): the purchases of a registry's items, as gifts to its owner.

A gift is a purchase's ledger line, with the name and message its buyer gave;
its quantity is what the buyer did not undo later (`purchases`). Only the
registry's owner and administrators see the list, and never who bought:
the buyer's WordPress identity stays in the ledger, for administrators'
Django admin alone.
"""

from typing import Any

from django.db import transaction

from core.errors import NotFound
from core.schema_types import fits_int64
from wpauth.caller import Caller

from . import access
from .models import Purchase
from .services import first_row, require_manager

GIFTS_DENIED = "Only the registry owner can see gifts"
GIFT_NOT_FOUND = "Gift not found"
FIELDS = ("id", "item_id", "item__name", "gift_quantity", "from_name", "message", "created_at", "thanked")


def list_gifts(caller: Caller, registry_id: int) -> list[dict[str, Any]]:
    """Newest first; gifts wholly undone are left out."""
    _require_owner(caller, registry_id)
    return [_view(row) for row in _gifts(registry_id).order_by("-id").values(*FIELDS)]


def mark_thanked(caller: Caller, registry_id: int, gift_id: int, thanked: bool) -> dict[str, Any]:
    _require_owner(caller, registry_id)
    if not fits_int64(gift_id):
        raise NotFound(GIFT_NOT_FOUND)
    gift = _gifts(registry_id).filter(id=gift_id)
    with transaction.atomic():
        if not gift.update(thanked=thanked):
            raise NotFound(GIFT_NOT_FOUND)
        row = first_row(gift.values(*FIELDS))
    assert row is not None  # updated in this transaction
    return _view(row)


def _require_owner(caller: Caller, registry_id: int) -> None:
    """404 `Registry not found` for a registry the caller may not read; 403 for
    one they may read but do not manage."""
    require_manager(access.asked_access(caller, registry_id), GIFTS_DENIED)


def _gifts(registry_id: int):
    return Purchase.objects.filter(item__registry_id=registry_id, gift_quantity__gt=0)


def _view(row: dict[str, Any]) -> dict[str, Any]:
    """The gift under its wire names (GiftOut's aliases): Ninja validates the
    answer again from what a route returns, and a GiftOut object has no `from`."""
    return {
        "id": row["id"],
        "item_id": row["item_id"],
        "item_name": row["item__name"],
        "quantity": row["gift_quantity"],
        "from": row["from_name"],
        "message": row["message"],
        "purchased_at": row["created_at"],
        "thanked": row["thanked"],
    }
