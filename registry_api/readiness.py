"""Readiness (GET /health/ready): can this instance serve requests right now?

For operators and alarms, without credentials: the database reachable and
migrated, and the WordPress address answering as WordPress's REST API (its
index, `/wp-json/`). Each check answers a word, never an error's text or a
setting's value: nothing about the deployment leaks to anyone asking.

The WordPress check is reused for WORDPRESS_CHECK_TTL seconds per process, so
that an anonymous route cannot turn requests into calls to WordPress.
"""

from dataclasses import dataclass
from typing import Literal

from django.core.cache import cache
from django.db import DatabaseError
from ninja import Schema

from core.errors import WordPressBadResponse, WordPressRefusal, WordPressTimeout, WordPressUnavailable

from . import __version__
from .startup import is_migrated

OK = "ok"
WORDPRESS_CHECK_TTL = 5
WORDPRESS_CHECK_KEY = "readiness:wordpress"


class ReadinessChecks(Schema):
    database: str
    wordpress: str


class ReadinessOut(Schema):
    status: Literal["ready", "not ready"]
    version: str
    checks: ReadinessChecks


class NotReadyOut(ReadinessOut):
    """The 503: an error body like every other (`detail`), with the checks."""

    detail: str


@dataclass(frozen=True)
class Readiness:
    database: str  # ok | not migrated | unreachable
    wordpress: str  # ok | not WordPress | timeout | unreachable

    @property
    def ready(self) -> bool:
        return self.database == OK and self.wordpress == OK

    def as_json(self) -> dict:
        checks = {"database": self.database, "wordpress": self.wordpress}
        if self.ready:
            return {"status": "ready", "version": __version__, "checks": checks}
        failing = ", ".join(f"{name} {state}" for name, state in checks.items() if state != OK)
        return {"detail": f"Not ready: {failing}", "status": "not ready", "version": __version__, "checks": checks}


def check() -> Readiness:
    wordpress = cache.get(WORDPRESS_CHECK_KEY)
    if wordpress is None:
        wordpress = _wordpress()
        cache.set(WORDPRESS_CHECK_KEY, wordpress, timeout=WORDPRESS_CHECK_TTL)
    return Readiness(database=_database(), wordpress=wordpress)


def _database() -> str:
    try:
        return OK if is_migrated() else "not migrated"
    except DatabaseError:
        return "unreachable"


def _wordpress() -> str:
    try:
        from wpauth.wordpress import rest_index  # wp-python at the first call

        index = rest_index()
    except WordPressTimeout:
        return "timeout"
    except WordPressUnavailable:
        return "unreachable"
    except (WordPressRefusal, WordPressBadResponse):  # an error status, garbage
        return "not WordPress"
    namespaces = index.get("namespaces") if isinstance(index, dict) else None
    return OK if isinstance(namespaces, list) and "wp/v2" in namespaces else "not WordPress"
