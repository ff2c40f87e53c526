from django.db import migrations, models

import items.models
from items.table import CreateOrAdoptItemsTable


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        CreateOrAdoptItemsTable(
            name="Item",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("registry_id", models.BigIntegerField(blank=True, null=True)),
                ("name", models.TextField()),
                ("description", models.TextField(blank=True, null=True)),
                ("url", models.TextField()),
                ("retailer", models.TextField(blank=True, null=True)),
                ("affiliate_url", models.TextField(blank=True, null=True)),
                ("affiliate_status", models.TextField(blank=True, null=True)),
                ("image_url", models.TextField(blank=True, null=True)),
                ("notes", models.TextField(blank=True, null=True)),
                ("price", models.FloatField(blank=True, null=True)),
                ("quantity_needed", models.IntegerField(db_default=1)),
                ("quantity_purchased", models.IntegerField(db_default=0)),
                ("is_active", models.BooleanField(db_default=True, null=True)),
                ("created_at", models.DateTimeField(db_default=items.models.CurrentTimestamp())),
                ("updated_at", models.DateTimeField(db_default=items.models.CurrentTimestamp())),
            ],
            options={
                "db_table": "items",
                "indexes": [models.Index(fields=["registry_id"], name="idx_items_registry_id")],
            },
        ),
    ]
