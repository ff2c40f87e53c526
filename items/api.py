"""The /items routes (docs/api.md, "Items", "Purchases"; D1, D2), and those of a
registry's items under /registries ("Items of a registry", "Affiliate links"; D4)."""

from ninja import Query, Router, Status

from . import gifts, purchases, registry_items, reservations, services
from .responses import envelope, item_list, written
from .schemas import (
    AffiliateOut,
    AffiliateUpdate,
    ErrorDetail,
    GiftOut,
    GiftUpdate,
    ItemCreate,
    ItemEnvelope,
    ItemRegistryCreate,
    ItemUpdate,
    ItemView,
    PurchaseRequest,
    ReservationEnvelope,
    ReservationOut,
    ReservationRequest,
)

# request.auth is the Caller (registry_api.auth); administrators never need WordPress for items.
router = Router(tags=["items"])
# Mounted at /registries beside the registries app's own routes.
registry_router = Router(tags=["registries"])

# The item's registry's post password, if it has one (docs/api.md, "Password-protected registries").
PASSWORD = Query(None, description="The item's registry's WordPress post password, if it has one")
REGISTRY_PASSWORD = Query(None, description="The registry's WordPress post password, if it has one")


@router.get("", response=list[ItemView], summary="List active items of the caller's registries (all: administrators)")
def list_items(request, skip: int = 0, limit: int = 100):
    return item_list(services.list_items(request.auth, skip, limit))


@router.post("", response={201: ItemEnvelope}, summary="Create an item (registry owner or administrator)")
def create_item(request, payload: ItemCreate):
    return envelope(services.create_item(request.auth, payload), "Item created successfully", status=201)


@router.get("/{item_id}", response=ItemEnvelope, summary="Get an active item (anyone who may read its registry)")
def get_item(request, item_id: int, password: str | None = PASSWORD):
    return envelope(services.get_item(request.auth, item_id, password=password))


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
def record_purchase(request, item_id: int, payload: PurchaseRequest, password: str | None = PASSWORD):
    purchase = purchases.record_purchase(request.auth, item_id, payload, password=password)
    return envelope(purchase, "Purchase recorded")


# --- /items/{item_id}/reservations (D10) ---------------------------------------------------


@router.post(
    "/{item_id}/reservations",
    response={201: ReservationEnvelope, 409: ErrorDetail},
    summary="Hold units of an item before buying (anyone who may read the registry)",
)
def reserve(request, item_id: int, payload: ReservationRequest, password: str | None = PASSWORD):
    reservation = reservations.reserve(request.auth, item_id, payload.quantity, password=password)
    return written(ReservationEnvelope(data=reservation, message="Item reserved"), status=201)


@router.get(
    "/{item_id}/reservations",
    response=list[ReservationOut],
    summary="The caller's active reservations on an item, oldest first (administrators: everyone's)",
)
def list_reservations(request, item_id: int, password: str | None = PASSWORD):
    return reservations.list_reservations(request.auth, item_id, password=password)


@router.delete(
    "/{item_id}/reservations/{reservation_id}",
    response=ReservationEnvelope,
    summary="Cancel a reservation (its maker or an administrator)",
)
def cancel_reservation(request, item_id: int, reservation_id: int, password: str | None = PASSWORD):
    reservation = reservations.cancel_reservation(request.auth, item_id, reservation_id, password=password)
    return written(ReservationEnvelope(data=reservation, message="Reservation cancelled"))


# --- /registries/{registry_id}/items ----------------------------------------------------


@registry_router.get(
    "/{registry_id}/items", response=list[ItemView], summary="List a registry's active items, oldest first"
)
def list_registry_items(request, registry_id: int, password: str | None = REGISTRY_PASSWORD):
    return item_list(registry_items.list_registry_items(request.auth, registry_id, password=password))


@registry_router.post("/{registry_id}/items", response={201: ItemEnvelope}, summary="Add an item to a registry")
def add_registry_item(request, registry_id: int, payload: ItemRegistryCreate):
    item = registry_items.add_registry_item(request.auth, registry_id, payload)
    return envelope(item, "Item added to registry", status=201)


@registry_router.delete(
    "/{registry_id}/items/{item_id}", response={204: None}, summary="Remove an item from a registry"
)
def remove_registry_item(request, registry_id: int, item_id: int):
    registry_items.remove_registry_item(request.auth, registry_id, item_id)
    return Status(204, None)


AFFILIATE_PATH = "/{registry_id}/items/{item_id}/affiliate"


@registry_router.get(AFFILIATE_PATH, response=AffiliateOut, summary="Get an item's affiliate link")
def get_affiliate(request, registry_id: int, item_id: int):
    return registry_items.get_affiliate(request.auth, registry_id, item_id)


@registry_router.put(AFFILIATE_PATH, response=AffiliateOut, summary="Set an item's affiliate link")
def set_affiliate(request, registry_id: int, item_id: int, payload: AffiliateUpdate):
    return registry_items.set_affiliate(request.auth, registry_id, item_id, payload)


@registry_router.delete(AFFILIATE_PATH, response={204: None}, summary="Remove an item's affiliate link")
def clear_affiliate(request, registry_id: int, item_id: int):
    registry_items.clear_affiliate(request.auth, registry_id, item_id)
    return Status(204, None)


# --- /registries/{registry_id}/gifts (D11) -----------------------------------------------


@registry_router.get(
    "/{registry_id}/gifts",
    response=list[GiftOut],
    by_alias=True,
    summary="The thank-you list: purchases of the registry's items, newest first (owner and administrators)",
)
def list_gifts(request, registry_id: int):
    return gifts.list_gifts(request.auth, registry_id)


@registry_router.patch(
    "/{registry_id}/gifts/{gift_id}",
    response=GiftOut,
    by_alias=True,
    summary="Mark a gift thanked, or not (owner and administrators)",
)
def mark_thanked(request, registry_id: int, gift_id: int, payload: GiftUpdate):
    return gifts.mark_thanked(request.auth, registry_id, gift_id, payload.thanked)
