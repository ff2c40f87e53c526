"""One deadline per request (D3), met through the Lambda handler by WordPress stand-ins
that are slow on purpose, over real sockets.

httpx's timeouts bound each socket operation, not a call: a WordPress that
sends one byte every 0.1 s never trips them. The request's deadline
(REQUEST_BUDGET, capped by Lambda's remaining time) bounds everything the
request waits on, whatever the stand-in does:

- slow drip: the answer one byte at a time, status line and headers included;
- black hole: the connection accepted, nothing ever answered;
- late: each answer complete, but only after a while, so that a route making
  several calls in a row (or paging through a list) adds them up.

Each answer must be D3's (503 with Retry-After in sign-in, 504 in registry and
item routes) and come at the deadline: not before it, and well before the
call would have ended on its own. SQLite's busy wait is bounded the same way.
"""

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.db import connection

from core import deadline
from core.errors import WordPressTimeout, WordPressUnavailable
from items.models import Item
from tests.support.accounts import ACCOUNTS, basic
from tests.support.client import ApiClient
from tests.support.events import http_v2_event
from tests.support.items import ITEM, SAMPLE_ITEM
from tests.support.wordpress import COLLECTION, FAULTS, POST, USERS_ME, LoopbackWordPress, kind_of
from wpauth import wordpress as wp_client
from wpauth.backends import verify

BUDGET = 0.8  # REQUEST_BUDGET here, seconds: short, to keep the suite fast
LATE_BY = 0.3  # a late answer's delay: three in a row outlast the budget, one does not
MARGIN = 1.0  # how much after the deadline an answer may come on a busy machine
REGISTRY = 100  # alice's, published


# --- The stand-ins ---------------------------------------------------------------------


def drip(handler, site) -> None:
    """A whole answer, one byte every 0.1 s: about 30 s in all."""
    body = json.dumps({"id": 2, "username": "alice", "padding": "x" * 200}).encode()
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%b" % (len(body), body)
    handler.close_connection = True
    for byte in raw:
        if site.release.wait(0.1):
            return
        try:
            handler.wfile.write(bytes([byte]))
        except OSError:  # the service hung up: what the deadline is for
            return


BLACK_HOLE = FAULTS["slow"]  # accepts, then answers nothing until the test ends
SLOW = {"slow drip": drip, "black hole": BLACK_HOLE}


class LateWordPress(LoopbackWordPress):
    """The loopback WordPress of tests/support/wordpress.py, which can also answer
    late: `late` holds the (method, kind) of the calls answered after LATE_BY."""

    item: int  # the id of the stored item the calls name (set by the fixture)

    def __init__(self) -> None:
        super().__init__()
        self.late: set[tuple[str, str]] = set()

    def handle(self, handler) -> None:
        kind, _ = kind_of(urlsplit(handler.path).path.removeprefix("/wp-json"))
        if (handler.command, kind) in self.late:
            self.release.wait(LATE_BY)
        super().handle(handler)


@pytest.fixture
def wordpress(transactional_db, settings):
    """The stand-in with alice's registry 100 holding one item (`site.item`), WP_TIMEOUT
    far beyond the budget: whatever cuts a call short here is the request's deadline."""
    site = LateWordPress()
    site.site.add(id=REGISTRY)
    settings.WP_BASE_URL = site.url
    settings.WP_TIMEOUT = 10
    settings.REQUEST_BUDGET = BUDGET
    wp_client.reset_http_client()
    site.item = Item.objects.create(registry_id=REGISTRY, **ITEM).id
    yield site
    site.stop()


class LambdaContext:
    """The part of Lambda's context object the service reads."""

    aws_request_id = "a1b2c3d4-0000-4000-8000-000000000000"

    def __init__(self, remaining_ms: int) -> None:
        self._ends = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return int((self._ends - time.monotonic()) * 1000)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: dict
    seconds: float


def through_handler(method: str, path: str, body: dict | None = None, remaining_ms: int = 29_000) -> Answer:
    from registry_api.lambda_handler import handler

    event = http_v2_event(method, path, body=body, headers={"Authorization": basic("alice")})
    started = time.monotonic()
    result = handler(event, LambdaContext(remaining_ms))
    seconds = time.monotonic() - started
    return Answer(result["statusCode"], result["headers"], json.loads(result["body"] or "null"), seconds)


# --- Through the handler ---------------------------------------------------------------

UNAVAILABLE = (503, "WordPress is unavailable")
TIMED_OUT = (504, "WordPress did not answer in time")


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # "{item}": the fixture's item
    body: dict | None
    slow: dict[tuple[str, str], str]  # (method, kind) of a WordPress call -> how it is slow ("late", SLOW)
    expected: tuple[int, str]


CASES = {
    "sign-in, slow drip": Case("GET", "/items", None, {("GET", USERS_ME): "slow drip"}, UNAVAILABLE),
    "sign-in, black hole": Case("GET", "/items", None, {("GET", USERS_ME): "black hole"}, UNAVAILABLE),
    "registry read, slow drip": Case("GET", f"/registries/{REGISTRY}", None, {("GET", POST): "slow drip"}, TIMED_OUT),
    "item access, black hole": Case("GET", "/items/{item}", None, {("GET", POST): "black hole"}, TIMED_OUT),
    # Three calls of LATE_BY each: none is long, together they outlast the budget.
    "three calls in a row, each late": Case(
        "PATCH",
        f"/registries/{REGISTRY}",
        {"title": "Renamed"},
        {("GET", USERS_ME): "late", ("GET", POST): "late", ("PUT", POST): "late"},
        TIMED_OUT,
    ),
    # GET /items of a non-administrator pages through all of the caller's registries.
    "paging, each page late": Case("GET", "/items", None, {("GET", COLLECTION): "late"}, TIMED_OUT),
}


@pytest.mark.parametrize("name", CASES)
def test_every_answer_comes_at_the_deadline_with_its_status(wordpress, name):
    case = CASES[name]
    for call, how in case.slow.items():
        if how == "late":
            wordpress.late.add(call)
        else:
            wordpress.faults[call] = SLOW[how]
    for registry_id in range(1000, 1500):  # five pages of alice's registries (100 a page)
        wordpress.site.add(id=registry_id)

    answer = through_handler(case.method, case.path.format(item=wordpress.item), case.body)

    status, detail = case.expected
    assert (answer.status, answer.body) == (status, {"detail": detail})
    assert ("retry-after" in answer.headers) is (status == 503)
    assert BUDGET <= answer.seconds < BUDGET + MARGIN


def test_readiness_answers_at_the_deadline(wordpress):
    wordpress.faults[("GET", None)] = drip  # /wp-json/, the REST index
    answer = through_handler("GET", "/health/ready")
    assert (answer.status, answer.body["checks"]) == (503, {"database": "ok", "wordpress": "timeout"})
    assert BUDGET <= answer.seconds < BUDGET + MARGIN


def test_a_healthy_wordpress_is_not_cut_short(wordpress):
    wordpress.late.add(("GET", POST))  # one late call fits in the budget
    answer = through_handler("GET", f"/registries/{REGISTRY}")
    assert answer.status == 200
    assert answer.seconds < BUDGET


def test_the_lambda_remaining_time_cuts_first(wordpress, settings):
    """A budget longer than the invocation has left: the deadline is the
    remaining time minus the margin, so the service answers before Lambda ends it."""
    settings.REQUEST_BUDGET = 30
    remaining_ms = int((BUDGET + deadline.LAMBDA_MARGIN) * 1000)
    wordpress.faults[("GET", USERS_ME)] = BLACK_HOLE
    answer = through_handler("GET", "/items", remaining_ms=remaining_ms)
    assert (answer.status, answer.body) == (503, {"detail": "WordPress is unavailable"})
    assert BUDGET - 0.05 <= answer.seconds < remaining_ms / 1000


def test_each_request_has_its_own_deadline(wordpress):
    """A request cut short leaves no deadline behind, in the handler's thread or the caller's."""
    wordpress.faults[("GET", POST)] = BLACK_HOLE
    assert through_handler("GET", f"/registries/{REGISTRY}").status == 504
    assert deadline.remaining() is None
    del wordpress.faults[("GET", POST)]
    wordpress.late.add(("GET", POST))
    answer = through_handler("GET", f"/registries/{REGISTRY}")
    assert answer.status == 200
    response = ApiClient(basic("alice")).get(f"/registries/{REGISTRY}")  # the sync path (WSGI, tests)
    assert response.status_code == 200
    assert deadline.remaining() is None


# --- The pieces --------------------------------------------------------------------------


def left() -> float:
    """The seconds deadline.remaining() gives inside a deadline."""
    seconds = deadline.remaining()
    assert seconds is not None
    return seconds


def test_a_nested_deadline_never_extends_the_enclosing_one():
    assert deadline.remaining() is None
    with deadline.within(1):
        outer = left()
        with deadline.within(60):
            assert left() <= outer
        with deadline.within(0.1):
            assert left() <= 0.1
        assert 0.9 < left() <= 1
    assert deadline.remaining() is None


def test_waiting_for_another_requests_check_ends_at_this_requests_deadline(wordpress, settings):
    """Concurrent checks of the same credentials make one WordPress call; a
    request that waits for another's never waits past its own deadline."""
    wordpress.faults[("GET", USERS_ME)] = BLACK_HOLE
    settings.WP_TIMEOUT = 5  # the leader, outside any request, would wait that long
    leader_outcome = []

    def leader() -> None:
        try:
            verify("alice", ACCOUNTS["alice"][0])
        except WordPressUnavailable as exc:
            leader_outcome.append(exc)

    thread = threading.Thread(target=leader)
    thread.start()
    time.sleep(0.2)  # the leader's call is in flight
    started = time.monotonic()
    with deadline.within(0.3), pytest.raises(WordPressTimeout):
        verify("alice", ACCOUNTS["alice"][0])
    assert time.monotonic() - started < 0.3 + MARGIN
    assert thread.is_alive()  # the leader still waits for WordPress
    wordpress.release.set()  # the black hole hangs up
    thread.join(timeout=10)
    assert [type(exc) for exc in leader_outcome] == [WordPressUnavailable]


@pytest.mark.sqlite_only(reason="SQLite's busy wait on its file lock")
def test_a_locked_database_is_503_at_the_deadline_not_after_sqlites_own_wait(
    transactional_db, wordpress_stub, settings
):
    """Another writer holds the lock (as another Lambda instance would on EFS):
    the request waits until its deadline, not SQLite's 5 s, then answers 503
    with Retry-After; once the lock is released the same request succeeds."""
    settings.REQUEST_BUDGET = BUDGET
    item = Item.objects.create(**SAMPLE_ITEM)
    admin = ApiClient(basic("admin"))  # no registry lookup: only the database waits
    other_writer = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    other_writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        response = admin.post(f"/items/{item.id}/purchase", {"quantity": 1})
        seconds = time.monotonic() - started
    finally:
        other_writer.execute("ROLLBACK")
        other_writer.close()
    assert (response.status_code, response.json(), response["Retry-After"]) == (
        503,
        {"detail": "The database is busy"},
        "1",
    )
    assert BUDGET - 0.05 <= seconds < BUDGET + MARGIN
    item.refresh_from_db()
    assert item.quantity_purchased == 0
    assert admin.post(f"/items/{item.id}/purchase", {"quantity": 1}).status_code == 200
    with connection.cursor() as cursor:  # outside a request, SQLite's own wait again
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone() == (5000,)
