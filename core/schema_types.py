"""Schema building blocks shared by every app's schemas."""

from datetime import UTC, datetime
from typing import Annotated

from django.db import connection
from ninja import Schema
from pydantic import PlainSerializer, WithJsonSchema, field_validator


def naive_utc_seconds(value: datetime) -> str:
    """v1.0.x's datetime format: naive ISO-8601 to the second, e.g. 2026-04-01T10:00:00."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat()


# Declared as a plain string: the value carries no offset, so it is not an
# RFC 3339 `date-time`.
ApiDateTime = Annotated[
    datetime,
    PlainSerializer(naive_utc_seconds, return_type=str),
    WithJsonSchema({"type": "string", "example": "2026-04-01T10:00:00"}),
]


class TextSchema(Schema):
    """Request schema whose strings must be storable text.

    JSON can carry lone UTF-16 surrogates ("\\ud800") that no database can
    store as UTF-8; they are a 422 here instead of a 500 at the INSERT.
    PostgreSQL's text cannot hold NUL ("\\u0000") either, so on PostgreSQL
    that is a 422 too; SQLite stores it verbatim, as v1.0.x did.
    """

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value):
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    raise ValueError("must be valid Unicode text (no lone surrogates)") from None
                # The engine is read per request, not at import (it comes from
                # DATABASE_URL), and only for a NUL: this runs for every field.
                if "\x00" in text and connection.vendor == "postgresql":
                    raise ValueError("must not contain NUL characters (\\u0000)")
        return value


# The 64-bit id guard: an id beyond a signed 64-bit integer cannot be in any
# table (SQLite's and PostgreSQL's ids are 64-bit), so it is not looked up.
INT64_MAX = 2**63 - 1
INT64_MIN = -INT64_MAX - 1


def fits_int64(value: int) -> bool:
    return INT64_MIN <= value <= INT64_MAX
