"""The /registries routes against a respx WordPress (docs/api.md, "Registries", "Items of a registry"; D1, D3, D4, D5).

`WordPressStandIn` (tests/support/wordpress.py) keeps registry posts in memory and answers the
`restart-registry` REST calls the way WordPress does (view context on GET,
edit context on writes, meta values that must be strings). Tests read the
requests it received to check what was sent, and as whom.
"""

import json
from datetime import datetime

import httpx
import pytest

from items.models import Item
from registries.posts import decode_meta, encode_meta
from tests.support.accounts import basic
from tests.support.client import ApiClient
from tests.support.events import http_v2_event
from tests.support.items import ITEM
from tests.support.wordpress import WRITTEN_DEFAULTS, WordPressStandIn, wordpress_error
from wpauth.identity import WordPressUser

ALICE_ID, ADMIN_ID = 2, 1
STRANGER_ID = 99
META_DEFAULTS: dict[str, object] = {
    "invitees": [],
    "item_ids": [],
    "event_type": None,
    "event_date": None,
    "is_for_self": True,
    "recipient_name": None,
    "recipient_relationship": None,
    "recipient_email": None,
}


@pytest.fixture
def wp(wordpress_stub):
    return WordPressStandIn(router=wordpress_stub)


def answer_get(wordpress_stub, post) -> None:
    """WordPress answers GET registry 7 with `post`, exactly."""
    wordpress_stub.get("/wp/v2/restart-registry/7").respond(200, json=post)


def create_body(**changes) -> dict:
    return {"title": "Wedding Registry", "username": "ignored", **changes}


def add_item(client: ApiClient, registry_id: int, **changes) -> dict:
    response = client.post(f"/registries/{registry_id}/items", {**ITEM, **changes})
    assert response.status_code == 201, response.content
    return response.json()["data"]


def item_row(registry_id: int, **changes) -> Item:
    return Item.objects.create(**{**ITEM, "registry_id": registry_id, **changes})


# --- R3: create ----------------------------------------------------------------


class TestCreate:
    def test_sends_title_status_author_and_every_meta_key_as_strings(self, alice, wp):
        response = alice.post(
            "/registries",
            create_body(
                meta={
                    "invitees": ["bob", "carol@example.test"],
                    "item_ids": [3, 1],
                    "event_type": "wedding",
                    "is_for_self": False,
                    "recipient_name": "Ann",
                }
            ),
        )

        assert response.status_code == 201
        assert wp.sent("POST") == [
            {
                "title": "Wedding Registry",
                "status": "publish",
                "author": ALICE_ID,
                "meta": {
                    **WRITTEN_DEFAULTS,
                    "restart_invitees": '["bob", "carol@example.test"]',
                    "restart_item_ids": "[3, 1]",
                    "restart_event_type": "wedding",
                    "restart_is_for_self": "0",
                    "restart_recipient_name": "Ann",
                },
            }
        ]
        body = response.json()
        assert body == {
            "id": 101,
            "title": "Wedding Registry",
            "username": "2",
            "is_private": False,
            "story": None,
            "meta": {
                **META_DEFAULTS,
                "invitees": ["bob", "carol@example.test"],
                "item_ids": [3, 1],
                "event_type": "wedding",
                "is_for_self": False,
                "recipient_name": "Ann",
            },
            "created_at": "2026-04-01T10:00:00",
            "updated_at": "2026-04-01T10:00:00",
        }

    def test_defaults_write_every_key(self, alice, wp):
        assert alice.post("/registries", create_body()).status_code == 201
        assert wp.sent("POST")[0]["meta"] == WRITTEN_DEFAULTS

    def test_private_is_sent_as_status_private(self, alice, wp):
        response = alice.post("/registries", create_body(is_private=True))
        assert response.status_code == 201 and response.json()["is_private"] is True
        assert wp.sent("POST")[0]["status"] == "private"

    def test_the_owner_is_the_caller_whatever_username_says(self, admin, wp):
        response = admin.post("/registries", create_body(username="alice"))
        assert wp.sent("POST")[0]["author"] == ADMIN_ID
        assert response.json()["username"] == "1"

    def test_story_is_sent_as_content_and_answered_raw(self, alice, wp):
        response = alice.post("/registries", create_body(story="Our story", is_private=True))
        assert wp.sent("POST")[0]["content"] == "Our story"
        assert wp.sent("POST")[0]["status"] == "private"
        assert response.json()["story"] == "Our story"

    @pytest.mark.parametrize("story", ["", None])
    def test_an_empty_story_is_not_sent(self, alice, wp, story):
        assert alice.post("/registries", create_body(story=story)).status_code == 201
        assert "content" not in wp.sent("POST")[0]

    @pytest.mark.parametrize(
        "body",
        [
            create_body(title="A"),
            create_body(title="x" * 200),
            create_body(story="s" * 2000),
            create_body(extra="ignored", meta={"unknown": 1}),
        ],
    )
    def test_accepted_bodies(self, alice, wp, body):
        assert alice.post("/registries", body).status_code == 201

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"title": "No username"}, ["body", "username"]),
            (create_body(title=""), ["body", "title"]),
            (create_body(title=None), ["body", "title"]),
            (create_body(title="x" * 201), ["body", "title"]),
            (create_body(username="u" * 101), ["body", "username"]),
            (create_body(story="s" * 2001), ["body", "story"]),
            (create_body(meta={"event_type": "e" * 101}), ["body", "meta", "event_type"]),
            (create_body(meta={"recipient_email": "e" * 201}), ["body", "meta", "recipient_email"]),
            (create_body(meta={"item_ids": ["x"]}), ["body", "meta", "item_ids", 0]),
        ],
    )
    def test_invalid_bodies_are_422_without_a_wordpress_call(self, alice, wp, body, loc):
        response = alice.post("/registries", body)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == loc
        assert wp.requests() == []

    def test_duplicate_titles_are_allowed(self, alice, wp):
        assert [alice.post("/registries", create_body()).status_code for _ in range(2)] == [201, 201]

    def test_malformed_json_is_422(self, alice, wp):
        response = alice.post("/registries", '{"title": ')
        assert response.status_code == 422
        assert response.json()["detail"][0]["type"] == "json_invalid"


# --- R1: list ------------------------------------------------------------------


class TestList:
    def test_the_callers_posts_in_wordpress_order_with_paging_headers(self, alice, wp):
        ids = [wp.add(title=f"R{n}") for n in range(3)]
        wp.add(author=STRANGER_ID)

        response = alice.get("/registries")

        assert response.status_code == 200
        assert [registry["id"] for registry in response.json()] == ids
        assert response["X-WP-Total"] == "3" and response["X-WP-TotalPages"] == "1"
        params = dict(wp.requests("GET")[0].url.params)
        assert params == {"page": "1", "per_page": "10", "author": "2", "status": "any"}

    def test_page_and_per_page_are_forwarded(self, alice, wp):
        for _ in range(7):
            wp.add()
        response = alice.get("/registries?page=2&per_page=5")
        assert len(response.json()) == 2
        assert response["X-WP-Total"] == "7" and response["X-WP-TotalPages"] == "2"
        assert wp.requests("GET")[0].url.params["page"] == "2"
        assert wp.requests("GET")[0].url.params["per_page"] == "5"

    def test_administrators_list_only_their_own(self, admin, wp):
        wp.add(author=ALICE_ID)
        own = wp.add(author=ADMIN_ID)
        assert [registry["id"] for registry in admin.get("/registries").json()] == [own]

    def test_empty(self, alice, wp):
        response = alice.get("/registries")
        assert response.json() == []
        assert response["X-WP-Total"] == "0"

    def test_headers_default_to_zero(self, alice, wordpress_stub):
        wordpress_stub.get("/wp/v2/restart-registry").respond(200, json=[])
        response = alice.get("/registries")
        assert (response["X-WP-Total"], response["X-WP-TotalPages"]) == ("0", "0")

    def test_story_per_registry(self, alice, wp):
        wp.add(content="Told")
        wp.add()
        assert [registry["story"] for registry in alice.get("/registries").json()] == ["<p>Told</p>", None]

    @pytest.mark.parametrize(
        ("query", "loc"),
        [
            ("page=0", "page"),
            ("page=-1", "page"),
            ("per_page=0", "per_page"),
            ("per_page=101", "per_page"),
            ("page=x", "page"),
        ],
    )
    def test_paging_out_of_range_is_422(self, alice, wp, query, loc):
        response = alice.get(f"/registries?{query}")
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", loc]
        assert wp.requests() == []

    @pytest.mark.parametrize("query", ["status=draft", "skip=-1&limit=99999", "per_page=100", "unknown=1"])
    def test_unknown_parameters_are_ignored(self, alice, wp, query):
        assert alice.get(f"/registries?{query}").status_code == 200

    def test_malformed_posts_never_fail_the_list(self, alice, wordpress_stub):
        good = {
            "id": 5,
            "title": {"rendered": "t" * 300},
            "author": ALICE_ID,
            "status": "private",
            "meta": {"restart_item_ids": '[1, "x", null, 2.5, "3"]', "restart_event_type": "e" * 150},
        }
        odd = {"id": 6, "title": None, "content": ["not", "a", "dict"], "author": "2", "meta": [], "date": "yesterday"}
        wordpress_stub.get("/wp/v2/restart-registry").respond(200, json=[good, "not a post", {"title": "no id"}, odd])

        response = alice.get("/registries")

        assert response.status_code == 200
        first, second = response.json()
        assert first["title"] == "t" * 300 and first["is_private"] is True
        assert first["meta"]["item_ids"] == [1, 3] and first["meta"]["event_type"] == "e" * 150
        assert second == {
            "id": 6,
            "title": "",
            "username": "2",
            "is_private": False,
            "story": None,
            "meta": META_DEFAULTS,
            "created_at": None,
            "updated_at": None,
        }

    def test_listing_touches_no_item(self, alice, wp, django_assert_num_queries):
        wp.add()
        with django_assert_num_queries(0):
            assert alice.get("/registries").status_code == 200


# --- R2: get and the access rules of D1 -------------------------------------


class TestGet:
    def test_owner_sees_everything(self, alice, wp):
        registry_id = wp.add(
            status="private",
            title="Tom & Jerry",
            content="Our story",
            meta={"restart_invitees": '["bob"]', "restart_recipient_email": "r@example.test"},
        )

        response = alice.get(f"/registries/{registry_id}")

        assert response.status_code == 200
        assert response.json() == {
            "id": registry_id,
            "title": "Tom &#038; Jerry",
            "username": "2",
            "is_private": True,
            "story": "<p>Our story</p>",
            "meta": {**META_DEFAULTS, "invitees": ["bob"], "recipient_email": "r@example.test"},
            "created_at": "2026-04-01T10:00:00",
            "updated_at": "2026-04-01T12:00:00",
        }
        assert not wp.requests("GET")[0].url.params

    def test_administrator_sees_someone_elses_private_registry_in_full(self, admin, wp):
        registry_id = wp.add(author=STRANGER_ID, status="private", meta={"restart_invitees": '["bob"]'})
        response = admin.get(f"/registries/{registry_id}")
        assert response.status_code == 200 and response.json()["meta"]["invitees"] == ["bob"]

    @pytest.mark.parametrize("invitee", ["alice", "Alice@Example.TEST", "alice@example.test"])
    def test_invitees_read_a_private_registry_without_its_private_meta(self, alice, wp, invitee):
        registry_id = wp.add(
            author=STRANGER_ID,
            status="private",
            meta={
                "restart_invitees": json.dumps([invitee, "zed"]),
                "restart_recipient_email": "r@example.test",
                "restart_recipient_name": "Ann",
            },
        )
        response = alice.get(f"/registries/{registry_id}")
        assert response.status_code == 200
        meta = response.json()["meta"]
        assert (meta["invitees"], meta["recipient_email"], meta["recipient_name"]) == ([], None, "Ann")

    def test_anyone_reads_a_published_registry(self, eddie, wp):
        registry_id = wp.add(author=STRANGER_ID, status="publish", meta={"restart_invitees": '["bob"]'})
        response = eddie.get(f"/registries/{registry_id}")
        assert response.status_code == 200 and response.json()["meta"]["invitees"] == []

    @pytest.mark.parametrize("status", ["private", "draft", "pending"])
    def test_wordpress_refuses_strangers_an_unpublished_registry(self, eddie, wp, status):
        registry_id = wp.add(author=STRANGER_ID, status=status, meta={"restart_invitees": '["alice"]'})
        response = eddie.get(f"/registries/{registry_id}")
        assert (response.status_code, response.json()) == (403, {"detail": "Not authorized"})

    @pytest.mark.parametrize("status", ["draft", "pending", "future"])
    def test_only_owners_and_administrators_read_a_draft_whoever_wordpress_lets(self, site_editor, wp, status):
        """WordPress lets its editors read drafts; the API does not (D1)."""
        registry_id = wp.add(author=STRANGER_ID, status=status)
        response = site_editor.get(f"/registries/{registry_id}")
        assert (response.status_code, response.json()) == (403, {"detail": "Not authorized to view this registry"})
        assert site_editor.get(f"/registries/{registry_id}/invitees").status_code == 403

    def test_whoever_wordpress_lets_read_a_private_registry_reads_it(self, site_editor, wp):
        """An editor WordPress lets read and edit every registry is a reader here:
        the private meta stays the owner's and administrators' in the API's answer."""
        registry_id = wp.add(
            author=STRANGER_ID,
            status="private",
            meta={"restart_invitees": '["bob"]', "restart_recipient_email": "r@example.test"},
        )
        registry = site_editor.get(f"/registries/{registry_id}").json()
        assert (registry["meta"]["invitees"], registry["meta"]["recipient_email"]) == ([], None)
        assert site_editor.patch(f"/registries/{registry_id}", {"title": "x"}).json() == {
            "detail": "Not authorized to update this registry"
        }

    def test_missing_registry_is_404(self, alice, wp):
        response = alice.get("/registries/12345")
        assert response.status_code == 404 and response.json() == {"detail": "Registry not found"}

    def test_non_integer_id(self, alice, anonymous, wp):
        assert alice.get("/registries/abc").status_code == 422
        assert anonymous.get("/registries/abc").status_code == 401


# --- Story and meta read rules (docs/api.md, "The registry"; D3) -------------


class TestReadingPosts:
    @pytest.mark.parametrize(
        ("content", "story"),
        [
            ({"raw": "Raw", "rendered": "<p>Rendered</p>"}, "Raw"),
            ({"raw": "", "rendered": "<p>Rendered</p>"}, "<p>Rendered</p>"),
            ({"rendered": "<p>Rendered</p>"}, "<p>Rendered</p>"),
            ({}, None),
            (None, None),
            ("Plain text", "Plain text"),
            ("  padded \n", "padded"),
            ("   \n\t", None),
            ("line one\nline two", "line one\nline two"),
            ('<b onclick="x">bold</b>', '<b onclick="x">bold</b>'),
            (["not", "a", "dict"], None),
            (42, None),
        ],
    )
    def test_story(self, alice, wordpress_stub, content, story):
        answer_get(wordpress_stub, {"id": 7, "author": ALICE_ID, "content": content})
        assert alice.get("/registries/7").json()["story"] == story

    def test_missing_content_is_no_story(self, alice, wordpress_stub):
        answer_get(wordpress_stub, {"id": 7, "author": ALICE_ID})
        assert alice.get("/registries/7").json()["story"] is None

    @pytest.mark.parametrize(
        ("meta", "expected"),
        [
            ({}, {}),
            ([], {}),
            (None, {}),
            (
                {"restart_invitees": '["a", "b"]', "restart_item_ids": "[10, 20]"},
                {"invitees": ["a", "b"], "item_ids": [10, 20]},
            ),
            (
                {"restart_invitees": ["a", 7], "restart_item_ids": [1, "2"]},
                {"invitees": ["a", "7"], "item_ids": [1, 2]},
            ),
            ({"restart_invitees": "not json", "restart_item_ids": "{"}, {}),
            ({"restart_invitees": '{"a": 1}', "restart_item_ids": '"12"'}, {}),
            ({"restart_invitees": '["a", null, {"b": 1}, true]'}, {"invitees": ["a"]}),
            ({"restart_item_ids": '[1, "two", null, true, 3.0, 4.5, " 5 "]'}, {"item_ids": [1, 3, 5]}),
            ({"restart_item_ids": "[" * 10000}, {}),
            ({"restart_event_type": "", "restart_event_date": "2026-06-01"}, {"event_date": "2026-06-01"}),
            (
                {"restart_recipient_name": "", "restart_recipient_relationship": "Sister"},
                {"recipient_relationship": "Sister"},
            ),
            ({"restart_event_type": ["odd"]}, {}),
            ({"restart_is_for_self": ""}, {}),
            ({"restart_is_for_self": None}, {}),
            ({"restart_is_for_self": "0"}, {"is_for_self": False}),
            ({"restart_is_for_self": "false"}, {"is_for_self": False}),
            ({"restart_is_for_self": "False"}, {"is_for_self": False}),
            ({"restart_is_for_self": "1"}, {}),
            ({"restart_is_for_self": "true"}, {}),
            ({"restart_is_for_self": "True"}, {}),
            ({"restart_is_for_self": "yes"}, {}),
        ],
    )
    def test_meta(self, alice, wp, meta, expected):
        registry_id = wp.add()
        wp.posts[registry_id]["meta"] = meta
        assert alice.get(f"/registries/{registry_id}").json()["meta"] == {**META_DEFAULTS, **expected}

    def test_post_beyond_the_input_limits_is_still_answered(self, alice, wp):
        registry_id = wp.add(
            title="t" * 250, meta={"restart_event_type": "e" * 500, "restart_recipient_name": "n" * 300}
        )
        body = alice.get(f"/registries/{registry_id}").json()
        assert len(body["title"]) == 250 and len(body["meta"]["event_type"]) == 500

    def test_title_as_a_plain_string_and_draft_status(self, alice, wordpress_stub):
        answer_get(wordpress_stub, {"id": 7, "title": "Plain", "status": "draft", "author": ALICE_ID, "meta": {}})
        body = alice.get("/registries/7").json()
        assert (body["title"], body["is_private"], body["created_at"]) == ("Plain", False, None)

    @pytest.mark.parametrize("answer", [[{"id": 7}], {"title": "no id"}, {"id": "7"}, "text"])
    def test_a_get_answer_that_is_no_post_is_502(self, alice, wordpress_stub, answer):
        answer_get(wordpress_stub, answer)
        response = alice.get("/registries/7")
        assert response.status_code == 502 and response.json()["detail"].startswith("WordPress error: ")

    def test_meta_codec_round_trip(self):
        values = {**META_DEFAULTS, "invitees": ["é", "b"], "is_for_self": False, "recipient_name": ""}
        encoded = encode_meta(values)
        assert encoded["restart_invitees"] == '["\\u00e9", "b"]' and encoded["restart_is_for_self"] == "0"
        assert all(isinstance(value, str) for value in encoded.values())
        assert decode_meta(encoded) == {**values, "recipient_name": None}
        assert decode_meta(encode_meta({"is_for_self": True}))["is_for_self"] is True


# --- R4: PATCH -----------------------------------------------------------------


class TestUpdate:
    @pytest.mark.parametrize(
        ("body", "sent"),
        [
            ({"title": "New title"}, {"title": "New title"}),
            ({"is_private": True}, {"status": "private"}),
            ({"is_private": False}, {"status": "publish"}),
            ({"story": "A story"}, {"content": "A story"}),
            ({"story": ""}, {"content": ""}),
            ({"title": "T", "story": "S"}, {"title": "T", "content": "S"}),
            ({"title": None, "story": "S", "is_private": None, "meta": None}, {"content": "S"}),
            ({"meta": {"event_type": "birthday"}}, {"meta": {"restart_event_type": "birthday"}}),
            ({"meta": {"event_type": None}}, {"meta": {"restart_event_type": ""}}),
            (
                {"meta": {"is_for_self": False, "recipient_email": "r@x.test"}},
                {"meta": {"restart_is_for_self": "0", "restart_recipient_email": "r@x.test"}},
            ),
            (
                {"meta": {"invitees": ["z", "a"], "item_ids": [2]}},
                {"meta": {"restart_invitees": '["z", "a"]', "restart_item_ids": "[2]"}},
            ),
        ],
    )
    def test_only_what_was_sent_is_written(self, alice, wp, body, sent):
        registry_id = wp.add()
        response = alice.patch(f"/registries/{registry_id}", body)
        assert response.status_code == 200
        assert wp.sent("PUT") == [sent]

    def test_partial_meta_keeps_invitees_and_items(self, alice, wp):
        registry_id = wp.add(meta={"restart_invitees": '["bob"]', "restart_item_ids": "[4, 5]"})
        response = alice.patch(f"/registries/{registry_id}", {"meta": {"event_type": "x"}})
        meta = response.json()["meta"]
        assert (meta["invitees"], meta["item_ids"], meta["event_type"]) == (["bob"], [4, 5], "x")

    def test_answers_wordpress_updated_post(self, alice, wp):
        registry_id = wp.add(content="Old")
        body = alice.patch(f"/registries/{registry_id}", {"title": "New", "story": "New story"}).json()
        assert (body["title"], body["story"], body["updated_at"]) == ("New", "New story", "2026-04-02T09:30:00")

    @pytest.mark.parametrize("body", [{}, {"story": None}, {"title": None}, {"meta": {}}, {"unknown": 1}])
    def test_nothing_to_write_answers_the_registry_without_a_write(self, alice, wp, body):
        registry_id = wp.add(title="Original")
        response = alice.patch(f"/registries/{registry_id}", body)
        assert response.status_code == 200 and response.json()["title"] == "Original"
        assert wp.requests("PUT") == []

    def test_administrator_may_update(self, admin, wp):
        registry_id = wp.add(author=STRANGER_ID, status="private")
        assert admin.patch(f"/registries/{registry_id}", {"title": "By admin"}).status_code == 200

    @pytest.mark.parametrize("meta", ['["alice"]', '["nobody"]'])
    def test_invitees_and_strangers_may_not(self, alice, wp, meta):
        registry_id = wp.add(author=STRANGER_ID, meta={"restart_invitees": meta})
        response = alice.patch(f"/registries/{registry_id}", {"title": "Mine now"})
        assert response.status_code == 403
        assert response.json() == {"detail": "Not authorized to update this registry"}
        assert wp.requests("PUT") == []

    def test_missing_registry_is_404(self, alice, wp):
        assert alice.patch("/registries/404", {"title": "x"}).json() == {"detail": "Registry not found"}

    @pytest.mark.parametrize(
        "body",
        [
            {"title": ""},
            {"title": "x" * 201},
            {"story": "s" * 2001},
            {"meta": {"invitees": None}},
            {"meta": {"event_type": "e" * 101}},
            {"is_private": "maybe"},
        ],
    )
    def test_invalid_bodies_are_422(self, alice, wp, body):
        registry_id = wp.add()
        assert alice.patch(f"/registries/{registry_id}", body).status_code == 422
        assert wp.requests() == []


# --- R5: DELETE ----------------------------------------------------------------


class TestDelete:
    def test_owner_deletes_for_good_and_the_items_go_with_it(self, alice, wp):
        registry_id = wp.add()
        kept = item_row(registry_id + 1)
        items = [item_row(registry_id), item_row(registry_id, is_active=False)]

        response = alice.delete(f"/registries/{registry_id}")

        assert response.status_code == 204 and response.content == b""
        assert wp.requests("DELETE")[0].url.params["force"] == "true"
        assert registry_id not in wp.posts
        assert not Item.objects.filter(id__in=[item.id for item in items], is_active=True).exists()
        assert Item.objects.get(id=kept.id).is_active

    @pytest.mark.parametrize(
        "answer",
        [wordpress_error(500, "x", "down"), httpx.Response(200, json={"deleted": False}), httpx.ReadTimeout("slow")],
    )
    def test_items_stay_unless_wordpress_confirms(self, alice, wp, answer):
        registry_id = wp.add()
        item = item_row(registry_id)
        wp.fail("DELETE", registry_id, answer)
        assert alice.delete(f"/registries/{registry_id}").status_code in (502, 504)
        assert Item.objects.get(id=item.id).is_active
        assert registry_id in wp.posts

    def test_administrator_may_delete(self, admin, wp):
        registry_id = wp.add(author=STRANGER_ID)
        assert admin.delete(f"/registries/{registry_id}").status_code == 204

    def test_others_may_not(self, alice, wp):
        registry_id = wp.add(author=STRANGER_ID, meta={"restart_invitees": '["alice"]'})
        response = alice.delete(f"/registries/{registry_id}")
        assert response.status_code == 403
        assert response.json() == {"detail": "Not authorized to delete this registry"}
        assert wp.requests("DELETE") == []

    def test_missing_registry_is_404(self, alice, wp):
        assert alice.delete("/registries/404").json() == {"detail": "Registry not found"}


# --- N1-N3: items of a registry ------------------------------------------------


class TestRegistryItems:
    def test_add_creates_the_item_and_writes_only_the_active_item_ids(self, alice, wp):
        registry_id = wp.add(meta={"restart_invitees": '["bob"]'})

        response = alice.post(f"/registries/{registry_id}/items", {**ITEM, "registry_id": 555})

        assert response.status_code == 201
        body = response.json()
        assert (body["success"], body["message"]) == (True, "Item added to registry")
        item = body["data"]
        assert (item["registry_id"], item["name"]) == (registry_id, "Test Item")
        # docs/api.md, "The item": the nested create shows non-administrators the affiliate keys, as null.
        assert (item["affiliate_url"], item["affiliate_status"]) == (None, None)
        assert wp.sent("PUT") == [{"meta": {"restart_item_ids": f"[{item['id']}]"}}]
        assert wp.posts[registry_id]["meta"]["restart_invitees"] == '["bob"]'

    def test_administrators_get_the_affiliate_values(self, admin, wp):
        registry_id = wp.add(author=STRANGER_ID)
        item = add_item(admin, registry_id, affiliate_url="https://aff.example/x", affiliate_status="active")
        assert (item["affiliate_url"], item["affiliate_status"]) == ("https://aff.example/x", "active")

    def test_list_oldest_first_active_only(self, alice, wp):
        registry_id = wp.add()
        first, second = add_item(alice, registry_id, name="one"), add_item(alice, registry_id, name="two")
        item_row(registry_id, is_active=False)
        item_row(registry_id + 1)

        response = alice.get(f"/registries/{registry_id}/items?skip=5&filter=x")

        assert response.status_code == 200
        assert [item["id"] for item in response.json()] == [first["id"], second["id"]]
        assert all(item["registry_id"] == registry_id for item in response.json())
        assert "affiliate_url" not in response.json()[0]

    def test_remove_soft_deletes_and_drops_the_id_from_wordpress(self, alice, wp):
        registry_id = wp.add()
        kept, removed = add_item(alice, registry_id), add_item(alice, registry_id)

        response = alice.delete(f"/registries/{registry_id}/items/{removed['id']}")

        assert response.status_code == 204 and response.content == b""
        assert not Item.objects.get(id=removed["id"]).is_active
        assert wp.sent("PUT")[-1] == {"meta": {"restart_item_ids": f"[{kept['id']}]"}}
        assert [item["id"] for item in alice.get(f"/registries/{registry_id}/items").json()] == [kept["id"]]

    @pytest.mark.parametrize("case", ["missing", "other registry", "inactive", "huge"])
    def test_remove_needs_an_active_item_of_this_registry(self, alice, wp, case):
        registry_id = wp.add()
        item_id = {
            "missing": 9999,
            "other registry": item_row(registry_id + 1).id,
            "inactive": item_row(registry_id, is_active=False).id,
            "huge": 2**70,
        }[case]
        response = alice.delete(f"/registries/{registry_id}/items/{item_id}")
        assert response.status_code == 404
        assert response.json() == {"detail": "Item not found in this registry"}

    def test_invitees_read_but_do_not_write(self, alice, wp):
        registry_id = wp.add(author=STRANGER_ID, status="private", meta={"restart_invitees": '["alice"]'})
        item = item_row(registry_id)

        assert alice.get(f"/registries/{registry_id}/items").status_code == 200
        add = alice.post(f"/registries/{registry_id}/items", ITEM)
        remove = alice.delete(f"/registries/{registry_id}/items/{item.id}")

        assert (add.status_code, add.json()) == (403, {"detail": "Only the registry owner can add items"})
        assert (remove.status_code, remove.json()) == (403, {"detail": "Only the registry owner can remove items"})
        assert Item.objects.filter(registry_id=registry_id).count() == 1 and wp.requests("PUT") == []

    def test_anyone_reads_the_items_of_a_published_registry_but_cannot_add(self, eddie, wp):
        registry_id = wp.add(author=STRANGER_ID, status="publish")
        item_row(registry_id)
        assert len(eddie.get(f"/registries/{registry_id}/items").json()) == 1
        assert eddie.post(f"/registries/{registry_id}/items", ITEM).json() == {
            "detail": "Only the registry owner can add items"
        }

    def test_strangers_cannot_reach_a_private_registry(self, eddie, wp):
        registry_id = wp.add(author=STRANGER_ID, status="private")
        item = item_row(registry_id)
        denied = {"detail": "Not authorized"}  # WordPress refused him the post
        assert eddie.get(f"/registries/{registry_id}/items").json() == denied
        assert eddie.post(f"/registries/{registry_id}/items", ITEM).json() == denied
        assert eddie.delete(f"/registries/{registry_id}/items/{item.id}").json() == denied

    def test_missing_registry(self, alice, wp):
        assert alice.get("/registries/404/items").json() == {"detail": "Registry not found"}
        assert alice.post("/registries/404/items", ITEM).status_code == 404
        assert not Item.objects.exists()

    @pytest.mark.parametrize("changes", [{"name": ""}, {"price": 0}, {"url": "short"}, {"affiliate_status": "bogus"}])
    def test_invalid_items_are_422(self, alice, wp, changes):
        registry_id = wp.add()
        assert alice.post(f"/registries/{registry_id}/items", {**ITEM, **changes}).status_code == 422


# --- V1-V3: invitees -----------------------------------------------------------


class TestInvitees:
    @pytest.fixture
    def registry_id(self, wp):
        return wp.add(status="private", meta={"restart_invitees": '["bob", "alice", "bob"]', "restart_item_ids": "[1]"})

    def test_owner_lists_in_stored_order(self, alice, wp, registry_id):
        assert alice.get(f"/registries/{registry_id}/invitees").json() == {"invitees": ["bob", "alice", "bob"]}

    def test_add_answers_200_with_the_sorted_union_and_writes_only_invitees(self, alice, wp, registry_id):
        response = alice.post(f"/registries/{registry_id}/invitees", {"invitees": ["carol", "alice", "Dave@x.test"]})
        assert response.status_code == 200
        expected = ["Dave@x.test", "alice", "bob", "carol"]
        assert response.json() == {"invitees": expected}
        assert wp.sent("PUT") == [{"meta": {"restart_invitees": json.dumps(expected)}}]
        assert wp.posts[registry_id]["meta"]["restart_item_ids"] == "[1]"

    def test_remove_drops_every_equal_entry(self, alice, wp, registry_id):
        response = alice.delete(f"/registries/{registry_id}/invitees/bob")
        assert (response.status_code, response.json()) == (200, {"invitees": ["alice"]})
        assert wp.sent("PUT") == [{"meta": {"restart_invitees": '["alice"]'}}]

    @pytest.mark.parametrize("invitee", ["carol@example.test", "a/b", "with space"])
    def test_remove_url_encoded_invitees(self, alice, wp, invitee):
        registry_id = wp.add(meta={"restart_invitees": json.dumps([invitee, "x"])})
        encoded = invitee.replace("/", "%2F").replace(" ", "%20").replace("@", "%40")
        assert alice.delete(f"/registries/{registry_id}/invitees/{encoded}").json() == {"invitees": ["x"]}

    def test_remove_unknown_is_404_without_a_write(self, alice, wp, registry_id):
        response = alice.delete(f"/registries/{registry_id}/invitees/Bob")
        assert (response.status_code, response.json()) == (404, {"detail": "Invitee not found"})
        assert wp.requests("PUT") == []

    def test_administrator_manages(self, admin, wp, registry_id):
        assert admin.post(f"/registries/{registry_id}/invitees", {"invitees": ["x"]}).status_code == 200

    def test_invitees_list_but_do_not_manage(self, alice, wp):
        registry_id = wp.add(author=STRANGER_ID, status="private", meta={"restart_invitees": '["alice", "bob"]'})
        denied = {"detail": "Only the registry owner can manage invitees"}
        assert alice.get(f"/registries/{registry_id}/invitees").json() == {"invitees": ["alice", "bob"]}
        assert alice.post(f"/registries/{registry_id}/invitees", {"invitees": ["eve"]}).json() == denied
        assert alice.delete(f"/registries/{registry_id}/invitees/bob").json() == denied
        assert wp.requests("PUT") == []

    def test_strangers_cannot_see_who_is_invited_even_when_published(self, eddie, wp):
        registry_id = wp.add(author=STRANGER_ID, status="publish", meta={"restart_invitees": '["bob"]'})
        denied = {"detail": "Not authorized to access this registry"}
        assert eddie.get(f"/registries/{registry_id}/invitees").json() == denied
        assert eddie.post(f"/registries/{registry_id}/invitees", {"invitees": ["eve"]}).json() == denied

    @pytest.mark.parametrize("body", [{"invitees": []}, {}, {"invitees": "bob"}, {"invitees": [1]}])
    def test_invalid_bodies_are_422(self, alice, wp, registry_id, body):
        assert alice.post(f"/registries/{registry_id}/invitees", body).status_code == 422


# --- F1-F3: affiliate links ----------------------------------------------------


class TestAffiliate:
    @pytest.fixture
    def item(self, wp):
        return item_row(wp.add(), retailer="Shop")

    def url(self, item: Item) -> str:
        return f"/registries/{item.registry_id}/items/{item.id}/affiliate"

    def test_put_then_get_then_delete(self, alice, item):
        put = alice.put(self.url(item), {"affiliate_url": "https://aff.example/1"})
        expected = {
            "item_id": item.id,
            "url": ITEM["url"],
            "affiliate_url": "https://aff.example/1",
            "affiliate_status": "active",
            "retailer": "Shop",
        }
        assert (put.status_code, put.json()) == (200, expected)
        assert alice.get(self.url(item)).json() == expected

        deleted = alice.delete(self.url(item))
        assert (deleted.status_code, deleted.content) == (204, b"")
        assert alice.get(self.url(item)).json() == {**expected, "affiliate_url": None, "affiliate_status": None}

    @pytest.mark.parametrize(("status", "stored"), [("expired", "expired"), (None, None)])
    def test_status_values(self, alice, item, status, stored):
        alice.put(self.url(item), {"affiliate_url": "https://aff.example/1", "affiliate_status": status})
        item.refresh_from_db()
        assert item.affiliate_status == stored

    @pytest.mark.parametrize(
        "body",
        [
            {"affiliate_url": "https://a.example", "affiliate_status": "bogus"},
            {"affiliate_url": "short"},
            {"affiliate_url": "https://" + "a" * 500},
            {},
        ],
    )
    def test_invalid_bodies_are_422(self, alice, item, body):
        assert alice.put(self.url(item), body).status_code == 422

    def test_inactive_items_keep_their_links_reachable(self, alice, wp):
        item = item_row(wp.add(), is_active=False, affiliate_url="https://aff.example/old")
        assert alice.get(self.url(item)).json()["affiliate_url"] == "https://aff.example/old"

    @pytest.mark.parametrize("method", ["get", "put", "delete"])
    def test_item_of_another_registry_is_404(self, alice, wp, method):
        registry_id, other = wp.add(), item_row(999)
        response = getattr(alice, method)(
            f"/registries/{registry_id}/items/{other.id}/affiliate", {"affiliate_url": "https://aff.example/1"}
        )
        assert response.json() == {"detail": "Item not found in this registry"}

    def test_invitees_never_see_nor_set_affiliate_links(self, alice, wp):
        item = item_row(wp.add(author=STRANGER_ID, status="private", meta={"restart_invitees": '["alice"]'}))
        assert alice.get(self.url(item)).json() == {"detail": "Not authorized to access this registry"}
        assert alice.put(self.url(item), {"affiliate_url": "https://aff.example/1"}).json() == {
            "detail": "Only the registry owner can manage affiliate links"
        }
        assert alice.delete(self.url(item)).status_code == 403

    def test_administrator_manages(self, admin, wp):
        item = item_row(wp.add(author=STRANGER_ID, status="private"))
        assert admin.put(self.url(item), {"affiliate_url": "https://aff.example/1"}).status_code == 200
        assert admin.get(self.url(item)).status_code == 200


# --- Whose credentials reach WordPress -----------------------------------------


class TestCredentials:
    def test_each_call_carries_the_callers_own_credentials(self, alice, admin, wp):
        registry_id = wp.add(author=STRANGER_ID)
        alice.get(f"/registries/{registry_id}")
        admin.patch(f"/registries/{registry_id}", {"title": "x"})
        alice.get("/registries")
        alice.post("/registries", create_body())

        sent = [(request.method, request.headers["Authorization"]) for request in wp.requests()]
        assert sent == [
            ("GET", basic("alice")),
            ("GET", basic("admin")),
            ("PUT", basic("admin")),
            ("GET", basic("alice")),
            ("POST", basic("alice")),
        ]

    def test_a_caller_authenticated_without_basic_credentials_is_401_without_challenge(self, wp, db, monkeypatch):
        from registry_api.auth import ApiAuth
        from wpauth.caller import Caller

        user = WordPressUser(id=ALICE_ID, slug="alice", login="alice", email="a@x.test", display_name="A")
        monkeypatch.setattr(ApiAuth, "__call__", lambda self, request: Caller(user, None))

        response = ApiClient().get("/registries")

        assert (response.status_code, response.json()) == (401, {"detail": "Invalid credentials"})
        assert "WWW-Authenticate" not in response
        assert wp.requests() == []

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("GET", "/registries", None),
            ("POST", "/registries", {"title": ""}),
            ("GET", "/registries/abc", None),
            ("DELETE", "/registries/1/invitees/x", None),
            ("PUT", "/registries/1/items/2/affiliate", {}),
        ],
    )
    def test_no_credentials_is_401_before_validation(self, anonymous, wp, method, path, body):
        response = anonymous.generic(method, path, body or "")
        assert response.status_code == 401 and response["WWW-Authenticate"] == "Basic"
        assert response.json() == {"detail": "Missing Authorization header"}


# --- D3: every WordPress fault on every kind of call ---------------------------


def fault(kind: str):
    """A respx side effect (or response) for one way WordPress can fail."""
    return {
        "404": wordpress_error(404, "rest_post_invalid_id", "Invalid post ID."),
        "403": wordpress_error(403, "rest_cannot_edit", "Sorry, you are not allowed to edit this post."),
        "401": wordpress_error(401, "incorrect_password", "The provided password is an invalid application password."),
        "400": wordpress_error(400, "rest_invalid_param", "Invalid parameter(s): meta"),
        "500": wordpress_error(500, "internal_server_error", "There has been a critical error on this website."),
        "html 502": httpx.Response(502, html="<html><body>" + "Bad gateway " * 100 + "</body></html>"),
        "json error list": httpx.Response(500, json=["not", "an", "object"]),
        "timeout": httpx.ReadTimeout("slow"),
        "unreachable": httpx.ConnectError("refused"),
        "not json": httpx.Response(200, text="<html>maintenance</html>"),
        "wrong json": httpx.Response(200, json={"code": "ok"}),
        "bad total": httpx.Response(200, json=[], headers={"X-WP-Total": "many"}),
    }[kind]


# Anything but WordPress's own REST error names no route, post or user.
UNAVAILABLE = (502, "WordPress error: WordPress is unavailable")
EXPECTED_FAULTS = {
    "404": (404, "Registry not found"),
    "403": (403, "Not authorized"),
    "401": (401, "Invalid WordPress credentials"),
    "400": (502, "WordPress error: Invalid parameter(s): meta [HTTP 400] [rest_invalid_param]"),
    "500": (
        502,
        "WordPress error: There has been a critical error on this website. [HTTP 500] [internal_server_error]",
    ),
    "html 502": UNAVAILABLE,
    "json error list": UNAVAILABLE,
    "timeout": (504, "WordPress did not answer in time"),
    "unreachable": UNAVAILABLE,
    "not json": UNAVAILABLE,
    "wrong json": UNAVAILABLE,
    "bad total": UNAVAILABLE,
}

# (name, the WordPress call that fails: method and registry (None: the collection), API request);
# registry 100 exists and is alice's.
CALLS = [
    ("list", "GET", None, ("GET", "/registries", None)),
    ("get", "GET", 100, ("GET", "/registries/100", None)),
    ("create", "POST", None, ("POST", "/registries", create_body())),
    ("update", "PUT", 100, ("PATCH", "/registries/100", {"title": "x"})),
    ("delete", "DELETE", 100, ("DELETE", "/registries/100", None)),
    ("invite", "PUT", 100, ("POST", "/registries/100/invitees", {"invitees": ["x"]})),
    ("uninvite", "PUT", 100, ("DELETE", "/registries/100/invitees/bob", None)),
    ("items", "GET", 100, ("GET", "/registries/100/items", None)),
    ("affiliate", "GET", 100, ("PUT", "/registries/100/items/1/affiliate", {"affiliate_url": "https://aff.example/1"})),
]
# A 404 on the collection means the post type is missing: a broken WordPress, not a missing registry.
COLLECTION_404 = (502, "WordPress error: Invalid post ID. [HTTP 404] [rest_post_invalid_id]")


@pytest.mark.parametrize("kind", list(EXPECTED_FAULTS))
@pytest.mark.parametrize(("call", "wp_method", "wp_registry", "request_"), CALLS, ids=[call[0] for call in CALLS])
def test_wordpress_faults(alice, wp, kind, call, wp_method, wp_registry, request_):
    wp.add(id=100, meta={"restart_invitees": '["bob"]'})
    wp.fail(wp_method, wp_registry, fault(kind))

    response = alice.generic(*request_[:2], request_[2] or "")

    status, detail = COLLECTION_404 if kind == "404" and call in ("list", "create") else EXPECTED_FAULTS[kind]
    assert response.status_code == status, response.content
    assert response.json()["detail"].startswith(detail)
    assert len(response.json()["detail"]) < 400
    if (status, detail) == UNAVAILABLE:
        assert response.json()["detail"] == detail
    assert (response.get("WWW-Authenticate") == "Basic") is (status == 401)


@pytest.mark.parametrize("kind", ["403", "401", "timeout", "unreachable", "500", "not json"])
def test_a_failed_sync_keeps_the_item_and_answers_201(alice, wp, kind):
    wp.add(id=100)
    wp.fail("PUT", 100, fault(kind))
    response = alice.post("/registries/100/items", ITEM)
    assert response.status_code == 201
    assert Item.objects.filter(registry_id=100, is_active=True).count() == 1


def test_wordpress_refusing_a_private_registry_is_403_not_authorized(eddie, wp):
    wp.fail("GET", 100, fault("403"))
    assert eddie.get("/registries/100").json() == {"detail": "Not authorized"}


# --- Through the Lambda handler ------------------------------------------------


def test_lambda_handler_create_add_item_and_delete(lambda_handler, wordpress_stub):
    wp = WordPressStandIn(router=wordpress_stub)
    auth = {"Authorization": basic("alice")}

    created = lambda_handler(
        http_v2_event("POST", "/registries", body=create_body(is_private=True), headers=auth), None
    )
    registry_id = json.loads(created["body"])["id"]
    added = lambda_handler(http_v2_event("POST", f"/registries/{registry_id}/items", body=ITEM, headers=auth), None)
    listed = lambda_handler(http_v2_event("GET", "/registries", query="per_page=5", headers=auth), None)
    deleted = lambda_handler(http_v2_event("DELETE", f"/registries/{registry_id}", headers=auth), None)

    assert created["statusCode"] == 201 and json.loads(created["body"])["is_private"] is True
    assert added["statusCode"] == 201
    assert listed["statusCode"] == 200 and listed["headers"]["x-wp-total"] == "1"
    assert (deleted["statusCode"], deleted["body"]) == (204, "")
    assert wp.posts == {} and not Item.objects.filter(is_active=True).exists()


def test_registry_times_are_wordpress_local_time_to_the_second(alice, wp):
    registry_id = wp.add(date="2026-04-01T10:00:00.123456", modified="2026-04-01T12:00:00+02:00")
    body = alice.get(f"/registries/{registry_id}").json()
    assert body["created_at"] == "2026-04-01T10:00:00"
    assert body["updated_at"] == datetime(2026, 4, 1, 10, 0).isoformat()
