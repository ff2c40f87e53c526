"""Business rules of the registry routes, as plain functions of the caller and the input.

A registry is a WordPress post (read and written through `wpgateway.registries`
with the caller's credentials); its items are rows of the `items` table with
`registry_id` = the post id. Who may do what is decided in `access.rules`.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from access import facts, rules
from core.errors import NotFound
from core.ids import fits_int64
from items.models import Item
from items.schemas import ItemRegistryCreate, ItemView
from items.services import ADD_DENIED, item_view, item_views, store_item
from wpgateway import registries as wordpress
from wpgateway.caller import Caller
from wpgateway.errors import GatewayError
from wpgateway.identity import WordPressUser
from wpgateway.registry_post import RegistryPost, encode_meta, read_posts

from .schemas import AffiliateOut, AffiliateUpdate, RegistryCreate, RegistryMetaOut, RegistryOut, RegistryUpdate

logger = logging.getLogger(__name__)

ACCESS_DENIED = "Not authorized to access this registry"
ITEM_NOT_IN_REGISTRY = "Item not found in this registry"
INVITEES_DENIED = "Only the registry owner can manage invitees"

Rule = Callable[[WordPressUser, RegistryPost], bool]  # one of access.rules's predicates


@dataclass(frozen=True)
class RegistryList:
    registries: list[RegistryOut]
    total: int  # X-WP-Total
    total_pages: int  # X-WP-TotalPages


def registry_view(user: WordPressUser, registry: RegistryPost) -> RegistryOut:
    return RegistryOut(
        id=registry.id,
        title=registry.title,
        username=registry.username,
        is_private=registry.is_private,
        story=registry.story,
        meta=RegistryMetaOut.model_validate(rules.visible_meta(user, registry)),
        created_at=registry.created_at,
        updated_at=registry.updated_at,
    )


# --- Registries -------------------------------------------------------------


def list_registries(caller: Caller, page: int = 1, per_page: int = 10) -> RegistryList:
    """The caller's own registries, in every status (administrators included)."""
    found = wordpress.list_registries(caller, author=caller.user.id, page=page, per_page=per_page)
    registries = read_posts(found.posts)
    facts.learn(caller, registries)
    views = [registry_view(caller.user, registry) for registry in registries]
    return RegistryList(views, total=found.total, total_pages=found.total_pages)


def get_registry(caller: Caller, registry_id: int) -> RegistryOut:
    registry = _fetch_for(caller, registry_id, rules.can_read, "Not authorized to view this registry")
    return registry_view(caller.user, registry)


def create_registry(caller: Caller, data: RegistryCreate) -> RegistryOut:
    """The caller becomes the owner, whatever `username` says; every meta key is written."""
    fields = {
        "title": data.title,
        "status": _status(data.is_private),
        "author": caller.user.id,
        "meta": encode_meta(data.meta.model_dump()),
    }
    if data.story:  # v1.0.x: an empty story is not sent
        fields["content"] = data.story
    return registry_view(caller.user, _written(wordpress.create_registry(caller, fields)))


def update_registry(caller: Caller, registry_id: int, data: RegistryUpdate) -> RegistryOut:
    """Write what was sent; with nothing to write, answer the registry as it is
    without writing to WordPress."""
    registry = _fetch_for(caller, registry_id, rules.can_manage, "Not authorized to update this registry")
    fields: dict[str, Any] = {}
    if data.title is not None:
        fields["title"] = data.title
    if data.is_private is not None:
        fields["status"] = _status(data.is_private)
    if data.story is not None:  # "" clears the story, null leaves it
        fields["content"] = data.story
    if data.meta is not None and (meta := data.meta.model_dump(exclude_unset=True)):
        fields["meta"] = encode_meta(meta)  # only the sub-fields sent (D4)
    if not fields:
        return registry_view(caller.user, registry)
    return registry_view(caller.user, _written(wordpress.update_registry(caller, registry.id, fields)))


def delete_registry(caller: Caller, registry_id: int) -> None:
    """Delete the post for good, then soft-delete its items (D5): not before
    WordPress confirmed, so that a failed delete leaves the registry whole."""
    registry = _fetch_for(caller, registry_id, rules.can_manage, "Not authorized to delete this registry")
    wordpress.delete_registry(caller, registry.id)
    facts.forget(registry.id)
    Item.objects.filter(registry_id=registry.id, is_active=True).update(is_active=False)


# --- Items of a registry ----------------------------------------------------


def list_registry_items(caller: Caller, registry_id: int) -> list[ItemView]:
    """Active items, oldest first."""
    registry = _fetch_for(caller, registry_id, rules.can_read, ACCESS_DENIED)
    return item_views(_active_items(registry), caller.user)


def add_registry_item(caller: Caller, registry_id: int, data: ItemRegistryCreate) -> ItemView:
    registry = _managed(caller, registry_id, ADD_DENIED)
    item = store_item(registry_id=registry.id, **data.model_dump(mode="json"))
    _sync_item_ids(caller, registry)
    # v1.0.x's nested create answers non-administrators with the affiliate keys as null (docs/api.md, "The item").
    return item_view(item, caller.user, affiliate_keys=True)


def remove_registry_item(caller: Caller, registry_id: int, item_id: int) -> None:
    """Soft delete; the id leaves the registry's `restart_item_ids` (D4)."""
    registry = _managed(caller, registry_id, "Only the registry owner can remove items")
    item = _registry_item(registry, item_id, is_active=True)
    item.is_active = False
    item.save(update_fields=["is_active"])
    _sync_item_ids(caller, registry)


def _active_items(registry: RegistryPost) -> QuerySet[Item]:
    return Item.objects.filter(registry_id=registry.id, is_active=True).order_by("id")


def _sync_item_ids(caller: Caller, registry: RegistryPost) -> None:
    """Write `restart_item_ids` alone (D4), listing the active items.

    Best effort, as in v1.0.x: the item change is committed and the items
    table is the truth; the WordPress plugin skips ids it cannot find.
    """
    item_ids = list(_active_items(registry).values_list("id", flat=True))
    try:
        wordpress.update_registry(caller, registry.id, {"meta": encode_meta({"item_ids": item_ids})})
    except GatewayError as exc:
        logger.warning("restart_item_ids of registry %s not updated: %r", registry.id, exc)


def _registry_item(registry: RegistryPost, item_id: int, **filters: Any) -> Item:
    # An id beyond the database's integers cannot exist (and must not reach SQL).
    if not fits_int64(item_id):
        raise NotFound(ITEM_NOT_IN_REGISTRY)
    try:
        return Item.objects.get(id=item_id, registry_id=registry.id, **filters)
    except Item.DoesNotExist:
        raise NotFound(ITEM_NOT_IN_REGISTRY) from None


# --- Invitees ---------------------------------------------------------------


def list_invitees(caller: Caller, registry_id: int) -> list[str]:
    """In stored order."""
    return _fetch_for(caller, registry_id, rules.can_see_invitees, ACCESS_DENIED).meta["invitees"]


def add_invitees(caller: Caller, registry_id: int, invitees: list[str]) -> list[str]:
    """The sorted, de-duplicated union of the stored and the new invitees."""
    registry = _managed(caller, registry_id, INVITEES_DENIED, readers=rules.can_see_invitees)
    updated = sorted(set(registry.meta["invitees"]) | set(invitees))
    _write_invitees(caller, registry, updated)
    return updated


def remove_invitee(caller: Caller, registry_id: int, invitee: str) -> list[str]:
    """Remove every entry equal to `invitee` (exact, case-sensitive); the rest keep their order."""
    registry = _managed(caller, registry_id, INVITEES_DENIED, readers=rules.can_see_invitees)
    if invitee not in registry.meta["invitees"]:
        raise NotFound("Invitee not found")
    remaining = [name for name in registry.meta["invitees"] if name != invitee]
    _write_invitees(caller, registry, remaining)
    return remaining


def _write_invitees(caller: Caller, registry: RegistryPost, invitees: list[str]) -> None:
    # Only restart_invitees (D4): a concurrent change of the items or the story survives.
    _written(wordpress.update_registry(caller, registry.id, {"meta": encode_meta({"invitees": invitees})}))


# --- Affiliate links --------------------------------------------------------


def get_affiliate(caller: Caller, registry_id: int, item_id: int) -> AffiliateOut:
    """Owner and administrators only: invitees never see affiliate links (D1).
    The item may be inactive (v1.0.x)."""
    registry = _fetch_for(caller, registry_id, rules.can_manage, ACCESS_DENIED)
    return _affiliate(_registry_item(registry, item_id))


def set_affiliate(caller: Caller, registry_id: int, item_id: int, data: AffiliateUpdate) -> AffiliateOut:
    link = data.model_dump(mode="json")
    return _write_affiliate(caller, registry_id, item_id, link["affiliate_url"], link["affiliate_status"])


def clear_affiliate(caller: Caller, registry_id: int, item_id: int) -> None:
    _write_affiliate(caller, registry_id, item_id, None, None)


def _write_affiliate(
    caller: Caller, registry_id: int, item_id: int, url: str | None, status: str | None
) -> AffiliateOut:
    registry = _managed(caller, registry_id, "Only the registry owner can manage affiliate links")
    item = _registry_item(registry, item_id)
    item.affiliate_url, item.affiliate_status = url, status
    item.save(update_fields=["affiliate_url", "affiliate_status"])
    return _affiliate(item)


def _affiliate(item: Item) -> AffiliateOut:
    return AffiliateOut(
        item_id=item.id,
        url=item.url,
        affiliate_url=item.affiliate_url,
        affiliate_status=item.affiliate_status,
        retailer=item.retailer,
    )


# --- Fetching and checking --------------------------------------------------


def _fetch_for(caller: Caller, registry_id: int, rule: Rule, denied: str) -> RegistryPost:
    """The registry as WordPress answers it to the caller, if `rule` lets the
    caller at it; else 403 `denied`. The item routes' cached facts learn it (D1)."""
    registry = RegistryPost.from_wordpress(wordpress.fetch_registry(caller, registry_id))
    facts.learn(caller, [registry])
    rules.require(rule(caller.user, registry), denied)
    return registry


def _managed(caller: Caller, registry_id: int, denied: str, *, readers: Rule = rules.can_read) -> RegistryPost:
    """A registry the caller must manage: 403 `Not authorized to access this
    registry` for those not among its `readers`, 403 `denied` for readers who
    do not manage it (invitees, anyone on a published registry)."""
    registry = _fetch_for(caller, registry_id, readers, ACCESS_DENIED)
    rules.require(rules.can_manage(caller.user, registry), denied)
    return registry


def _written(post: dict[str, Any]) -> RegistryPost:
    """A registry as WordPress answered the service's write of it: the item
    routes' cached access facts learn it at once (D1)."""
    registry = RegistryPost.from_wordpress(post)
    facts.remember(registry)
    return registry


def _status(is_private: bool) -> str:
    return "private" if is_private else "publish"
