"""Reservations (D10) and gifts (D11). The ledger's purchase lines become
gifts, with no note: each keeps what its buyer did not undo later, their
newest purchase undone first. No item's count changes."""

import django.db.models.deletion
from django.db import migrations, models

import items.models


def gifts_from_ledger(apps, schema_editor):
    """Replay each buyer's lines of each item in order: a purchase adds a gift,
    an undo shrinks their newest gifts first. (The ledger does not say whether
    an undo was the buyer's own; a manager's undo of their own purchase is one.)"""
    Purchase = apps.get_model("items", "Purchase")
    gifts: dict[tuple[int, int], list[list[int]]] = {}  # (item, user) -> [[line id, quantity kept]]
    for line_id, item_id, user_id, quantity in Purchase.objects.order_by("id").values_list(
        "id", "item_id", "user_id", "quantity"
    ):
        kept = gifts.setdefault((item_id, user_id), [])
        if quantity > 0:
            kept.append([line_id, quantity])
            continue
        undone = -quantity
        for gift in reversed(kept):
            taken = min(gift[1], undone)
            gift[1] -= taken
            undone -= taken
    for kept in gifts.values():
        for line_id, quantity in kept:
            if quantity:
                Purchase.objects.filter(id=line_id).update(gift_quantity=quantity)


class Migration(migrations.Migration):
    dependencies = [
        ("items", "0002_purchase_ledger"),
    ]

    operations = [
        migrations.AddField(
            model_name="purchase",
            name="from_name",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="purchase",
            name="message",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="purchase",
            name="gift_quantity",
            field=models.IntegerField(db_default=0),
        ),
        migrations.AddField(
            model_name="purchase",
            name="thanked",
            field=models.BooleanField(db_default=False),
        ),
        migrations.RunPython(gifts_from_ledger, migrations.RunPython.noop, elidable=True),
        migrations.CreateModel(
            name="Reservation",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("user_id", models.BigIntegerField()),
                ("quantity", models.IntegerField()),
                ("held", models.IntegerField()),
                ("expires_at", models.DateTimeField()),
                ("created_at", models.DateTimeField(db_default=items.models.CurrentTimestamp())),
                ("cancelled_at", models.DateTimeField(blank=True, null=True)),
                (
                    "item",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reservations",
                        to="items.item",
                    ),
                ),
            ],
            options={
                "db_table": "reservations",
                "indexes": [models.Index(fields=["item", "user_id"], name="idx_reservations_item_user")],
            },
        ),
    ]
