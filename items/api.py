"""The /items routes (docs/api.md, "Items", "Purchases"; D1, D2)."""

from ninja import Router

from . import services
from .responses import envelope, item_list
from .schemas import ErrorDetail, ItemCreate, ItemEnvelope, ItemUpdate, ItemView, PurchaseRequest

# request.auth is the Caller (registry_api.auth); administrators never need WordPress for items.
router = Router(tags=["items"])


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
