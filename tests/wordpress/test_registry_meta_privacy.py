"""The mu-plugin's registry meta, read straight from WordPress by everyone (issue 22).

A password-protected registry's meta goes only where WordPress would show its
content: to its author, to those who may edit it, and to a caller who sends the
right post password (the `password` request parameter, or the cookie of the
site's password form). On top of that, `restart_invitees` and
`restart_recipient_email` stay private as on every registry. Each reading is
tried through single reads, lists, `_fields`, `_embed` and the search route,
and the private meta through other spellings of the route.

Actors (scripts/wordpress.sh): alice owns the registries; bob is invited; dave
is another signed-in user; admin is the administrator.
"""

import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.support.real_wordpress import Account, WordPressSite, force_delete_registries, wordpress_api

PASSWORD = "open-sesame"
META = {
    "restart_invitees": json.dumps(["bob"]),
    "restart_item_ids": "[10, 20]",
    "restart_event_type": "wedding",
    "restart_event_date": "2026-06-01",
    "restart_is_for_self": "0",
    "restart_recipient_name": "Ann",
    "restart_recipient_relationship": "sister",
    "restart_recipient_email": "ann@example.test",
}
PRIVATE_KEYS = ("restart_invitees", "restart_recipient_email")
HIDDEN = dict.fromkeys(META, "")
READERS = ("anonymous", "dave", "bob", "alice", "admin")
EDITORS = ("alice", "admin")


def meta_for(reader: str) -> dict[str, str]:
    """What `reader` sees of an unprotected registry's meta (or of a protected one, unlocked)."""
    if reader in EDITORS:
        return META
    shown = {key: ("" if key in PRIVATE_KEYS else value) for key, value in META.items()}
    return {**shown, "restart_invitees": META["restart_invitees"]} if reader == "bob" else shown


def get(site: WordPressSite, reader: str, path: str, **kwargs: Any) -> httpx.Response:
    """GET from the site's root (/wp-json/..., /?rest_route=...) as `reader`."""
    auth = None if reader == "anonymous" else (site.accounts[reader].login, site.accounts[reader].app_password)
    return httpx.get(site.url + path, auth=auth, timeout=30, **kwargs)


@pytest.fixture(scope="module")
def make_registry(site) -> Iterator[Callable[..., tuple[int, str]]]:
    """make_registry(password, author): a published registry with every meta key set,
    made by the administrator for `author` (alice); (id, unique title). Deleted afterwards."""
    made: list[int] = []

    def make(password: str = "", author: Account | None = None) -> tuple[int, str]:
        title = f"Privacy {secrets.token_hex(4)}"
        response = wordpress_api(site, site.admin, "POST", "/wp/v2/restart-registry", json={
            "title": title, "status": "publish", "content": "Our story", "password": password,
            "author": (author or site.alice).id, "meta": META,
        })  # fmt: skip
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
        return made[-1], title

    yield make
    force_delete_registries(site, made)


# --- Password-protected registries --------------------------------------------------------------

# request -> (path, query); {id} and {title} are the registry's
READS = {
    "single": ("/wp-json/wp/v2/restart-registry/{id}", {}),
    "single, _fields": ("/wp-json/wp/v2/restart-registry/{id}", {"_fields": "id,content,meta"}),
    "single, _fields nested": ("/wp-json/wp/v2/restart-registry/{id}", {"_fields": "meta.restart_recipient_name"}),
    "single, _embed": ("/wp-json/wp/v2/restart-registry/{id}", {"_embed": "1"}),
    "single, rest_route": ("/", {"rest_route": "/wp/v2/Restart-Registry/{id}/"}),
    "list": ("/wp-json/wp/v2/restart-registry", {"include": "{id}"}),
    "list, _fields": ("/wp-json/wp/v2/restart-registry", {"include": "{id}", "_fields": "id,content,meta"}),
    "list, _embed": ("/wp-json/wp/v2/RESTART-REGISTRY", {"include": "{id}", "_embed": "1"}),
    "search, _embed": ("/wp-json/wp/v2/search", {"search": "{title}", "subtype": "restart-registry", "_embed": "1"}),
}
PASSWORDS = {"no password": None, "wrong password": "not-it", "right password": PASSWORD}


def posts_in(request: str, body: Any) -> list[dict]:
    """The registry posts an answer holds (search: the embedded ones)."""
    if request.startswith("search"):
        return [result["_embedded"]["self"][0] for result in body]
    return body if isinstance(body, list) else [body]


def expected(reader: str, password: str | None, request: str) -> Any:
    """The meta of each registry post in the answer, or the status of a refusal."""
    if password == "not-it" and not request.startswith(("list", "search")):
        return 403  # WordPress refuses a wrong password to everyone
    if request.startswith("search"):
        # WordPress leaves password-protected posts out of anonymous searches, and embeds in the
        # embed context, which has no meta.
        return [] if reader == "anonymous" else [None]
    meta = meta_for(reader) if reader in EDITORS or password == PASSWORD else HIDDEN
    return [{"restart_recipient_name": meta["restart_recipient_name"]} if "nested" in request else meta]


def test_a_password_protected_registrys_meta_goes_only_where_wordpress_shows_its_content(site, make_registry):
    registry_id, title = make_registry(PASSWORD)

    mismatches = []
    for reader in READERS:
        for given, password in PASSWORDS.items():
            for request, (path, query) in READS.items():
                params = {key: value.format(id=registry_id, title=title) for key, value in query.items()}
                if password is not None:
                    params["password"] = password
                response = get(site, reader, path.format(id=registry_id), params=params)
                if response.status_code != 200:
                    got: Any = response.status_code
                else:
                    posts = posts_in(request, response.json())
                    got = [post.get("meta") for post in posts]
                    # Where WordPress shows the content to a reader, and only there, the meta follows it.
                    shown = [bool(post["content"]["rendered"]) for post in posts if "content" in post]
                    if reader not in EDITORS and shown != [password == PASSWORD] * len(shown):
                        mismatches.append((reader, given, request, "content shown", shown))
                want = expected(reader, password, request)
                if got != want:
                    mismatches.append((reader, given, request, want, got))
    assert mismatches == [], "\n".join(map(str, mismatches))


def test_the_password_forms_cookie_unlocks_the_meta_as_it_unlocks_the_content(site, make_registry):
    registry_id, _ = make_registry(PASSWORD)
    path = f"/wp-json/wp/v2/restart-registry/{registry_id}"
    for password, unlocked in ((PASSWORD, True), ("not-it", False)):
        with httpx.Client(base_url=site.url, timeout=30) as visitor:
            visitor.post("/wp-login.php", params={"action": "postpass"}, data={"post_password": password})
            assert any(name.startswith("wp-postpass_") for name in visitor.cookies), visitor.cookies
            post = visitor.get(path).json()
        assert (post["meta"], bool(post["content"]["rendered"])) == (
            (meta_for("anonymous"), True) if unlocked else (HIDDEN, False)
        )


def test_the_author_sees_the_meta_even_without_the_right_to_edit(site, make_user, make_registry):
    author = make_user("subscriber")  # no registry capabilities: the author of a registry an editor made
    registry_id, _ = make_registry(PASSWORD, author)
    response = wordpress_api(site, author, "GET", f"/wp/v2/restart-registry/{registry_id}")
    assert response.status_code == 200, response.text
    assert response.json()["meta"] == meta_for("anonymous")
    stranger = make_user("subscriber")
    assert wordpress_api(site, stranger, "GET", f"/wp/v2/restart-registry/{registry_id}").json()["meta"] == HIDDEN


# --- Other spellings of the route ----------------------------------------------------------------

SPELLINGS = {
    "Restart-Registry": ("/wp-json/wp/v2/Restart-Registry/{id}", {}),
    "WP/V2, trailing slash": ("/wp-json/WP/V2/restart-registry/{id}/", {}),
    "rest_route": ("/", {"rest_route": "/WP/v2/RESTART-REGISTRY/{id}"}),
    "rest_route, list": ("/", {"rest_route": "/wp/v2/Restart-Registry/", "include": "{id}"}),
}


@pytest.mark.parametrize("protected", [False, True], ids=["published", "password-protected"])
def test_no_spelling_of_the_route_shows_more_meta(site, make_registry, protected):
    registry_id, _ = make_registry(PASSWORD if protected else "")
    mismatches = []
    for reader in ("anonymous", "dave", "bob"):
        for spelling, (path, query) in SPELLINGS.items():
            params = {key: value.format(id=registry_id) for key, value in query.items()}
            response = get(site, reader, path.format(id=registry_id), params=params)
            body = response.json()
            got = [post["meta"] for post in (body if isinstance(body, list) else [body])]
            want = [HIDDEN if protected else meta_for(reader)]
            if (response.status_code, got) != (200, want):
                mismatches.append((reader, spelling, response.status_code, want, got))
    assert mismatches == [], "\n".join(map(str, mismatches))
