"""Reservations (D10): units of an item a caller holds for a while before buying.

Anyone who may read the item may reserve what is left of it: the units
needed, less those bought and those active reservations hold. A reservation
is made under the item's row lock (`lock_item`), as purchases are, so the two
never oversell together. It expires by itself (RESERVATION_TTL): an expired
one counts for nothing, with no job to run. Its maker and administrators see
and cancel it; who made it is never shown to anyone else.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Now
from django.utils import timezone

from core.errors import NotFound
from core.schema_types import fits_int64
from registries.rules import Access
from wpauth.caller import Caller

from . import access
from .models import Reservation, ReservationQuerySet, lock_item
from .schemas import ReservationOut
from .services import ITEMS, access_before_write, first_row, item_not_found, only_left, readable_item

RESERVATION_NOT_FOUND = "Reservation not found"
FIELDS = ("id", "item_id", "held", "expires_at")


def reserve(caller: Caller, item_id: int, quantity: int, *, password: str | None = None) -> ReservationOut:
    """201 with the reservation; 409 `Only K left` (and nothing written) beyond what is left."""
    access_before_write(caller, item_id, Access.READ, active_only=True, password=password)
    expires_at = timezone.now().replace(microsecond=0) + timedelta(seconds=settings.RESERVATION_TTL)
    reservation = Reservation(item_id=item_id, user_id=caller.user.id, quantity=quantity, held=quantity,
                              expires_at=expires_at)  # fmt: skip
    counts = ITEMS.filter(id=item_id, is_active=True).values_list(
        "quantity_needed", "quantity_purchased", "quantity_reserved"
    )
    with transaction.atomic():
        lock_item(item_id)
        item = first_row(counts)
        if item is None:
            raise item_not_found(item_id)  # an administrator's, missing or deleted
        needed, purchased, reserved = item
        if quantity > needed - purchased - reserved:
            raise only_left(needed - purchased - reserved)
        reservation.save()
    return _view({"id": reservation.id, "item_id": item_id, "held": quantity, "expires_at": expires_at})


def list_reservations(caller: Caller, item_id: int, *, password: str | None = None) -> list[ReservationOut]:
    """The caller's active reservations on the item (administrators: everyone's), oldest first."""
    readable_item(caller, item_id, password=password)
    rows = usable_reservations(caller, item_id).order_by("id")
    return [_view(row) for row in rows.values(*FIELDS)]


def cancel_reservation(
    caller: Caller, item_id: int, reservation_id: int, *, password: str | None = None
) -> ReservationOut:
    """The reservation as it was, now holding nothing; 404 `Reservation not
    found` for one that is not the caller's (any, for administrators), active,
    and on this item."""
    readable_item(caller, item_id, password=password)
    found = usable_reservations(caller, item_id, reservation_id)
    with transaction.atomic():
        # The item's lock, as purchases take it before they read the reservation
        # they use: one of them and the cancellation take turns (a purchase that
        # read it before would otherwise take its units back after the cancellation).
        lock_item(item_id)
        row = first_row(found.values(*FIELDS))
        if row is None:
            raise NotFound(RESERVATION_NOT_FOUND)
        found.update(held=0, cancelled_at=Now())
    return _view(row)


def usable_reservations(caller: Caller, item_id: int, reservation_id: int | None = None) -> ReservationQuerySet:
    """The item's active reservations the caller may see, cancel and buy with:
    their own, or anyone's for an administrator; only `reservation_id`, if given."""
    found = Reservation.objects.active(item_id=item_id)
    if not access.manages_every_registry(caller):
        found = found.filter(user_id=caller.user.id)
    if reservation_id is not None:
        # An id beyond the database's integers cannot exist (and must not reach SQL).
        found = found.filter(id=reservation_id) if fits_int64(reservation_id) else found.none()
    return found


def _view(row: dict[str, Any]) -> ReservationOut:
    return ReservationOut(id=row["id"], item_id=row["item_id"], quantity=row["held"], expires_at=row["expires_at"])
