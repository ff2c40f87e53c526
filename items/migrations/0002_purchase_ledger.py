"""The purchase ledger (D2). On an existing database (a v1.0.x file adopted by
0001 included) it starts empty and no item's count changes: purchases counted
before it have no line."""

import django.db.models.deletion
from django.db import migrations, models

import items.models


class Migration(migrations.Migration):
    dependencies = [
        ("items", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Purchase",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("user_id", models.BigIntegerField()),
                ("quantity", models.IntegerField()),
                ("created_at", models.DateTimeField(db_default=items.models.CurrentTimestamp())),
                (
                    "item",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="purchases",
                        to="items.item",
                    ),
                ),
            ],
            options={
                "db_table": "purchases",
                "indexes": [models.Index(fields=["item", "user_id"], name="idx_purchases_item_user")],
            },
        ),
    ]
