"""Operator commands on Lambda: a direct invocation `{"manage": ...}` runs a
whitelisted Django management command and answers with its output.

    npx serverless invoke -f api --data '{"manage": "migrate"}'
    npx serverless invoke -f api --data '{"manage": ["showmigrations", "items"]}'
    npx serverless invoke -f api --data '{"manage": ["check", "--deploy"]}'

answers `{"command": [...], "exit_status": 0 | 1, "output": "..."}`. Anything
else (a command or an option not listed below, a malformed payload) is refused
with `{"error": ..., "exit_status": 1}` before anything runs.

Only callers allowed `lambda:InvokeFunction` on the function can send such an
event: API Gateway delivers HTTP requests as its own event shapes, never as a
bare `{"manage": ...}` object.
"""

from __future__ import annotations

import io
import logging
import shlex
from dataclasses import dataclass, field
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError

from registry_api.startup import MissingDatabase, require_existing_database

logger = logging.getLogger(__name__)


# The whitelist: command -> the options it may take.  Read-only commands, and
# `migrate` forwards only (what the first request after a deploy runs anyway).
# Never: shell, dbshell, flush, sqlflush, loaddata, createsuperuser,
# changepassword, runserver, makemigrations, collectstatic, ... nor
# --settings/--pythonpath (they choose which code runs), nor `sqlmigrate`
# (items' first migration adopts the v1.0.x table through a cursor, so even
# "printing" its SQL would run it), nor `migrate APP MIGRATION` (possibly
# backwards: do that on a copy of the database, see docs/deploy.md).
@dataclass(frozen=True)
class CommandSpec:
    flags: frozenset[str] = frozenset()  # options without a value
    valued: frozenset[str] = frozenset()  # options that take one value
    max_positional: int | None = None  # app labels; None: any number
    forced: dict = field(default_factory=dict)  # call_command keyword options


VERBOSITY = frozenset({"-v", "--verbosity"})
ALLOWED_COMMANDS: dict[str, CommandSpec] = {
    "migrate": CommandSpec(
        frozenset({"--plan", "--check"}), VERBOSITY, max_positional=1, forced={"interactive": False}
    ),
    "showmigrations": CommandSpec(frozenset({"-l", "--list", "-p", "--plan"}), VERBOSITY),
    "check": CommandSpec(frozenset({"--deploy", "--list-tags"}), VERBOSITY | {"-t", "--tag", "--fail-level"}),
}

MAX_OUTPUT = 200_000  # characters; Lambda's response limit is 6 MB


class OperationRefused(Exception):
    """The invocation is not a well-formed, whitelisted operator command."""


def parse(event: dict) -> list[str]:
    """`{"manage": "cmd args"}` or `{"manage": ["cmd", "arg", ...]}` -> argv, or OperationRefused."""
    extra = sorted(set(event) - {"manage"})
    if extra:
        raise OperationRefused(f'unexpected keys {extra}: send only {{"manage": ...}}')
    value = event["manage"]
    if isinstance(value, str):
        try:
            argv = shlex.split(value)
        except ValueError as exc:
            raise OperationRefused(f"cannot parse the command line: {exc}") from None
    elif isinstance(value, list) and all(isinstance(arg, str) for arg in value):
        argv = list(value)
    else:
        raise OperationRefused('"manage" must be a command line (string) or a list of strings')
    if not argv or not argv[0]:
        raise OperationRefused('"manage" names no command')
    name, args = argv[0], argv[1:]
    if name not in ALLOWED_COMMANDS:
        raise OperationRefused(f"command {name!r} is not allowed (allowed: {', '.join(sorted(ALLOWED_COMMANDS))})")
    spec = ALLOWED_COMMANDS[name]
    positional = 0
    expect_value = False
    for arg in args:
        if expect_value:
            if arg.startswith("-"):
                raise OperationRefused(f"option value {arg!r} looks like an option")
            expect_value = False
        elif arg.startswith("-") and arg != "-":
            option, has_value = arg.split("=", 1)[0], "=" in arg
            if not arg.startswith("--") and len(arg) > 2 and arg[:2] in spec.valued:  # -v2
                option, has_value = arg[:2], True
            if option in spec.valued:
                expect_value = not has_value
            elif option not in spec.flags or has_value:
                allowed = ", ".join(sorted(spec.flags | spec.valued)) or "none"
                raise OperationRefused(f"option {arg!r} is not allowed for {name} (allowed: {allowed})")
        else:
            positional += 1
    if spec.max_positional is not None and positional > spec.max_positional:
        raise OperationRefused(
            f"{name} takes at most {spec.max_positional} app label(s) here (a target migration may go backwards)"
        )
    return argv


def refusal(reason: str, command: Any = None) -> dict[str, Any]:
    return {"command": command, "exit_status": 1, "error": f"refused: {reason}", "output": ""}


def run(argv: list[str]) -> dict[str, Any]:
    """Run an already whitelisted command; its stdout and stderr, interleaved, are the output."""
    name, args = argv[0], argv[1:]
    output = io.StringIO()
    exit_status = 0
    logger.info("operator command: %s", shlex.join(argv))
    options = dict(stdout=output, stderr=output, no_color=True, **ALLOWED_COMMANDS[name].forced)
    try:
        if name == "migrate":
            # The same lock as the cold-start migration: never two migrations at once.
            from registry_api.startup import _migration_lock

            with _migration_lock():
                call_command(name, *args, **options)
        else:
            call_command(name, *args, **options)
    except SystemExit as exc:  # `migrate --check` exits 1 when migrations are pending
        exit_status = 0 if exc.code in (0, None) else 1
    except CommandError as exc:  # bad arguments, SystemCheckError, unknown app label...
        exit_status = 1
        output.write(f"CommandError: {exc}\n")
    except Exception as exc:  # noqa: BLE001  (the operator gets a message; the log gets the traceback)
        logger.exception("operator command failed: %s", shlex.join(argv))
        exit_status = 1
        output.write(f"{type(exc).__name__}: {exc}\n")
    text = output.getvalue()
    if len(text) > MAX_OUTPUT:
        text = text[:MAX_OUTPUT] + f"\n... ({len(text) - MAX_OUTPUT} more characters cut)\n"
    return {"command": argv, "exit_status": exit_status, "output": text}


def handle(event: dict) -> dict[str, Any]:
    try:
        argv = parse(event)
        require_existing_database(argv[0])  # showmigrations on an empty volume (migrateOnStart=false)
    except (OperationRefused, MissingDatabase) as exc:
        logger.warning("operator command refused: %s", exc)
        command = event.get("manage") if isinstance(event.get("manage"), (str, list)) else None
        return refusal(str(exc), command)
    return run(argv)
