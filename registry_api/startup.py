"""Work done once per process, before the first request (Lambda's INIT phase)."""

import fcntl
import logging
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import get_resolver

logger = logging.getLogger(__name__)


def prepare() -> None:
    # Import the URLconf now (it pulls in Ninja and pydantic) rather than in the first request.
    get_resolver().url_patterns
    if settings.MIGRATE_ON_START:
        migrate_if_needed()


def _pending_migrations() -> list:
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


def migrate_if_needed() -> None:
    """Apply pending migrations: a fresh database (an empty EFS volume) serves
    its first request without a manual step. Racing cold starts queue on the lock."""
    if not _pending_migrations():
        return
    with _migration_lock():
        if _pending_migrations():  # another process may have finished meanwhile
            logger.info("applying pending migrations")
            call_command("migrate", interactive=False, verbosity=0)
