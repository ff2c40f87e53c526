"""The items API through the real Mangum handler, for API Gateway HTTP API (v2)
and REST API (v1) events (docs/deploy.md; v1.0.x's test_lambda.py)."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from mangum import Mangum

from tests.support.accounts import basic
from tests.support.events import API_HOST, http_v2_event, rest_v1_event
from tests.support.items import ADMIN_KEYS, ISO_SECONDS, PUBLIC_KEYS, SAMPLE_ITEM, expected_item

BUILDERS = pytest.mark.parametrize("build", [http_v2_event, rest_v1_event], ids=["v2", "v1"])
ALICE = {"Authorization": basic("alice")}
EDDIE = {"Authorization": basic("eddie")}  # reads alice's (published) registries, writes none of them (D1)
ORIGIN = {"Origin": "https://shop.example"}
CORS_METHODS = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"
MISSING_AUTH = {"detail": "Missing Authorization header"}
TIMESTAMPS = ("created_at", "updated_at")


def invoke(handler, event) -> tuple[int, dict, Any]:
    """Status, headers and decoded body of a Lambda response (v2 shape: lower-case headers)."""
    response = handler(event, None)
    assert response["isBase64Encoded"] is False
    body = response["body"]
    return response["statusCode"], response["headers"], (json.loads(body) if body.startswith(("{", "[")) else body)


def call(handler, build, method: str, path: str, **kwargs) -> tuple[int, dict, Any]:
    return invoke(handler, build(method, path, **kwargs))


def envelope(item: dict | None, message: str | None = None) -> dict:
    return {"success": True, "data": item, "message": message}


@dataclass(frozen=True)
class Case:
    """One request through the handler. `{id}` in the path is a stored item's id;
    `expected(item)` is the JSON body, given that item as the seed POST answered it."""

    method: str
    path: str
    status: int
    expected: Callable[[dict], object]
    request: dict = field(default_factory=lambda: {"headers": ALICE})
    headers: dict = field(default_factory=dict)


def _created(item):
    return envelope({**item, "id": item["id"] + 1}, "Item created successfully")


CASES = {
    "root": Case("GET", "/", 200, lambda item: {"message": "Welcome to AWS Lambda FastAPI"}, {}),
    "health": Case("GET", "/health", 200, lambda item: {"status": "healthy", "service": "aws-lambda-fastapi"}, {}),
    "create": Case("POST", "/items", 201, _created, {"headers": ALICE, "body": SAMPLE_ITEM}),
    "create-base64": Case("POST", "/items", 201, _created, {"headers": ALICE, "body": SAMPLE_ITEM, "b64": True}),
    "get": Case("GET", "/items/{id}", 200, lambda item: envelope(item)),
    "list": Case("GET", "/items", 200, lambda item: [item]),
    "list-limit-0": Case("GET", "/items", 200, lambda item: [], {"headers": ALICE, "query": "limit=0"}),
    "list-skip-1": Case("GET", "/items", 200, lambda item: [], {"headers": ALICE, "query": "skip=1&limit=5"}),
    "list-unlimited": Case("GET", "/items", 200, lambda item: [item], {"headers": ALICE, "query": "skip=-1&limit=-1"}),
    "update": Case(
        "PUT",
        "/items/{id}",
        200,
        lambda item: envelope({**item, "name": "Renamed"}, "Item updated successfully"),
        {"headers": ALICE, "body": {"name": "Renamed"}},
    ),  # fmt: skip
    "update-empty": Case("PUT", "/items/{id}", 200, lambda item: envelope(item), {"headers": ALICE, "body": {}}),
    "purchase-by-a-reader": Case(
        "POST",
        "/items/{id}/purchase",
        200,
        lambda item: envelope({**item, "quantity_purchased": 1}, "Purchase recorded"),
        {"headers": EDDIE, "body": {}},
    ),  # fmt: skip
    "403-reader-writes": Case(
        "PUT",
        "/items/{id}",
        403,
        lambda item: {"detail": "Not authorized to modify this item"},
        {"headers": EDDIE, "body": {"name": "Mine now"}},
    ),  # fmt: skip
    "delete": Case(
        "DELETE", "/items/{id}", 200, lambda item: envelope({**item, "is_active": False}, "Item deleted successfully")
    ),
    "401-get": Case("GET", "/items/{id}", 401, lambda item: MISSING_AUTH, {}, {"www-authenticate": "Basic"}),
    "401-invalid-body": Case(
        "POST", "/items", 401, lambda item: MISSING_AUTH, {"body": {"price": 0}}, {"www-authenticate": "Basic"}
    ),
    "401-refused": Case(
        "GET",
        "/items",
        401,
        lambda item: {"detail": "Invalid WordPress credentials"},
        {"headers": {"Authorization": basic("alice", "nope")}},
        {"www-authenticate": "Basic"},
    ),  # fmt: skip
    "404-item": Case("GET", "/items/987654321", 404, lambda item: {"detail": "Item with id 987654321 not found"}),
    "404-route": Case("GET", "/nonexistent", 404, lambda item: {"detail": "Not Found"}),
    "405": Case("PATCH", "/items/{id}", 405, lambda item: {"detail": "Method Not Allowed"}),
    "422-missing": Case(
        "POST",
        "/items",
        422,
        lambda item: {
            "detail": [
                {
                    "type": "missing",
                    "loc": ["body", "name"],
                    "msg": "Field required",
                    "input": {"registry_id": 1, "url": "https://example.com/u"},
                }
            ]
        },
        {"headers": ALICE, "body": {"registry_id": 1, "url": "https://example.com/u"}},
    ),  # fmt: skip
    "422-path": Case(
        "GET",
        "/items/abc",
        422,
        lambda item: {
            "detail": [
                {
                    "type": "int_parsing",
                    "loc": ["path", "item_id"],
                    "msg": "Input should be a valid integer, unable to parse string as an integer",
                    "input": "abc",
                }
            ]
        },
    ),  # fmt: skip
    "422-malformed-json": Case(
        "POST",
        "/items",
        422,
        lambda item: {
            "detail": [
                {
                    "type": "json_invalid",
                    "loc": ["body", 1],
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": "Expecting property name enclosed in double quotes"},
                }
            ]
        },
        {"body": "{bad json"},
    ),  # fmt: skip
    "307": Case("GET", "/items/", 307, lambda item: ""),
    "cors-preflight": Case(
        "OPTIONS",
        "/items/{id}",
        200,
        lambda item: "OK",
        {
            "headers": {
                **ORIGIN,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "authorization, content-type",
            }
        },
        {
            "access-control-allow-origin": "*",
            "access-control-allow-methods": CORS_METHODS,
            "access-control-max-age": "600",
            "access-control-allow-headers": "Accept, Accept-Language, Authorization, Content-Language, Content-Type",
        },
    ),  # fmt: skip
    "cors-simple": Case(
        "GET",
        "/items/{id}",
        200,
        lambda item: envelope(item),
        {"headers": {**ALICE, **ORIGIN}},
        {"access-control-allow-origin": "*"},
    ),  # fmt: skip
    "cors-simple-error": Case(
        "GET",
        "/items/{id}",
        401,
        lambda item: MISSING_AUTH,
        {"headers": ORIGIN},
        {"access-control-allow-origin": "*", "www-authenticate": "Basic"},
    ),  # fmt: skip
}


def _comparable(body: object) -> object:
    """`body` with its timestamps checked for format only (a write may cross a second)."""
    if isinstance(body, dict):
        return {
            key: "<timestamp>" if key in TIMESTAMPS and ISO_SECONDS.match(value) else _comparable(value)
            for key, value in body.items()
        }
    if isinstance(body, list):
        return [_comparable(value) for value in body]
    return body


def new_lambda_handler(**options):
    """Mangum around a new Django ASGI handler, which loads the middleware as a cold start does."""
    from django.core.handlers.asgi import ASGIHandler

    # django-stubs type ASGIHandler's scope as a dict, Mangum's ASGI protocol as a
    # MutableMapping: the same dict at run time.
    return Mangum(ASGIHandler(), lifespan="off", **options)  # type: ignore[arg-type]


@pytest.fixture(params=["admin-enabled", "admin-disabled"])
def either_handler(request, lambda_handler, settings):
    """The handler with the tests' middleware (the admin's too), and with
    Lambda's: ADMIN_ENABLED=false leaves only the API's own (settings.API_MIDDLEWARE)."""
    if request.param == "admin-enabled":
        return lambda_handler
    settings.MIDDLEWARE = settings.API_MIDDLEWARE
    return new_lambda_handler()  # loads the middleware as Lambda's cold start does


@BUILDERS
@pytest.mark.parametrize("name", CASES)
def test_items_through_the_lambda_handler(either_handler, build, name):
    lambda_handler, case = either_handler, CASES[name]
    status, _, seed = call(lambda_handler, build, "POST", "/items", headers=ALICE, body=SAMPLE_ITEM)
    assert status == 201
    item = seed["data"]
    status, headers, body = call(lambda_handler, build, case.method, case.path.format(id=item["id"]), **case.request)
    assert (status, _comparable(body)) == (case.status, _comparable(case.expected(item)))
    assert {key: headers.get(key) for key in case.headers} == case.headers
    if "Origin" not in case.request.get("headers", {}):
        assert "access-control-allow-origin" not in headers


def custom_domain(event: dict) -> dict:
    """A REST API event through a custom domain: requestContext.path is the
    path the client used, base path mapping included and no stage."""
    event["requestContext"]["path"] = event["path"]
    return event


@pytest.mark.parametrize("host", [API_HOST, "evil.example"])
@pytest.mark.parametrize(
    ("build", "event_path", "stage", "base_path", "location"),
    [
        pytest.param(http_v2_event, "/items/", "$default", "/", "/items", id="v2"),
        # A REST API's execute-api URL carries the stage; event.path does not.
        pytest.param(rest_v1_event, "/items/", "prod", "/", "/prod/items", id="v1-stage"),
        # A custom domain's base path mapping (API_BASE_PATH), in the path of both versions.
        pytest.param(http_v2_event, "/registry/items/", "$default", "/registry", "/registry/items", id="v2-base-path"),
        pytest.param(
            lambda *args, **kwargs: custom_domain(rest_v1_event(*args, **kwargs)),
            "/registry/items/",
            "prod",
            "/registry",
            "/registry/items",
            id="v1-base-path",
        ),
        # An HTTP API's named stage stays in rawPath: API_BASE_PATH names it.
        pytest.param(http_v2_event, "/dev/items/", "dev", "/dev", "/dev/items", id="v2-named-stage"),
    ],
)
def test_a_trailing_slash_redirects_to_the_path_the_client_used(
    lambda_handler, settings, build, event_path, stage, base_path, location, host
):
    """Never to the Host header's site (anyone can send one); always through the stage or base path."""
    settings.API_BASE_PATH = base_path
    handler = new_lambda_handler(api_gateway_base_path=base_path)
    status, headers, body = invoke(handler, build("GET", event_path, query="limit=1", stage=stage, host=host))
    assert (status, headers["location"], body) == (307, f"{location}?limit=1", "")
    status, _, _ = invoke(handler, build("GET", event_path.replace("items/", "health"), stage=stage, host=host))
    assert status == 200  # the API's own routes are reached the same way


@BUILDERS
@pytest.mark.parametrize("path", ["//evil.example/items/", "//evil.example/items", "/\\evil.example/items/"])
def test_no_redirect_leaves_the_api(lambda_handler, build, path):
    status, headers, body = call(lambda_handler, build, "GET", path, host="evil.example")
    assert (status, body) == (404, {"detail": "Not Found"})
    assert "location" not in headers


@BUILDERS
def test_item_shapes_through_the_handler(lambda_handler, build):
    """The affiliate keys stay absent for non-admins (docs/api.md, "The item") whatever the event version."""
    affiliate = {"affiliate_url": "https://aff.example.com/a", "affiliate_status": "active"}
    _, _, created = call(lambda_handler, build, "POST", "/items", headers=ALICE, body={**SAMPLE_ITEM, **affiliate})
    assert list(created["data"]) == PUBLIC_KEYS
    status, _, listed = call(lambda_handler, build, "GET", "/items", headers={"Authorization": basic("admin")})
    assert (status, listed) == (200, [expected_item(created["data"], True, **affiliate)])
    assert list(listed[0]) == ADMIN_KEYS


@BUILDERS
def test_every_request_runs_its_sync_code_on_one_kept_thread(lambda_handler, build):
    """Not a thread per request, as Django's ASGI handler would start: the thread
    keeps its database connection from one request to the next (CONN_MAX_AGE)."""
    import threading

    from django.core import signals

    threads = []

    def record_thread(**kwargs):
        threads.append(threading.get_ident())

    signals.request_started.connect(record_thread)
    try:
        status, _, created = call(lambda_handler, build, "POST", "/items", headers=ALICE, body=SAMPLE_ITEM)
        assert status == 201
        status, _, body = call(lambda_handler, build, "GET", f"/items/{created['data']['id']}", headers=ALICE)
        assert (status, body["data"]["name"]) == (200, SAMPLE_ITEM["name"])
        assert call(lambda_handler, build, "GET", "/health")[0] == 200
    finally:
        signals.request_started.disconnect(record_thread)
    assert len(threads) == 3 and len(set(threads)) == 1
    assert threads[0] != threading.get_ident()


def test_an_exception_escaping_django_answers_the_contracts_500(lambda_handler, caplog):
    """Not Mangum's plain-text 500: the JSON of every other error, and the traceback logged."""
    from django.core import signals

    def failing_receiver(**kwargs):
        raise RuntimeError("a request_started receiver failed")

    signals.request_started.connect(failing_receiver)
    try:
        status, headers, body = call(lambda_handler, http_v2_event, "GET", "/health")
    finally:
        signals.request_started.disconnect(failing_receiver)
    assert (status, headers["content-type"], body) == (
        500,
        "application/json; charset=utf-8",
        {"detail": "Internal server error"},
    )
    assert "An error occurred running the application." in caplog.text  # Mangum's record, at ERROR
    assert "a request_started receiver failed" in caplog.text


# --- v1.0.x's test_lambda.py -----------------------------------------------------


def test_v1_0_x_lambda_suite(lambda_handler):
    status, _, body = call(lambda_handler, http_v2_event, "POST", "/items", headers=ALICE,
                           body={"registry_id": 1, "name": "Lambda Item", "url": "https://example.com/lambda", "price": 50})  # fmt: skip
    assert (status, body["success"], body["data"]["name"], body["data"]["price"]) == (201, True, "Lambda Item", 50)
    status, _, listed = call(lambda_handler, http_v2_event, "GET", "/items", headers=ALICE)
    assert status == 200 and len(listed) >= 1
    status, _, body = call(lambda_handler, http_v2_event, "GET", "/nonexistent")
    assert (status, body) == (404, {"detail": "Not Found"})


# --- Stage and base-path stripping (docs/deploy.md) --------------------------------


@pytest.fixture
def prod_handler(lambda_handler):
    """The application behind a Mangum that strips the "/prod" base path."""
    from registry_api.asgi import application

    return Mangum(application, lifespan="off", api_gateway_base_path="/prod")  # type: ignore[arg-type]  # as above


BASE_PATH_EVENTS = pytest.mark.parametrize(
    "event",
    [
        lambda method, path, **kw: http_v2_event(method, f"/prod{path}", stage="prod", **kw),
        lambda method, path, **kw: rest_v1_event(method, f"/prod{path}", **kw),
    ],
    ids=["v2-named-stage", "v1-custom-domain"],
)


@BASE_PATH_EVENTS
def test_a_base_path_is_stripped_when_configured(prod_handler, event):
    status, _, body = invoke(prod_handler, event("GET", "/health"))
    assert (status, body) == (200, {"status": "healthy", "service": "aws-lambda-fastapi"})
    status, _, created = invoke(prod_handler, event("POST", "/items", headers=ALICE, body=SAMPLE_ITEM))
    assert (status, created["message"]) == (201, "Item created successfully")
    status, _, listed = invoke(prod_handler, event("GET", "/items", headers=ALICE))
    assert (status, listed) == (200, [created["data"]])


def test_the_default_handler_strips_no_stage(lambda_handler):
    status, _, body = invoke(lambda_handler, http_v2_event("GET", "/prod/health", stage="prod"))
    assert (status, body) == (404, {"detail": "Not Found"})


def test_the_docs_under_a_stage_ask_for_the_schema_there(lambda_handler, settings):
    # Django caches STATIC_URL with the script prefix of its first use: as at a cold start (urls.py), not a stage's.
    assert settings.STATIC_URL == "/static/"
    status, _, page = invoke(lambda_handler, rest_v1_event("GET", "/docs"))  # execute-api URL, stage "prod"
    assert status == 200 and '"url": "/prod/openapi.json"' in page
    status, _, page = invoke(lambda_handler, http_v2_event("GET", "/docs"))
    assert status == 200 and '"url": "/openapi.json"' in page


def test_a_stage_prefix_does_not_outlive_its_request(lambda_handler, client, settings):
    """Django's script prefix is per thread (per context under ASGI), and a
    Lambda instance's thread serves request after request."""
    from django.urls import get_script_prefix

    assert settings.STATIC_URL == "/static/"  # as above
    status, _, _ = invoke(lambda_handler, rest_v1_event("GET", "/docs"))
    assert status == 200
    assert get_script_prefix() == "/"
    assert b"/prod/" not in client.get("/docs").content
