"""A scratch PostgreSQL database, for the tests, the benchmarks and the artifact smoke test."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


@contextmanager
def scratch_postgresql_database(server_url: str, prefix: str = "smoke_artifact") -> Iterator[str]:
    """The URL of a new, empty database `<prefix>_<pid>` on the server of
    `server_url` (the role may CREATEDB), as a first deploy meets it; dropped
    afterwards, even while something is still connected to it."""
    import psycopg  # the test tools' psycopg (.venv); the function uses the zip's

    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
