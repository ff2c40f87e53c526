"""Business rules of the item routes, as plain functions of the caller and the input.

Who may do what (D1) is decided by `access`, from the item's
registry: reading an item, buying it and undoing one's own purchases take read
access; any other write (undoing others' purchases included) owner or
administrator. An item the caller may not read answers exactly as a
missing one, so nobody learns what a private registry holds. The access check
runs before any write transaction: it may wait for WordPress, and must not hold
the database's write lock meanwhile (an item's registry never changes).
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from core.errors import Conflict, NotFound
from core.schema_types import INT64_MAX, fits_int64
from registries import rules
from registries.rules import Access
from wpauth.caller import Caller
from wpauth.identity import WordPressUser

from . import access
from .models import Item, ItemQuerySet
from .schemas import ADMIN_ITEMS, PUBLIC_ITEMS, ItemCreate, ItemOut, ItemPublicOut, ItemUpdate, ItemView

WRITE_DENIED = "Not authorized to modify this item"
ADD_DENIED = "Only the registry owner can add items"  # POST /items and POST /registries/{id}/items

FIELDS = tuple(ItemOut.model_fields)  # every column, and quantity_reserved
# Items as rows (column → value), without model instances. Each use filters it
# into a new queryset, so the column list is built once, not per request.
ITEMS = Item.objects.with_reserved()  # with quantity_reserved, resolved once
ROWS = ITEMS.values(*FIELDS)
ACTIVE_ROWS = ROWS.filter(is_active=True)
NEWEST_ACTIVE = ITEMS.filter(is_active=True).order_by("-id")  # GET /items


def item_view(item: dict[str, Any], viewer: WordPressUser, *, affiliate_keys: bool = False) -> ItemView:
    """The item as `viewer` may see it: affiliate data for administrators only.

    `affiliate_keys` keeps the keys (as null) for non-administrators, the
    shape v1.0.x's nested create answers with (docs/api.md, "The item").
    """
    if rules.can_see_affiliate_data(viewer):
        return ItemOut.model_validate(item)
    public = ItemPublicOut.model_validate(item)
    if affiliate_keys:
        return ItemOut(**public.model_dump(), affiliate_url=None, affiliate_status=None)
    return public


def item_views(rows: ItemQuerySet, viewer: WordPressUser) -> list[ItemView]:
    """`item_view` of every row of `rows` (a queryset of ITEMS): one query of
    only the columns `viewer` may see, and one pydantic pass (no model instance per row)."""
    if rules.can_see_affiliate_data(viewer):
        return ADMIN_ITEMS.validate_python(list(rows.values(*FIELDS)))
    return PUBLIC_ITEMS.validate_python(list(rows.values(*ItemPublicOut.model_fields)))


def item_not_found(item_id: int) -> NotFound:
    return NotFound(f"Item with id {item_id} not found")


def read_item(item_id: int, rows: QuerySet[Item, dict[str, Any]] = ROWS, **conditions: Any) -> dict[str, Any] | None:
    """The item's row (column → value) among `rows` if it exists and meets `conditions`, else None."""
    # An id beyond the database's integers cannot exist (and must not reach SQL).
    if not fits_int64(item_id):
        return None
    return first_row(rows.filter(id=item_id, **conditions))


def first_row[Row](rows: Iterable[Row]) -> Row | None:
    return next(iter(rows), None)


def _existing_id(item_id: int) -> int:
    if not fits_int64(item_id):
        raise item_not_found(item_id)
    return item_id


def item_row(item_id: int, *, active_only: bool = False) -> dict[str, Any]:
    item = read_item(item_id, ACTIVE_ROWS if active_only else ROWS)
    if item is None:
        raise item_not_found(item_id)
    return item


def _access(caller: Caller, item: dict[str, Any], needed: Access, *, password: str | None = None) -> Access:
    """The caller's access to `item`'s registry, if at least `needed`: 404 (as
    for a missing item) without read access, 403 with read access only."""
    granted = access.registry_access(caller, item["registry_id"], password=password)
    if granted is Access.NONE:
        raise item_not_found(item["id"])
    rules.require(granted >= needed, WRITE_DENIED)
    return granted


def access_before_write(
    caller: Caller, item_id: int, needed: Access, *, active_only: bool = False, password: str | None = None
) -> Access:
    """`_access` to the item, for a write that follows. Administrators manage
    every item: their write is not preceded by a read (a missing item shows as
    a write that changed nothing). Anyone else's access depends on the item's
    registry, read first: a missing item (or an inactive one, `active_only`) is a 404
    before WordPress is asked, as for reads."""
    if access.manages_every_registry(caller):
        _existing_id(item_id)
        return Access.MANAGE
    return _access(caller, item_row(item_id, active_only=active_only), needed, password=password)


def list_items(caller: Caller, skip: int = 0, limit: int = 100) -> list[ItemView]:
    """Active items, newest first: every one for administrators, those of the
    caller's own registries for anyone else. v1.0.x's SQL paging: a negative
    limit means no limit, a negative skip counts as 0."""
    offset = min(max(skip, 0), INT64_MAX)
    rows = NEWEST_ACTIVE
    registry_ids = access.listed_registry_ids(caller)
    if registry_ids is not None:
        rows = rows.filter(registry_id__in=registry_ids)
    rows = rows[offset:] if limit < 0 else rows[offset : offset + min(limit, INT64_MAX)]
    return item_views(rows, caller.user)


def get_item(caller: Caller, item_id: int, *, password: str | None = None) -> ItemView:
    return item_view(readable_item(caller, item_id, password=password), caller.user)


def readable_item(caller: Caller, item_id: int, *, password: str | None = None) -> dict[str, Any]:
    """The active item's row, if the caller may read it: else 404, as for a missing item."""
    item = item_row(item_id, active_only=True)
    _access(caller, item, Access.READ, password=password)
    return item


def create_item(caller: Caller, data: ItemCreate) -> ItemView:
    """Owner or administrator of `registry_id`. A registry the caller may not
    read is a 404 `Registry not found`, whether it exists or not."""
    require_manager(access.registry_access(caller, data.registry_id), ADD_DENIED)
    return item_view(store_item(**data.model_dump(mode="json")), caller.user)


def require_manager(granted: Access, denied: str) -> None:
    """404 `Registry not found` for a registry the caller may not read, whether
    it exists or not; 403 `denied` for one they may read but do not manage."""
    if granted is Access.NONE:
        raise NotFound("Registry not found")
    rules.require(granted is Access.MANAGE, denied)


def only_left(units: int) -> Conflict:
    """409 for a purchase or reservation of more than is left (`units`, 0 at least)."""
    return Conflict(f"Only {max(units, 0)} left")


def store_item(**fields: Any) -> dict[str, Any]:
    """A new row, as the database stored it (with the id and timestamps it filled in)."""
    # One INSERT: the columns with a database default come back in its RETURNING clause.
    item = Item.objects.create(**fields)
    return {name: getattr(item, name) for name in FIELDS if name != "quantity_reserved"} | {"quantity_reserved": 0}


def write_item(item_id: int, changes: dict[str, Any], **conditions: Any) -> dict[str, Any] | None:
    """Write `changes` (field → value) to the item if it meets `conditions`: its
    row as written, or None (and nothing written) if there is no such item.

    Every change to an item's fields goes through here, the item routes' and
    the registry routes' alike. The row is read in the write's transaction, so
    it is the row as this write left it; updated_at is the trigger's (table.py).
    """
    if not fits_int64(item_id):
        return None
    # Built before the transaction: inside it (SQLite's write lock) only their statements run.
    matching, written = Item.objects.filter(id=item_id, **conditions), ROWS.filter(id=item_id)
    with transaction.atomic():
        if not matching.update(**changes):
            return None
        return first_row(written)


def deactivate_registry_items(registry_id: int) -> None:
    """Soft-delete every active item of the registry (D5)."""
    Item.objects.filter(registry_id=registry_id, is_active=True).update(is_active=False)


def update_item(caller: Caller, item_id: int, data: ItemUpdate) -> tuple[ItemView, bool]:
    """Write the keys sent; the row may be inactive (re-activating is allowed).

    Returns the item and whether anything was written.
    """
    access_before_write(caller, item_id, Access.MANAGE)
    changes = data.model_dump(mode="json", exclude_unset=True)
    if not changes:
        return item_view(item_row(item_id), caller.user), False
    return item_view(_written(item_id, changes), caller.user), True


def delete_item(caller: Caller, item_id: int) -> ItemView:
    """Soft delete; repeatable. The row is kept for ever."""
    access_before_write(caller, item_id, Access.MANAGE)
    return item_view(_written(item_id, {"is_active": False}), caller.user)


def _written(item_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """`write_item`, or 404."""
    item = write_item(item_id, changes)
    if item is None:
        raise item_not_found(item_id)
    return item
