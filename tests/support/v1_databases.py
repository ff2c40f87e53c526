"""SQLite databases as the FastAPI service (v1.x) left them, built at test time.

v1.0.x's schema history: the original (schema v0) `items` table, then every
release's `init_db()`: `CREATE TABLE IF NOT EXISTS items` (a no-op on an
existing table), the `update_items_timestamp` trigger, the migration steps
above the version recorded in `schema_migrations` (an `ADD COLUMN` that
already exists is skipped), and the `idx_items_registry_id` index, created
after the migrations so that the column exists (a v0 or v1 database has no
registry_id, hence no index).

`V1Database(version).build(path)` replays that history release by release,
writing rows of every shape the old service could leave behind between
releases; `V1Database(version, fresh=True)` is a database that v1.0.x's
`init_db()` created on an empty file instead (nullable price, no legacy rows).
"""

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

FINAL_V1_0_VERSION = 4  # v1.0.x's SCHEMA_VERSION
LATEST_VERSION = 5  # 1.1+ adds `notes`

# The DDL is v1.x's own, written out here from the contract, not taken from items/table.py.
TIMESTAMPS = "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP"

ORIGINAL_TABLE = (
    "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, description TEXT,"
    f" price REAL NOT NULL, is_active INTEGER DEFAULT 1, {TIMESTAMPS})"
)

# v1.0.x init_db()'s CREATE TABLE: the columns in their final order, no `notes` (migration 5 adds it).
V1_0_TABLE = (
    "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY AUTOINCREMENT, registry_id INTEGER,"
    " name TEXT NOT NULL, description TEXT, url TEXT NOT NULL, retailer TEXT, affiliate_url TEXT,"
    " affiliate_status TEXT, image_url TEXT, price REAL, quantity_needed INTEGER NOT NULL DEFAULT 1,"
    f" quantity_purchased INTEGER NOT NULL DEFAULT 0, is_active INTEGER DEFAULT 1, {TIMESTAMPS})"
)

TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS update_items_timestamp AFTER UPDATE ON items"
    " BEGIN UPDATE items SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id; END"
)

INDEX = "CREATE INDEX IF NOT EXISTS idx_items_registry_id ON items(registry_id)"

SCHEMA_MIGRATIONS = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
    " applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"
)

# Migration step -> the column definitions it adds (v1.0.x's `init_db()` migrations).
MIGRATION_STEPS = {
    1: [
        "url TEXT NOT NULL DEFAULT ''",
        "retailer TEXT",
        "affiliate_status TEXT",
        "quantity_needed INTEGER NOT NULL DEFAULT 1",
        "quantity_purchased INTEGER NOT NULL DEFAULT 0",
    ],
    2: ["registry_id INTEGER"],
    3: ["affiliate_url TEXT"],
    4: ["image_url TEXT"],
    5: ["notes TEXT"],
}


def _stamp(era: int, hour: int) -> str:
    """A CURRENT_TIMESTAMP-shaped UTC time (`YYYY-MM-DD HH:MM:SS`) in the release era."""
    return (datetime(2023, 1, 2, 8, 30, 15) + timedelta(days=120 * era, hours=hour)).strftime("%Y-%m-%d %H:%M:%S")


def _rows_of_era(era: int) -> list[dict]:
    """Rows written while schema version `era` was current, using only its columns.

    Columns left out get the table's defaults; rows without timestamps get
    theirs from CURRENT_TIMESTAMP at build time.
    """
    stamps = {"created_at": _stamp(era, 0), "updated_at": _stamp(era, 5)}
    if era == 0:
        return [
            {"name": "Legacy kettle", "description": "From the very first release", "price": 24.5, **stamps},
            # v1 shows is_active = 1 rows only: NULL hides a row, as 0 does.
            {"name": "Null is_active", "price": 3.25, "is_active": None, **stamps},
            {"name": "Soft-deleted v0", "description": "gone", "price": 7.0, "is_active": 0, **stamps},
            {"name": "Café ☕ 🎁 日本語 \u202ertl", "description": "NUL\x00inside", "price": 0.1 + 0.2, **stamps},
            {"name": "x" * 250, "description": "y" * 5000, "price": 1 / 3},  # over today's limits
            {"name": "n" * 100, "description": "d" * 500, "price": 999999.99, **stamps},  # at the limits
        ]
    if era == 1:
        return [
            {
                "name": "Stand mixer",
                "price": 19.999,
                "url": "https://shop.example/mixer",
                "retailer": "Shop & Co",
                "affiliate_status": "active",
                "quantity_needed": 3,
                "quantity_purchased": 1,
                **stamps,
            },
            # v1.0.x's affiliate PUT stored any string as the status.
            {"name": "Odd status", "price": 5.0, "url": "https://x.c/a", "affiliate_status": "pending-review"},
            # A 2000-character url; more purchased than needed (v1 never checked).
            {"name": "Long url", "price": 12.0, "url": "https://e.com/" + "u" * 1986, "quantity_purchased": 4},
            {"name": "Inactive v1", "price": 2.0, "url": "https://x.c/b", "retailer": "r" * 100, "is_active": 0},
        ]
    if era == 2:
        return [
            {"name": "Registry blanket", "price": 49.95, "url": "https://e.com/b", "registry_id": 42, **stamps},
            {"name": "Big registry id", "price": 0.01, "url": "https://e.com/c", "registry_id": 2**53 + 1},
            {
                "name": "Over limits v2",
                "price": 1234.5678901234,
                "url": "https://e.com/" + "v" * 4986,
                "retailer": "R" * 101,
                "registry_id": 7,
                **stamps,
            },
        ]
    if era == 3:
        return [
            {
                "name": "Affiliate toaster",
                "price": 39.0,
                "url": "https://e.com/t",
                "registry_id": 42,
                "affiliate_url": "https://aff.example/t?tag=restart-20",
                "affiliate_status": "expired",
                **stamps,
            },
            {"name": "Long affiliate", "price": 3.0, "url": "https://e.com/l", "affiliate_url": "h" * 2001},
        ]
    if era == 4:
        return [
            {"name": "Vase", "price": None, "url": "https://e.com/v", "registry_id": 43, "image_url": "https://i/v"},
            {"name": "Long image", "price": 2.5, "url": "https://e.com/i", "image_url": "https://i/" + "i" * 2001},
        ]
    return [
        {"name": "Noted lamp", "price": 15.0, "url": "https://e.com/n", "notes": "Blue 💙\x00", **stamps},
        {"name": "Long notes", "price": 15.5, "url": "https://e.com/m", "registry_id": 44, "notes": "z" * 1001},
    ]


# Values for the NOT NULL columns that have no default.
_REQUIRED = {"url": "https://e.com/sparse", "price": 1.0}


def _sparse_row(conn: sqlite3.Connection, era: int) -> dict:
    """Every nullable column of the table as it is now set to NULL (but is_active)."""
    row: dict[str, object] = {"name": f"Sparse v{era}"}
    for _cid, name, _type, notnull, default, pk in conn.execute("PRAGMA table_info(items)"):
        if pk or name in row or name == "is_active" or (notnull and default is not None):
            continue
        row[name] = _REQUIRED[name] if notnull else None
    return row


def _columns(conn: sqlite3.Connection) -> list[str]:
    return [row[1] for row in conn.execute("PRAGMA table_info(items)")]


def _insert(conn: sqlite3.Connection, row: dict) -> None:
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    conn.execute(f"INSERT INTO items ({names}) VALUES ({marks})", list(row.values()))


def _skip_ids(conn: sqlite3.Connection, count: int) -> None:
    """Move the AUTOINCREMENT counter on, as if `count` ids had been handed out elsewhere."""
    conn.execute("UPDATE sqlite_sequence SET seq = seq + ? WHERE name = 'items'", [count])


def v1_init_db(conn: sqlite3.Connection, schema_version: int) -> None:
    """What `init_db()` of the release whose SCHEMA_VERSION is `schema_version` did."""
    conn.execute(V1_0_TABLE)
    conn.execute(TRIGGER)
    conn.execute(SCHEMA_MIGRATIONS)
    current = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]
    for step in range(current + 1, schema_version + 1):
        for definition in MIGRATION_STEPS[step]:
            try:
                conn.execute(f"ALTER TABLE items ADD COLUMN {definition}")
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(exc):
                    raise
        conn.execute("INSERT INTO schema_migrations (version) VALUES (?)", [step])
        conn.commit()
    if "registry_id" in _columns(conn):
        conn.execute(INDEX)
    conn.commit()


@dataclass(frozen=True)
class V1Database:
    """A database at `version`, as the old service left it.

    fresh=False: born under the original schema and migrated release by
    release, rows written at every step. fresh=True: created by v1.0.x's
    `init_db()` on an empty file, then migrated to `version`.
    with_rows=False: the table is empty but its AUTOINCREMENT counter is not.
    """

    version: int
    fresh: bool = False
    with_rows: bool = True

    @property
    def label(self) -> str:
        return f"v{self.version}" + ("-fresh" if self.fresh else "") + ("" if self.with_rows else "-empty")

    def build(self, path: Path) -> Path:
        conn = sqlite3.connect(path)
        try:
            if self.fresh:
                self._build_fresh(conn)
            else:
                self._build_migrated(conn)
            if not self.with_rows:
                # Rows removed by hand: only the counter remembers their ids.
                conn.execute("DELETE FROM items")
            # A counter ahead of max(id): those ids must never be handed out again.
            _skip_ids(conn, 25)
            conn.commit()
        finally:
            conn.close()
        return path

    def _write(self, conn: sqlite3.Connection, era: int) -> None:
        rows = [_sparse_row(conn, era), *_rows_of_era(era)]
        if not self.fresh:
            # The original table's price stayed NOT NULL: v1.x failed to store a null one.
            rows = [row for row in rows if row.get("price") is not None]
        for position, row in enumerate(rows):
            if position == 2:
                _skip_ids(conn, 7)  # a gap in the ids
            _insert(conn, row)
        conn.commit()

    def _build_migrated(self, conn: sqlite3.Connection) -> None:
        conn.execute(ORIGINAL_TABLE)
        conn.execute(TRIGGER)
        self._write(conn, 0)
        for release in range(1, self.version + 1):
            v1_init_db(conn, release)
            self._write(conn, release)

    def _build_fresh(self, conn: sqlite3.Connection) -> None:
        v1_init_db(conn, self.version)
        for era in range(1, self.version + 1):
            self._write(conn, era)
