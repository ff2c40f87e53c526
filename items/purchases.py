"""Purchases (D2), with the reservations they may use (D10) and the gift notes
they carry (D11).

A purchase changes the item's count in ONE conditional UPDATE whose WHERE
holds the bounds, so concurrent buyers never overwrite each other, and writes
its ledger line in the same transaction. What is left to buy is the units
needed, less those bought and those others hold in active reservations
(`_buy`): reservations, cancellations and purchases of an item take turns at
its row's lock, so nothing is oversold.

Anyone who may read the item may buy it. The registry's owner and
administrators may undo any purchase; anyone else only what they bought
themselves and have not undone yet, which shrinks their newest gifts first.
"""

from typing import Any

from django.db import transaction
from django.db.models import F, Sum

from core.errors import Conflict, NotFound
from registries.rules import Access
from wpauth.caller import Caller

from .models import Item, Purchase, Reservation, lock_item
from .reservations import RESERVATION_NOT_FOUND, usable_reservations
from .schemas import ItemView, PurchaseRequest
from .services import ROWS, access_before_write, first_row, item_not_found, item_row, item_view, only_left


def record_purchase(caller: Caller, item_id: int, data: PurchaseRequest, *, password: str | None = None) -> ItemView:
    """200 with the item as written; 409 (and nothing written) when the count
    would leave 0 ... what is left; 404 for an item the caller may not read,
    and for a `reservation_id` that is not theirs, active, and on this item."""
    granted = access_before_write(caller, item_id, Access.READ, active_only=True, password=password)
    if data.quantity > 0:
        return item_view(_buy(caller, item_id, data), caller.user)
    own_only = granted is not Access.MANAGE
    row = _undo(caller.user.id, item_id, -data.quantity, own_only=own_only)
    if row is None:
        item_row(item_id, active_only=True)  # 404: missing, or deleted
        raise Conflict("Nothing to undo")
    return item_view(row, caller.user)


def _buy(caller: Caller, item_id: int, data: PurchaseRequest) -> dict[str, Any]:
    """The purchase, its ledger line (a gift) and the reservation it used, in
    one transaction: the item's row as written.

    The count's UPDATE is bounded by what is needed; what others' active
    reservations hold is read back with the row it wrote, and a purchase that
    took their units is rolled back. The UPDATE locks the item's row, and every
    reservation is made under that lock (`lock_item`), so the read-back sees
    every reservation made before and none can be made until the commit.
    """
    quantity = data.quantity
    counted = Item.objects.filter(id=item_id, is_active=True, quantity_purchased__lte=F("quantity_needed") - quantity)
    line = Purchase(
        item_id=item_id,
        user_id=caller.user.id,
        quantity=quantity,
        gift_quantity=quantity,
        from_name=data.from_name,
        message=data.message,
        thanked=False,  # given, not the column's default: the INSERT need not return it
    )
    written = ROWS.filter(id=item_id)
    with transaction.atomic():
        held = kept = 0  # what the reservation used holds, before and after the purchase
        if data.reservation_id is not None:
            lock_item(item_id)  # its units cannot change until the commit
            held = _usable_units(caller, item_id, data.reservation_id)
            kept = max(held - quantity, 0)
        if not counted.update(quantity_purchased=F("quantity_purchased") + quantity):
            raise _sold_out(item_id, held)
        line.save()
        if data.reservation_id is not None:
            Reservation.objects.filter(id=data.reservation_id).update(held=kept)
        row = first_row(written)
        if row is None:  # the UPDATE found it, in this transaction
            raise item_not_found(item_id)
        # Units others hold (kept is the buyer's own): beyond what is needed, roll back.
        others = row["quantity_reserved"] - kept
        if row["quantity_purchased"] + others > row["quantity_needed"]:
            raise only_left(row["quantity_needed"] - row["quantity_purchased"] + quantity - others)
    return row


def _usable_units(caller: Caller, item_id: int, reservation_id: int) -> int:
    """What the caller's (any, for an administrator) active reservation on the item holds: else 404."""
    held = first_row(usable_reservations(caller, item_id, reservation_id).values_list("held", flat=True))
    if held is None:
        raise NotFound(RESERVATION_NOT_FOUND)
    return held


def _sold_out(item_id: int, held: int) -> Exception:
    """Why the count's UPDATE found nothing: 404 for an item gone or deleted
    meanwhile, else 409 `Only K left` (what others' reservations leave; the
    buyer's own, `held`, is theirs to take)."""
    item = first_row(ROWS.filter(id=item_id, is_active=True))
    if item is None:
        return item_not_found(item_id)
    return only_left(item["quantity_needed"] - item["quantity_purchased"] - (item["quantity_reserved"] - held))


def _undo(user_id: int, item_id: int, quantity: int, *, own_only: bool) -> dict[str, Any] | None:
    """Take `quantity` back: the item's row as written; None (and nothing
    written) when the count would go below 0, when the item is missing or
    inactive, or when an `own_only` undo exceeds what the user bought and has
    not undone. An `own_only` undo shrinks the user's newest gifts first; a
    manager's changes no gift."""
    counted = Item.objects.filter(id=item_id, is_active=True, quantity_purchased__gte=quantity)
    line = Purchase(item_id=item_id, user_id=user_id, quantity=-quantity)
    written = ROWS.filter(id=item_id)
    with transaction.atomic():
        if own_only:
            # Concurrent purchases of the item wait: the user's sum cannot
            # change between this check and the update.
            lock_item(item_id)
            if _undoable(item_id, user_id) < quantity:
                return None
        if not counted.update(quantity_purchased=F("quantity_purchased") - quantity):
            return None
        line.save()
        if own_only:
            _shrink_gifts(item_id, user_id, quantity)
        return first_row(written)


def _undoable(item_id: int, user_id: int) -> int:
    """How much of the item `user_id` may still undo: what they bought and have
    not undone, less every undo of someone else beyond what that person bought.

    The ledger does not say whose purchase an owner's or administrator's undo
    took back; counting it against every buyer's allowance means nobody can
    ever undo a purchase that is not theirs, whoever the manager's undo hit.
    """
    nets = Purchase.objects.filter(item_id=item_id).values("user_id").annotate(net=Sum("quantity"))
    own = sum(line["net"] for line in nets if line["user_id"] == user_id)
    overdrawn_by_others = sum(min(line["net"], 0) for line in nets if line["user_id"] != user_id)
    return own + overdrawn_by_others


def _shrink_gifts(item_id: int, user_id: int, quantity: int) -> None:
    """Take `quantity` off the user's gifts of the item, their newest first."""
    gifts = Purchase.objects.filter(item_id=item_id, user_id=user_id, gift_quantity__gt=0).order_by("-id")
    for gift_id, kept in gifts.values_list("id", "gift_quantity"):
        taken = min(kept, quantity)
        Purchase.objects.filter(id=gift_id).update(gift_quantity=kept - taken)
        quantity -= taken
        if not quantity:
            return
