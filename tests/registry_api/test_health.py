import json

import pytest

from tests.support.events import http_v2_event, rest_v1_event


def test_root_and_health_through_the_test_client(anonymous):
    assert anonymous.get("/").json() == {"message": "Welcome to AWS Lambda FastAPI"}
    response = anonymous.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "healthy", "service": "aws-lambda-fastapi"}


def test_head_on_health_is_method_not_allowed(anonymous):
    response = anonymous.generic("HEAD", "/health")
    assert response.status_code == 405


@pytest.mark.parametrize("event_builder", [http_v2_event, rest_v1_event], ids=["v2", "v1"])
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/", {"message": "Welcome to AWS Lambda FastAPI"}),
        ("/health", {"status": "healthy", "service": "aws-lambda-fastapi"}),
    ],
)
def test_health_routes_through_the_lambda_handler(lambda_handler, event_builder, path, body):
    response = lambda_handler(event_builder("GET", path), None)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == body
