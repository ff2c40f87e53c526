"""Verifying WordPress credentials, with the per-process caches of D6.

- Keys are SHA-256 digests: no cache ever holds a credential.
- A verified user lives WP_AUTH_CACHE_TTL seconds (0 disables the cache) in the
  bounded, least-recently-used "wpauth" cache (settings.CACHES).
- Credentials WordPress refused (its own 401) are refused again without asking
  for WP_AUTH_NEGATIVE_CACHE_TTL seconds (0 disables it), in the "wpauth-refused"
  cache, bounded the same way and apart, so refusals never evict verified users.
  A client retrying one wrong password costs WordPress one call per period;
  each new wrong password still costs one call (throttling bounds those).
- WordPress being unavailable is never cached.
- Concurrent misses for the same credentials make one WordPress call; the
  others wait for its outcome, no longer than their own deadline.
"""

import hashlib
import logging
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.core.cache import caches

from core import deadline

from .client import canonical, fetch_current_user
from .errors import CredentialsRefused, WordPressBadResponse, WordPressRefusal, WordPressTimeout, WordPressUnavailable
from .identity import WordPressUser

logger = logging.getLogger(__name__)

_in_flight: dict[str, Future] = {}
_in_flight_lock = threading.Lock()


def cache_key(username: str, password: str) -> str:
    """The digest of the credentials as WordPress tells them apart: spellings it
    takes for the same account and password share one key (and one call)."""
    login, secret = canonical(username, password)
    return hashlib.sha256(f"{login.lower()}:{secret}".encode("utf-8", "surrogatepass")).hexdigest()


def verify(username: str, password: str) -> WordPressUser | None:
    """The WordPress user these credentials belong to, or None if WordPress refuses them.

    Raises WordPressUnavailable when WordPress cannot say (down, slow, 5xx,
    garbage, an answer that is not WordPress's): a credential is not invalid
    because WordPress is unwell or out of reach.
    """
    key = cache_key(username, password)
    if settings.WP_AUTH_CACHE_TTL > 0:
        cached = caches["wpauth"].get(key)
        if cached is not None:
            return cached
    if settings.WP_AUTH_NEGATIVE_CACHE_TTL > 0 and caches["wpauth-refused"].get(key):
        return None

    with _in_flight_lock:
        pending = _in_flight.get(key)
        leader = pending is None
        if pending is None:
            pending = _in_flight[key] = Future()
    if not leader:
        return _outcome_of(pending)

    try:
        user = _ask_wordpress(username, password)
        _remember(key, user)
        pending.set_result(user)
        return user
    except BaseException as exc:
        pending.set_exception(exc)
        raise
    finally:
        with _in_flight_lock:
            _in_flight.pop(key, None)


def _outcome_of(pending: Future) -> WordPressUser | None:
    """Another request's check of the same credentials, waited for until this request's deadline."""
    left = deadline.remaining()
    try:
        return pending.result(timeout=None if left is None else max(left, 0))
    except FutureTimeout:
        raise WordPressTimeout("WordPress did not answer in time (another request's check)") from None


def _remember(key: str, user: WordPressUser | None) -> None:
    if user is not None:
        if settings.WP_AUTH_CACHE_TTL > 0:
            caches["wpauth"].set(key, user, timeout=settings.WP_AUTH_CACHE_TTL)
    elif settings.WP_AUTH_NEGATIVE_CACHE_TTL > 0:
        caches["wpauth-refused"].set(key, True, timeout=settings.WP_AUTH_NEGATIVE_CACHE_TTL)


def _ask_wordpress(username: str, password: str) -> WordPressUser | None:
    try:
        return fetch_current_user(username, password)
    except CredentialsRefused:
        return None
    except (WordPressRefusal, WordPressBadResponse) as exc:
        logger.warning("WordPress could not verify credentials: %s", exc)
        raise WordPressUnavailable(str(exc)) from exc
    except WordPressUnavailable as exc:
        logger.warning("WordPress could not verify credentials: %s", exc)
        raise


def clear_cache() -> None:
    caches["wpauth"].clear()
    caches["wpauth-refused"].clear()
