"""Who may do what with a registry and its items (CONTRACT 2, D1). Every access rule is here.

- owner: the post's author is the caller;
- administrator: the caller has the WordPress role `administrator` (editors do not count);
- published: anyone signed in may read a published registry and its items;
- private: besides its owner and administrators, whoever WordPress lets read the
  post with their own credentials: its invitees, by the mu-plugin's rule (an
  entry with "@" is an e-mail address, any other a login). The API never
  matches invitees itself: it asks WordPress as the caller, so a registry here
  is always WordPress's answer *to the caller* when its status is private (see
  `facts` for the cached facts of the item routes);
- any other status (draft, pending, future): owner and administrators only,
  whoever else WordPress lets read it (editors).

Who is invited is shown to those WordPress shows it to: the mu-plugin answers
`restart_invitees` only to those who may edit the post and to its invitees, so
a non-empty list in WordPress's answer to the caller is WordPress saying that
the caller may see it. The API never shows a caller more than WordPress does.

Items (the /items routes) are reached through their registry: reading one
(and buying from it) takes read access to the registry, writing one takes
owner or administrator. The registry's facts come from `facts` (WordPress,
cached); administrators never need them.
"""

from enum import IntEnum
from typing import Any

from core.errors import PermissionDenied
from wpgateway.identity import WordPressUser

from . import facts
from .facts import RegistryFacts
from wpgateway.registry_post import RegistryPost

Registry = RegistryPost | RegistryFacts  # the rules read author and status (and a post's invitees)


def is_owner(user: WordPressUser, registry: Registry) -> bool:
    return registry.author is not None and registry.author == user.id


def can_manage(user: WordPressUser, registry: Registry) -> bool:
    """Change the registry, its items, invitees and affiliate links; see its
    private meta (invitees, recipient's e-mail) and affiliate links."""
    return user.is_admin or is_owner(user, registry)


def can_read(user: WordPressUser, registry: Registry) -> bool:
    """The registry and its item list. A private `registry` must be WordPress's
    answer to this caller: that WordPress answered it is what lets an invitee in."""
    return can_manage(user, registry) or registry.is_published or registry.is_private


def can_see_invitees(user: WordPressUser, registry: RegistryPost) -> bool:
    """The invitee list (GET …/invitees): owner, administrators, and readers WordPress
    shows it to (its invitees), even on a published registry. `registry` is
    WordPress's answer to this caller."""
    return can_manage(user, registry) or (can_read(user, registry) and bool(registry.meta["invitees"]))


def visible_meta(user: WordPressUser, registry: RegistryPost) -> dict[str, Any]:
    """The meta as `user` may see it: who is invited and the recipient's e-mail
    are for the owner and administrators only."""
    if can_manage(user, registry):
        return registry.meta
    return {**registry.meta, "invitees": [], "recipient_email": None}


def require(permitted: bool, detail: str) -> None:
    """403 with the route's `detail` unless `permitted`."""
    if not permitted:
        raise PermissionDenied(detail)


# --- Items ------------------------------------------------------------------


class Access(IntEnum):
    """What a caller may do with a registry's items, least first."""

    NONE = 0  # not even learn that the registry or its items exist
    READ = 1  # see the items, buy them, undo one's own purchases
    MANAGE = 2  # create, change and delete items, undo anyone's purchases


def access_to(user: WordPressUser, registry: Registry) -> Access:
    if can_manage(user, registry):
        return Access.MANAGE
    return Access.READ if can_read(user, registry) else Access.NONE


def registry_access(caller: facts.Caller, registry_id: int | None) -> Access:
    """The caller's access to the items of registry `registry_id` (an item's
    `registry_id`, or the one POST /items names).

    Administrators get everything without asking WordPress, including legacy
    rows with no registry, which are theirs alone. A registry WordPress refuses
    the caller, or does not have, is NONE: its items look missing.
    """
    if caller.user.is_admin:
        return Access.MANAGE
    if registry_id is None or registry_id < 1:  # no WordPress post has such an id
        return Access.NONE
    registry = facts.registry(caller, registry_id)
    return Access.NONE if registry is None else access_to(caller.user, registry)


def listed_registry_ids(caller: facts.Caller) -> frozenset[int] | None:
    """The registries whose items GET /items lists: None (every one, legacy rows
    included) for administrators, else the caller's own registries (not those
    they are invited to or that are published)."""
    if caller.user.is_admin:
        return None
    return facts.owned_registry_ids(caller)
