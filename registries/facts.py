"""What the item access rules need to know about registries, from WordPress, cached (D1).

An item route decides from three facts of the item's registry: its author, its
status and its invitees. They are asked of WordPress with the caller's own
credentials (`wpauth.registries`), so WordPress applies its rules first: a
registry it refuses the caller (403) or does not have (404) is one the caller
cannot read.

Answers are cached per process for REGISTRY_ACL_TTL seconds (0: no cache), at
most MAX_ENTRIES of them, the least recently used evicted first:

- a registry's facts, by registry id: they are the same whoever asked (the
  rules in `access`, not the cache, decide what they allow whom);
- a refusal, by caller and registry: WordPress refuses per caller;
- the ids of a caller's own registries (GET /items).

The service's own registry writes refresh them (`remember`, `forget`); a change
made in WordPress directly (the plugin, wp-admin) shows within the TTL. Failures
(WordPress down or slow, revoked credentials) are never cached.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from time import monotonic
from types import MappingProxyType
from typing import Any, Protocol

from django.conf import settings

from registry_api.errors import BadGateway, Forbidden, NotFound, Unauthorized
from wpauth import registries as wordpress
from wpauth.identity import WordPressUser
from wpauth.registries import Credentials

from .meta import MalformedPost, RegistryPost, read_posts

MAX_ENTRIES = 4096
PAGE_SIZE = 100  # the most WordPress lists per page

# Cache keys: (FACTS, registry id), (REFUSED, user id, registry id), (OWNED, user id).
FACTS, REFUSED, OWNED = "facts", "refused", "owned"


class Caller(Protocol):
    """Who is asking (`registries.services.Caller` is one). `credentials` may be
    None for a caller authenticated without Basic credentials: fine as long as
    WordPress need not be asked."""

    @property
    def user(self) -> WordPressUser: ...

    @property
    def credentials(self) -> Credentials | None: ...


@dataclass(frozen=True)
class RegistryFacts:
    """The part of a registry post the access rules read, shaped like `RegistryPost`
    for them (`meta` holds the invitees only)."""

    id: int
    author: int | None
    status: str
    meta: Mapping[str, Any]

    @property
    def is_published(self) -> bool:
        return self.status == "publish"

    @classmethod
    def of(cls, registry: RegistryPost) -> "RegistryFacts":
        invitees = tuple(registry.meta["invitees"])
        return cls(registry.id, registry.author, registry.status, MappingProxyType({"invitees": invitees}))


class _ExpiringCache:
    """A bounded, thread-safe map whose entries expire; least recently used evicted."""

    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            if entry[0] <= monotonic():
                del self._entries[key]
                return default
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key: Hashable, value: Any, ttl: float) -> None:
        with self._lock:
            self._entries[key] = (monotonic() + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def discard(self, stale: Callable[[tuple, Any], bool]) -> None:
        """Drop every entry for which `stale(key, value)` holds."""
        with self._lock:
            for key in [key for key, (_, value) in self._entries.items() if stale(key, value)]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_cache = _ExpiringCache(MAX_ENTRIES)
_UNKNOWN = object()  # not cached (a cached refusal is None)


def registry(caller: Caller, registry_id: int) -> RegistryFacts | None:
    """The registry's facts, or None if WordPress refuses it to the caller or has no such post.

    Raises the API errors of `wpauth.registries` when WordPress cannot say
    (401, 502, 504).
    """
    ttl = settings.REGISTRY_ACL_TTL
    if ttl > 0:
        for key in ((FACTS, registry_id), (REFUSED, caller.user.id, registry_id)):
            cached = _cache.get(key, _UNKNOWN)
            if cached is not _UNKNOWN:
                return cached
    try:
        post = wordpress.fetch_registry(_credentials(caller), registry_id)
    except (NotFound, Forbidden):
        _store((REFUSED, caller.user.id, registry_id), None, ttl)
        return None
    try:
        facts = RegistryFacts.of(RegistryPost.from_wordpress(post))
    except MalformedPost as exc:
        raise BadGateway(f"WordPress error: {exc}") from exc
    _store((FACTS, registry_id), facts, ttl)
    return facts


def owned_registry_ids(caller: Caller) -> frozenset[int]:
    """The ids of the registries the caller is the author of, in any status
    (every page of WordPress's list)."""
    ttl = settings.REGISTRY_ACL_TTL
    key = (OWNED, caller.user.id)
    cached = _cache.get(key) if ttl > 0 else None
    if cached is not None:
        return cached
    owned: set[int] = set()
    page = 1
    while True:
        found = wordpress.list_registries(_credentials(caller), author=caller.user.id, page=page, per_page=PAGE_SIZE)
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


def remember(registry: RegistryPost) -> None:
    """The service wrote `registry` (created it, changed it or its invitees):
    its facts are WordPress's answer; earlier refusals of it, and the author's
    list of own registries if it lacks it, are stale."""

    def stale(key: tuple, value: Any) -> bool:
        if key[0] == REFUSED:
            return key[2] == registry.id
        return key == (OWNED, registry.author) and registry.id not in value

    _cache.discard(stale)
    _store((FACTS, registry.id), RegistryFacts.of(registry), settings.REGISTRY_ACL_TTL)


def forget(registry_id: int) -> None:
    """The service deleted the registry: nothing cached about it holds any more."""

    def stale(key: tuple, value: Any) -> bool:
        if key[0] == OWNED:
            return registry_id in value
        return key[-1] == registry_id

    _cache.discard(stale)


def clear() -> None:
    """Forget everything (tests)."""
    _cache.clear()


def _store(key: tuple, value: Any, ttl: float) -> None:
    if ttl > 0:
        _cache.set(key, value, ttl)


def _credentials(caller: Caller) -> Credentials:
    # As the registry routes answer a caller WordPress cannot be asked for (CONTRACT 2).
    if caller.credentials is None:
        raise Unauthorized("Invalid credentials", challenge=False)
    return caller.credentials
