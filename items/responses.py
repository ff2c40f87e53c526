"""The HTTP responses that carry items, for the item and registry routes (docs/api.md, "The item").

Item bodies are written by pydantic-core in one pass, returned as the
HttpResponse Ninja passes on: Ninja would validate them again (a list row by
row, through Python) and write them with json.dumps. The routes' `response=`
still documents them in the OpenAPI schema.
"""

from django.http import HttpResponse
from ninja.renderers import JSONRenderer

from .schemas import ITEM_LIST, ItemEnvelope, ItemView

JSON = f"{JSONRenderer.media_type}; charset={JSONRenderer.charset}"  # the Content-Type of Ninja's own answers


def item_list(items: list[ItemView]) -> HttpResponse:
    return HttpResponse(ITEM_LIST.dump_json(items), content_type=JSON)


def envelope(item: ItemView, message: str | None = None, *, status: int = 200) -> HttpResponse:
    return HttpResponse(ItemEnvelope(data=item, message=message).model_dump_json(), status=status, content_type=JSON)
