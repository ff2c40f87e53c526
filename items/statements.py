"""One item's statements as SQL built once per engine (bench/README.md, plan
steps 3 and 4): its writes as single statements that answer the row
(`INSERT`/`UPDATE … RETURNING`), and the read of one row.

The ORM has no UPDATE that answers the row: `QuerySet.update()` answers a
count, so the row had to be read again. And the ORM compiles every statement
anew, which was about half of what `GET /items/{id}` cost and a third of
`POST /items`. SQLite (3.35 on) and
PostgreSQL both have RETURNING, and the SQL here is the same on both.
"""

from functools import cache
from typing import Any

from django.db import connection

from .models import Item, Purchase

FIELDS = Item._meta.concrete_fields
COLUMNS = tuple(field.attname for field in FIELDS)
_FIELD = {field.attname: field for field in FIELDS}

Row = tuple[Any, ...]  # as the database answered it, in COLUMNS' order


@cache
def _columns_sql(vendor: str) -> str:
    """Every column, quoted, in COLUMNS' order: what the statements select and return."""
    return ", ".join(connection.ops.quote_name(column) for column in COLUMNS)


@cache
def _update_sql(vendor: str, assigned: tuple[str, ...], condition: str) -> str:
    # updated_at is set by the statement itself: RETURNING reports the row as it
    # was before SQLite's AFTER UPDATE trigger ran (PostgreSQL's BEFORE trigger
    # sets the same column, and RETURNING shows that).
    quote = connection.ops.quote_name
    assignments = ", ".join([*assigned, f"{quote('updated_at')} = CURRENT_TIMESTAMP"])
    where = f"{quote('id')} = %s" + (f" AND {condition}" if condition else "")
    return f"UPDATE {quote(Item._meta.db_table)} SET {assignments} WHERE {where} RETURNING {_columns_sql(vendor)}"


@cache
def _select_sql(vendor: str, active_only: bool) -> str:
    quote = connection.ops.quote_name
    active = f" AND {quote('is_active')}" if active_only else ""  # as the ORM writes is_active=True
    return f"SELECT {_columns_sql(vendor)} FROM {quote(Item._meta.db_table)} WHERE {quote('id')} = %s{active}"


def read(item_id: int, *, active_only: bool) -> Row | None:
    """The item's row, or None if there is no such item (no active one, with `active_only`)."""
    return run(_select_sql(connection.vendor, active_only), [item_id])


@cache
def _insert_sql(vendor: str, columns: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(columns))
    named = ", ".join(quote(column) for column in columns)
    return (
        f"INSERT INTO {quote(Item._meta.db_table)} ({named}) VALUES ({placeholders}) RETURNING {_columns_sql(vendor)}"
    )


def insert(values: dict[str, Any]) -> Row:
    """A new item of `values` (field name → value), in one statement: its row
    as stored, with what the database filled in (its id, the timestamps)."""
    row = run(_insert_sql(connection.vendor, tuple(values)), _db_values(values))
    assert row is not None  # an INSERT … RETURNING answers its row
    return row


def set_fields(item_id: int, values: dict[str, Any]) -> Row | None:
    """Write `values` (field name → value) to the item, in one statement: its
    row as written, or None if there is no such item."""
    quote = connection.ops.quote_name
    assigned = tuple(f"{quote(name)} = %s" for name in values)
    return run(_update_sql(connection.vendor, assigned, ""), [*_db_values(values), item_id])


def _db_values(values: dict[str, Any]) -> list[Any]:
    """`values` (field name → value) as the database takes them, as the ORM would save them."""
    return [_FIELD[name].get_db_prep_save(value, connection) for name, value in values.items()]


def purchase(item_id: int, quantity: int) -> tuple[str, list[Any]]:
    """The statement of a purchase (negative: an undo) and its parameters: the
    count changes only on an active item, and only within 0 … quantity_needed
    (the conditions of v1.0.x's D2 as one conditional UPDATE)."""
    quote = connection.ops.quote_name
    purchased, needed = quote("quantity_purchased"), quote("quantity_needed")
    within = f"{purchased} <= {needed} - %s" if quantity > 0 else f"{purchased} >= %s"
    sql = _update_sql(connection.vendor, (f"{purchased} = {purchased} + %s",), f"{quote('is_active')} AND {within}")
    return sql, [quantity, item_id, abs(quantity)]


@cache
def _ledger_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in ("item_id", "user_id", "quantity"))
    return f"INSERT INTO {quote(Purchase._meta.db_table)} ({columns}) VALUES (%s, %s, %s)"


def ledger_line(item_id: int, user_id: int, quantity: int) -> tuple[str, list[Any]]:
    """The statement that writes a purchase's ledger line (its created_at is the column's default)."""
    return _ledger_sql(connection.vendor), [item_id, user_id, quantity]


def execute(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def run(sql: str, params: list[Any]) -> Row | None:
    """Run a statement that answers at most one row: that row, or None."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # fetchall: the statement ends (and SQLite's lock goes) only once its rows are read.
        rows = cursor.fetchall()
    return rows[0] if rows else None


def as_fields(row: Row) -> dict[str, Any]:
    """The row's values as the ORM reads them (SQLite's timestamps as aware datetimes)."""
    values = list(row)
    for position, (converters, column) in _converters(connection.vendor):
        for convert in converters:
            values[position] = convert(values[position], column, connection)
    return dict(zip(COLUMNS, values, strict=True))


@cache
def _converters(vendor: str) -> list[tuple[int, tuple[list, Any]]]:
    compiler = Item.objects.none().query.get_compiler(connection=connection)
    columns = [field.get_col(Item._meta.db_table) for field in FIELDS]
    return list(compiler.get_converters(columns).items())
