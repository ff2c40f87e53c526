"""The API's auth: wpauth's WordPress Basic auth between the checks of a request's
JSON body, in the order v1.0.x clients observe."""

import json
from email.message import Message
from functools import lru_cache

from ninja.errors import ValidationError

from wpauth.caller import Caller
from wpauth.security import WordPressBasicAuth


class ApiAuth(WordPressBasicAuth):
    def __call__(self, request) -> Caller:
        reject_malformed_json(request)
        caller = super().__call__(request)
        # Here, the last step before Ninja validates: after authentication (a
        # 401 comes first), as FastAPI orders it (docs/api.md, "Conventions").
        reject_non_object_body(request)
        return caller


# Both checks ask it of every write's Content-Type, which takes an email Message
# each time; the values clients send are few.
@lru_cache(maxsize=64)
def _declares_json(content_type: str | None) -> bool:
    if not content_type:
        return True
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def reject_malformed_json(request) -> None:
    """A body that is not JSON is a 422 before authentication (FastAPI's order: docs/api.md, "Conventions")."""
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


def reject_non_object_body(request) -> None:
    """A body that is not a JSON object is a 422 once the caller is authenticated,
    as FastAPI answers it (`model_attributes_type` at ["body"]): every body of
    this API is an object.

    Left to Ninja, a body of another content type would be a 400 (`Cannot parse
    request body`), and a JSON array, string, number or null would pass as an
    object without fields (its Schema reads fields as attributes of anything),
    so that `[]` would record a purchase of one. JSON `null` is "Field required",
    as an empty body is.
    """
    if request.method not in ("POST", "PUT", "PATCH") or not request.body:
        return
    if _declares_json(request.headers.get("Content-Type")):
        body = json.loads(request.body)  # reject_malformed_json let it through
        if isinstance(body, dict):
            return
        if body is None:  # FastAPI: no body at all
            raise ValidationError([{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}])
    raise ValidationError(
        [
            {
                "type": "model_attributes_type",
                "loc": ["body"],
                "msg": "Input should be a valid dictionary or object to extract fields from",
                # The text as sent: a decoded value may not survive JSON encoding
                # (NaN, 1e400) or be nested beyond what the encoder allows.
                "input": request.body.decode("utf-8", "replace"),
            }
        ]
    )
