"""The routes of a registry's items (docs/api.md, "Items of a registry", "Affiliate
links"): the registry as WordPress answers the caller (`registries.services`),
its items written through `services` like every other item."""

from typing import Any

from core.errors import NotFound
from registries import rules
from registries.posts import RegistryPost
from registries.services import ACCESS_DENIED, fetch_for, managed, sync_item_ids
from wpauth.caller import Caller

from .models import ItemQuerySet
from .schemas import AffiliateOut, AffiliateUpdate, ItemRegistryCreate, ItemView
from .services import ADD_DENIED, ITEMS, item_view, item_views, read_item, store_item, write_item

ITEM_NOT_IN_REGISTRY = "Item not found in this registry"
OLDEST_ACTIVE = ITEMS.filter(is_active=True).order_by("id")  # built once, filtered per request


def list_registry_items(caller: Caller, registry_id: int, *, password: str | None = None) -> list[ItemView]:
    """Active items, oldest first."""
    registry = fetch_for(caller, registry_id, rules.can_read, ACCESS_DENIED, password)
    return item_views(_active_items(registry), caller.user)


def add_registry_item(caller: Caller, registry_id: int, data: ItemRegistryCreate) -> ItemView:
    registry = managed(caller, registry_id, ADD_DENIED)
    item = store_item(registry_id=registry.id, **data.model_dump(mode="json"))
    _sync_item_ids(caller, registry)
    # v1.0.x's nested create answers non-administrators with the affiliate keys as null (docs/api.md, "The item").
    return item_view(item, caller.user, affiliate_keys=True)


def remove_registry_item(caller: Caller, registry_id: int, item_id: int) -> None:
    """Soft delete; the id leaves the registry's `restart_item_ids` (D4)."""
    registry = managed(caller, registry_id, "Only the registry owner can remove items")
    _in_registry(write_item(item_id, {"is_active": False}, registry_id=registry.id, is_active=True))
    _sync_item_ids(caller, registry)


def _active_items(registry: RegistryPost) -> ItemQuerySet:
    return OLDEST_ACTIVE.filter(registry_id=registry.id)


def _sync_item_ids(caller: Caller, registry: RegistryPost) -> None:
    """`restart_item_ids` lists the active items (D4)."""
    sync_item_ids(caller, registry, list(_active_items(registry).values_list("id", flat=True)))


def _in_registry(item: dict[str, Any] | None) -> dict[str, Any]:
    """The item a read or write of the registry's item found: 404 if none."""
    if item is None:
        raise NotFound(ITEM_NOT_IN_REGISTRY)
    return item


# --- Affiliate links --------------------------------------------------------


def get_affiliate(caller: Caller, registry_id: int, item_id: int) -> AffiliateOut:
    """Owner and administrators only: invitees never see affiliate links (D1).
    The item may be inactive (v1.0.x)."""
    registry = fetch_for(caller, registry_id, rules.can_manage, ACCESS_DENIED)
    return _affiliate(_in_registry(read_item(item_id, registry_id=registry.id)))


def set_affiliate(caller: Caller, registry_id: int, item_id: int, data: AffiliateUpdate) -> AffiliateOut:
    link = data.model_dump(mode="json")
    return _write_affiliate(caller, registry_id, item_id, link["affiliate_url"], link["affiliate_status"])


def clear_affiliate(caller: Caller, registry_id: int, item_id: int) -> None:
    _write_affiliate(caller, registry_id, item_id, None, None)


def _write_affiliate(
    caller: Caller, registry_id: int, item_id: int, url: str | None, status: str | None
) -> AffiliateOut:
    registry = managed(caller, registry_id, "Only the registry owner can manage affiliate links")
    link = {"affiliate_url": url, "affiliate_status": status}
    return _affiliate(_in_registry(write_item(item_id, link, registry_id=registry.id)))


def _affiliate(item: dict[str, Any]) -> AffiliateOut:
    return AffiliateOut(
        item_id=item["id"],
        url=item["url"],
        affiliate_url=item["affiliate_url"],
        affiliate_status=item["affiliate_status"],
        retailer=item["retailer"],
    )
