"""Business rules of the registry routes, as plain functions of the caller and the input.

A registry is a WordPress post (read and written through `registries.wordpress`
with the caller's credentials); its items (the `items` app) name it by
`registry_id`. Who may do what is decided in `registries.rules`.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.errors import GatewayError, NotFound
from wpauth.caller import Caller
from wpauth.identity import WordPressUser

from . import facts, rules, wordpress
from .posts import RegistryPost, encode_meta, read_posts
from .schemas import RegistryCreate, RegistryMetaOut, RegistryOut, RegistryUpdate
from .signals import registry_deleted

logger = logging.getLogger(__name__)

ACCESS_DENIED = "Not authorized to access this registry"
INVITEES_DENIED = "Only the registry owner can manage invitees"

Rule = Callable[[WordPressUser, RegistryPost], bool]  # one of registries.rules's predicates


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
    """The caller's own registries, in every status (administrators included).
    A post the caller may not read (another's, password-protected) is left out,
    whatever WordPress sent."""
    found = wordpress.list_registries(caller, author=caller.user.id, page=page, per_page=per_page)
    registries = read_posts(found.posts)
    facts.learn(caller, registries)
    views = [registry_view(caller.user, registry) for registry in registries if rules.can_read(caller.user, registry)]
    return RegistryList(views, total=found.total, total_pages=found.total_pages)


def get_registry(caller: Caller, registry_id: int, *, password: str | None = None) -> RegistryOut:
    """`password`: a password-protected registry's post password (see `_fetch_for`)."""
    registry = fetch_for(caller, registry_id, rules.can_read, "Not authorized to view this registry", password)
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
    registry = fetch_for(caller, registry_id, rules.can_manage, "Not authorized to update this registry")
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
    registry = fetch_for(caller, registry_id, rules.can_manage, "Not authorized to delete this registry")
    wordpress.delete_registry(caller, registry.id)
    facts.forget(registry.id)
    registry_deleted.send(sender=RegistryPost, registry_id=registry.id)


# --- Invitees ---------------------------------------------------------------


def list_invitees(caller: Caller, registry_id: int, *, password: str | None = None) -> list[str]:
    """In stored order."""
    return fetch_for(caller, registry_id, rules.can_see_invitees, ACCESS_DENIED, password).meta["invitees"]


def add_invitees(caller: Caller, registry_id: int, invitees: list[str]) -> list[str]:
    """The sorted, de-duplicated union of the stored and the new invitees."""
    registry = managed(caller, registry_id, INVITEES_DENIED, readers=rules.can_see_invitees)
    updated = sorted(set(registry.meta["invitees"]) | set(invitees))
    _write_invitees(caller, registry, updated)
    return updated


def remove_invitee(caller: Caller, registry_id: int, invitee: str) -> list[str]:
    """Remove every entry equal to `invitee` (exact, case-sensitive); the rest keep their order."""
    registry = managed(caller, registry_id, INVITEES_DENIED, readers=rules.can_see_invitees)
    if invitee not in registry.meta["invitees"]:
        raise NotFound("Invitee not found")
    remaining = [name for name in registry.meta["invitees"] if name != invitee]
    _write_invitees(caller, registry, remaining)
    return remaining


def _write_invitees(caller: Caller, registry: RegistryPost, invitees: list[str]) -> None:
    # Only restart_invitees (D4): a concurrent change of the items or the story survives.
    _written(wordpress.update_registry(caller, registry.id, {"meta": encode_meta({"invitees": invitees})}))


# --- Fetching and checking --------------------------------------------------


def fetch_for(caller: Caller, registry_id: int, rule: Rule, denied: str, password: str | None = None) -> RegistryPost:
    """The registry as WordPress answers it to the caller, if `rule` lets the
    caller at it; else 403 `denied`. The item routes' cached facts learn it (D1).

    With a `password`, WordPress is asked with it first: accepted, it opens a
    password-protected registry to the caller. Refused (wrong, or the post has
    none), the registry is asked for without it, so the caller is answered
    exactly as if they had sent none.
    """
    registry = facts.opened(caller, registry_id, password) if password else None
    if registry is None:
        registry = RegistryPost.from_wordpress(wordpress.fetch_registry(caller, registry_id))
        facts.learn(caller, [registry])
    rules.require(rule(caller.user, registry), denied)
    return registry


def managed(caller: Caller, registry_id: int, denied: str, *, readers: Rule = rules.can_read) -> RegistryPost:
    """A registry the caller must manage: 403 `Not authorized to access this
    registry` for those not among its `readers`, 403 `denied` for readers who
    do not manage it (invitees, anyone on a published registry)."""
    registry = fetch_for(caller, registry_id, readers, ACCESS_DENIED)
    rules.require(rules.can_manage(caller.user, registry), denied)
    return registry


def sync_item_ids(caller: Caller, registry: RegistryPost, item_ids: list[int]) -> None:
    """Write `restart_item_ids` alone (D4).

    Best effort, as in v1.0.x: the item change is committed and the items
    table is the truth; the WordPress plugin skips ids it cannot find.
    """
    try:
        wordpress.update_registry(caller, registry.id, {"meta": encode_meta({"item_ids": item_ids})})
    except GatewayError as exc:
        logger.warning("restart_item_ids of registry %s not updated: %r", registry.id, exc)


def _written(post: dict[str, Any]) -> RegistryPost:
    """A registry as WordPress answered the service's write of it: the item
    routes' cached access facts learn it at once (D1)."""
    registry = RegistryPost.from_wordpress(post)
    facts.remember(registry)
    return registry


def _status(is_private: bool) -> str:
    return "private" if is_private else "publish"
