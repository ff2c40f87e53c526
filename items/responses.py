"""The HTTP responses that carry items (docs/api.md, "The item") and reservations, for the item and registry routes.

Item bodies are written by pydantic-core in one pass, returned as the
HttpResponse Ninja passes on: Ninja would validate them again (a list row by
row, through Python) and write them with json.dumps. The routes' `response=`
still documents them in the OpenAPI schema.
"""

from django.http import HttpResponse
from ninja.renderers import JSONRenderer
from pydantic import BaseModel

from .schemas import ITEM_LIST, ItemEnvelope, ItemView

JSON = f"{JSONRenderer.media_type}; charset={JSONRenderer.charset}"  # the Content-Type of Ninja's own answers


def item_list(items: list[ItemView]) -> HttpResponse:
    return HttpResponse(ITEM_LIST.dump_json(items), content_type=JSON)


def envelope(item: ItemView, message: str | None = None, *, status: int = 200) -> HttpResponse:
    return written(ItemEnvelope(data=item, message=message), status=status)


def written(body: BaseModel, *, status: int = 200) -> HttpResponse:
    """Any answer's model, written by pydantic-core as it stands."""
    return HttpResponse(body.model_dump_json(), status=status, content_type=JSON)
