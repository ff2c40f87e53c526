"""Verifying WordPress credentials, with the per-process cache of D6.

- Keys are SHA-256 digests: the cache never holds a credential.
- Entries live WP_AUTH_CACHE_TTL seconds (0 disables the cache) in the
  bounded, least-recently-used "wpauth" cache (settings.CACHES).
- Only successes are cached: a refused or failed check is asked again next time.
- Concurrent misses for the same credentials make one WordPress call; the
  others wait for its outcome.
"""

import hashlib
import logging
import threading
from concurrent.futures import Future

from django.conf import settings
from django.core.cache import caches
from wp_python.exceptions import AuthenticationError, WordPressError
from wp_python.exceptions import PermissionError as WordPressPermissionError

from .client import fetch_current_user
from .errors import WordPressBadResponse, WordPressUnavailable
from .identity import WordPressUser

logger = logging.getLogger(__name__)

_in_flight: dict[str, Future] = {}
_in_flight_lock = threading.Lock()


def cache_key(username: str, password: str) -> str:
    return hashlib.sha256(f"{username}:{password}".encode("utf-8", "surrogatepass")).hexdigest()


def verify(username: str, password: str) -> WordPressUser | None:
    """The WordPress user these credentials belong to, or None if WordPress refuses them.

    Raises WordPressUnavailable when WordPress cannot say (down, slow, 5xx,
    garbage): a credential is not invalid because WordPress is unwell.
    """
    key = cache_key(username, password)
    ttl = settings.WP_AUTH_CACHE_TTL
    if ttl > 0:
        cached = caches["wpauth"].get(key)
        if cached is not None:
            return cached

    with _in_flight_lock:
        pending = _in_flight.get(key)
        leader = pending is None
        if leader:
            pending = _in_flight[key] = Future()
    if not leader:
        return pending.result()

    try:
        user = _ask_wordpress(username, password)
        if user is not None and ttl > 0:
            caches["wpauth"].set(key, user, timeout=ttl)
        pending.set_result(user)
        return user
    except BaseException as exc:
        pending.set_exception(exc)
        raise
    finally:
        with _in_flight_lock:
            _in_flight.pop(key, None)


def _ask_wordpress(username: str, password: str) -> WordPressUser | None:
    try:
        return fetch_current_user(username, password)
    except (AuthenticationError, WordPressPermissionError):
        # Any 401 means bad credentials, whatever WordPress's error code says.
        return None
    except (WordPressError, WordPressBadResponse) as exc:
        logger.warning("WordPress could not verify credentials: %s", exc)
        raise WordPressUnavailable(str(exc)) from exc
    except WordPressUnavailable as exc:
        logger.warning("WordPress could not verify credentials: %s", exc)
        raise


def clear_cache() -> None:
    caches["wpauth"].clear()
