"""What the item access rules need to know about registries, from WordPress, cached (D1).

An item route decides from three facts of the item's registry, its author, its
status and whether it has a post password, and, for a private registry, from
whether WordPress lets the caller read it (its invitees, by the mu-plugin's
rule). They are asked of WordPress with the caller's own credentials
(`registries.wordpress`), so WordPress applies its rules first: a registry it
refuses the caller (403) or does not have (404) is one the caller cannot read.

Answers are cached per process for REGISTRY_ACL_TTL seconds (0: no cache), at
most MAX_ENTRIES of them, the least recently used evicted first:

- a registry's author, status and whether it has a post password, once, by
  registry id: the same for everyone;
- what is per caller, by caller and registry: a refusal, and a private
  registry as WordPress answered that caller (a private registry's facts count
  for a caller only as WordPress answered them: whether it lets them read it is
  WordPress's decision, per caller);
- the ids of a caller's own registries (GET /items), kept current with every
  registry the service learns of: a registry whose author is the caller is in
  their list at once, however it was made (the WordPress plugin makes them in
  WordPress directly).

The service's reads and writes of a registry refresh them (`learn`, `remember`,
`forget`); a change made in WordPress directly (the plugin, wp-admin) shows
within the TTL. Failures (WordPress down or slow, revoked credentials) are
never cached.

A post password is never cached, nor whether WordPress accepted one: the facts
say only that the registry has one, and a caller who sends it has it checked by
WordPress at every request (`opened`).
"""

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from cachetools import TLRUCache
from django.conf import settings

from core.errors import ReadRefused, RegistryMissing
from wpauth.caller import Caller

from . import wordpress
from .posts import PostStatus, RegistryPost, read_posts

MAX_ENTRIES = 4096
PAGE_SIZE = 100  # the most WordPress lists per page

# Cache keys: (FACTS, registry id), (SEEN, user id, registry id), (OWNED, user id).
# A SEEN entry is a private registry as WordPress answered that user, or None: refused.
FACTS, SEEN, OWNED = "facts", "seen", "owned"


@dataclass(frozen=True)
class RegistryFacts(PostStatus):
    """The part of a registry post the access rules read, shaped like `RegistryPost` for them."""

    id: int
    author: int | None
    status: str
    password_protected: bool

    @classmethod
    def of(cls, registry: RegistryPost) -> "RegistryFacts":
        # Not `password_accepted`: that holds for one request's answer, never for a cache.
        return cls(registry.id, registry.author, registry.status, registry.password_protected)


# Entries are (value, expiry on `clock`); cachetools' caches are not thread-safe.
clock = time.monotonic
_cache: TLRUCache = TLRUCache(maxsize=MAX_ENTRIES, ttu=lambda key, entry, now: entry[1], timer=lambda: clock())
_lock = threading.Lock()
_UNKNOWN = object()  # not cached (a cached refusal is None)


def _get(key: tuple, default: Any = None) -> Any:
    with _lock:
        entry = _cache.get(key)
    return default if entry is None else entry[0]


def _discard(stale: Callable[[tuple, Any], bool]) -> None:
    """Drop every entry for which `stale(key, value)` holds."""
    with _lock:
        for key in [key for key, (value, _) in _cache.items() if stale(key, value)]:
            del _cache[key]


def _revise(revised: Callable[[tuple, Any], Any]) -> None:
    """Give every entry the value `revised(key, value)`, keeping when it expires."""
    with _lock:
        for key, (value, expires) in list(_cache.items()):
            _cache[key] = (revised(key, value), expires)


def registry(caller: Caller, registry_id: int) -> RegistryFacts | None:
    """The registry's facts as the caller's access is decided from them, or None
    if WordPress refuses it to the caller or has no such post. A private
    registry's are WordPress's answer to this caller; anyone else's will do for
    any other status, or for its author.

    Raises the errors of `registries.wordpress` when WordPress cannot say.
    """
    ttl = settings.REGISTRY_ACL_TTL
    if ttl > 0:
        seen = _get((SEEN, caller.user.id, registry_id), _UNKNOWN)
        if seen is not _UNKNOWN:
            return seen
        shared = _get((FACTS, registry_id))
        if shared is not None and (not shared.is_private or shared.author == caller.user.id):
            return shared
    try:
        post = wordpress.fetch_registry(caller, registry_id)
    except (RegistryMissing, ReadRefused):
        _store((SEEN, caller.user.id, registry_id), None, ttl)
        return None
    found = RegistryPost.from_wordpress(post)
    learn(caller, [found])
    return RegistryFacts.of(found)


def opened(caller: Caller, registry_id: int, password: str) -> RegistryPost | None:
    """The registry as WordPress answers the caller who sends `password` as its
    post password: with its content, and `password_accepted` if it has one. None
    if WordPress refuses (a wrong password, a post without one, a post the caller
    may not read) or has no such post. Asked every time: neither the password nor
    WordPress's verdict is cached; the facts the answer shows are (`learn`).

    Raises the errors of `registries.wordpress` when WordPress cannot say.
    """
    try:
        post = wordpress.fetch_registry(caller, registry_id, password=password)
    except (RegistryMissing, ReadRefused):
        return None
    found = RegistryPost.from_wordpress(post)
    learn(caller, [found])
    return replace(found, password_accepted=found.password_protected)


def owned_registry_ids(caller: Caller) -> frozenset[int]:
    """The ids of the registries the caller is the author of, in any status
    (every page of WordPress's list)."""
    ttl = settings.REGISTRY_ACL_TTL
    key = (OWNED, caller.user.id)
    cached = _get(key) if ttl > 0 else None
    if cached is not None:
        return cached
    owned: set[int] = set()
    page = 1
    while True:
        found = wordpress.list_registries(caller, author=caller.user.id, page=page, per_page=PAGE_SIZE)
        for post in read_posts(found.posts):
            # WordPress filters by author; a post of anyone else is not the caller's own, whatever it sent.
            if post.author == caller.user.id:
                owned.add(post.id)
                _store((FACTS, post.id), RegistryFacts.of(post), ttl)
        if not found.posts or page >= found.total_pages:
            break
        page += 1
    _store(key, frozenset(owned), ttl)
    return frozenset(owned)


def learn(caller: Caller, registries: Iterable[RegistryPost]) -> None:
    """WordPress answered `registries` to the caller (any read of them): their
    facts, cached; a private one's also as the caller's own answer. What anyone
    was answered about one that is not private no longer counts: the shared
    facts (a password set since, a new status) decide for everyone at once."""
    ttl = settings.REGISTRY_ACL_TTL
    if ttl <= 0:
        return
    learned = [RegistryFacts.of(registry) for registry in registries]
    stale: set[tuple[int | None, int]] = set()  # (user id, or None: every user; registry id)
    for facts in learned:
        if not facts.is_private:
            stale.add((None, facts.id))
        elif facts.author == caller.user.id:  # its author needs no answer of their own
            stale.add((caller.user.id, facts.id))
        else:
            _store((SEEN, caller.user.id, facts.id), facts, ttl)
    if stale:
        _discard(lambda key, value: key[0] == SEEN and ((None, key[2]) in stale or (key[1], key[2]) in stale))
    _know(learned, ttl)


def remember(registry: RegistryPost) -> None:
    """The service wrote `registry` (created it, changed it or its invitees):
    its facts are WordPress's answer; what any caller was answered before is
    stale (its status or invitees may have changed)."""
    _discard(lambda key, value: key[0] == SEEN and key[2] == registry.id)
    _know([RegistryFacts.of(registry)], settings.REGISTRY_ACL_TTL)


def _know(learned: list[RegistryFacts], ttl: float) -> None:
    """Cache the facts, once for everyone. Each registry is in its author's list
    of own registries from now on, and in nobody else's."""
    if ttl <= 0:
        return
    for facts in learned:
        _store((FACTS, facts.id), facts, ttl)
    _revise(lambda key, value: _owned_list(key, value, learned))


def forget(registry_id: int) -> None:
    """The service deleted the registry: nothing cached about it holds any more."""

    def stale(key: tuple, value: Any) -> bool:
        if key[0] == OWNED:
            return registry_id in value
        return key[-1] == registry_id

    _discard(stale)


def _owned_list(key: tuple, value: Any, learned: list[RegistryFacts]) -> Any:
    """A cache entry's value, revised for who the `learned` registries' authors are."""
    if key[0] != OWNED:
        return value
    owned = set(value)
    for registry in learned:
        if registry.author == key[1]:
            owned.add(registry.id)
        else:
            owned.discard(registry.id)
    return frozenset(owned)


def entries() -> dict[tuple, Any]:
    """What is cached now, by key (tests)."""
    with _lock:
        _cache.expire()
        return {key: value for key, (value, _) in _cache.items()}


def clear() -> None:
    """Forget everything (tests)."""
    with _lock:
        _cache.clear()


def _store(key: tuple, value: Any, ttl: float) -> None:
    if ttl > 0:
        with _lock:
            _cache[key] = (value, clock() + ttl)
