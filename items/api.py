"""The /items routes (CONTRACT section 3)."""

from ninja import Router, Status

from . import services
from .schemas import ErrorDetail, ItemCreate, ItemEnvelope, ItemUpdate, ItemView, PurchaseRequest

router = Router(tags=["items"])


@router.get("", response=list[ItemView], summary="List active items, newest first")
def list_items(request, skip: int = 0, limit: int = 100):
    return services.list_items(request.auth, skip, limit)


@router.post("", response={201: ItemEnvelope}, summary="Create an item")
def create_item(request, payload: ItemCreate):
    item = services.create_item(request.auth, payload)
    return Status(201, ItemEnvelope(data=item, message="Item created successfully"))


@router.get("/{item_id}", response=ItemEnvelope, summary="Get an active item")
def get_item(request, item_id: int):
    return ItemEnvelope(data=services.get_item(request.auth, item_id))


@router.put("/{item_id}", response=ItemEnvelope, summary="Update an item (only the keys sent)")
def update_item(request, item_id: int, payload: ItemUpdate):
    item, changed = services.update_item(request.auth, item_id, payload)
    return ItemEnvelope(data=item, message="Item updated successfully" if changed else None)


@router.delete("/{item_id}", response=ItemEnvelope, summary="Soft-delete an item")
def delete_item(request, item_id: int):
    return ItemEnvelope(data=services.delete_item(request.auth, item_id), message="Item deleted successfully")


@router.post(
    "/{item_id}/purchase",
    response={200: ItemEnvelope, 409: ErrorDetail},
    summary="Record a purchase atomically (negative quantity: undo)",
)
def record_purchase(request, item_id: int, payload: PurchaseRequest):
    item = services.record_purchase(request.auth, item_id, payload.quantity)
    return ItemEnvelope(data=item, message="Purchase recorded")
