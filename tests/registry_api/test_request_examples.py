"""Every request body of /openapi.json has an example, and "Try it out" with it
works: the example, sent as /docs sends it, is accepted (issue 23). A body
without one would be filled from the limits by the UIs (`"price": 0`, a URL of
ten letters, the smallest 64-bit `registry_id`), which is a 422."""

import pytest
from django.test import Client

from items.models import Item, Purchase
from tests.support.accounts import ACCOUNTS, basic
from tests.support.client import ApiClient
from tests.support.wordpress import WordPressStandIn

SCHEMA = Client().get("/openapi.json").json()
WITH_BODY = [
    pytest.param(method, path, id=f"{method.upper()} {path}")
    for path, path_item in SCHEMA["paths"].items()
    for method, operation in path_item.items()
    if "requestBody" in operation
]


def test_the_operations_with_a_body_are_found():
    """An empty list would make every test below pass vacuously."""
    assert len(WITH_BODY) >= 8


@pytest.fixture
def world(db, wordpress_stub) -> dict[str, object]:
    """The objects an example's path names: alice's published registry, an item of it, an invitee."""
    site = WordPressStandIn(router=wordpress_stub)
    registry_id = site.add(status="publish", meta={"restart_invitees": '["bob"]'})
    item = Item.objects.create(registry_id=registry_id, name="Toaster", url="https://shop.example/toaster")
    gift = Purchase.objects.create(item=item, user_id=ACCOUNTS["eddie"][1]["id"], quantity=1, gift_quantity=1)
    return {"registry_id": registry_id, "item_id": item.id, "invitee": "bob", "gift_id": gift.id}


def example_request(method: str, path: str, world: dict[str, object]) -> tuple[str, object]:
    """The path with its parameters filled, and the body /docs offers (the media type's example)."""
    operation = SCHEMA["paths"][path][method]
    media = operation["requestBody"]["content"]["application/json"]
    assert "example" in media, f"{method.upper()} {path} has no example body"
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(world[parameter["name"]]))
    return path, media["example"]


@pytest.mark.parametrize(("method", "path"), WITH_BODY)
def test_the_example_body_succeeds_for_an_administrator(method, path, world):
    url, body = example_request(method, path, world)
    response = ApiClient(basic("admin")).generic(method.upper(), url, body)
    assert 200 <= response.status_code < 300, (response.status_code, response.content)


@pytest.mark.parametrize(("method", "path"), WITH_BODY)
def test_the_example_body_is_valid_for_anyone(method, path, world):
    """For an ordinary user the example may be refused by the access rules
    (POST /items names registry 42, which is not alice's), never as invalid."""
    url, body = example_request(method, path, world)
    response = ApiClient(basic("alice")).generic(method.upper(), url, body)
    assert response.status_code != 422, response.content
    assert str(response.status_code) in {str(status) for status in SCHEMA["paths"][path][method]["responses"]}


def test_the_example_is_the_model_example():
    """Both UIs read the media type's example; the model's own stays the same one."""
    media = SCHEMA["paths"]["/items"]["post"]["requestBody"]["content"]["application/json"]
    assert media["example"] == SCHEMA["components"]["schemas"]["ItemCreate"]["examples"][0]
    assert media["example"]["price"] > 0


def test_the_docs_say_to_authorize_first_and_with_what():
    description = SCHEMA["info"]["description"]
    assert "Authorize" in description and "application password" in description and "Basic" in description
    scheme = SCHEMA["components"]["securitySchemes"]["ApiAuth"]
    assert scheme["scheme"] == "basic" and "application password" in scheme["description"]


def test_the_administrator_is_an_administrator():
    """The first test's premise: admin's WordPress role."""
    assert ACCOUNTS["admin"][1]["roles"] == ["administrator"]
