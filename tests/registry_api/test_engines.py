"""What the database engine decides, on the engine this run uses (tests/support/engines.py;
scripts/test.sh runs the suite on SQLite, then on PostgreSQL).

- NUL characters ("\\u0000") in item text: SQLite stores them verbatim, as
  v1.0.x did; PostgreSQL's text cannot hold them, so there they are a 422
  (core/schema_types.py) instead of a 500 at the INSERT, and nothing is written.
- Cold starts racing on an empty PostgreSQL database migrate it once
  (pg_advisory_lock in registry_api/startup.py); tests/items/test_adoption.py does
  the same on an empty SQLite volume.
- A Lambda instance keeps its database connection from one request to the
  next when CONN_MAX_AGE allows it (registry_api/lambda_handler.py), on either engine.
"""

import pytest

from items.models import Item
from tests.support.accounts import basic
from tests.support.concurrency_worker import WorkerPool
from tests.support.engines import engine, postgresql_url
from tests.support.items import BOTH_METHODS, SAMPLE_ITEM, accepted, assert_single_error, error, write
from tests.support.postgresql import scratch_postgresql_database
from tests.support.project import items_migrations

ON_POSTGRESQL = pytest.mark.skipif(engine() != "postgresql", reason="DATABASE_URL does not point to PostgreSQL")

NUL_TEXT = pytest.mark.parametrize(
    ("field", "value"), [("name", "Nul\x00byte"), ("notes", "\x00"), ("url", "https://example.com/\x00")]
)


@pytest.mark.sqlite_only(reason="SQLite stores NUL characters; PostgreSQL refuses them")
@NUL_TEXT
@BOTH_METHODS
def test_sqlite_stores_nul_characters_verbatim(alice, method, field, value):
    item = accepted(write(alice, method, {field: value}), method)
    assert item[field] == value
    assert list(Item.objects.values_list(field, flat=True)) == [value]


@ON_POSTGRESQL
@NUL_TEXT
@BOTH_METHODS
def test_postgresql_refuses_nul_characters_with_a_422(alice, method, field, value):
    response = write(alice, method, {field: value})
    message = "Value error, must not contain NUL characters (\\u0000)"
    assert_single_error(
        response, error("value_error", field, message, value, error=message.removeprefix("Value error, "))
    )
    # POST wrote nothing; PUT left the item it updates as it was.
    assert list(Item.objects.values_list(field, flat=True)) == ([] if method == "POST" else [SAMPLE_ITEM.get(field)])


@pytest.fixture
def empty_postgresql_database(django_db_blocker):
    """A new, empty database next to the test database, dropped afterwards."""
    from django.db import connection

    server = postgresql_url(connection.settings_dict)
    with scratch_postgresql_database(server, prefix=f"{connection.settings_dict['NAME']}_cold") as url:
        yield url


@ON_POSTGRESQL
def test_cold_starts_on_an_empty_postgresql_database_migrate_once_and_serve(empty_postgresql_database, wordpress_url):
    import psycopg

    env = {
        "DATABASE_URL": empty_postgresql_database,
        "MIGRATE_ON_START": "true",
        "WP_BASE_URL": wordpress_url,
        "LOG_LEVEL": "INFO",
    }
    # Three Lambda instances importing the handler at once: each cold start
    # finds the migrations pending; a second `migrate` running alongside would
    # fail creating the same tables, and its worker would not start.
    with WorkerPool(3, env, basic("admin")) as pool:
        reports = pool.run([{"op": "crud", "seed": n, "count": 1, "registry_id": 1} for n in range(3)])
        logs = pool.logs()
    assert [report["statuses"] for report in reports] == [{"201": 1}] * 3
    # One migrated; the others waited on the lock, then found nothing to do.
    assert sum("applying pending migrations" in log for log in logs) == 1, logs
    with psycopg.connect(empty_postgresql_database) as conn:
        assert (
            conn.execute("SELECT app, name FROM django_migrations GROUP BY app, name HAVING count(*) > 1").fetchall()
            == []
        )
        assert conn.execute("SELECT count(*) FROM django_migrations WHERE app = 'items'").fetchone() == (
            items_migrations(),
        )
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (3,)


@pytest.fixture
def test_database_env(transactional_db) -> dict[str, str]:
    """The environment that points another process at the test database
    (migrated; its rows committed, and flushed afterwards)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return {"DATABASE_URL": postgresql_url(connection.settings_dict)}
    return {"DATABASE_PATH": connection.settings_dict["NAME"]}


@pytest.mark.parametrize(("conn_max_age", "connections"), [("0", 5), ("600", 1)], ids=["per-request", "kept"])
def test_a_lambda_instance_keeps_its_connection_across_requests(
    test_database_env, wordpress_url, conn_max_age, connections
):
    env = {**test_database_env, "CONN_MAX_AGE": conn_max_age, "MIGRATE_ON_START": "false", "WP_BASE_URL": wordpress_url}
    with WorkerPool(1, env, basic("admin")) as pool:
        [report] = pool.run([{"op": "crud", "seed": 1, "count": 5, "registry_id": 1}])
    assert (report["unexpected"], sum(report["statuses"].values())) == ([], 5)
    assert report["connections_opened"] == connections
