"""How a registry is stored in a WordPress post (docs/api.md, "The registry"; docs/registries.md; D3, D4).

Writing: every meta value is a string (the mu-plugin registers each key as a
single string; anything else is a 400): lists as JSON text in Python's
`json.dumps` style, `is_for_self` as "1"/"0", absent texts as "".

Reading is forgiving, because posts are also written by the WordPress plugin,
by older versions and by hand: a missing key takes its default, a list may be
JSON text or a native list, an item id that is not a number is skipped. One odd
post never fails a request or a list.
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import WordPressBadResponse

logger = logging.getLogger(__name__)

# RegistryMeta field -> WordPress meta key.
META_KEYS = {
    "invitees": "restart_invitees",
    "item_ids": "restart_item_ids",
    "event_type": "restart_event_type",
    "event_date": "restart_event_date",
    "is_for_self": "restart_is_for_self",
    "recipient_name": "restart_recipient_name",
    "recipient_relationship": "restart_recipient_relationship",
    "recipient_email": "restart_recipient_email",
}
LIST_FIELDS = ("invitees", "item_ids")
FLAG_FIELDS = ("is_for_self",)
# Legacy registries predate is_for_self: a registry was always for its owner.
FALSE_FLAGS = ("0", "false", "False")


class MalformedPost(WordPressBadResponse):
    """Not a registry post at all (no numeric id)."""


def encode_meta(values: dict[str, Any]) -> dict[str, str]:
    """The meta keys of the fields given, and only those (D4), as strings."""
    return {META_KEYS[field]: _encode(field, value) for field, value in values.items()}


def _encode(field: str, value: Any) -> str:
    if field in LIST_FIELDS:
        return json.dumps(list(value))
    if field in FLAG_FIELDS:
        return "1" if value else "0"
    return value or ""


def decode_meta(meta: Any) -> dict[str, Any]:
    """All eight RegistryMeta fields from a post's `meta` (PHP sends `[]` for none)."""
    if not isinstance(meta, dict):
        meta = {}
    raw = {field: meta.get(key) for field, key in META_KEYS.items()}
    return {
        "invitees": [str(name) for name in _json_list(raw["invitees"]) if _is_scalar(name)],
        "item_ids": [item_id for item_id in map(_whole_number, _json_list(raw["item_ids"])) if item_id is not None],
        "event_type": _text(raw["event_type"]),
        "event_date": _text(raw["event_date"]),
        "is_for_self": raw["is_for_self"] in (None, "") or str(raw["is_for_self"]) not in FALSE_FLAGS,
        "recipient_name": _text(raw["recipient_name"]),
        "recipient_relationship": _text(raw["recipient_relationship"]),
        "recipient_email": _text(raw["recipient_email"]),
    }


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to decode
            return []
    return value if isinstance(value, list) else []


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _whole_number(value: Any) -> int | None:
    """The integer, or None for anything that is not a whole number (a bad item id is skipped, D3)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _text(value: Any) -> str | None:
    if _is_scalar(value):
        return str(value) or None
    return None


class PostStatus:
    """What a registry post's status means, for RegistryPost and the cached facts."""

    status: str
    password_protected: bool  # the post has a WordPress post password
    # WordPress accepted the caller's password for this answer; cached facts never carry it.
    password_accepted: bool = False

    @property
    def is_private(self) -> bool:
        return self.status == "private"

    @property
    def is_published(self) -> bool:
        return self.status == "publish"


@dataclass(frozen=True)
class RegistryPost(PostStatus):
    """A registry as read from its WordPress post."""

    id: int
    title: str  # WordPress's rendered title (HTML entities, "Private: " prefix and all)
    author: int | None
    username: str
    status: str
    story: str | None
    meta: dict[str, Any]
    created_at: datetime | None
    updated_at: datetime | None
    password_protected: bool
    password_accepted: bool = False

    @classmethod
    def from_wordpress(cls, post: Any) -> "RegistryPost":
        """Read a post; MalformedPost only if it has no numeric id."""
        if not isinstance(post, dict) or not isinstance(post.get("id"), int) or isinstance(post["id"], bool):
            raise MalformedPost("a restart-registry post without a numeric id")
        author = _whole_number(post.get("author"))
        author_name = post.get("author_name")
        return cls(
            id=post["id"],
            title=_rendered(post.get("title")),
            author=author,
            # v1.0.x: the owner's numeric id as a string (WordPress sends no author_name).
            username=author_name if isinstance(author_name, str) and author_name else str(post.get("author", "")),
            status=str(post.get("status") or ""),
            story=_story(post.get("content")),
            meta=decode_meta(post.get("meta")),
            created_at=_datetime(post.get("date")),
            updated_at=_datetime(post.get("modified")),
            password_protected=_password_protected(post),
        )


def _rendered(title: Any) -> str:
    if isinstance(title, dict):
        title = title.get("rendered")
    return title if isinstance(title, str) else ""


def _story(content: Any) -> str | None:
    """The raw story when WordPress sends it (edit context), else the rendered HTML."""
    if isinstance(content, dict):
        raw = content.get("raw")
        content = raw if isinstance(raw, str) and raw else content.get("rendered")
    if not isinstance(content, str):
        return None
    return content.strip() or None


def _password_protected(post: dict[str, Any]) -> bool:
    """Whether the post has a post password: WordPress says so in `content.protected`
    in every context, and sends the password itself in edit context."""
    content = post.get("content")
    password = post.get("password")
    return (isinstance(content, dict) and bool(content.get("protected"))) or (
        isinstance(password, str) and password != ""
    )


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def read_posts(posts: list[Any]) -> list[RegistryPost]:
    """The readable registries of a list, in WordPress's order; a post that is
    not one is logged and left out rather than failing the whole list."""
    registries = []
    for post in posts:
        try:
            registries.append(RegistryPost.from_wordpress(post))
        except MalformedPost:
            logger.warning("skipping a restart-registry post without a numeric id: %.200r", post)
    return registries
