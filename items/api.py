"""The /items routes (docs/api.md, "Items", "Purchases"; D1, D2)."""

from django.http import HttpResponse
from ninja import Router
from ninja.renderers import JSONRenderer

from . import services
from .schemas import ITEM_LIST, ErrorDetail, ItemCreate, ItemEnvelope, ItemUpdate, ItemView, PurchaseRequest

# request.auth is the Caller (registry_api.auth); administrators never need WordPress for items.
router = Router(tags=["items"])

JSON = f"{JSONRenderer.media_type}; charset={JSONRenderer.charset}"  # the Content-Type of Ninja's own answers

# Item bodies are written by pydantic-core in one pass, returned as the
# HttpResponse Ninja passes on: Ninja would validate them again (a list row by
# row, through Python) and write them with json.dumps. `response=` still
# documents them in the OpenAPI schema.


def item_list(items: list[ItemView]) -> HttpResponse:
    return HttpResponse(ITEM_LIST.dump_json(items), content_type=JSON)


def envelope(item: ItemView, message: str | None = None, *, status: int = 200) -> HttpResponse:
    return HttpResponse(ItemEnvelope(data=item, message=message).model_dump_json(), status=status, content_type=JSON)


@router.get("", response=list[ItemView], summary="List active items of the caller's registries (all: administrators)")
def list_items(request, skip: int = 0, limit: int = 100):
    return item_list(services.list_items(request.auth, skip, limit))


@router.post("", response={201: ItemEnvelope}, summary="Create an item (registry owner or administrator)")
def create_item(request, payload: ItemCreate):
    return envelope(services.create_item(request.auth, payload), "Item created successfully", status=201)


@router.get("/{item_id}", response=ItemEnvelope, summary="Get an active item (anyone who may read its registry)")
def get_item(request, item_id: int):
    return envelope(services.get_item(request.auth, item_id))


@router.put("/{item_id}", response=ItemEnvelope, summary="Update an item's keys sent (registry owner or administrator)")
def update_item(request, item_id: int, payload: ItemUpdate):
    item, changed = services.update_item(request.auth, item_id, payload)
    return envelope(item, "Item updated successfully" if changed else None)


@router.delete("/{item_id}", response=ItemEnvelope, summary="Soft-delete an item (registry owner or administrator)")
def delete_item(request, item_id: int):
    return envelope(services.delete_item(request.auth, item_id), "Item deleted successfully")


@router.post(
    "/{item_id}/purchase",
    response={200: ItemEnvelope, 409: ErrorDetail},
    summary="Record a purchase atomically (anyone who may read the registry); negative quantity: undo (owner and administrators any, others their own)",
)
def record_purchase(request, item_id: int, payload: PurchaseRequest):
    return envelope(services.record_purchase(request.auth, item_id, payload.quantity), "Purchase recorded")
