"""The one NinjaAPI: routers, health routes and the JSON error bodies (docs/api.md, "Conventions")."""

import json
import logging
import uuid

from django.http import Http404
from ninja import NinjaAPI, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.schema import DjangoGetter

from items.api import registry_router as registry_items_router
from items.api import router as items_router
from registries.api import router as registries_router

from . import __version__, errors, readiness
from .auth import ApiAuth
from .docs import SwaggerDocs, docs_view
from .openapi import document

logger = logging.getLogger("registry_api")


def _json_safe(value):
    """`value` with non-finite floats as the strings "Infinity", "-Infinity",
    "NaN": Python's JSON decoder accepts them (and 1e400 is infinite), but
    echoed back bare they would make the 422 body itself invalid JSON.
    (A JSON round trip rather than a recursive walk: inputs may nest deeply.)"""
    if isinstance(value, str | int | bool | None):
        return value
    try:
        json.dumps(value, allow_nan=False, default=str)
    except ValueError:
        return json.loads(json.dumps(value, default=str), parse_constant=str)
    return value


class RegistryAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """Ninja's schema plus the error responses of every operation and the
        body examples /docs fills "Try it out" with (registry_api/openapi.py)."""
        return document(super().get_openapi_schema(**kwargs))

    def validation_error_from_error_contexts(self, error_contexts) -> ValidationError:
        """Ninja's errors with pydantic's `input` put back (Ninja drops it), and
        `loc` without Ninja's parameter name (["body", "price"], not
        ["body", "payload", "price"]), as FastAPI reports them."""
        errors = super().validation_error_from_error_contexts(error_contexts).errors
        inputs = [
            error.get("input")
            for context in error_contexts
            for error in context.pydantic_validation_error.errors(include_url=False)
        ]
        for error, value in zip(errors, inputs, strict=True):  # Ninja's, one per pydantic error, in order
            loc = list(error["loc"])
            if loc[:2] == ["body", "payload"]:
                del loc[1]
            error["loc"] = loc
            error["input"] = value
        return ValidationError(errors)


def echo_inputs(request, errors: list[dict]) -> None:
    """Each error's `input` as the client sent it, JSON-safe. Where pydantic
    reports Ninja's wrapper of a body object (the object missing a field), the
    object itself, read from the body at that place."""
    for error in errors:
        value = error.get("input")
        if isinstance(value, DjangoGetter):
            value = _body_at(request, error["loc"][1:-1] if error["type"] == "missing" else error["loc"][1:])
        if error["loc"] == ["body"] and error["type"] == "missing":
            value = None  # no body at all, as FastAPI reports it
        error["input"] = _json_safe(value)


def _body_at(request, path: list) -> object:
    """The part of the JSON body at `path` (keys and indexes), or None."""
    try:
        value = json.loads(request.body)
        for step in path:
            value = value[step]
    except (ValueError, LookupError, TypeError):
        return None
    return value


api = RegistryAPI(
    title="Restart Registry API",
    version=__version__,
    description=(
        "Wishlist items and WordPress-backed gift registries for the Restart Registry plugin.\n\n"
        "**First, click Authorize** and enter HTTP Basic credentials: a WordPress login as the username "
        "and one of that user's application passwords (WordPress: *Users → Profile → Application "
        "Passwords*) as the password. The ordinary WordPress password is refused. Every route but `/`, "
        '`/health` and `/health/ready` needs them; without them "Try it out" answers 401. An '
        "administrator's login may use every route; other users are held to the registries' access rules.\n\n"
        "The reference, with the access rules and every error, is `docs/api.md` in the repository."
    ),
    auth=ApiAuth(),
    docs_url="/docs",
    docs=SwaggerDocs(settings={"validatorUrl": None}),
    docs_decorator=docs_view,
    openapi_url="/openapi.json",
)

api.add_router("/items", items_router)
api.add_router("/registries", registries_router)
api.add_router("/registries", registry_items_router)


# Async: they touch nothing synchronous, so Django runs them on the event loop,
# without a hand-off to the requests' thread.
@api.get("/", auth=None, tags=["health"], summary="Welcome message")
async def root(request):
    return {"message": "Welcome to AWS Lambda FastAPI"}


@api.get("/health", auth=None, tags=["health"], summary="Liveness check")
async def health(request):
    return {"status": "healthy", "service": "aws-lambda-fastapi"}


@api.get(
    "/health/ready",
    auth=None,
    tags=["health"],
    response={200: readiness.ReadinessOut, 503: readiness.NotReadyOut},
    summary="Readiness check",
)
def ready(request):
    """200 when the database is reachable and migrated and WordPress answers
    as WordPress; else 503. No credentials needed, no secrets answered."""
    state = readiness.check()
    return Status(200 if state.ready else 503, state.as_json())


# Ninja registers its own handlers for these; each goes to the one mapping instead.
@api.exception_handler(ValidationError)
@api.exception_handler(AuthenticationError)
@api.exception_handler(HttpError)
@api.exception_handler(Http404)
@api.exception_handler(Exception)
def error_response(request, exc: Exception):
    if isinstance(exc, ValidationError):
        echo_inputs(request, exc.errors)
    known = errors.answer(exc)
    if known is None:
        aws_context = getattr(request, "scope", {}).get("aws.context")
        request_id = getattr(aws_context, "aws_request_id", None) or uuid.uuid4().hex
        logger.exception("unhandled error in %s %s (request id %s)", request.method, request.path, request_id)
        known = errors.Answer(500, "Internal server error")
    response = api.create_response(request, {"detail": known.detail}, status=known.status)
    for name, value in known.headers.items():
        response[name] = value
    return response
