"""One deadline per request, for everything the request waits on (D3).

A request may wait on WordPress (several calls in a row, paging) and on
SQLite's lock (busy wait). Each of those waits is bounded by the same instant:
REQUEST_BUDGET seconds after the request started, or, on Lambda, the
invocation's remaining time minus LAMBDA_MARGIN, whichever comes first. So
the service answers with its own JSON (504, or 503 with Retry-After in
sign-in) before Lambda's timeout makes API Gateway answer its own 5xx.

The deadline lives in a context variable set by `deadline_middleware`:
Django's ASGI handler copies the context into the thread that runs the view,
and the code that waits (wpauth.wordpress, the SQLite wrapper below) reads it
there. Outside a request (management commands, the cold-start migration)
there is none, and nothing is cut short.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.db.utils import OperationalError
from django.utils.decorators import sync_and_async_middleware

from .errors import DatabaseBusy

# Seconds kept back from Lambda's remaining time: the answer still has to be
# built, encoded and handed back to the runtime after the deadline.
LAMBDA_MARGIN = 1.0

_deadline: ContextVar[float | None] = ContextVar("request_deadline", default=None)


def remaining() -> float | None:
    """Seconds left before the current deadline (negative once past), or None without one."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Nothing waited on in this block outlasts `seconds` from now, nor the enclosing deadline."""
    end = time.monotonic() + seconds
    current = _deadline.get()
    token = _deadline.set(end if current is None else min(current, end))
    try:
        yield
    finally:
        _deadline.reset(token)


def budget(request) -> float:
    """Seconds this request may wait in all: REQUEST_BUDGET, capped on Lambda by
    the invocation's remaining time (Mangum puts the Lambda context in the ASGI scope)."""
    seconds = settings.REQUEST_BUDGET
    context: Any = getattr(request, "scope", {}).get("aws.context")
    if hasattr(context, "get_remaining_time_in_millis"):
        seconds = min(seconds, context.get_remaining_time_in_millis() / 1000 - LAMBDA_MARGIN)
    return seconds


@sync_and_async_middleware
def deadline_middleware(get_response):
    """Starts the request's deadline; first in MIDDLEWARE, so it covers everything after."""
    if iscoroutinefunction(get_response):

        async def async_middleware(request):
            with within(budget(request)):
                return await get_response(request)

        return async_middleware

    def middleware(request):
        with within(budget(request)):
            return get_response(request)

    return middleware


def sqlite_busy_wait_within_deadline(execute, sql, params, many, context):
    """A database execute wrapper on every SQLite connection: SQLite's busy wait
    before each statement is cut to the time the request has left (SQLite's own
    cap, SQLITE_BUSY_TIMEOUT_MS, outside requests).

    Within a request, a statement SQLite refused with SQLITE_BUSY ("database is
    locked") outside a transaction, or the BEGIN that opens one, wrote nothing
    (unlike an executemany, whose earlier rows may be written each on its own):
    it is tried again until the deadline. SQLite's busy handler is no queue (a
    waiting writer polls, sleeping up to 100 ms), so with many writers one may
    wait out SQLITE_BUSY_TIMEOUT_MS while others take turns, and SQLite also
    refuses at once where waiting could deadlock. A lock still held at the
    deadline, or a refusal inside a transaction, is DatabaseBusy (503 with
    Retry-After), not a 500.
    """
    database = context["connection"]
    while True:
        left = remaining()
        wait_ms = _bound_busy_wait(database, left)
        try:
            return execute(sql, params, many, context)
        except OperationalError as exc:
            if left is None or "database is locked" not in str(exc):
                raise
            wrote_nothing = not many and database.autocommit and not database.in_atomic_block
            if wait_ms == 0 or not wrote_nothing:
                raise DatabaseBusy("The database is busy") from exc


def _bound_busy_wait(database, left: float | None) -> int:
    """Set SQLite's busy timeout for the next statement: the milliseconds it may wait."""
    cap = settings.SQLITE_BUSY_TIMEOUT_MS
    wait_ms = cap if left is None else min(max(int(left * 1000), 0), cap)
    if wait_ms != database.busy_timeout_ms:
        database.connection.execute(f"PRAGMA busy_timeout = {wait_ms}")
        database.busy_timeout_ms = wait_ms
    return wait_ms


def bound_sqlite_waits(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: install the wrapper above on SQLite connections."""
    if connection.vendor != "sqlite":
        return
    connection.busy_timeout_ms = settings.SQLITE_BUSY_TIMEOUT_MS  # as SQLITE_OPTIONS' init_command set it
    if sqlite_busy_wait_within_deadline not in connection.execute_wrappers:
        connection.execute_wrappers.append(sqlite_busy_wait_within_deadline)
