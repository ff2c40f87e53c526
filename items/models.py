from django.db import models
from django.db.models import Func


class CurrentTimestamp(Func):
    """SQL's CURRENT_TIMESTAMP: whole seconds, like v1.0.x's column defaults and
    trigger. (Django's Now() writes milliseconds on SQLite, so an update within
    the same second would move updated_at backwards.)"""

    template = "CURRENT_TIMESTAMP"
    output_field = models.DateTimeField()


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

    class Meta:
        db_table = "items"
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

    class Meta:
        db_table = "purchases"
        # What one user bought of an item (undo), and an item's lines (its index prefix).
        indexes = [models.Index(fields=["item", "user_id"], name="idx_purchases_item_user")]

    def __str__(self) -> str:
        return f"{self.quantity:+d} of item {self.item_id} by user {self.user_id}"
