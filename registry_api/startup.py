"""Work done once per process, before the first request (Lambda's INIT phase)."""

import fcntl
import logging
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.urls import get_resolver

from .checks import deployment_settings

logger = logging.getLogger(__name__)

# Django's commands that read or write the data. Pointed at a SQLite file that
# does not exist (a mistyped DATABASE_PATH), sqlite3 would create an empty one
# and the command fail later with "no such table". `migrate` creates a new
# database on purpose; commands that need none (check, makemigrations, test...)
# run as ever.
NEEDS_EXISTING_DATABASE = frozenset(
    {
        "changepassword",
        "clearsessions",
        "createsuperuser",
        "dbshell",
        "dumpdata",
        "flush",
        "inspectdb",
        "loaddata",
        "remove_stale_contenttypes",
        "runserver",
        "shell",
        "showmigrations",
        "sqlflush",
        "sqlmigrate",
        "sqlsequencereset",
    }
)


class MissingDatabase(Exception):
    """A command that needs the data was pointed at a SQLite file that does not exist."""


def require_existing_database(command: str) -> None:
    """MissingDatabase, before anything opens the database, when `command` needs
    the data and the SQLite file it would open is missing or empty (0 bytes: what
    an earlier command on a mistyped path, or makemigrations, leaves behind)."""
    database = settings.DATABASES["default"]
    path = str(database["NAME"])
    if (
        command not in NEEDS_EXISTING_DATABASE
        or database["ENGINE"] != "django.db.backends.sqlite3"
        or path == ":memory:"
        or path.startswith("file:")
    ):
        return
    try:
        if Path(path).stat().st_size > 0:
            return
    except FileNotFoundError:
        pass
    raise MissingDatabase(
        f"{command}: there is no SQLite database at {path} (DATABASE_PATH: the file is missing or empty); "
        "`manage.py migrate` creates a new one"
    )


def prepare() -> None:
    refuse_known_secrets()
    # Import the URLconf now (it pulls in Ninja and pydantic) rather than in the first request.
    _ = get_resolver().url_patterns
    if settings.MIGRATE_ON_START:
        migrate_if_needed()
        # Requests run on a thread of their own (Django's ASGI handler): this
        # thread's connection would stay open, idle.
        connections.close_all()


def refuse_known_secrets() -> None:
    """With DEBUG off, stop the process (one log line, exit status 1) when a
    secret is known or missing, or WordPress is the example site: Lambda's INIT
    fails and no request is ever served with them."""
    if settings.DEBUG:
        return
    errors = deployment_settings()
    if errors:
        logger.critical(
            "refusing to start (DEBUG is off): %s", "; ".join(f"{error.msg}. {error.hint}" for error in errors)
        )
        raise SystemExit(1)


def _pending_migrations() -> list:
    """The migrations Django would apply (it imports every migration module and builds the graph)."""
    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


@contextmanager
def _migration_lock():
    """One migrating process at a time, across Lambda instances sharing the database."""
    if connection.vendor == "sqlite":
        lock_path = Path(f"{connection.settings_dict['NAME']}.migrate-lock")
        with lock_path.open("a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtext('restart-registry-migrate'))")
            try:
                yield
            finally:
                cursor.execute("SELECT pg_advisory_unlock(hashtext('restart-registry-migrate'))")
    else:
        yield


def is_migrated() -> bool:
    """Every migration is applied (DatabaseError if the database cannot be reached)."""
    return not _pending_migrations()


def migrate_if_needed() -> None:
    """Apply pending migrations: a fresh database (an empty EFS volume) serves
    its first request without a manual step. Racing cold starts queue on the lock."""
    if is_migrated():
        return
    with _migration_lock():
        if _pending_migrations():  # another process may have finished meanwhile
            logger.info("applying pending migrations")
            call_command("migrate", interactive=False, verbosity=0)
