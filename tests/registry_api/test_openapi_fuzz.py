"""Property-based fuzzing of every operation against the service's own OpenAPI schema (D3).

schemathesis reads /openapi.json from the app itself and generates requests
for every operation: valid ones, and (negative mode) ones that break the
schema. Each is answered in-process through Django's WSGI handler, so respx
stands in for WordPress: `users/me` from tests/conftest.py, and the stateful stand-in of the
restart-registry endpoints with WordPress's own permission rules on top.

Every response must
- never be a server error (`not_a_server_error`: no 5xx outside the 502/503/504
  that WordPress faults may cause, and none of those here, where WordPress is healthy);
- carry a status the schema documents for the operation, the documented content
  type, a body matching the documented schema, and the documented headers
  (the error responses are documented centrally by registry_api/openapi.py).

Callers: the owner of two registries (alice), a stranger to all of them who
is no administrator (eddie), an administrator; and, on a few operations with
fewer examples, nobody, a refused credential or another scheme than Basic.

Each example starts from the same world (the SQLite rows roll back, the fake's
posts are reset), and Hypothesis is derandomized with no example database: a
run is reproducible, and CI never flakes on a newly found example.
"""

import copy
import json
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.color import no_style
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from items.models import Item
from registries import facts
from tests.support.accounts import ACCOUNTS, basic
from tests.support.client import ApiClient
from tests.support.wordpress import WordPressStandIn

ADMIN_ID = ACCOUNTS["admin"][1]["id"]
PUBLISHED, PRIVATE, ADMINS = 100, 101, 102  # registry post ids
# id -> fields: one item per registry, an affiliate link, an inactive row, a legacy row.
ITEMS: dict[int, dict[str, Any]] = {
    1: {"registry_id": PUBLISHED},
    2: {"registry_id": PRIVATE, "affiliate_url": "https://aff.example/2", "affiliate_status": "active"},
    3: {"registry_id": ADMINS},
    4: {"registry_id": PUBLISHED, "is_active": False},
    5: {"registry_id": None},
}
INVITEE = "bob"
ITEMS_OF: dict[int | None, list[int]] = {PUBLISHED: [1, 4], PRIVATE: [2], ADMINS: [3]}

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Examples per operation and caller: ~2 minutes for the file on 2 cores.
EXAMPLES = 60
FEW_EXAMPLES = 20
FUZZ_SETTINGS = settings(
    derandomize=True,
    database=None,  # no .hypothesis/ directory, no replay of another run's finds
    deadline=None,  # the first request of a test warms caches
    # The world is reset per example on purpose (see `world`); and a health
    # check tripping on a slow CI machine would fail a run that found nothing.
    suppress_health_check=list(HealthCheck),
)

schema = schemathesis.openapi.from_wsgi("/openapi.json", WSGIHandler())
# Credentials come from the callers below, never from the generator.
schema.config.generation.update(with_security_parameters=False)


def known(value, choices: list):
    """`value` or one of `choices`, picked by `value` itself: deterministic, so
    it applies alike to Hypothesis's examples and to the coverage phase's fixed
    ones (which come as strings: "0"). A value that is not one of an integer
    slot is a negative case, left alone."""
    if isinstance(choices[0], int):
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdecimal())):
            return value
        index = int(value)
    else:
        index = len(value)
    options = [*choices, value]
    return options[index % len(options)]


@schema.hook
def map_case(context, case):
    """Point most generated paths at what exists (or the fuzzer would meet little
    but 404s): a known registry, an item of that registry, a known invitee."""
    path = dict(case.path_parameters or {})
    if "registry_id" in path:
        path["registry_id"] = known(path["registry_id"], list(ITEMS_OF))
    if "item_id" in path:
        path["item_id"] = known(path["item_id"], ITEMS_OF.get(path.get("registry_id"), list(ITEMS)))
    if "invitee" in path:
        path["invitee"] = known(path["invitee"], [INVITEE])
    case.path_parameters = path
    return case


@pytest.fixture
def wordpress(wordpress_stub):
    """The three registries; any other WordPress path is WordPress's 404
    (e.g. a negative post id, which its routes do not match)."""
    fake = WordPressStandIn(router=wordpress_stub)  # with the mu-plugin's rules
    fake.add(id=PUBLISHED, status="publish", content="Our story")
    fake.add(
        id=PRIVATE,
        status="private",
        meta={
            "restart_invitees": json.dumps([INVITEE, "eve@example.test"]),
            "restart_recipient_email": "r@example.test",
        },
    )
    fake.add(id=ADMINS, author=ADMIN_ID, status="private")
    wordpress_stub.get("/", name="index").respond(200, json={"namespaces": ["wp/v2"]})  # GET /health/ready
    wordpress_stub.route(name="no_route").respond(
        404, json={"code": "rest_no_route", "message": "No route was found.", "data": {"status": 404}}
    )
    return fake


@pytest.fixture
def world(db, wordpress, wordpress_stub):
    """A context manager: one example's world, the same every time."""
    for item_id, fields in ITEMS.items():
        Item.objects.create(id=item_id, name=f"Item {item_id}", url=f"https://shop.example/{item_id}", **fields)
    # Items created later must not take those ids: PostgreSQL's sequence does
    # not move past explicit ones by itself (SQLite's AUTOINCREMENT does).
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Item]):
            cursor.execute(statement)
    posts = copy.deepcopy(wordpress.posts)

    # Django's test client keeps the connection across requests; the WSGI
    # handler would close it at each request's end (close_old_connections),
    # and with it the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    @contextmanager
    def fresh():
        wordpress.posts, wordpress.next_id = copy.deepcopy(posts), 200
        wordpress_stub.reset()  # forget the calls of earlier examples
        facts.clear()  # and what the item routes cached of the registries (D1)
        with transaction.atomic():
            yield
            transaction.set_rollback(True)

    yield fresh
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def call(case, world, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    with world():
        case.call_and_validate(headers=headers, checks=CHECKS)


@pytest.fixture(params=["alice", "eddie", "admin"], ids=["owner", "stranger", "administrator"])
def signed_in(request):
    return basic(request.param)


@pytest.fixture(params=[None, basic("alice", "wrong-password"), "Bearer x"], ids=["anonymous", "refused", "not-basic"])
def signed_out(request):
    return request.param


@schema.parametrize()
@settings(FUZZ_SETTINGS, max_examples=EXAMPLES)
def test_signed_in(case, world, signed_in):
    call(case, world, signed_in)


# Without valid credentials every route but three is a 401 (or a 422 for a body
# that is not JSON, checked first): a few operations of each shape suffice.
SIGNED_OUT_OPERATIONS = [
    "GET /",
    "GET /health",
    "GET /health/ready",
    "GET /items",
    "POST /items",
    "POST /items/{item_id}/purchase",
    "PATCH /registries/{registry_id}",
    "DELETE /registries/{registry_id}/invitees/{invitee}",
]


@schema.include(name=SIGNED_OUT_OPERATIONS).parametrize()
@settings(FUZZ_SETTINGS, max_examples=FEW_EXAMPLES)
def test_signed_out(case, world, signed_out):
    call(case, world, signed_out)


# --- The schema itself -------------------------------------------------------------

OPERATIONS = [
    pytest.param(operation, id=f"{method.upper()} {path}")
    for path, path_item in schema.raw_schema["paths"].items()
    for method, operation in path_item.items()
]


def test_the_signed_out_operations_exist():
    """A renamed route would silently drop out of test_signed_out."""
    assert set(SIGNED_OUT_OPERATIONS) <= {param.id for param in OPERATIONS}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_error_is_documented_as_a_detail(operation):
    """Errors the fuzzing cannot provoke here (503 and 502/504 need a failing
    WordPress: tests/wpauth/test_wordpress_faults.py) are documented all the same."""
    responses = operation["responses"]
    if operation.get("security"):
        assert {"401", "503"} <= set(responses)
        assert responses["503"]["headers"]["Retry-After"]["required"] is True
    components = schema.raw_schema["components"]["schemas"]
    for status, response in responses.items():
        if int(status) >= 400:
            body = components[response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]]
            assert "detail" in body["required"], status  # readiness's 503 adds its checks


# --- Found while building the fuzzing, pinned here ----------------------------------

NOT_AN_OBJECT = {"type": "model_attributes_type", "loc": ["body"]}
NO_BODY = {"type": "missing", "loc": ["body"], "input": None}


@pytest.mark.parametrize(
    ("content_type", "body", "error"),
    [
        # Ninja answered a body of another content type with an undocumented 400.
        ("text/plain", "not json", NOT_AN_OBJECT),
        ("application/x-www-form-urlencoded", "quantity=1", NOT_AN_OBJECT),
        ("text/plain", '{"quantity": 1}', NOT_AN_OBJECT),
        # Ninja read a JSON array, string, number or null as an object without
        # fields: all defaults, so a purchase of one.
        ("application/json", "[]", NOT_AN_OBJECT),
        ("application/json", '"1"', NOT_AN_OBJECT),
        ("application/json", "[NaN]", NOT_AN_OBJECT),
        ("application/json", "null", NO_BODY),
    ],
)
def test_a_body_that_is_not_a_json_object_is_422_after_authentication(
    world, content_type, body, error, django_assert_num_queries
):
    with world(), django_assert_num_queries(0):  # nothing bought
        response = ApiClient(basic("alice")).generic("POST", "/items/1/purchase", body, content_type=content_type)
        unauthenticated = ApiClient().generic("POST", "/items/1/purchase", body, content_type=content_type)

    assert response.status_code == 422
    (found,) = response.json()["detail"]
    assert {key: found[key] for key in error} == error
    assert unauthenticated.status_code == 401  # authentication first, as for any invalid body
