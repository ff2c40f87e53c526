"""A Django cache backend for the credential caches: per process, bounded, the
least recently used entry forgotten first (cachetools), each entry expiring at
its own time. Values are kept as they are, not pickled.

    CACHES = {"wpauth": {"BACKEND": "wpauth.cache.LRUCache", "LOCATION": "wpauth",
                         "TIMEOUT": 300, "OPTIONS": {"MAX_ENTRIES": 1024}}}
"""

import math
import threading
import time
from typing import Any

from cachetools import TLRUCache
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

# Django makes one backend instance per thread: they share the entries of their
# LOCATION. A new bound (settings changed) starts them afresh.
_stores: dict[str, tuple[TLRUCache, threading.Lock]] = {}
_stores_lock = threading.Lock()


def _now() -> float:
    return time.time()  # looked up at each call: the tests move the clock


def _expires_at(key: str, entry: tuple[Any, float], now: float) -> float:
    return entry[1]


class LRUCache(BaseCache):
    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        max_entries = int(params.get("OPTIONS", {}).get("MAX_ENTRIES", 300))
        with _stores_lock:
            store = _stores.get(location)
            if store is None or store[0].maxsize != max_entries:
                store = _stores[location] = (
                    TLRUCache(maxsize=max_entries, ttu=_expires_at, timer=_now),
                    threading.Lock(),
                )
            self.entries, self.lock = store

    def expiry(self, timeout: Any) -> float:
        at = self.get_backend_timeout(timeout)
        return math.inf if at is None else at

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self.lock:
            entry = self.entries.get(key)
        return default if entry is None else entry[0]

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        key = self.make_and_validate_key(key, version=version)
        with self.lock:
            self.entries[key] = (value, self.expiry(timeout))

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self.lock:
            if self.entries.get(key) is not None:
                return False
            self.entries[key] = (value, self.expiry(timeout))
            return True

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return False
            self.entries[key] = (entry[0], self.expiry(timeout))
            return True

    def delete(self, key: Any, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self.lock:
            return self.entries.pop(key, None) is not None

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def items(self) -> list[tuple[str, Any]]:
        """The live entries, least recently used first: (full key, value)."""
        with self.lock:
            self.entries.expire()
            return [(key, value) for key, (value, _) in self.entries.items()]
