"""The authentication backend (AUTHENTICATION_BACKENDS): a WordPress login and
application password belong to whom WordPress's `users/me` says, remembered per
process (D6):

- keys are SHA-256 digests of the credentials as WordPress reads them: no cache
  holds a credential, and the spellings WordPress takes for one account share
  one entry;
- a verified user lives WP_AUTH_CACHE_TTL seconds (0: no cache) in the bounded
  "wpauth" cache, the least recently used forgotten first;
- credentials WordPress refused (its own 401) are refused again for
  WP_AUTH_NEGATIVE_CACHE_TTL seconds without asking, in "wpauth-refused",
  bounded apart so that refusals never evict verified users;
- WordPress being unavailable is never cached: WordPressUnavailable;
- concurrent misses for the same credentials make one call; the others wait
  for it, no longer than their own deadline.

The API's auth (`wpauth.security`) and the admin's login both authenticate
here; the admin asks WordPress afresh and keeps a session, whose local staff
user `get_user()` finds.
"""

import hashlib
import logging
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from django.conf import settings
from django.core.cache import caches

from core import deadline
from core.errors import (
    CredentialsRefused,
    WordPressBadResponse,
    WordPressRefusal,
    WordPressTimeout,
    WordPressUnavailable,
)

from .caller import canonical
from .identity import WordPressUser

logger = logging.getLogger(__name__)

_in_flight: dict[str, Future] = {}
_in_flight_lock = threading.Lock()


class WordPressBackend:
    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, *, fresh: bool = False
    ) -> WordPressUser | None:
        """The WordPress user these credentials belong to, or None if WordPress refuses
        them. `fresh`: ask WordPress even if the answer is cached (the admin's login).

        Raises WordPressUnavailable when WordPress cannot say (down, slow, 5xx,
        garbage, an answer that is not WordPress's): a credential is not invalid
        because WordPress is unwell or out of reach.
        """
        if username is None or password is None:
            return None
        return verify(username, password, fresh=fresh)

    def get_user(self, user_id: int) -> Any:
        """The admin session's local staff user (the API keeps no sessions)."""
        from django.contrib.auth.models import User  # installed with the admin only

        return User.objects.filter(pk=user_id, is_staff=True, is_active=True).first()


def verify(username: str, password: str, *, fresh: bool = False) -> WordPressUser | None:
    """`WordPressBackend.authenticate`, for callers without a request."""
    key = cache_key(username, password)
    if not fresh:
        if settings.WP_AUTH_CACHE_TTL > 0 and (cached := caches["wpauth"].get(key)) is not None:
            return cached
        if settings.WP_AUTH_NEGATIVE_CACHE_TTL > 0 and caches["wpauth-refused"].get(key):
            return None
    return _single_flight(key, username, password)


def cache_key(username: str, password: str) -> str:
    """The digest of the credentials as WordPress tells them apart (logins without regard to case)."""
    login, secret = canonical(username, password)
    return hashlib.sha256(f"{login.lower()}:{secret}".encode("utf-8", "surrogatepass")).hexdigest()


def _single_flight(key: str, username: str, password: str) -> WordPressUser | None:
    with _in_flight_lock:
        pending = _in_flight.get(key)
        leader = pending is None
        if pending is None:
            pending = _in_flight[key] = Future()
    if not leader:
        return _outcome_of(pending)
    try:
        user = ask_wordpress(username, password)
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


def ask_wordpress(username: str, password: str) -> WordPressUser | None:
    """WordPress's own answer, uncached: the user, None for its own 401 (whatever
    its code), else WordPressUnavailable: only WordPress's 401 says the credentials are bad."""
    from .wordpress import current_user  # at the first call (its module docstring)

    try:
        return WordPressUser.from_wordpress(current_user((username, password)))
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
