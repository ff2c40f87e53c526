"""THE WordPress stand-in of the tests, the benchmarks and the artifact smoke test.

`WordPressStandIn` is a WordPress site with the project's mu-plugin, in memory:
`users/me?context=edit` for the accounts of tests/support/accounts.py, the REST
API's index (`/wp-json/`, what GET /health/ready asks) and the
`restart-registry` post type, answered the way WordPress does (view context on
GET, edit context on writes, meta values that must be strings) with the
mu-plugin's rules for the account whose Basic credentials a request carries:

- a published registry is anyone's to read; a private one its author's,
  administrators' and its invitees' (an entry with "@" matches the e-mail in
  any case, any other the login exactly); any other status only theirs who may
  edit it; only its author and administrators (or holders of
  `edit_others_restart_registries`) may change or delete it;
- `restart_invitees` is answered only to those who may edit the post and to
  its invitees, `restart_recipient_email` only to those who may edit it.

Editors are accounts like any other here unless given the registry
capabilities (the real WordPress gives its editors those: tests/integration).
Given `alices_registries`, every registry id it does not store is a published
registry of alice's, and her list is those ids: for tests that route nothing
themselves, and for the smoke test and the benchmarks.

It is a function from an `httpx.Request` to an `httpx.Response` (`answer`),
so it sits behind respx in-process (`WordPressStandIn(router=...)`) or behind a
real socket for other processes and for faults httpx must meet
(`LoopbackWordPress`, which can also fail a call the way a broken server does).
"""

import json
import re
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from tests.support.accounts import ACCOUNTS, ALICE_ID, account_of, users_me

if TYPE_CHECKING:  # respx is for the tests only: the smoke test and the benchmarks need httpx alone
    import respx

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
# The registry paths under /wp-json: the list, and one post by id.
REGISTRY_PATH = r"^/wp/v2/restart-registry(?:/(?P<registry_id>\d+))?$"
_REGISTRY_PATH = re.compile(REGISTRY_PATH)
INDEX = {"namespaces": ["oembed/1.0", "wp/v2"]}


def wordpress_error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message, "data": {"status": status}})


def registry_post(registry_id: int, *, author: int = ALICE_ID, status: str = "publish") -> dict:
    """A `restart-registry` post as WordPress answers a GET (view context)."""
    return {
        "id": registry_id,
        "date": "2026-04-01T10:00:00",
        "modified": "2026-04-01T12:00:00",
        "status": status,
        "type": "restart-registry",
        "title": {"rendered": f"Registry {registry_id}"},
        "content": {"rendered": "", "protected": False},
        "author": author,
        "meta": {"restart_invitees": "[]", "restart_item_ids": "[]"},
    }


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


class WordPressStandIn:
    """A WordPress site with the mu-plugin, in memory (see the module's docstring)."""

    def __init__(
        self,
        accounts: dict[str, tuple[str, dict]] = ACCOUNTS,
        *,
        router: "respx.Router | None" = None,
        alices_registries: Callable[[], Iterable[int]] | None = None,
    ) -> None:
        """`router`: a respx router whose restart-registry calls this site answers;
        `alices_registries`: see the module's docstring."""
        self.accounts = accounts
        self.alices_registries = alices_registries
        self.posts: dict[int, dict] = {}
        self.failures: dict[tuple[str, str | None], httpx.Response | Exception] = {}
        self.next_id = 100
        self.users_me_calls = 0
        self.received: list[httpx.Request] = []  # the restart-registry calls, in order
        if router is not None:
            router.route(path__regex=REGISTRY_PATH, name="registries").mock(side_effect=self.registries)

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
        return [request for request in self.received if method in (None, request.method)]

    def reads(self, registry_id: int | None = None) -> list[httpx.Request]:
        """GETs of one registry (`registry_id`) or of the list (None)."""
        path = "/wp-json/wp/v2/restart-registry" + ("" if registry_id is None else f"/{registry_id}")
        return [request for request in self.requests("GET") if request.url.path == path]

    def sent(self, method: str) -> list[dict]:
        return [json.loads(request.content) for request in self.requests(method)]

    # -- the REST API --------------------------------------------------------
    def answer(self, request: httpx.Request) -> httpx.Response:
        """Any call under the site's root: users/me, the index, the registries, or no route."""
        path = request.url.path.removeprefix("/wp-json")
        if path in ("", "/"):
            return httpx.Response(200, json=INDEX)
        if path == "/wp/v2/users/me":
            return self.users_me(request)
        match = _REGISTRY_PATH.match(path)
        if match is not None:
            return self.registries(request, match["registry_id"])
        return wordpress_error(404, "rest_no_route", "No route was found matching the URL and request method.")

    def users_me(self, request: httpx.Request) -> httpx.Response:
        """users/me, which the service asks in edit context only (roles and capabilities)."""
        self.users_me_calls += 1
        if request.url.params.get("context") != "edit":
            return wordpress_error(400, "rest_invalid_param", "context=edit expected")
        return users_me(request, self.accounts)

    def registries(self, request: httpx.Request, registry_id: str | None = None) -> httpx.Response:
        self.received.append(request)
        failure = self.failures.pop((request.method, registry_id), None)
        if isinstance(failure, Exception):
            raise failure
        if failure is not None:
            return failure
        user = account_of(request, self.accounts)
        if registry_id is None:
            return self.create(request, user) if request.method == "POST" else self.list(request, user)
        post = self.posts.get(int(registry_id))
        if post is None and self.alices_registries is not None:
            post = registry_post(int(registry_id))
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
        if self.alices_registries is not None and params.get("author") == str(ALICE_ID):
            mine += [registry_post(registry_id) for registry_id in self.alices_registries()]
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
            for key, value in WordPressStandIn.edit_view(post, user).items()
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


# --- Over a real socket, and failing there ------------------------------------------

USERS_ME, COLLECTION, POST = "users/me", "collection", "post"  # what a request is about


def kind_of(path: str) -> tuple[str | None, str | None]:
    """(kind, registry id) of a request path under /wp-json."""
    if path == "/wp/v2/users/me":
        return USERS_ME, None
    match = _REGISTRY_PATH.match(path)
    if match is None:
        return None, None
    return (POST if match["registry_id"] else COLLECTION), match["registry_id"]


def write(handler: BaseHTTPRequestHandler, response: httpx.Response) -> None:
    handler.send_response(response.status_code)
    for name, value in response.headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(response.content)


# How a WordPress call can fail: what the server does instead of answering.
# (A stopped WordPress is no answer at all: see LoopbackWordPress.stop.)
def slow(handler: BaseHTTPRequestHandler, server: "LoopbackWordPress") -> None:
    server.release.wait(timeout=10)  # longer than the tests' WP_TIMEOUT; released when the server stops


def cut_off(handler: BaseHTTPRequestHandler, server: "LoopbackWordPress") -> None:
    """A response whose body stops short: 1000 bytes announced, a few sent, the connection closed."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    handler.wfile.write(b'{"id": 100, "title": ')
    handler.close_connection = True


Fault = Callable[[BaseHTTPRequestHandler, "LoopbackWordPress"], None]


def answering(response: httpx.Response) -> Fault:
    return lambda handler, server: write(handler, response)


JSON = {"Content-Type": "application/json"}
FAULTS: dict[str, Fault | None] = {
    "stopped": None,
    "slow": slow,
    "500": answering(wordpress_error(500, "internal_server_error", "There has been a critical error on this website.")),
    "html": answering(httpx.Response(200, html="<html><body>Briefly unavailable for maintenance.</body></html>")),
    "truncated json": answering(httpx.Response(200, content=b'{"id": 100, "title": {"rend', headers=JSON)),
    "wrong shape": answering(httpx.Response(200, json={"success": True})),
    "cut off": cut_off,
    # Not a fault of WordPress: it no longer accepts the caller's application password.
    "refused": answering(wordpress_error(401, "incorrect_password", "The application password is invalid.")),
}


class LoopbackWordPress:
    """`site` served over HTTP on 127.0.0.1 (`url`), in a thread, except for
    the calls told to fail (`fail`, or any `faults` entry).

    `keep_alive`: HTTP/1.1 with persistent connections, as the benchmarks and
    the smoke test want (a real site's speed); without it every answer closes
    its connection, so that `stop` refuses the next call at once."""

    def __init__(self, site: WordPressStandIn | None = None, *, keep_alive: bool = False) -> None:
        self.site = site if site is not None else WordPressStandIn()
        self.faults: dict[tuple[str, str | None], Fault] = {}  # (method, kind) -> fault
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

            def handle_request(self) -> None:
                server.handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_request

            def log_message(self, format, *args) -> None:  # quiet, as a test server should be
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # A short poll: stopping (every test does) waits for the serving loop to notice.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def fail(self, fault: str, method: str, kind: str) -> None:
        fault_of = FAULTS[fault]
        assert fault_of is not None, "a stopped WordPress is stop()"
        self.faults[(method, kind)] = fault_of

    def stop(self) -> None:
        """Stop listening: a connection is refused from now on. Idempotent."""
        if self.release.is_set():
            return
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        kind, _ = kind_of(urlsplit(handler.path).path.removeprefix("/wp-json"))
        fault = self.faults.get((handler.command, kind))
        if fault is not None:
            fault(handler, self)
            return
        request = httpx.Request(handler.command, self.url + handler.path, headers=dict(handler.headers), content=body)
        write(handler, self.site.answer(request))


# The registries the stand-in of other processes lists as alice's: those the smoke test and the benchmarks use.
ALICE_REGISTRY_IDS = tuple(range(1, 10))


def serve_stand_in(accounts: dict[str, tuple[str, dict]] = ACCOUNTS) -> LoopbackWordPress:
    """The stand-in for other processes (the smoke test, the benchmarks, the tests'
    workers and cold starts): every registry is alice's and published, her list
    is ALICE_REGISTRY_IDS; persistent connections, as a real site keeps them."""
    return LoopbackWordPress(WordPressStandIn(accounts, alices_registries=lambda: ALICE_REGISTRY_IDS), keep_alive=True)
