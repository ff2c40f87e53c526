"""A Lambda instance's cold start as a fresh process: what importing the
handler loads and builds, with serverless.yml's settings that matter."""

import json
from pathlib import Path

from .project import django_process, finish

# Runs in the fresh process: import the Lambda handler (the INIT), answer
# /health, then `extra` (Python lines that may set `result`); prints one JSON line.
PROBE = """
import json, sys
from registry_api.lambda_handler import handler
from tests.support.events import http_v2_event
health = handler(http_v2_event("GET", "/health"), None)["statusCode"]
result = None
{extra}
from django.db import connection
from registry_api.startup import is_migrated
print(json.dumps({{
    "health": health, "modules": sorted(sys.modules), "result": result,
    "tables": sorted(connection.introspection.table_names()), "migrated": is_migrated(),
}}))
"""


def cold_start(
    database: Path, *, admin: bool = False, migrate_on_start: bool = True, extra: str = "", **settings: str
) -> dict:
    """A new process on `database` (and further `settings`, e.g. WP_BASE_URL) that
    imports the handler and answers /health, then runs `extra`: the modules it has
    imported, `result`, the tables, and whether the file is migrated."""
    stdout, _ = finish(
        django_process(
            database,
            "-c",
            PROBE.format(extra=extra),
            DEBUG="false",  # as on Lambda, whatever the caller's environment says
            ADMIN_ENABLED=str(admin).lower(),
            MIGRATE_ON_START=str(migrate_on_start).lower(),
            PYDANTIC_DISABLE_PLUGINS="__all__",
            **settings,
        )
    )
    seen = json.loads(stdout.splitlines()[-1])
    assert seen["health"] == 200
    return seen


def imported(modules: list[str], package: str) -> list[str]:
    """The modules of `package` (itself included) among `modules`."""
    return [module for module in modules if module == package or module.startswith(package + ".")]
