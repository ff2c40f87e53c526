from typing import Any

from django.db import connection, models
from django.db.models import Func
from django.db.models.expressions import RawSQL

ITEMS_TABLE, RESERVATIONS_TABLE = "items", "reservations"


class CurrentTimestamp(Func):
    """SQL's CURRENT_TIMESTAMP: whole seconds, like v1.0.x's column defaults and
    trigger. (Django's Now() writes milliseconds on SQLite, so an update within
    the same second would move updated_at backwards.)"""

    template = "CURRENT_TIMESTAMP"
    output_field = models.DateTimeField()


# An item's active reservations' units: `ReservationQuerySet.active()`'s rule
# (a `held` of 0 adds nothing to the sum), in SQL both engines read. RawSQL:
# the ORM's Subquery would be built and compiled again at every item read
# (bench/README.md); this is one string. The outer table is `items` itself:
# only `with_reserved()` on a top-level Item query uses it.
RESERVED_UNITS = RawSQL(
    f"SELECT COALESCE(SUM(held), 0) FROM {RESERVATIONS_TABLE}"
    f" WHERE {RESERVATIONS_TABLE}.item_id = {ITEMS_TABLE}.id AND {RESERVATIONS_TABLE}.expires_at > CURRENT_TIMESTAMP",
    (),
    output_field=models.IntegerField(),
)


class ItemQuerySet(models.QuerySet):
    def with_reserved(self) -> "ItemQuerySet":
        """Each item with `quantity_reserved`, its active reservations' units, in
        the same query (a subquery per row, on the reservations' index)."""
        return self.annotate(quantity_reserved=RESERVED_UNITS)


def lock_item(item_id: int) -> None:
    """Lock the item's row (PostgreSQL) until the transaction ends, so that
    what the transaction reads next is what it writes on: what is left of an
    item depends on two tables. SQLite needs no lock: its transactions (BEGIN
    IMMEDIATE) hold the whole database already."""
    if connection.features.has_select_for_update:
        list(Item.objects.select_for_update().filter(id=item_id).values_list("id"))


class Item(models.Model):
    """One wishlist item, on the `items` table that v1.0.x created (its `init_db()`; adopted by `table.py`, D8).

    `updated_at` is refreshed by a database trigger on every UPDATE (as in
    v1.0.x), so raw SQL and queryset updates move it too.
    """

    id = models.BigAutoField(primary_key=True)
    # The WordPress post id of the registry; no foreign key (the post lives in WordPress).
    registry_id = models.BigIntegerField(null=True, blank=True)
    name = models.TextField()
    description = models.TextField(null=True, blank=True)
    url = models.TextField()
    retailer = models.TextField(null=True, blank=True)
    affiliate_url = models.TextField(null=True, blank=True)
    affiliate_status = models.TextField(null=True, blank=True)
    image_url = models.TextField(null=True, blank=True)
    notes = models.TextField(null=True, blank=True)
    price = models.FloatField(null=True, blank=True)
    quantity_needed = models.IntegerField(db_default=1)
    quantity_purchased = models.IntegerField(db_default=0)
    # Soft delete: rows are never removed. Nullable as in v1.0.x's schema.
    is_active = models.BooleanField(null=True, db_default=True)
    created_at = models.DateTimeField(db_default=CurrentTimestamp())
    updated_at = models.DateTimeField(db_default=CurrentTimestamp())

    objects = ItemQuerySet.as_manager()

    class Meta:
        db_table = ITEMS_TABLE
        indexes = [models.Index(fields=["registry_id"], name="idx_items_registry_id")]

    def __str__(self) -> str:
        return f"#{self.id} {self.name}"


class Purchase(models.Model):
    """One line of the purchase ledger (D2): who bought how many of an item, and
    when; a negative quantity undoes.

    POST /items/{id}/purchase writes it in the transaction that changes the
    item's count. The ledger began empty: purchases counted before it (v1.0.x,
    or the WordPress plugin's PUT quantity_purchased) have no line. Who bought
    is for administrators (the Django admin) only, never shown to the
    registry's owner: gifts are surprises.
    """

    id = models.BigAutoField(primary_key=True)
    # Items are never deleted (soft delete), and never while they hold purchases.
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="purchases", db_index=False)
    user_id = models.BigIntegerField()  # the WordPress user id of the buyer (or of whoever undid)
    quantity = models.IntegerField()
    created_at = models.DateTimeField(db_default=CurrentTimestamp())
    # The gift (D11): a purchase line is one, with the buyer's note to the
    # registry's owner. `gift_quantity` is what the buyer still gives: the
    # quantity, less what they undid later (their newest gifts first); 0 on undo lines.
    from_name = models.TextField(null=True, blank=True)
    message = models.TextField(null=True, blank=True)
    gift_quantity = models.IntegerField(db_default=0)
    thanked = models.BooleanField(db_default=False)

    class Meta:
        db_table = "purchases"
        # What one user bought of an item (undo), and an item's lines (its index prefix).
        indexes = [models.Index(fields=["item", "user_id"], name="idx_purchases_item_user")]

    def __str__(self) -> str:
        return f"{self.quantity:+d} of item {self.item_id} by user {self.user_id}"


class ReservationQuerySet(models.QuerySet):
    def active(self, **conditions: Any) -> "ReservationQuerySet":
        """Those that hold units now (neither expired, cancelled nor used up), and meet `conditions`."""
        return self.filter(held__gt=0, expires_at__gt=CurrentTimestamp(), **conditions)


class Reservation(models.Model):
    """Units of an item a caller holds before buying (D10). Active while it
    holds any and `expires_at` is ahead: an expired one counts for nothing,
    with no job to remove it. Rows are kept (cancelled, used up or expired)
    for the admin; who reserved is for administrators and the reserver only.
    """

    id = models.BigAutoField(primary_key=True)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="reservations", db_index=False)
    user_id = models.BigIntegerField()  # the WordPress user id of the reserver
    quantity = models.IntegerField()  # as reserved
    held = models.IntegerField()  # still held: less what purchases took, 0 once cancelled
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(db_default=CurrentTimestamp())
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        db_table = RESERVATIONS_TABLE
        # An item's reservations (the units they hold), and a caller's among them.
        indexes = [models.Index(fields=["item", "user_id"], name="idx_reservations_item_user")]

    def __str__(self) -> str:
        return f"{self.held} of item {self.item_id} for user {self.user_id}"
