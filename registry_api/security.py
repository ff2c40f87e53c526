"""Authentication of API requests, in the order of checks v1.0.x clients observe."""

import json
from email.message import Message

from ninja.errors import ValidationError

from wpauth.security import WordPressBasicAuth


def _declares_json(content_type: str | None) -> bool:
    if not content_type:
        return True
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def reject_malformed_json(request) -> None:
    """A body that is not JSON is a 422 before authentication (CONTRACT 1, FastAPI's order)."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.body:
        return
    if not _declares_json(request.headers.get("Content-Type")):
        return
    try:
        json.loads(request.body)
    # JSONDecodeError, or bytes that are not UTF-8; RecursionError: nesting too
    # deep for the decoder, which is still a bad body (422), not a 500.
    except (ValueError, RecursionError) as exc:
        position = getattr(exc, "pos", 0)
        reason = getattr(exc, "msg", str(exc))
        raise ValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ["body", position],
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": reason},
                }
            ]
        ) from exc


class ApiAuth(WordPressBasicAuth):
    def __call__(self, request):
        reject_malformed_json(request)
        return super().__call__(request)
