"""A caller's access to a registry's items: the rules (`rules`) over the
registry's cached facts (`facts`), asked of WordPress only when needed."""

from core.schema_types import INT64_MAX
from registries import facts
from registries.rules import Access, access_to
from wpauth.caller import Caller


def manages_every_registry(caller: Caller) -> bool:
    """Whether the caller's access to any item is MANAGE, whatever its registry
    (administrators): the item's registry need not be read to decide."""
    return caller.user.is_admin


def registry_access(caller: Caller, registry_id: int | None, *, password: str | None = None) -> Access:
    """The caller's access to the items of registry `registry_id` (an item's
    `registry_id`, or the one POST /items names).

    Administrators get everything without asking WordPress, including legacy
    rows with no registry, which are theirs alone. A registry WordPress refuses
    the caller, or does not have, is NONE: its items look missing. So is a
    password-protected one the caller does not manage, unless WordPress accepts
    `password` as its post password (asked at every request, never cached).
    """
    if manages_every_registry(caller):
        return Access.MANAGE
    return asked_access(caller, registry_id, password=password)


def asked_access(caller: Caller, registry_id: int | None, *, password: str | None = None) -> Access:
    """`registry_access` as the registry's facts decide it, administrators'
    too: a registry WordPress does not have (or refuses the caller) is NONE.
    The thank-you list asks it, as a registry that must exist."""
    if registry_id is None or not 1 <= registry_id <= INT64_MAX:  # no WordPress post has such an id
        return Access.NONE
    registry = facts.registry(caller, registry_id)
    if registry is None:
        return Access.NONE
    granted = access_to(caller.user, registry)
    if granted is Access.NONE and password and registry.password_protected:
        opened = facts.opened(caller, registry_id, password)
        return Access.NONE if opened is None else access_to(caller.user, opened)
    return granted


def listed_registry_ids(caller: Caller) -> frozenset[int] | None:
    """The registries whose items GET /items lists: None (every one, legacy rows
    included) for administrators, else the caller's own registries (not those
    they are invited to or that are published)."""
    if manages_every_registry(caller):
        return None
    return facts.owned_registry_ids(caller)
