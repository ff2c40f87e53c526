"""The database engine the suite runs on, and the `sqlite_only` marker.

The suite runs on SQLite (a file) by default and on PostgreSQL when
DATABASE_URL points there; scripts/test.sh runs it on both. A test that
asserts what only SQLite has (PRAGMAs, sqlite_master, adopting a v1.0.x
file) carries the marker and is skipped, with a reason, on any other engine:

    @pytest.mark.sqlite_only                      # the whole test
    @pytest.mark.sqlite_only("6", reason="...")   # only these parametrize ids

Loaded with `-p tests.support.engines` (pyproject's addopts): a plugin of its own, so
that tests/conftest.py stays the fixtures' file.
"""

from urllib.parse import quote

import pytest

DEFAULT_REASON = "asserts facts of SQLite itself (PRAGMAs, sqlite_master, v1.0.x database files)"


def engine() -> str:
    """The default database's vendor: "sqlite", "postgresql", ... (no connection is opened)."""
    from django.db import connections  # imported late: Django is set up after plugins load

    return connections["default"].vendor


def postgresql_url(settings_dict: dict, name: str | None = None) -> str:
    """A DATABASE_URL for another process: the connection of `settings_dict`
    (the test database, once pytest-django has made it), or database `name` there."""
    user, password = (quote(settings_dict[key], safe="") for key in ("USER", "PASSWORD"))
    return (
        f"postgres://{user}:{password}@{settings_dict['HOST']}:{settings_dict['PORT']}/{name or settings_dict['NAME']}"
    )


def _sqlite_only_reason(item) -> str | None:
    """Why `item` runs on SQLite only, or None if it runs everywhere."""
    marker = item.get_closest_marker("sqlite_only")
    if marker is None:
        return None
    callspec = getattr(item, "callspec", None)
    if marker.args and (callspec is None or callspec.id not in marker.args):
        return None
    return marker.kwargs.get("reason", DEFAULT_REASON)


def pytest_collection_modifyitems(config, items):
    vendor = engine()
    if vendor == "sqlite":
        return
    for item in items:
        reason = _sqlite_only_reason(item)
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}; this run is on {vendor} (DATABASE_URL)"))
