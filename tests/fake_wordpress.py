"""A WordPress site's `restart-registry` post type, in memory, for tests.

`FakeWordPress` answers the REST calls the service makes for registries
(CONTRACT 4.3) the way WordPress with the project's mu-plugin does: view
context on GET, edit context on writes, meta values that must be strings, and
the mu-plugin's rules for the account whose Basic credentials a request
carries (conftest's accounts):

- a published registry is anyone's to read; a private one its author's,
  administrators' and its invitees' (an entry with "@" matches the e-mail in
  any case, any other the login exactly); any other status only theirs who may
  edit it; only its author and administrators (or holders of
  `edit_others_restart_registries`) may change or delete it;
- `restart_invitees` is answered only to those who may edit the post and to
  its invitees, `restart_recipient_email` only to those who may edit it.

Editors are accounts like any other here unless given the registry
capabilities (the real WordPress gives its editors those: tests/integration).
It is a function from an `httpx.Request` to an `httpx.Response` (`answer`),
so it can sit behind respx (pass the router) or behind a real socket
(tests/test_wordpress_faults.py).
"""

import json
import re

import httpx

from tests import conftest

ALICE_ID = conftest.ACCOUNTS["alice"][1]["id"]

WRITTEN_DEFAULTS = {
    "restart_invitees": "[]",
    "restart_item_ids": "[]",
    "restart_event_type": "",
    "restart_event_date": "",
    "restart_is_for_self": "1",
    "restart_recipient_name": "",
    "restart_recipient_relationship": "",
    "restart_recipient_email": "",
}
REGISTRY_PATH = re.compile(conftest.REGISTRY_PATH)  # /wp/v2/restart-registry[/{registry_id}]


def wordpress_error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message, "data": {"status": status}})


def may_edit(user: dict | None, post: dict) -> bool:
    return user is not None and (
        user["id"] == post.get("author")
        or "administrator" in user["roles"]
        or bool(user.get("capabilities", {}).get("edit_others_restart_registries"))
    )


def invites(user: dict | None, post: dict) -> bool:
    """The mu-plugin's invitee rule."""
    try:
        invitees = json.loads(post["meta"]["restart_invitees"])
    except (KeyError, TypeError, ValueError):  # legacy or odd meta: nobody is invited
        return False
    if user is None or not isinstance(invitees, list):
        return False
    return any(
        invitee.casefold() == user["email"].casefold() if "@" in invitee else invitee == user["username"]
        for invitee in invitees
        if isinstance(invitee, str) and invitee
    )


def may_read(user: dict | None, post: dict) -> bool:
    if post["status"] == "publish":
        return True
    if post["status"] == "private":
        return may_edit(user, post) or invites(user, post)
    return may_edit(user, post)


class FakeWordPress:
    """The `restart-registry` post type of a WordPress site, in memory."""

    def __init__(self, router=None):
        """`router`: a respx router to answer on; without one, call `answer` yourself."""
        self.posts: dict[int, dict] = {}
        self.failures: dict[tuple[str, str | None], httpx.Response | Exception] = {}
        self.next_id = 100
        if router is not None:
            self.route = router.route(path__regex=REGISTRY_PATH.pattern, name="registries").mock(
                side_effect=self.answer
            )

    # -- test set-up ---------------------------------------------------------
    def add(self, *, author=ALICE_ID, status="publish", title="Wedding Registry", content="", meta=None, **raw) -> int:
        """Store a post; `meta` is stored as given (strings, or anything a legacy post holds)."""
        post_id = raw.pop("id", None) or self._new_id()
        self.posts[post_id] = {
            "id": post_id,
            "date": "2026-04-01T10:00:00",
            "modified": "2026-04-01T12:00:00",
            "status": status,
            "type": "restart-registry",
            "title": self.title(title),
            "content": self.content(content),
            "author": author,
            "meta": {**WRITTEN_DEFAULTS, **(meta or {})},
            **raw,
        }
        return post_id

    def fail(self, method: str, registry_id: int | None, outcome: httpx.Response | Exception) -> None:
        """Answer the next `method` call on the registry (None: on the collection) with `outcome`."""
        self.failures[(method, None if registry_id is None else str(registry_id))] = outcome

    # -- what it received ----------------------------------------------------
    def requests(self, method: str | None = None) -> list[httpx.Request]:
        return [call.request for call in self.route.calls if method in (None, call.request.method)]

    def reads(self, registry_id: int | None = None) -> list[httpx.Request]:
        """GETs of one registry (`registry_id`) or of the list (None)."""
        path = "/wp-json/wp/v2/restart-registry" + ("" if registry_id is None else f"/{registry_id}")
        return [request for request in self.requests("GET") if request.url.path == path]

    def sent(self, method: str) -> list[dict]:
        return [json.loads(request.content) for request in self.requests(method)]

    # -- the REST API --------------------------------------------------------
    def answer(self, request: httpx.Request, registry_id: str | None = None) -> httpx.Response:
        failure = self.failures.pop((request.method, registry_id), None)
        if isinstance(failure, Exception):
            raise failure
        if failure is not None:
            return failure
        user = conftest.account_of(request)
        if registry_id is None:
            return self.create(request, user) if request.method == "POST" else self.list(request, user)
        post = self.posts.get(int(registry_id))
        if post is None:
            return wordpress_error(404, "rest_post_invalid_id", "Invalid post ID.")
        if not (may_read(user, post) if request.method == "GET" else may_edit(user, post)):
            return wordpress_error(
                401 if user is None else 403, "rest_forbidden", "Sorry, you are not allowed to do that."
            )
        if request.method == "GET":
            return httpx.Response(200, json=self.view(post, user))
        if request.method == "DELETE":
            del self.posts[post["id"]]
            return httpx.Response(200, json={"deleted": True, "previous": self.edit_view(post, user)})
        return self.update(post, json.loads(request.content), user)

    def list(self, request: httpx.Request, user: dict | None) -> httpx.Response:
        params = request.url.params
        page, per_page = int(params.get("page", 1)), int(params.get("per_page", 10))
        mine = [
            post
            for post in self.posts.values()
            if str(post.get("author")) == params.get("author") and may_read(user, post)
        ]
        chunk = mine[(page - 1) * per_page : page * per_page]
        headers = {"X-WP-Total": str(len(mine)), "X-WP-TotalPages": str(-(-len(mine) // per_page))}
        return httpx.Response(200, json=[self.view(post, user) for post in chunk], headers=headers)

    def create(self, request: httpx.Request, user: dict | None) -> httpx.Response:
        body = json.loads(request.content)
        post_id = self._new_id()
        self.posts[post_id] = {
            "id": post_id,
            "date": "2026-04-01T10:00:00",
            "modified": "2026-04-01T10:00:00",
            "type": "restart-registry",
            "content": self.content(""),
            "meta": dict(WRITTEN_DEFAULTS),
        }
        return self.update(self.posts[post_id], body, user, status=201)

    def update(self, post: dict, body: dict, user: dict | None, status: int = 200) -> httpx.Response:
        # register_post_meta(type: string): WordPress refuses any other value.
        for key, value in body.get("meta", {}).items():
            if not isinstance(value, str):
                return wordpress_error(400, "rest_invalid_type", f"meta.{key} is not of type string.")
        post.update({key: value for key, value in body.items() if key in ("status", "author")})
        if "title" in body:
            post["title"] = self.title(body["title"])
        if "content" in body:
            post["content"] = self.content(body["content"])
        post["meta"] = {**post["meta"], **body.get("meta", {})}
        if status == 200:
            post["modified"] = "2026-04-02T09:30:00"
        return httpx.Response(status, json=self.edit_view(post, user))

    @staticmethod
    def title(raw: str) -> dict:
        return {"raw": raw, "rendered": raw.replace("&", "&#038;")}

    @staticmethod
    def content(raw: str) -> dict:
        return {"raw": raw, "rendered": f"<p>{raw}</p>\n" if raw else "", "protected": False}

    @staticmethod
    def view(post: dict, user: dict | None) -> dict:
        """View context (GET): no raw title or content; odd values pass as they are."""
        return {
            key: {k: v for k, v in value.items() if k != "raw"}
            if key in ("title", "content") and isinstance(value, dict)
            else value
            for key, value in FakeWordPress.edit_view(post, user).items()
        }

    @staticmethod
    def edit_view(post: dict, user: dict | None) -> dict:
        """Edit context (answers to writes): raw and rendered; the private meta
        only for those the mu-plugin answers it to."""
        if may_edit(user, post) or not isinstance(post.get("meta"), dict):
            return post
        hidden = {"restart_recipient_email": ""} | ({} if invites(user, post) else {"restart_invitees": ""})
        return {**post, "meta": {**post["meta"], **{key: "" for key in hidden if key in post["meta"]}}}

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id
