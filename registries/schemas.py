"""Request and response bodies of the registry routes (docs/api.md, "Registries", "Items of a registry"; D3).

Request bodies carry v1.0.x's limits. Responses carry none: a post that
WordPress or its plugin stored beyond them (a long rendered title, a long
event type) is still answered (D3).
"""

from ninja import Schema
from pydantic import ConfigDict, Field

from core.schema_types import ApiDateTime, TextSchema


class RegistryMetaIn(TextSchema):
    invitees: list[str] = []
    item_ids: list[int] = []
    event_type: str | None = Field(default=None, max_length=100)
    event_date: str | None = None  # "ISO date" by convention only
    is_for_self: bool = True
    recipient_name: str | None = Field(default=None, max_length=100)
    recipient_relationship: str | None = Field(default=None, max_length=100)
    recipient_email: str | None = Field(default=None, max_length=200)  # not checked as an address


class RegistryCreate(TextSchema):
    # What /docs offers for "Try it out" (tests/registry_api/test_request_examples.py sends it).
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Sam & Alex's Wedding",
                    "username": "alice",
                    "is_private": False,
                    "story": "We are getting married in June!",
                    "meta": {"event_type": "wedding", "event_date": "2027-06-12", "is_for_self": True},
                }
            ]
        }
    )

    title: str = Field(min_length=1, max_length=200)
    # Required by v1.0.x clients, and ignored: the owner is always the caller.
    username: str = Field(min_length=1, max_length=100)
    is_private: bool = False
    story: str | None = Field(None, max_length=2000)
    meta: RegistryMetaIn = RegistryMetaIn()


class RegistryUpdate(TextSchema):
    """PATCH: a field absent or null is left as it is; in `meta`, only the
    sub-fields sent are written (D4)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"story": "We moved the date to July.", "meta": {"event_date": "2027-07-10"}}]}
    )

    title: str | None = Field(None, min_length=1, max_length=200)
    is_private: bool | None = None
    story: str | None = Field(None, max_length=2000)
    meta: RegistryMetaIn | None = None


class RegistryMetaOut(Schema):
    invitees: list[str]
    item_ids: list[int]
    event_type: str | None
    event_date: str | None
    is_for_self: bool
    recipient_name: str | None
    recipient_relationship: str | None
    recipient_email: str | None


class RegistryOut(Schema):
    id: int
    title: str
    username: str  # the owner's WordPress user id, as a string
    is_private: bool
    story: str | None
    meta: RegistryMetaOut
    created_at: ApiDateTime | None  # WordPress's site-local time
    updated_at: ApiDateTime | None


class InviteRequest(TextSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"invitees": ["bob", "carol@example.com"]}]})

    # Usernames or e-mail addresses, not checked (v1.0.x).
    invitees: list[str] = Field(min_length=1)


class InviteesOut(Schema):
    invitees: list[str]
