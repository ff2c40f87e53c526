"""The /registries routes (docs/api.md, "Registries", "Items of a registry"; D1, D3, D4, D5)."""

from django.http import HttpResponse
from ninja import Query, Router, Status

from items.responses import envelope, item_list
from items.schemas import ItemEnvelope, ItemRegistryCreate, ItemView

from . import services
from .schemas import (
    AffiliateOut,
    AffiliateUpdate,
    InviteesOut,
    InviteRequest,
    RegistryCreate,
    RegistryOut,
    RegistryUpdate,
)

# request.auth is the Caller (registry_api.auth): WordPress is asked with its credentials.
router = Router(tags=["registries"])

# A password-protected registry's post password, as WordPress's REST API takes it: the
# routes that read a registry take it (docs/api.md, "Password-protected registries").
PASSWORD = Query(None, description="The registry's WordPress post password, if it has one")


@router.get("", response=list[RegistryOut], summary="List the caller's registries")
def list_registries(
    request, response: HttpResponse, page: int = Query(1, ge=1), per_page: int = Query(10, ge=1, le=100)
):
    found = services.list_registries(request.auth, page, per_page)
    response["X-WP-Total"] = str(found.total)
    response["X-WP-TotalPages"] = str(found.total_pages)
    return found.registries


@router.post("", response={201: RegistryOut}, summary="Create a registry owned by the caller")
def create_registry(request, payload: RegistryCreate):
    return Status(201, services.create_registry(request.auth, payload))


@router.get("/{registry_id}", response=RegistryOut, summary="Get a registry")
def get_registry(request, registry_id: int, password: str | None = PASSWORD):
    return services.get_registry(request.auth, registry_id, password=password)


@router.patch("/{registry_id}", response=RegistryOut, summary="Update a registry (only the fields sent)")
def update_registry(request, registry_id: int, payload: RegistryUpdate):
    return services.update_registry(request.auth, registry_id, payload)


@router.delete("/{registry_id}", response={204: None}, summary="Delete a registry and its items")
def delete_registry(request, registry_id: int):
    services.delete_registry(request.auth, registry_id)
    return Status(204, None)


@router.get("/{registry_id}/items", response=list[ItemView], summary="List a registry's active items, oldest first")
def list_registry_items(request, registry_id: int, password: str | None = PASSWORD):
    return item_list(services.list_registry_items(request.auth, registry_id, password=password))


@router.post("/{registry_id}/items", response={201: ItemEnvelope}, summary="Add an item to a registry")
def add_registry_item(request, registry_id: int, payload: ItemRegistryCreate):
    item = services.add_registry_item(request.auth, registry_id, payload)
    return envelope(item, "Item added to registry", status=201)


@router.delete("/{registry_id}/items/{item_id}", response={204: None}, summary="Remove an item from a registry")
def remove_registry_item(request, registry_id: int, item_id: int):
    services.remove_registry_item(request.auth, registry_id, item_id)
    return Status(204, None)


@router.get("/{registry_id}/invitees", response=InviteesOut, summary="List a registry's invitees")
def list_invitees(request, registry_id: int, password: str | None = PASSWORD):
    return InviteesOut(invitees=services.list_invitees(request.auth, registry_id, password=password))


@router.post("/{registry_id}/invitees", response=InviteesOut, summary="Invite people to a registry")
def add_invitees(request, registry_id: int, payload: InviteRequest):
    return InviteesOut(invitees=services.add_invitees(request.auth, registry_id, payload.invitees))


# {path:...}: an invitee is free text and may contain a (URL-encoded) slash.
@router.delete("/{registry_id}/invitees/{path:invitee}", response=InviteesOut, summary="Uninvite someone")
def remove_invitee(request, registry_id: int, invitee: str):
    return InviteesOut(invitees=services.remove_invitee(request.auth, registry_id, invitee))


AFFILIATE_PATH = "/{registry_id}/items/{item_id}/affiliate"


@router.get(AFFILIATE_PATH, response=AffiliateOut, summary="Get an item's affiliate link")
def get_affiliate(request, registry_id: int, item_id: int):
    return services.get_affiliate(request.auth, registry_id, item_id)


@router.put(AFFILIATE_PATH, response=AffiliateOut, summary="Set an item's affiliate link")
def set_affiliate(request, registry_id: int, item_id: int, payload: AffiliateUpdate):
    return services.set_affiliate(request.auth, registry_id, item_id, payload)


@router.delete(AFFILIATE_PATH, response={204: None}, summary="Remove an item's affiliate link")
def clear_affiliate(request, registry_id: int, item_id: int):
    services.clear_affiliate(request.auth, registry_id, item_id)
    return Status(204, None)
