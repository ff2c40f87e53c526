"""CORS with Starlette's semantics (docs/api.md, "Browsers (CORS)"; D7), through Django and the Lambda handler."""

import json

import httpx
import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from registry_api.middleware import CORSMiddleware
from tests.support.accounts import basic
from tests.support.events import http_v2_event, rest_v1_event

ORIGIN = "https://shop.example"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"
ALLOW_HEADERS = "Accept, Accept-Language, Authorization, Content-Language, Content-Type"
EXPOSE_HEADERS = "X-WP-Total, X-WP-TotalPages"


def preflight_meta(method: str, origin: str = ORIGIN, request_headers: str | None = None) -> dict:
    meta = {"HTTP_ORIGIN": origin, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": method}
    if request_headers is not None:
        meta["HTTP_ACCESS_CONTROL_REQUEST_HEADERS"] = request_headers
    return meta


def preflight(path: str, method: str, **kwargs):
    return Client().options(path, **preflight_meta(method, **kwargs))


def cors_headers(response) -> dict[str, str]:
    return {name.lower(): value for name, value in response.items() if name.lower().startswith("access-control-")}


def assert_preflight_granted(headers: dict[str, str], origin: str = "*"):
    assert headers["access-control-allow-origin"] == origin
    assert headers["access-control-allow-methods"] == ALLOW_METHODS
    assert headers["access-control-allow-headers"] == ALLOW_HEADERS
    assert headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in headers


def assert_refused(response, detail: str):
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": detail}


# --- preflight ------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_preflight_grants_each_of_the_seven_methods(method):
    response = preflight("/items", method)
    assert response.status_code == 200
    assert response.content == b"OK"
    assert_preflight_granted(cors_headers(response))
    assert not response.has_header("Vary")


@pytest.mark.parametrize("path", ["/items/1", "/health", "/", "/registries/5/items", "/no/such/route"])
def test_preflight_answers_on_any_path(path):
    response = preflight(path, "PUT")
    assert response.status_code == 200
    assert_preflight_granted(cors_headers(response))


@pytest.mark.parametrize(
    ("method", "request_headers", "detail"),
    [
        ("CONNECT", None, "Disallowed CORS method"),
        ("TRACE", None, "Disallowed CORS method"),
        ("get", None, "Disallowed CORS method"),  # methods are case-sensitive, as in Starlette
        ("POST", "X-Custom-Header", "Disallowed CORS headers"),
        ("POST", "Authorization, X-Custom-Header", "Disallowed CORS headers"),
        ("POST", "x-wp-nonce", "Disallowed CORS headers"),
        ("CONNECT", "X-Custom-Header", "Disallowed CORS method, headers"),
    ],
)
def test_preflight_refusals_are_400_with_json_detail(method, request_headers, detail):
    response = preflight("/items", method, request_headers=request_headers)
    assert_refused(response, detail)
    headers = cors_headers(response)
    assert "x-custom-header" not in headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in headers


@pytest.mark.parametrize(
    "request_headers",
    [
        "Authorization",
        "authorization",
        "AUTHORIZATION",
        "Content-Type",
        "content-type",
        "authorization,content-type",
        "Authorization, Content-Type",
        "accept, accept-language, content-language",
    ],
)
def test_allowed_request_headers_in_any_case_are_reflected(request_headers):
    response = preflight("/items", "POST", request_headers=request_headers)
    assert response.status_code == 200
    allowed = [name.lower() for name in cors_headers(response)["access-control-allow-headers"].split(", ")]
    for name in request_headers.split(","):
        assert name.strip().lower() in allowed


# --- simple and non-CORS requests -------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "authorization", "status"),
    [
        ("GET", "/health", None, 200),
        ("GET", "/items", None, 401),
        ("GET", "/items/not-a-number", basic("alice"), 422),
        ("GET", "/no/such/route", None, 404),
        ("POST", "/health", None, 405),
    ],
)
def test_simple_requests_get_a_literal_star(db, wordpress_stub, method, path, authorization, status):
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = Client().generic(method, path, HTTP_ORIGIN=ORIGIN, **extra)
    assert response.status_code == status
    assert cors_headers(response) == {
        "access-control-allow-origin": "*",
        "access-control-expose-headers": EXPOSE_HEADERS,
    }


def test_a_503_from_authentication_carries_cors_headers(db, wordpress_stub):
    wordpress_stub["users_me"].mock(side_effect=httpx.ConnectError)
    response = Client().get("/items", HTTP_ORIGIN=ORIGIN, HTTP_AUTHORIZATION=basic("alice"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert cors_headers(response)["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    ("method", "path", "extra", "status"),
    [
        ("GET", "/health", {}, 200),
        ("GET", "/items", {}, 401),
        # Not a preflight without Origin: routed, and /health has no OPTIONS.
        ("OPTIONS", "/health", {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET"}, 405),
    ],
)
def test_no_origin_means_no_cors_headers(db, method, path, extra, status):
    response = Client().generic(method, path, **extra)
    assert response.status_code == status
    assert cors_headers(response) == {}


def test_options_without_request_method_is_routed_normally():
    response = Client().options("/health", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert response["Allow"] == "GET"
    assert cors_headers(response) == {
        "access-control-allow-origin": "*",
        "access-control-expose-headers": EXPOSE_HEADERS,
    }


# --- through the Lambda handler -----------------------------------------------------


@pytest.mark.parametrize("event_builder", [http_v2_event, rest_v1_event], ids=["v2", "v1"])
def test_preflight_through_the_lambda_handler(lambda_handler, event_builder):
    event = event_builder(
        "OPTIONS",
        "/items/1",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    response = lambda_handler(event, None)
    assert response["statusCode"] == 200
    assert response["body"] == "OK"
    headers = {name.lower(): value for name, value in response["headers"].items()}
    assert_preflight_granted({name: value for name, value in headers.items() if name.startswith("access-control-")})


def test_refused_preflight_and_simple_request_through_the_lambda_handler(lambda_handler):
    refused = lambda_handler(
        http_v2_event("OPTIONS", "/items", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "CONNECT"}), None
    )
    assert refused["statusCode"] == 400
    assert json.loads(refused["body"]) == {"detail": "Disallowed CORS method"}

    simple = lambda_handler(http_v2_event("GET", "/health", headers={"Origin": ORIGIN}), None)
    assert simple["statusCode"] == 200
    assert simple["headers"]["access-control-allow-origin"] == "*"
    assert simple["headers"]["access-control-expose-headers"] == EXPOSE_HEADERS


# --- CORS_ALLOWED_ORIGINS -------------------------------------------------------------

SHOP = "https://shop.example"
BLOG = "https://blog.example"
STRANGER = "https://evil.example"


@pytest.fixture
def configured_cors(settings):
    """The middleware as built with two configured origins, around a plain view."""
    settings.CORS_ALLOWED_ORIGINS = [SHOP, BLOG]

    def view(request):
        response = HttpResponse("inner", status=200)
        response["Vary"] = "Accept-Encoding"
        return response

    return CORSMiddleware(view)


@pytest.mark.parametrize("origin", [SHOP, BLOG])
def test_a_configured_origin_is_echoed_with_vary(configured_cors, origin):
    response = configured_cors(RequestFactory().get("/items", HTTP_ORIGIN=origin))
    assert response.content == b"inner"
    assert cors_headers(response) == {
        "access-control-allow-origin": origin,
        "access-control-expose-headers": EXPOSE_HEADERS,
    }
    assert response["Vary"] == "Accept-Encoding, Origin"

    granted = configured_cors(RequestFactory().options("/items", **preflight_meta("DELETE", origin=origin)))
    assert granted.status_code == 200
    assert_preflight_granted(cors_headers(granted), origin=origin)
    assert granted["Vary"] == "Origin"


def test_another_origin_is_refused(configured_cors):
    refused = configured_cors(RequestFactory().options("/items", **preflight_meta("GET", origin=STRANGER)))
    assert_refused(refused, "Disallowed CORS origin")
    assert "access-control-allow-origin" not in cors_headers(refused)

    simple = configured_cors(RequestFactory().get("/items", HTTP_ORIGIN=STRANGER))
    assert simple.content == b"inner"  # answered, but the browser will not hand it over
    assert cors_headers(simple) == {}
    assert simple["Vary"] == "Accept-Encoding"


def test_a_star_among_the_origins_allows_any(settings):
    settings.CORS_ALLOWED_ORIGINS = [SHOP, "*"]
    middleware = CORSMiddleware(lambda request: HttpResponse("inner"))
    response = middleware(RequestFactory().get("/items", HTTP_ORIGIN=STRANGER))
    assert cors_headers(response)["access-control-allow-origin"] == "*"
    assert not response.has_header("Vary")
