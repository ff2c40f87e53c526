"""Password-protected registries (a WordPress post password) are as closed as WordPress makes them.

WordPress withholds such a post's content from everyone but those who may edit
it and whoever sends the password (`?password=`, as its REST API takes it). Here
the owner and administrators read one without the password; anyone else, an
invitee or an editor included, only with it, checked by WordPress at every
request. A wrong password is answered as none. Nothing about the password is
cached: the facts say only that the registry has one.

WordPress is `PasswordWordPress`: the stand-in with WordPress's post passwords.
Callers: alice owns the registries, eddie is a stranger to LOCKED and invited to
LOCKED_INVITING and LOCKED_DRAFT, admin is the administrator. (WordPress keeps
no password on a private post: a protected registry is published, or not yet.)
"""

import json
import logging
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from items.models import Item, Purchase
from registries import facts, rules
from registries.facts import RegistryFacts
from registries.posts import RegistryPost
from tests.support.access_registries import BY_LOGIN, EDDIE_ID, PUBLISHED, add_access_registries, item_in
from tests.support.accounts import ALICE_ID, account_of, basic
from tests.support.items import SAMPLE_ITEM, assert_detail, body_of, ids, send
from tests.support.wordpress import WordPressStandIn, may_edit, wordpress_error
from wpauth.identity import WordPressUser

PASSWORD = "open sesame & more"  # a space and an ampersand: it must travel URL-encoded
WRONG = "open sesame"
STORY = "Our story"
# alice's password-protected registries: published, published inviting eddie, a draft inviting him; one of eddie's.
LOCKED, LOCKED_INVITING, LOCKED_DRAFT, EDDIES_LOCKED = 301, 302, 303, 304

VIEW_DENIED = "Not authorized to view this registry"
ACCESS_DENIED = "Not authorized to access this registry"
REFUSED = "Not authorized"  # WordPress refused the caller the post


class PasswordWordPress(WordPressStandIn):
    """The stand-in with WordPress's post passwords (its REST posts controller,
    and the mu-plugin): a post stored with a `password` answers
    `content.protected: true` and, in view context, its rendered content only to
    a request whose `password` parameter is the post's; a wrong one (or any, for
    a post without a password) is a 403 `rest_post_incorrect_password` before
    any other check. Every meta key is "" for those the content is withheld
    from: neither its author nor an editor, without the right password."""

    def registries(self, request: httpx.Request, registry_id: str | None = None) -> httpx.Response:
        given = request.url.params.get("password", "")
        post = self.posts.get(int(registry_id)) if registry_id is not None else None
        if request.method == "GET" and post is not None and given and given != post.get("password", ""):
            self.received.append(request)
            return wordpress_error(403, "rest_post_incorrect_password", "Incorrect post password.")
        response = super().registries(request, registry_id)
        body = response.json()
        if response.status_code >= 300 or "deleted" in body:
            return response
        user = account_of(request, self.accounts)
        edit = request.method != "GET"
        if isinstance(body, list):
            body = [self.protect(answer, user, given, edit=edit) for answer in body]
        else:
            body = self.protect(body, user, given, edit=edit)
        headers = {name: value for name, value in response.headers.items() if name.lower().startswith("x-wp-")}
        return httpx.Response(response.status_code, json=body, headers=headers)

    def protect(self, answer: dict, user: dict | None, given: str, *, edit: bool) -> dict:
        post = self.posts.get(answer["id"])
        password = post.get("password", "") if post is not None else ""
        if post is None or not password:
            return answer
        content = {**answer["content"], "protected": True}
        if not edit and given != password:
            content["rendered"] = ""
        answer = {**answer, "content": content}
        if edit:
            answer["password"] = password
        if not (may_edit(user, post) or given == password):
            answer["meta"] = {key: "" for key in answer["meta"]}
        return answer

    def password_reads(self, registry_id: int) -> list[str]:
        """The passwords the GETs of one registry carried ("" for none), in order."""
        return [request.url.params.get("password", "") for request in self.reads(registry_id)]


@pytest.fixture
def site(wordpress_stub) -> PasswordWordPress:
    site = PasswordWordPress(router=wordpress_stub)
    add_access_registries(site)
    meta = {
        "restart_recipient_name": "Ann",
        "restart_recipient_email": "ann@example.test",
        "restart_event_date": "2026-06-01",
    }
    for registry_id, status, invitees in [
        (LOCKED, "publish", []),
        (LOCKED_INVITING, "publish", ["eddie"]),
        (LOCKED_DRAFT, "draft", ["eddie"]),
    ]:
        invited = {**meta, "restart_invitees": json.dumps(invitees)}
        site.add(id=registry_id, status=status, content=STORY, password=PASSWORD, meta=invited)
    site.add(id=EDDIES_LOCKED, author=EDDIE_ID, content=STORY, password=PASSWORD)
    return site


def with_password(path: str, password: str | None) -> str:
    if password is None:
        return path
    return f"{path}{'&' if '?' in path else '?'}password={quote(password)}"


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    """The facts cache's monotonic clock, set by hand: clock[0] = now."""
    now = [1000.0]
    monkeypatch.setattr(facts, "clock", lambda: now[0])
    return now


# --- Who reads, with which password ------------------------------------------------------

PASSWORDS = {"no password": None, "wrong password": WRONG, "right password": PASSWORD}
# (caller, registry) -> the passwords with which the caller reads it.
READS = {
    ("alice", LOCKED): set(PASSWORDS), ("alice", LOCKED_INVITING): set(PASSWORDS), ("alice", LOCKED_DRAFT): set(PASSWORDS),
    ("admin", LOCKED): set(PASSWORDS), ("admin", LOCKED_INVITING): set(PASSWORDS), ("admin", LOCKED_DRAFT): set(PASSWORDS),
    ("eddie", LOCKED): {"right password"}, ("eddie", LOCKED_INVITING): {"right password"},
    ("eddie", LOCKED_DRAFT): set(), ("eddie", EDDIES_LOCKED): set(PASSWORDS),
}  # fmt: skip
# route -> (method, path, body, refusal, refusal where WordPress refuses the post itself).
ITEM_HIDDEN = (404, "Item with id {item} not found")
READ_ROUTES: dict[str, tuple[str, str, Any, tuple[int, str], tuple[int, str]]] = {
    "GET registry": ("GET", "/registries/{registry}", "", (403, VIEW_DENIED), (403, REFUSED)),
    "GET registry items": ("GET", "/registries/{registry}/items", "", (403, ACCESS_DENIED), (403, REFUSED)),
    "GET item": ("GET", "/items/{item}", "", ITEM_HIDDEN, ITEM_HIDDEN),
    "purchase": ("POST", "/items/{item}/purchase", {"quantity": 1}, ITEM_HIDDEN, ITEM_HIDDEN),
}


@pytest.mark.parametrize("route", READ_ROUTES)
@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize(("login", "registry_id"), READS)
def test_only_managers_and_holders_of_the_password_read_a_protected_registry(
    clients, site, login, registry_id, password, route
):
    method, path, body, refusal, refused_by_wordpress = READ_ROUTES[route]
    item_id = item_in(registry_id)
    path = with_password(path.format(registry=registry_id, item=item_id), PASSWORDS[password])

    response = send(clients[login], method, path, body)

    if password in READS[login, registry_id]:
        assert response.status_code == 200, body_of(response)
    else:
        status, detail = refused_by_wordpress if registry_id == LOCKED_DRAFT else refusal
        assert_detail(response, status, detail.format(item=item_id))
        assert Item.objects.get(id=item_id).quantity_purchased == 0 and not Purchase.objects.exists()


def test_what_a_holder_of_the_password_is_shown(alice, eddie, site):
    """The story WordPress renders for the password; the private meta stays the owner's."""
    for registry_id in (LOCKED, LOCKED_INVITING):
        seen = body_of(eddie.get(with_password(f"/registries/{registry_id}", PASSWORD)))
        assert seen["story"] == f"<p>{STORY}</p>"
        assert seen["meta"]["recipient_name"] == "Ann" and seen["meta"]["event_date"] == "2026-06-01"
        assert (seen["meta"]["invitees"], seen["meta"]["recipient_email"]) == ([], None)

    own = body_of(alice.get(f"/registries/{LOCKED_INVITING}"))
    # Without the password WordPress renders no story, even to its author.
    assert own["story"] is None
    assert (own["meta"]["invitees"], own["meta"]["recipient_email"]) == (["eddie"], "ann@example.test")
    assert body_of(alice.get(with_password(f"/registries/{LOCKED_INVITING}", PASSWORD)))["story"] == f"<p>{STORY}</p>"


@pytest.mark.parametrize(("registry_id", "listed"), [(LOCKED, False), (LOCKED_INVITING, True)])
def test_the_invitee_list_of_a_protected_registry_takes_the_password(eddie, site, registry_id, listed):
    for password in (None, WRONG):
        assert_detail(eddie.get(with_password(f"/registries/{registry_id}/invitees", password)), 403, ACCESS_DENIED)
    opened = eddie.get(with_password(f"/registries/{registry_id}/invitees", PASSWORD))
    if listed:
        assert body_of(opened) == {"invitees": ["eddie"]}
    else:  # WordPress shows eddie nobody: he is not invited
        assert_detail(opened, 403, ACCESS_DENIED)


def test_editors_need_the_password_too(site_editor, site):
    """WordPress lets its editors edit every registry; they read a protected one
    here only with its password, as a draft not at all."""
    item_id = item_in(LOCKED)
    assert_detail(site_editor.get(f"/registries/{LOCKED}"), 403, VIEW_DENIED)
    assert_detail(site_editor.get(f"/items/{item_id}"), 404, f"Item with id {item_id} not found")
    assert site_editor.get(with_password(f"/registries/{LOCKED}", PASSWORD)).status_code == 200
    assert site_editor.get(with_password(f"/items/{item_id}", PASSWORD)).status_code == 200


def test_the_password_opens_reading_and_buying_not_writing(eddie, site):
    item_id = item_in(LOCKED)
    writes = [
        ("PUT", f"/items/{item_id}", {"notes": "n"}, (404, f"Item with id {item_id} not found")),
        ("DELETE", f"/items/{item_id}", "", (404, f"Item with id {item_id} not found")),
        ("POST", "/items", {**SAMPLE_ITEM, "registry_id": LOCKED}, (404, "Registry not found")),
        ("POST", f"/registries/{LOCKED}/items", SAMPLE_ITEM, (403, ACCESS_DENIED)),
        ("PATCH", f"/registries/{LOCKED}", {"title": "Mine"}, (403, "Not authorized to update this registry")),
        ("POST", f"/registries/{LOCKED}/invitees", {"invitees": ["eddie"]}, (403, ACCESS_DENIED)),
        ("GET", f"/registries/{LOCKED}/items/{item_id}/affiliate", "", (403, ACCESS_DENIED)),
    ]
    for method, path, body, (status, detail) in writes:
        for password in (None, PASSWORD):
            assert_detail(send(eddie, method, with_password(path, password), body), status, detail)
    assert Item.objects.count() == 1 and Item.objects.get(id=item_id).notes is None
    assert site.requests("PUT") == [] and site.requests("POST") == []


def test_get_items_lists_a_protected_registrys_items_to_its_owner_and_administrators_only(clients, site):
    by_registry = {registry_id: item_in(registry_id) for registry_id in (LOCKED, LOCKED_INVITING, EDDIES_LOCKED)}
    assert ids(send(clients["alice"], "GET", "/items")) == [by_registry[LOCKED_INVITING], by_registry[LOCKED]]
    assert ids(send(clients["eddie"], "GET", with_password("/items", PASSWORD))) == [by_registry[EDDIES_LOCKED]]
    assert ids(send(clients["admin"], "GET", "/items")) == sorted(by_registry.values(), reverse=True)


def test_a_protected_post_of_someone_else_in_wordpresss_list_is_left_out(eddie, site):
    """GET /registries is the caller's own; a post WordPress sent anyway shows nothing protected."""
    foreign = PasswordWordPress.view(site.posts[LOCKED], None) | {"content": {"rendered": "", "protected": True}}
    site.fail("GET", None, httpx.Response(200, json=[foreign], headers={"X-WP-Total": "1", "X-WP-TotalPages": "1"}))
    response = eddie.get("/registries")
    assert (response.status_code, body_of(response)) == (200, [])


# --- WordPress checks the password, every time ------------------------------------------------


def test_a_wrong_password_is_answered_as_none_and_costs_one_more_read(eddie, site):
    item_id = item_in(LOCKED)
    for path, refusal in [
        (f"/registries/{LOCKED}", (403, VIEW_DENIED)),
        (f"/items/{item_id}", (404, f"Item with id {item_id} not found")),
    ]:
        assert_detail(eddie.get(path), *refusal)
        assert_detail(eddie.get(with_password(path, WRONG)), *refusal)
    # The registry route: without, then with the wrong one and without again. The
    # item route: the facts the registry route cached, then WordPress for the password.
    assert site.password_reads(LOCKED) == ["", WRONG, "", WRONG]


def test_the_password_is_checked_at_every_request_and_never_cached(eddie, site):
    item_id = item_in(LOCKED)
    for _ in range(2):
        assert eddie.get(with_password(f"/items/{item_id}", PASSWORD)).status_code == 200
        assert_detail(eddie.get(f"/items/{item_id}"), 404, f"Item with id {item_id} not found")
    assert site.password_reads(LOCKED) == ["", PASSWORD, PASSWORD]

    site.posts[LOCKED]["password"] = "changed"  # in wp-admin: the old password fails at once, whatever is cached
    assert_detail(eddie.get(with_password(f"/items/{item_id}", PASSWORD)), 404, f"Item with id {item_id} not found")
    assert_detail(eddie.get(with_password(f"/registries/{LOCKED}", PASSWORD)), 403, VIEW_DENIED)
    assert eddie.get(with_password(f"/items/{item_id}", "changed")).status_code == 200


@pytest.mark.parametrize("cached_by", ["alice", "admin", "eddie with the password"])
def test_cached_facts_never_open_a_protected_registry(clients, site, cached_by):
    """Whoever's read filled the cache, eddie without the password finds nothing."""
    item_id = item_in(LOCKED)
    login, password = (cached_by, None) if cached_by in clients else ("eddie", PASSWORD)
    assert send(clients[login], "GET", with_password(f"/registries/{LOCKED}", password)).status_code == 200
    assert send(clients[login], "GET", with_password(f"/items/{item_id}", password)).status_code == 200

    assert_detail(clients["eddie"].get(f"/items/{item_id}"), 404, f"Item with id {item_id} not found")
    assert_detail(clients["eddie"].post(f"/items/{item_id}/purchase", {}), 404, f"Item with id {item_id} not found")
    assert_detail(clients["eddie"].get(f"/registries/{LOCKED}/items"), 403, ACCESS_DENIED)


def test_neither_the_password_nor_its_acceptance_is_kept(eddie, site, caplog):
    caplog.set_level(logging.DEBUG)
    item_id = item_in(LOCKED_INVITING)
    for path in (f"/registries/{LOCKED_INVITING}", f"/items/{item_id}", f"/registries/{LOCKED_INVITING}/items"):
        assert eddie.get(with_password(path, PASSWORD)).status_code == 200

    cached = list(facts.entries().values())
    assert cached and all(not getattr(value, "password_accepted", False) for value in cached)
    assert "sesame" not in repr(cached)
    assert "sesame" not in caplog.text


def test_the_facts_drop_a_password_accepted_for_one_request():
    post = RegistryPost.from_wordpress(
        {"id": 9, "author": ALICE_ID, "status": "publish", "content": {"rendered": "", "protected": True}}
    )
    assert post.password_protected and not post.password_accepted
    opened = replace(post, password_accepted=True)
    reader = WordPressUser(id=EDDIE_ID, slug="eddie", login="eddie", email="eddie@example.test", display_name="E")
    assert rules.can_read(reader, opened) and not rules.can_read(reader, post)
    assert RegistryFacts.of(opened) == RegistryFacts(9, ALICE_ID, "publish", True)
    assert not rules.can_read(reader, RegistryFacts.of(opened))


@pytest.mark.parametrize(
    "post",
    [
        {"content": {"rendered": "", "protected": True}},
        {"content": {"raw": "x", "rendered": "x", "protected": True}, "password": "pw"},
        {"content": "not an object", "password": "pw"},  # edit context sends the password itself
    ],
)
def test_a_post_password_is_read_from_what_wordpress_sends(post):
    assert RegistryPost.from_wordpress({"id": 9, "status": "publish", **post}).password_protected
    assert not RegistryPost.from_wordpress(
        {"id": 9, "status": "publish", "content": {"protected": False}}
    ).password_protected


def test_a_password_sent_for_a_registry_without_one_changes_nothing(eddie, site):
    """WordPress refuses any password for a post that has none; the caller is answered as without it."""
    item_id = item_in(PUBLISHED)
    assert eddie.get(with_password(f"/registries/{PUBLISHED}", PASSWORD)).status_code == 200
    assert eddie.get(with_password(f"/items/{item_id}", PASSWORD)).status_code == 200
    # No second read for the item route: the cached facts say there is no password to check.
    assert site.password_reads(PUBLISHED) == [PASSWORD, ""]


@pytest.mark.parametrize(
    ("outcome", "status", "detail"),
    [
        (httpx.ReadTimeout("slow"), 504, "WordPress did not answer in time"),
        (wordpress_error(500, "internal_server_error", "Critical error"), 502,
         "WordPress error: Critical error [HTTP 500] [internal_server_error]"),
    ],
)  # fmt: skip
def test_wordpress_failing_to_check_a_password_is_a_gateway_error_not_a_refusal(eddie, site, outcome, status, detail):
    item_id = item_in(LOCKED)
    assert eddie.get(f"/items/{item_id}").status_code == 404  # the facts are cached: the next read checks the password
    for path in (f"/items/{item_id}", f"/registries/{LOCKED}"):
        site.fail("GET", LOCKED, outcome)
        assert_detail(eddie.get(with_password(path, PASSWORD)), status, detail)
    assert eddie.get(with_password(f"/items/{item_id}", PASSWORD)).status_code == 200


# --- Made protected in WordPress, behind the service's back ------------------------------------


def test_a_registry_made_protected_in_wordpress_closes_within_the_ttl(alice, eddie, site, clock, settings):
    """The item routes' cached facts hold for REGISTRY_ACL_TTL seconds; any read of
    the registry through the service refreshes them for everyone at once."""
    item_id = item_in(PUBLISHED)
    assert eddie.get(f"/items/{item_id}").status_code == 200  # cached: published, no password
    site.posts[PUBLISHED]["password"] = PASSWORD  # set in wp-admin

    clock[0] += settings.REGISTRY_ACL_TTL - 0.1
    assert eddie.get(f"/items/{item_id}").status_code == 200  # the documented window
    assert_detail(eddie.get(f"/registries/{PUBLISHED}/items"), 403, ACCESS_DENIED)  # asks WordPress: closed at once
    hidden = f"Item with id {item_id} not found"
    assert_detail(eddie.get(f"/items/{item_id}"), 404, hidden)  # that read refreshed the facts

    del site.posts[PUBLISHED]["password"]
    facts.clear()
    assert eddie.get(f"/items/{item_id}").status_code == 200  # cached again: no password
    site.posts[PUBLISHED]["password"] = PASSWORD
    clock[0] += settings.REGISTRY_ACL_TTL + 0.1
    assert_detail(eddie.get(f"/items/{item_id}"), 404, hidden)  # past the TTL, without any other read
    assert eddie.get(with_password(f"/items/{item_id}", PASSWORD)).status_code == 200
    assert alice.get(f"/items/{item_id}").status_code == 200


def test_an_invitees_cached_answer_does_not_outlast_a_read_showing_a_password(alice, eddie, site):
    """eddie's cached answer for a private registry is his own; once anyone's read shows
    the registry published with a password, the shared facts decide for him too."""
    item_id = item_in(BY_LOGIN)
    assert eddie.get(f"/items/{item_id}").status_code == 200  # WordPress's answer to him, cached
    site.posts[BY_LOGIN].update(status="publish", password=PASSWORD)  # in wp-admin

    assert alice.get(f"/registries/{BY_LOGIN}").status_code == 200

    assert_detail(eddie.get(f"/items/{item_id}"), 404, f"Item with id {item_id} not found")
    assert eddie.get(with_password(f"/items/{item_id}", PASSWORD)).status_code == 200


def test_a_password_removed_in_wordpress_opens_within_the_ttl(eddie, site, clock, settings):
    item_id = item_in(LOCKED)
    hidden = f"Item with id {item_id} not found"
    assert_detail(eddie.get(f"/items/{item_id}"), 404, hidden)
    del site.posts[LOCKED]["password"]

    assert_detail(eddie.get(f"/items/{item_id}"), 404, hidden)  # closed, never more open than WordPress
    clock[0] += settings.REGISTRY_ACL_TTL + 0.1
    assert eddie.get(f"/items/{item_id}").status_code == 200


def test_a_ttl_of_0_asks_wordpress_every_time(eddie, site, settings):
    settings.REGISTRY_ACL_TTL = 0
    item_id = item_in(LOCKED)
    for _ in range(2):
        assert eddie.get(f"/items/{item_id}").status_code == 404
        assert eddie.get(with_password(f"/items/{item_id}", PASSWORD)).status_code == 200
    assert site.password_reads(LOCKED) == ["", "", PASSWORD, "", "", PASSWORD]


def test_the_owners_write_caches_the_registry_as_protected(alice, eddie, site):
    """WordPress answers a write in edit context (raw story, the password itself): its facts say protected."""
    item_id = item_in(LOCKED)
    assert alice.patch(f"/registries/{LOCKED}", {"title": "Renamed"}).status_code == 200
    assert facts.entries().get((facts.FACTS, LOCKED)) == RegistryFacts(LOCKED, ALICE_ID, "publish", True)

    assert_detail(eddie.get(f"/items/{item_id}"), 404, f"Item with id {item_id} not found")
    assert [read for read in site.reads(LOCKED) if read.headers["Authorization"] == basic("eddie")] == []
