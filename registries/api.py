"""The /registries routes (docs/api.md, "Registries", "Invitees"; D1, D3, D4, D5); a registry's
items have theirs in the items app."""

from django.http import HttpResponse
from ninja import Query, Router, Status

from . import services
from .schemas import (
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
