"""Gift notes and the thank-you list (D11).

- POST /items/{id}/purchase takes `from` (≤ 100) and `message` (≤ 1000),
  strings or null, kept on the purchase's ledger line; anything else is a 422
  and nothing changes. An undo ignores them.
- GET /registries/{id}/gifts: the purchases of the registry's items, newest
  first (by id within a second), exactly `id, item_id, item_name, quantity,
  from, message, purchased_at, thanked`. A gift's quantity is what its buyer
  bought less what they undid later, their newest purchase first; a gift at 0
  is left out; the owner's and administrators' undos change no gift; PUT
  quantity_purchased makes none.
- PATCH /registries/{id}/gifts/{gift_id} {"thanked": bool} answers the gift;
  404 `Gift not found` for one of another registry, unknown or beyond int64.
- Both routes: the owner and administrators; another caller who may read
  the registry 403 `Only the registry owner can see gifts`, one who may not
  404 `Registry not found`; anonymous 401.
- The buyer's WordPress identity (login, e-mail, id, name) is in no answer,
  to anyone.

Callers as in tests/items/test_access.py: alice owns the registries, eddie
reads the published one (and owns EDDIES), admin administers.
"""

import json
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.utils import timezone

from core.errors import NotFound, PermissionDenied
from items import gifts
from items.models import Item, Purchase
from tests.support.access_registries import (
    BY_EMAIL,
    BY_LOGIN,
    DRAFT,
    EDDIES,
    MISSING,
    PRIVATE,
    PUBLISHED,
    item_in,
)
from tests.support.accounts import ACCOUNTS, basic, caller_of
from tests.support.client import ApiClient
from tests.support.events import http_v2_event, lambda_answer, rest_v1_event
from tests.support.items import (
    ISO_SECONDS,
    assert_detail,
    assert_missing_auth,
    assert_single_error,
    bare_list,
    body_of,
    envelope,
    error,
    send,
)

ALICE_ID, ADMIN_ID, EDDIE_ID = (ACCOUNTS[login][1]["id"] for login in ("alice", "admin", "eddie"))
GIFT_KEYS = ["id", "item_id", "item_name", "quantity", "from", "message", "purchased_at", "thanked"]
DENIED = "Only the registry owner can see gifts"
NO_REGISTRY = "Registry not found"
NO_GIFT = "Gift not found"
BUILDERS = pytest.mark.parametrize("build", [http_v2_event, rest_v1_event], ids=["v2", "v1"])


def gifts_path(registry_id: int, gift_id: int | None = None) -> str:
    path = f"/registries/{registry_id}/gifts"
    return path if gift_id is None else f"{path}/{gift_id}"


def gift_list(client, registry_id: int) -> list[dict]:
    """The list, each gift checked for its keys and timestamp."""
    return bare_list(client, gifts_path(registry_id), assert_gift_shape)


def assert_gift_shape(gift: dict) -> None:
    assert list(gift) == GIFT_KEYS
    assert ISO_SECONDS.match(gift["purchased_at"])


def thank(client, registry_id: int, gift_id: int, body: object = None):
    return send(client, "PATCH", gifts_path(registry_id, gift_id), {"thanked": True} if body is None else body)


def purchase(client, item_id: int, quantity: int = 1, *, admin: bool = False, **notes) -> dict:
    """The item a purchase answered with; `notes`: from_ (as "from") and message."""
    response = send(client, "POST", f"/items/{item_id}/purchase", purchase_body(quantity, **notes))
    return envelope(response, message="Purchase recorded", admin=admin)


def purchase_body(quantity: int, **notes) -> dict:
    return {"quantity": quantity} | {("from" if key == "from_" else key): value for key, value in notes.items()}


def ledger(item_id: int | None = None) -> list[tuple]:
    """Every ledger line as stored (user, quantity, from, message, gift quantity, thanked), in order."""
    lines = Purchase.objects.order_by("id")
    if item_id is not None:
        lines = lines.filter(item_id=item_id)
    return list(lines.values_list("user_id", "quantity", "from_name", "message", "gift_quantity", "thanked"))


def counts() -> list[tuple[int, int]]:
    return list(Item.objects.order_by("id").values_list("id", "quantity_purchased"))


def newest_line() -> Purchase:
    return Purchase.objects.latest("id")


# --- The notes ----------------------------------------------------------------------------------


def test_a_purchase_carries_a_name_and_a_message_to_the_owner(alice, eddie, access_wordpress):
    item_id = item_in(PUBLISHED)

    item = purchase(eddie, item_id, 2, from_="Aunt May", message="Congratulations, you two!")

    assert item["quantity_purchased"] == 2
    line = newest_line()
    assert ledger() == [(EDDIE_ID, 2, "Aunt May", "Congratulations, you two!", 2, False)]
    assert gift_list(alice, PUBLISHED) == [
        {
            "id": line.id,
            "item_id": item_id,
            "item_name": "Gift",
            "quantity": 2,
            "from": "Aunt May",
            "message": "Congratulations, you two!",
            "purchased_at": line.created_at.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat(),
            "thanked": False,
        }
    ]


def test_both_notes_are_optional(alice, eddie, access_wordpress):
    item_id = item_in(PUBLISHED)
    purchase(eddie, item_id)
    purchase(eddie, item_id, from_=None, message=None)
    purchase(eddie, item_id, message="Only a message")
    assert [(gift["from"], gift["message"]) for gift in gift_list(alice, PUBLISHED)] == [
        (None, "Only a message"),
        (None, None),
        (None, None),
    ]


def test_notes_at_their_limits_are_kept_verbatim(alice, eddie, access_wordpress):
    item_id = item_in(PUBLISHED)
    name, message = "🎁" * 100, "<script>alert('x')</script> " + "m" * 972
    assert len(message) == 1000
    purchase(eddie, item_id, from_=name, message=message)
    [gift] = gift_list(alice, PUBLISHED)
    assert (gift["from"], gift["message"]) == (name, message)


NOT_NOTES = [
    ("from", "x" * 101, "string_too_long", "String should have at most 100 characters", {"max_length": 100}),
    ("message", "x" * 1001, "string_too_long", "String should have at most 1000 characters", {"max_length": 1000}),
    ("from", 5, "string_type", "Input should be a valid string", {}),
    ("from", ["Aunt May"], "string_type", "Input should be a valid string", {}),
    ("from", True, "string_type", "Input should be a valid string", {}),
    ("message", 5.5, "string_type", "Input should be a valid string", {}),
    ("message", ["a", "b"], "string_type", "Input should be a valid string", {}),
    ("message", {"text": "hi"}, "string_type", "Input should be a valid string", {}),
]


@pytest.mark.parametrize(("field", "value", "type_", "msg", "ctx"), NOT_NOTES)
def test_a_note_beyond_its_limit_or_not_a_string_is_422_and_nothing_changes(
    eddie, access_wordpress, field, value, type_, msg, ctx
):
    item_id = item_in(PUBLISHED)
    purchase(eddie, item_id, from_="Before", message="Before")
    before = counts(), ledger()

    response = send(eddie, "POST", f"/items/{item_id}/purchase", {"quantity": 1, field: value})

    assert_single_error(response, error(type_, field, msg, value, **ctx))
    assert (counts(), ledger()) == before


def test_an_undo_ignores_the_notes(alice, eddie, access_wordpress):
    item_id = item_in(PUBLISHED)
    purchase(eddie, item_id, 3, from_="Aunt May", message="Enjoy")

    assert purchase(eddie, item_id, -1, from_="Someone else", message="Changed my mind")["quantity_purchased"] == 2

    assert ledger() == [(EDDIE_ID, 3, "Aunt May", "Enjoy", 2, False), (EDDIE_ID, -1, None, None, 0, False)]
    [gift] = gift_list(alice, PUBLISHED)
    assert (gift["quantity"], gift["from"], gift["message"]) == (2, "Aunt May", "Enjoy")


# --- The list --------------------------------------------------------------------------------


def test_the_list_is_every_purchase_of_the_registrys_items_newest_first(clients, access_wordpress):
    first, second, elsewhere = item_in(PUBLISHED), item_in(PUBLISHED), item_in(EDDIES)
    Item.objects.filter(id=second).update(name="Stand mixer")
    purchase(clients["eddie"], first, 1, from_="one")
    purchase(clients["alice"], second, 2, from_="two")
    purchase(clients["admin"], first, 1, admin=True, from_="three")
    purchase(clients["eddie"], elsewhere, 1, from_="not alice's")
    purchase(clients["eddie"], second, 1, from_="four")
    # All in one second: the later purchase still comes first.
    Purchase.objects.update(created_at=timezone.now().replace(microsecond=0))

    listed = gift_list(clients["alice"], PUBLISHED)

    assert [(gift["from"], gift["item_id"], gift["item_name"], gift["quantity"]) for gift in listed] == [
        ("four", second, "Stand mixer", 1),
        ("three", first, "Gift", 1),
        ("two", second, "Stand mixer", 2),
        ("one", first, "Gift", 1),
    ]
    assert [gift["id"] for gift in listed] == sorted((gift["id"] for gift in listed), reverse=True)
    assert gift_list(clients["admin"], PUBLISHED) == listed
    assert [gift["from"] for gift in gift_list(clients["eddie"], EDDIES)] == ["not alice's"]


def test_a_registry_without_purchases_has_an_empty_list(alice, access_wordpress):
    item_in(PUBLISHED)
    assert gift_list(alice, PUBLISHED) == []


def test_a_gift_is_what_its_buyer_did_not_undo_their_newest_purchase_first(clients, access_wordpress):
    item_id, other_item = item_in(PUBLISHED), item_in(PUBLISHED)
    eddie = clients["eddie"]
    purchase(eddie, item_id, 2, from_="older")
    purchase(clients["alice"], item_id, 1, from_="alice's")
    purchase(eddie, item_id, 2, from_="newer")
    purchase(eddie, other_item, 1, from_="other item")

    purchase(eddie, item_id, -3)

    assert [(gift["from"], gift["quantity"]) for gift in gift_list(clients["alice"], PUBLISHED)] == [
        ("other item", 1),
        ("alice's", 1),
        ("older", 1),  # "newer" undone whole: left out
    ]
    purchase(eddie, item_id, -1)
    assert [gift["from"] for gift in gift_list(clients["alice"], PUBLISHED)] == ["other item", "alice's"]
    assert_detail(send(eddie, "POST", f"/items/{item_id}/purchase", {"quantity": -1}), 409, "Nothing to undo")


@pytest.mark.parametrize("manager", ["alice", "admin"])
def test_the_owners_or_an_administrators_undo_changes_no_gift(clients, access_wordpress, manager):
    item_id = item_in(PUBLISHED)
    purchase(clients["eddie"], item_id, 3, from_="Aunt May")
    before = gift_list(clients["alice"], PUBLISHED)

    assert purchase(clients[manager], item_id, -3, admin=manager == "admin")["quantity_purchased"] == 0

    assert gift_list(clients["alice"], PUBLISHED) == before and before[0]["quantity"] == 3


def test_counts_set_with_put_are_no_gifts(alice, admin, access_wordpress):
    item_id = item_in(PUBLISHED)
    for client, is_admin in ((admin, True), (alice, False)):
        put = send(client, "PUT", f"/items/{item_id}", {"quantity_purchased": 3})
        assert envelope(put, message="Item updated successfully", admin=is_admin)["quantity_purchased"] == 3
    assert gift_list(alice, PUBLISHED) == [] and ledger() == []


def test_a_refused_purchase_is_no_gift(alice, eddie, access_wordpress):
    item_id = item_in(PUBLISHED)  # 5 needed
    assert_detail(
        send(eddie, "POST", f"/items/{item_id}/purchase", purchase_body(6, from_="Too many")), 409, "Only 5 left"
    )
    assert gift_list(alice, PUBLISHED) == [] and ledger() == []


# --- Thanked ----------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["alice", "admin"])
def test_the_owner_marks_a_gift_thanked_and_back(clients, access_wordpress, login):
    item_id = item_in(PUBLISHED)
    purchase(clients["eddie"], item_id, 2, from_="Aunt May", message="Enjoy")
    [gift] = gift_list(clients[login], PUBLISHED)

    response = thank(clients[login], PUBLISHED, gift["id"])

    assert (response.status_code, body_of(response)) == (200, {**gift, "thanked": True})
    assert gift_list(clients["alice"], PUBLISHED) == [{**gift, "thanked": True}]
    assert body_of(thank(clients[login], PUBLISHED, gift["id"], {"thanked": False})) == gift
    assert ledger()[0][-1] is False


def test_only_the_thanked_mark_changes(alice, eddie, access_wordpress):
    """Unknown keys are ignored: the quantity, the notes and the item stay."""
    item_id = item_in(PUBLISHED)
    purchase(eddie, item_id, 2, from_="Aunt May")
    [gift] = gift_list(alice, PUBLISHED)
    body = {"thanked": True, "quantity": 99, "from": "Forged", "item_id": 1, "message": "x"}
    assert body_of(thank(alice, PUBLISHED, gift["id"], body)) == {**gift, "thanked": True}
    assert ledger() == [(EDDIE_ID, 2, "Aunt May", None, 2, True)]


@pytest.mark.parametrize("case", ["another registry's", "unknown", "largest id", "beyond int64", "undone"])
def test_a_gift_that_is_not_the_registrys_is_404(alice, eddie, access_wordpress, case):
    item_id, eddies_item = item_in(PUBLISHED), item_in(EDDIES)
    purchase(eddie, item_id, 1)
    purchase(alice, eddies_item, 1)  # a gift to eddie
    gift_id = {
        "another registry's": newest_line().id,
        "unknown": 987654,
        "largest id": 2**63 - 1,
        "beyond int64": 2**63,
    }.get(case)
    if case == "undone":
        purchase(eddie, item_id, 1)
        gift_id = newest_line().id
        purchase(eddie, item_id, -1)  # his newest: this one, now 0
    assert gift_id is not None
    before = ledger()

    assert_detail(thank(alice, PUBLISHED, gift_id), 404, NO_GIFT)
    assert ledger() == before


@pytest.mark.parametrize(
    ("body", "type_", "value"),
    [
        ({"thanked": "yes"}, "bool_type", "yes"),
        ({"thanked": "true"}, "bool_type", "true"),
        ({"thanked": 1}, "bool_type", 1),
        ({"thanked": None}, "bool_type", None),
        ({}, "missing", {}),
    ],
)
def test_thanked_must_be_a_boolean(alice, eddie, access_wordpress, body, type_, value):
    purchase(eddie, item_in(PUBLISHED), 1)
    [gift] = gift_list(alice, PUBLISHED)
    response = thank(alice, PUBLISHED, gift["id"], body)
    [found] = body_of(response)["detail"]
    assert (response.status_code, found["type"], found["loc"], found["input"]) == (
        422,
        type_,
        ["body", "thanked"],
        value,
    )
    assert ledger()[0][-1] is False


# --- Who may see them --------------------------------------------------------------------------

M, R, N = 200, (403, DENIED), (404, NO_REGISTRY)
# (caller, registry) -> outcome of both routes: the owner and administrators, readers, the others.
ACCESS: dict[tuple[str, int], Any] = {
    ("alice", PUBLISHED): M, ("alice", PRIVATE): M, ("alice", BY_LOGIN): M, ("alice", BY_EMAIL): M,
    ("alice", DRAFT): M, ("alice", EDDIES): R, ("alice", MISSING): N,
    ("eddie", PUBLISHED): R, ("eddie", PRIVATE): N, ("eddie", BY_LOGIN): R, ("eddie", BY_EMAIL): R,
    ("eddie", DRAFT): N, ("eddie", EDDIES): M, ("eddie", MISSING): N,
    **{("admin", registry): M for registry in (PUBLISHED, PRIVATE, BY_LOGIN, BY_EMAIL, DRAFT, EDDIES)},
    ("admin", MISSING): N,  # WordPress does not have it: there is no owner to show
}  # fmt: skip


@pytest.mark.parametrize(("login", "registry_id"), ACCESS)
def test_only_the_owner_and_administrators_see_and_thank_gifts(clients, access_wordpress, login, registry_id):
    item_id = item_in(registry_id)
    Purchase.objects.create(item_id=item_id, user_id=99, quantity=1, gift_quantity=1, from_name="A guest")
    gift_id = newest_line().id
    want = ACCESS[login, registry_id]

    listed, thanked = send(clients[login], "GET", gifts_path(registry_id)), thank(clients[login], registry_id, gift_id)

    if want == M:
        assert [gift["id"] for gift in body_of(listed)] == [gift_id] and listed.status_code == 200
        assert (thanked.status_code, body_of(thanked)["thanked"]) == (200, True)
    else:
        assert_detail(listed, *want)
        assert_detail(thanked, *want)
    assert ledger()[0][-1] is (want == M)


@pytest.mark.parametrize("registry_id", [0, -3, 2**63])
def test_a_registry_that_cannot_exist_is_not_found(admin, access_wordpress, registry_id):
    assert_detail(send(admin, "GET", gifts_path(registry_id)), 404, NO_REGISTRY)
    assert_detail(thank(admin, registry_id, 1), 404, NO_REGISTRY)
    assert access_wordpress.requests() == []


def test_anonymous_callers_are_401(anonymous, eddie, access_wordpress):
    purchase(eddie, item_in(PUBLISHED), 1)
    gift_id = newest_line().id
    assert_missing_auth(send(anonymous, "GET", gifts_path(PUBLISHED)))
    assert_missing_auth(thank(anonymous, PUBLISHED, gift_id))
    assert ledger()[0][-1] is False


# --- Who bought is nobody's business ------------------------------------------------------------

GIFTED = 210  # alice's, published, inviting eddie
BUYER: dict[str, Any] = {"id": 7302591, "username": "zelda-quill", "slug": "zq", "email": "zelda.quill@buyers.test",
         "name": "Zelda Quillfeather", "roles": ["registry_user"], "capabilities": {"read": True}}  # fmt: skip
STRANGER = {"id": 7302592, "username": "oscar", "slug": "oscar", "email": "oscar@example.test",
            "name": "Oscar", "roles": ["registry_user"], "capabilities": {"read": True}}  # fmt: skip


@pytest.fixture
def buyer_and_stranger(monkeypatch, access_wordpress) -> dict[str, ApiClient]:
    """Two more WordPress accounts: the buyer, whose identity must stay hidden, and a stranger."""
    monkeypatch.setitem(ACCOUNTS, "zelda-quill", ("zelda-app-password", BUYER))
    monkeypatch.setitem(ACCOUNTS, "oscar", ("oscar-app-password", STRANGER))
    access_wordpress.add(id=GIFTED, status="publish", meta={"restart_invitees": json.dumps(["eddie"])})
    return {"zelda": ApiClient(basic("zelda-quill")), "oscar": ApiClient(basic("oscar"))}


def test_the_buyers_identity_is_in_no_answer_to_anyone(clients, anonymous, access_wordpress, buyer_and_stranger):
    zelda = buyer_and_stranger["zelda"]
    item_id = item_in(GIFTED)
    purchase(zelda, item_id, 2, from_="Your aunt", message="Enjoy!")
    made = send(zelda, "POST", f"/items/{item_id}/reservations", {"quantity": 1})
    assert made.status_code == 201
    purchase(zelda, item_id, -1)
    gift_id = newest_line().id - 1
    requests = [
        ("GET", gifts_path(GIFTED)),
        ("PATCH", gifts_path(GIFTED, gift_id)),
        ("GET", f"/registries/{GIFTED}"),
        ("GET", f"/registries/{GIFTED}/items"),
        ("GET", f"/registries/{GIFTED}/invitees"),
        ("GET", "/registries"),
        ("GET", f"/items/{item_id}"),
        ("GET", "/items"),
        ("GET", f"/items/{item_id}/reservations"),
        ("POST", f"/items/{item_id}/purchase"),
    ]
    viewers = {"owner": clients["alice"], "administrator": clients["admin"], "invitee": clients["eddie"],
               "other user": buyer_and_stranger["oscar"], "anonymous": anonymous}  # fmt: skip
    hidden = [BUYER["username"], BUYER["email"], BUYER["name"], "zelda", "quill", str(BUYER["id"]), "user_id"]

    for viewer, client in viewers.items():
        for method, path in requests:
            response = send(client, method, path, {"thanked": True} if method == "PATCH" else {"quantity": 1})
            assert response.status_code < 500, (viewer, path)
            for identity in hidden:
                assert identity.lower().encode() not in response.content.lower(), (viewer, path, identity)
    # The owner did see the gift (and what it says), only not who gave it.
    [gift] = [gift for gift in gift_list(clients["alice"], GIFTED) if gift["id"] == gift_id]
    assert (gift["quantity"], gift["from"], gift["message"], gift["thanked"]) == (1, "Your aunt", "Enjoy!", True)


# --- The services, called as the routes call them -----------------------------------------------


def test_the_rules_are_the_services(eddie, access_wordpress):
    purchase(eddie, item_in(PUBLISHED), 2, from_="Aunt May")
    owner, reader = caller_of("alice"), caller_of("eddie")

    [gift] = gifts.list_gifts(owner, PUBLISHED)
    assert (gift["quantity"], gift["from"], gift["thanked"]) == (2, "Aunt May", False)
    assert gifts.mark_thanked(owner, PUBLISHED, gift["id"], True) == {**gift, "thanked": True}
    with pytest.raises(PermissionDenied) as denied:
        gifts.list_gifts(reader, PUBLISHED)
    assert denied.value.detail == DENIED
    with pytest.raises(NotFound) as missing:
        gifts.mark_thanked(owner, PUBLISHED, gift["id"] + 1, True)
    assert missing.value.detail == NO_GIFT
    with pytest.raises(NotFound) as hidden:
        gifts.list_gifts(reader, PRIVATE)
    assert hidden.value.detail == NO_REGISTRY


# --- Through the Lambda handler ----------------------------------------------------------------

EDDIE, ALICE = {"Authorization": basic("eddie")}, {"Authorization": basic("alice")}


@BUILDERS
def test_gifts_through_the_lambda_handler(lambda_handler, build):
    item_id = item_in(PUBLISHED)  # the default stand-in: alice's, published
    before = timezone.now().replace(microsecond=0) - timedelta(seconds=1)

    status, bought = lambda_answer(
        lambda_handler, build, "POST", f"/items/{item_id}/purchase", EDDIE,
        {"quantity": 2, "from": "Aunt May", "message": "Enjoy"},
    )  # fmt: skip
    assert (status, bought["message"], bought["data"]["quantity_purchased"]) == (200, "Purchase recorded", 2)
    status, listed = lambda_answer(lambda_handler, build, "GET", gifts_path(PUBLISHED), ALICE)
    [gift] = listed
    assert (status, list(gift)) == (200, GIFT_KEYS)
    assert {key: gift[key] for key in GIFT_KEYS if key not in ("id", "purchased_at")} == {
        "item_id": item_id, "item_name": "Gift", "quantity": 2, "from": "Aunt May", "message": "Enjoy", "thanked": False,
    }  # fmt: skip
    assert gift["purchased_at"] >= before.astimezone(UTC).replace(tzinfo=None).isoformat()

    assert lambda_answer(
        lambda_handler, build, "PATCH", gifts_path(PUBLISHED, gift["id"]), ALICE, {"thanked": True}
    ) == (
        200,
        {**gift, "thanked": True},
    )
    assert lambda_answer(lambda_handler, build, "GET", gifts_path(PUBLISHED), EDDIE) == (403, {"detail": DENIED})
    assert lambda_answer(
        lambda_handler, build, "PATCH", gifts_path(PUBLISHED, gift["id"]), EDDIE, {"thanked": False}
    ) == (
        403,
        {"detail": DENIED},
    )
    assert lambda_answer(lambda_handler, build, "PATCH", gifts_path(PUBLISHED, 987654), ALICE, {"thanked": True}) == (
        404,
        {"detail": NO_GIFT},
    )
    status, refused = lambda_answer(
        lambda_handler, build, "POST", f"/items/{item_id}/purchase", EDDIE, {"from": "x" * 101}
    )
    assert (status, refused["detail"][0]["loc"]) == (422, ["body", "from"])
    assert lambda_answer(lambda_handler, build, "GET", gifts_path(PUBLISHED), {}) == (
        401,
        {"detail": "Missing Authorization header"},
    )
    assert Item.objects.get(id=item_id).quantity_purchased == 2
