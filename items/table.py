"""The `items` table on disk: created fresh, or adopted from a v1.0.x database (D8).

v1.0.x created and migrated the table itself (schema versions 0 to 5, recorded
in its own `schema_migrations` table). Django's migrations own it now; the
first one either creates the table or brings an existing v1.0.x table to the
final v1.0.x shape in place, keeping every row and id. On SQLite both paths
end with the very DDL v1.0.x used, so old and new deployments share one schema.
"""

from django.db import migrations
from django.db.migrations.exceptions import IrreversibleError

from .models import ITEMS_TABLE

TABLE = ITEMS_TABLE
TRIGGER = "update_items_timestamp"
INDEX = "idx_items_registry_id"

SQLITE_CREATE_TABLE = """
CREATE TABLE {table} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    registry_id INTEGER,
    name TEXT NOT NULL,
    description TEXT,
    url TEXT NOT NULL,
    retailer TEXT,
    affiliate_url TEXT,
    affiliate_status TEXT,
    image_url TEXT,
    notes TEXT,
    price REAL,
    quantity_needed INTEGER NOT NULL DEFAULT 1,
    quantity_purchased INTEGER NOT NULL DEFAULT 0,
    is_active INTEGER DEFAULT 1,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
)"""

# Columns v1.0.x migrations 1 to 5 added to the original table, in order.
SQLITE_ADDED_COLUMNS = [
    ("url", "TEXT NOT NULL DEFAULT ''"),
    ("retailer", "TEXT"),
    ("affiliate_status", "TEXT"),
    ("quantity_needed", "INTEGER NOT NULL DEFAULT 1"),
    ("quantity_purchased", "INTEGER NOT NULL DEFAULT 0"),
    ("registry_id", "INTEGER"),
    ("affiliate_url", "TEXT"),
    ("image_url", "TEXT"),
    ("notes", "TEXT"),
]

SQLITE_TRIGGER = f"""
CREATE TRIGGER IF NOT EXISTS {TRIGGER} AFTER UPDATE ON {TABLE}
BEGIN
    UPDATE {TABLE} SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END"""

# PostgreSQL's CURRENT_TIMESTAMP is the start of the transaction: several
# updates in one transaction would all get the same updated_at. The start of
# the UPDATE statement moves on every update, as SQLite's trigger does, and is
# never earlier than created_at (CURRENT_TIMESTAMP of the inserting transaction).
POSTGRESQL_TRIGGER = [
    f"""CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger AS $$
    BEGIN
        NEW.updated_at = statement_timestamp();
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}",
    f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()",
]


def _sqlite_columns(cursor, table: str) -> dict[str, bool]:
    """Column name -> NOT NULL flag."""
    cursor.execute(f"PRAGMA table_info({table})")
    return {row[1]: bool(row[3]) for row in cursor.fetchall()}


def _sqlite_adopt(cursor) -> None:
    columns = _sqlite_columns(cursor, TABLE)
    for name, declaration in SQLITE_ADDED_COLUMNS:
        if name not in columns:
            cursor.execute(f"ALTER TABLE {TABLE} ADD COLUMN {name} {declaration}")
    if columns.get("price"):
        _sqlite_rebuild(cursor)


def _sqlite_rebuild(cursor) -> None:
    """Copy the table into the final DDL: the original table had `price NOT NULL`.

    SQLite cannot drop a NOT NULL constraint in place. Ids are copied as they
    are, and the AUTOINCREMENT counter is kept, so no id is ever reused.
    """
    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [TABLE])
    row = cursor.fetchone()
    last_id = row[0] if row else 0
    staging = f"{TABLE}_adopting"
    cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
    cursor.execute(SQLITE_CREATE_TABLE.format(table=staging))
    kept = ", ".join(name for name in _sqlite_columns(cursor, TABLE) if name in _sqlite_columns(cursor, staging))
    cursor.execute(f"INSERT INTO {staging} ({kept}) SELECT {kept} FROM {TABLE}")
    cursor.execute(f"DROP TABLE {TABLE}")
    cursor.execute(f"ALTER TABLE {staging} RENAME TO {TABLE}")
    cursor.execute("UPDATE sqlite_sequence SET seq = MAX(seq, %s) WHERE name = %s", [last_id, TABLE])


class CreateOrAdoptItemsTable(migrations.CreateModel):
    """CreateModel for `Item`, except that an existing v1.0.x table is adopted."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            exists = TABLE in connection.introspection.table_names(cursor)
            if connection.vendor == "sqlite":
                if exists:
                    _sqlite_adopt(cursor)
                else:
                    cursor.execute(SQLITE_CREATE_TABLE.format(table=TABLE))
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} (registry_id)")
                cursor.execute(SQLITE_TRIGGER)
                return
        if not exists:
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        if connection.vendor == "postgresql":
            for statement in POSTGRESQL_TRIGGER:
                schema_editor.execute(statement, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        # Never drop a table that holds guests' purchases.
        raise IrreversibleError("the items table is not dropped by a migration")
