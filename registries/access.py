"""Who may do what with a registry (CONTRACT 2, D1). Every registry rule is here.

- owner: the post's author is the caller;
- administrator: the caller has the WordPress role `administrator` (editors do not count);
- invitee: the caller's slug, login or e-mail (any case) is in the registry's
  invitees, the rule the WordPress plugin applies too;
- published: anyone signed in may read a published registry and its items.

WordPress applies its own rules on top: it refuses the GET of a private
registry to anyone it does not let read it (403 `Not authorized`).
"""

from typing import Any

from registry_api.errors import Forbidden
from wpauth.identity import WordPressUser

from .meta import RegistryPost


def is_owner(user: WordPressUser, registry: RegistryPost) -> bool:
    return registry.author is not None and registry.author == user.id


def can_manage(user: WordPressUser, registry: RegistryPost) -> bool:
    """Change the registry, its items, invitees and affiliate links; see its
    private meta (invitees, recipient's e-mail) and affiliate links."""
    return user.is_admin or is_owner(user, registry)


def is_invitee(user: WordPressUser, registry: RegistryPost) -> bool:
    names = {user.slug, user.login} - {""}
    email = user.email.casefold()
    return any(
        invitee in names or (email and invitee.casefold() == email) for invitee in registry.meta["invitees"]
    )


def can_see_invitees(user: WordPressUser, registry: RegistryPost) -> bool:
    """The invitee list (GET …/invitees) stays with the owner, administrators and invitees,
    even on a published registry."""
    return can_manage(user, registry) or is_invitee(user, registry)


def can_read(user: WordPressUser, registry: RegistryPost) -> bool:
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
