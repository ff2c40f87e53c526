"""The registries the access rules are tested on (tests/access, the purchase
ledger in tests/items): alice's in every status and way of inviting eddie, one
of eddie's, one WordPress does not have; and items stored straight in the table."""

import json

from items.models import Item
from registries.rules import Access
from tests.support.accounts import ACCOUNTS
from tests.support.wordpress import WordPressStandIn

EDDIE_ID = ACCOUNTS["eddie"][1]["id"]
# Registry post ids: alice's (published, private, private inviting eddie by
# login, by e-mail in another case, a draft inviting him), one of eddie's, one
# WordPress does not have.
PUBLISHED, PRIVATE, BY_LOGIN, BY_EMAIL, DRAFT, EDDIES, MISSING = 201, 202, 203, 204, 206, 205, 999
LEGACY = None  # a v1.0.x row with no registry

M, R, N = Access.MANAGE, Access.READ, Access.NONE
# (caller, registry) -> the caller's access to the registry's items. The orphan
# (MISSING) is an item whose registry WordPress no longer has; the legacy row has none at all.
ACCESS = {
    ("alice", PUBLISHED): M, ("alice", PRIVATE): M, ("alice", BY_LOGIN): M, ("alice", BY_EMAIL): M,
    ("alice", DRAFT): M, ("alice", EDDIES): R, ("alice", MISSING): N, ("alice", LEGACY): N,
    ("eddie", PUBLISHED): R, ("eddie", PRIVATE): N, ("eddie", BY_LOGIN): R, ("eddie", BY_EMAIL): R,
    ("eddie", DRAFT): N, ("eddie", EDDIES): M, ("eddie", MISSING): N, ("eddie", LEGACY): N,
    **{("admin", registry): M for registry in (PUBLISHED, PRIVATE, BY_LOGIN, BY_EMAIL, DRAFT, EDDIES, MISSING, LEGACY)},
}  # fmt: skip


def add_access_registries(site: WordPressStandIn) -> WordPressStandIn:
    invited = {BY_LOGIN: ["eddie"], BY_EMAIL: ["EDDIE@Example.TEST"], DRAFT: ["eddie"]}
    statuses = {PUBLISHED: "publish", PRIVATE: "private", BY_LOGIN: "private", BY_EMAIL: "private", DRAFT: "draft"}
    for registry_id, status in statuses.items():
        site.add(id=registry_id, status=status, meta={"restart_invitees": json.dumps(invited.get(registry_id, []))})
    site.add(id=EDDIES, author=EDDIE_ID, status="publish")
    return site


def item_in(registry_id: int | None, **fields) -> int:
    """A stored item's id (straight into the table: no route, no WordPress call)."""
    return Item.objects.create(
        registry_id=registry_id, name="Gift", url="https://example.com/gift", quantity_needed=5, **fields
    ).id
