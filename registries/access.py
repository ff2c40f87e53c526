"""Who may do what with a registry and its items (CONTRACT 2, D1). Every access rule is here.

- owner: the post's author is the caller;
- administrator: the caller has the WordPress role `administrator` (editors do not count);
- invitee: the caller's slug, login or e-mail (any case) is in the registry's
  invitees, the rule the WordPress plugin applies too;
- published: anyone signed in may read a published registry and its items.

WordPress applies its own rules on top: it refuses the GET of a private
registry to anyone it does not let read it (403 `Not authorized`).

Items (the /items routes) are reached through their registry: reading one
(and buying from it) takes read access to the registry, writing one takes
owner or administrator. The registry's facts come from `facts` (WordPress,
cached); administrators never need them.
"""

from enum import IntEnum
from typing import Any

from registry_api.errors import Forbidden
from wpauth.identity import WordPressUser

from . import facts
from .facts import RegistryFacts
from .meta import RegistryPost

Registry = RegistryPost | RegistryFacts  # the rules read author, status and invitees only


def is_owner(user: WordPressUser, registry: Registry) -> bool:
    return registry.author is not None and registry.author == user.id


def can_manage(user: WordPressUser, registry: Registry) -> bool:
    """Change the registry, its items, invitees and affiliate links; see its
    private meta (invitees, recipient's e-mail) and affiliate links."""
    return user.is_admin or is_owner(user, registry)


def is_invitee(user: WordPressUser, registry: Registry) -> bool:
    names = {user.slug, user.login} - {""}
    email = user.email.casefold()
    return any(
        invitee in names or (email and invitee.casefold() == email) for invitee in registry.meta["invitees"]
    )


def can_see_invitees(user: WordPressUser, registry: Registry) -> bool:
    """The invitee list (GET …/invitees) stays with the owner, administrators and invitees,
    even on a published registry."""
    return can_manage(user, registry) or is_invitee(user, registry)


def can_read(user: WordPressUser, registry: Registry) -> bool:
    """The registry and its item list."""
    return registry.is_published or can_see_invitees(user, registry)


def visible_meta(user: WordPressUser, registry: RegistryPost) -> dict[str, Any]:
    """The meta as `user` may see it: who is invited and the recipient's e-mail
    are for the owner and administrators only."""
    if can_manage(user, registry):
        return registry.meta
    return {**registry.meta, "invitees": [], "recipient_email": None}


def require(permitted: bool, detail: str) -> None:
    """403 with the route's `detail` unless `permitted`."""
    if not permitted:
        raise Forbidden(detail)


# --- Items ------------------------------------------------------------------


class Access(IntEnum):
    """What a caller may do with a registry's items, least first."""

    NONE = 0  # not even learn that the registry or its items exist
    READ = 1  # see the items, record purchases
    MANAGE = 2  # create, change and delete items


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
