"""A bounded, thread-safe, per-process map whose entries expire.

The access facts cache (`access.facts`) needs it rather than Django's cache
framework (which the credential caches use): a write to a registry must drop
every caller's cached answer about that registry and revise every caller's
list of own registries, and Django's cache API can neither find entries by a
predicate nor revise them in place.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from time import monotonic
from typing import Any


class ExpiringCache:
    """A bounded, thread-safe map whose entries expire; least recently used evicted."""

    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, key: tuple, default: Any = None) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            if entry[0] <= monotonic():
                del self._entries[key]
                return default
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key: tuple, value: Any, ttl: float) -> None:
        with self._lock:
            self._entries[key] = (monotonic() + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def delete(self, key: tuple) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def discard(self, stale: Callable[[tuple, Any], bool]) -> None:
        """Drop every entry for which `stale(key, value)` holds."""
        with self._lock:
            for key in [key for key, (_, value) in self._entries.items() if stale(key, value)]:
                del self._entries[key]

    def revise(self, revised: Callable[[tuple, Any], Any]) -> None:
        """Give every entry the value `revised(key, value)`, keeping when it expires."""
        with self._lock:
            for key, (expires, value) in self._entries.items():
                self._entries[key] = (expires, revised(key, value))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
