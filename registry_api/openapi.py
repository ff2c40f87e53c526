"""The error responses of every operation, documented in one place.

Ninja documents only the responses a route declares (its successes). The
errors come from the exception handlers of `registry_api.api`, the same for
every route, so they are added here, from what an operation is, rather than
declared route by route (where one forgotten route would make the schema lie):

| status | when                                                         | operations                        |
|--------|--------------------------------------------------------------|-----------------------------------|
| 401    | no, unparsable or refused credentials (D3)                   | authenticated                     |
| 503    | WordPress cannot verify credentials (D3), or the database    | authenticated                     |
|        | stayed locked until the request's deadline; with Retry-After |                                   |
| 422    | invalid parameters or body                                   | with parameters or a body         |
| 413    | body beyond DATA_UPLOAD_MAX_MEMORY_SIZE                      | with a body                       |
| 404    | a resource named in the path or the body (`registry_id`)     | with path parameters or a body    |
|        | does not exist, or is hidden from the caller (D1)            | naming one by `..._id`            |
| 403    | access rules (D1), or WordPress refusing the caller          | WordPress-backed                  |
| 502    | WordPress answered with an error or garbage (D3)             | WordPress-backed                  |
| 504    | WordPress did not answer by the request's deadline (D3)      | WordPress-backed                  |

A response an operation declares itself (e.g. 409 of a purchase) is kept as it is.

`document` adds, besides, what /docs needs to be used as it stands: the
request bodies' examples as the media type's `example` (which both UIs fill
"Try it out" with, rather than a sample generated from the limits, such as a
`"price": 0` that is a 422), and what to enter in the Authorize dialog.
"""

from copy import deepcopy
from typing import Any

# Operations whose handlers call WordPress beyond authentication, by tag: the
# registry routes, and the item routes for their registry's access facts (D1).
WORDPRESS_TAGS = {"registries", "items"}

ERROR = "Error"
VALIDATION_ERROR = "ValidationError"
VALIDATION_ERROR_ITEM = "ValidationErrorItem"

SCHEMAS: dict[str, dict[str, Any]] = {
    ERROR: {
        "title": ERROR,
        "description": 'Every error but 422: `{"detail": "<message>"}`.',
        "type": "object",
        "properties": {"detail": {"title": "Detail", "type": "string"}},
        "required": ["detail"],
    },
    VALIDATION_ERROR_ITEM: {
        "title": VALIDATION_ERROR_ITEM,
        "description": "One pydantic v2 error, in FastAPI's shape (no `url`).",
        "type": "object",
        "properties": {
            "type": {"title": "Type", "type": "string"},
            "loc": {
                "title": "Location",
                "type": "array",
                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            },
            "msg": {"title": "Message", "type": "string"},
            "input": {"title": "Input"},
            "ctx": {"title": "Context", "type": "object"},
        },
        "required": ["type", "loc", "msg", "input"],
    },
    VALIDATION_ERROR: {
        "title": VALIDATION_ERROR,
        "type": "object",
        "properties": {
            "detail": {
                "title": "Detail",
                "type": "array",
                "items": {"$ref": f"#/components/schemas/{VALIDATION_ERROR_ITEM}"},
            }
        },
        "required": ["detail"],
    },
}

WWW_AUTHENTICATE = {
    "description": "`Basic`, on every 401 of the authentication step",
    "schema": {"type": "string"},
}
RETRY_AFTER = {
    "description": "Seconds to wait before trying again",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
}

# status -> (description, body schema, response headers)
RESPONSES: dict[int, tuple[str, str, dict[str, Any]]] = {
    401: ("Missing, unparsable or refused credentials", ERROR, {"WWW-Authenticate": WWW_AUTHENTICATE}),
    403: ("Not allowed, by the registry's access rules or by WordPress", ERROR, {}),
    404: ("Not found (or not visible to the caller)", ERROR, {}),
    413: ("Request body too large", ERROR, {}),
    422: ("Invalid parameters or body", VALIDATION_ERROR, {}),
    502: ("WordPress answered with an error or something that is not its REST API", ERROR, {}),
    503: (
        "WordPress is unavailable: credentials cannot be verified; or the database is busy",
        ERROR,
        {"Retry-After": RETRY_AFTER},
    ),
    504: ("WordPress did not answer in time (the request's deadline)", ERROR, {}),
}


def _body_fields(operation: dict[str, Any], components: dict[str, Any]) -> set[str]:
    """The top-level fields of the operation's JSON body (Ninja refers to a component)."""
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in body:
        body = components.get(body["$ref"].rsplit("/", 1)[-1], {})
    return set(body.get("properties", {}))


def error_statuses(operation: dict[str, Any], components: dict[str, Any]) -> set[int]:
    """The error statuses the exception handlers can answer `operation` with."""
    statuses: set[int] = set()
    parameters = operation.get("parameters", [])
    if operation.get("security"):
        statuses |= {401, 503}
    if parameters or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses.add(413)
    if any(parameter["in"] == "path" for parameter in parameters) or any(
        field.endswith("_id") for field in _body_fields(operation, components)
    ):
        statuses.add(404)
    if WORDPRESS_TAGS & set(operation.get("tags", [])):
        statuses |= {403, 502, 504}
    return statuses


def _response(status: int) -> dict[str, Any]:
    description, schema, headers = RESPONSES[status]
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }
    if headers:
        response["headers"] = deepcopy(headers)  # each document its own: a caller may change it
    return response


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` (Ninja's OpenAPI document) with the error responses of every operation."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in SCHEMAS.items():
        components.setdefault(name, deepcopy(definition))
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status in sorted(error_statuses(operation, components)):
                # Ninja keys responses by int; JSON makes them strings anyway.
                if status not in responses and str(status) not in responses:
                    responses[status] = _response(status)
    return schema


# Shown in Swagger UI's Authorize dialog and beside Redoc's security section.
BASIC_AUTH_DESCRIPTION = (
    "A WordPress login as the username and one of that user's application passwords "
    "(WordPress: Users → Profile → Application Passwords) as the password; "
    "not the ordinary WordPress password."
)


def _document_examples(schema: dict[str, Any]) -> None:
    """Each JSON body's first model example as its media type's `example`."""
    components = schema.get("components", {}).get("schemas", {})
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            media = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if media is None or "example" in media or "$ref" not in media.get("schema", {}):
                continue
            examples = components.get(media["schema"]["$ref"].rsplit("/", 1)[-1], {}).get("examples")
            if examples:
                media["example"] = deepcopy(examples[0])


def _document_security(schema: dict[str, Any]) -> None:
    for scheme in schema.get("components", {}).get("securitySchemes", {}).values():
        if scheme.get("type") == "http" and scheme.get("scheme") == "basic":
            scheme.setdefault("description", BASIC_AUTH_DESCRIPTION)


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with the error responses, the body examples and the auth's description."""
    document_errors(schema)
    _document_examples(schema)
    _document_security(schema)
    return schema
