"""Who may do what with a registry and its items (docs/api.md, "Who may do what"; D1), as pure
functions of the user and the registry's facts.

A private `registry` here is always WordPress's answer *to the caller*: that WordPress answered
it is what lets an invitee in (the mu-plugin's rule; the API never matches invitees itself). A
password-protected one opens to a non-manager only with `password_accepted`, which holds for one
request's answer and is never cached (`facts.opened`).
"""

from enum import IntEnum
from typing import Any

from core.errors import PermissionDenied
from wpauth.identity import WordPressUser

from .facts import RegistryFacts
from .posts import RegistryPost

# The rules read author, status and the post password's state (and a post's invitees).
Registry = RegistryPost | RegistryFacts


def is_owner(user: WordPressUser, registry: Registry) -> bool:
    return registry.author is not None and registry.author == user.id


def can_manage(user: WordPressUser, registry: Registry) -> bool:
    """Change the registry, its items, invitees and affiliate links (the
    affiliate routes); see its private meta (invitees, recipient's e-mail)."""
    return user.is_admin or is_owner(user, registry)


def can_read(user: WordPressUser, registry: Registry) -> bool:
    """The registry and its item list. A private `registry` must be WordPress's
    answer to this caller: that WordPress answered it is what lets an invitee in.
    A password-protected one is its managers' and, for the request, theirs whose
    password WordPress accepted."""
    if can_manage(user, registry):
        return True
    if registry.password_protected and not registry.password_accepted:
        return False
    return registry.is_published or registry.is_private


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


def can_see_affiliate_data(user: WordPressUser) -> bool:
    """Affiliate links and statuses in item bodies: administrators only (v1.0.x),
    owners too see them only through the affiliate routes."""
    return user.is_admin


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
