#!/usr/bin/env bash
# Set up and run the whole test suite: unit tests, the real WordPress
# integration tests (scripts/wordpress.sh installs and starts it), the
# Lambda handler tests. It runs twice: on SQLite (a file, as on EFS), then on
# PostgreSQL (scripts/postgres.sh installs and starts a private cluster), the
# engine an operator moves to with DATABASE_URL (docs/postgresql.md).
#
#   scripts/test.sh [--sqlite-only] [pytest arguments...]
#
# --sqlite-only skips the PostgreSQL run. Other arguments go to pytest, in both
# runs. Exit status: non-zero if either run failed (both always run).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
# The suite starts many Python processes (workers, cold starts, the Lambda
# runtime): their .pyc compiled once, here, even where Python may not write them
# itself (PYTHONDONTWRITEBYTECODE). run.sh skips it: its first answer comes sooner.
ensure_venv --compile-bytecode
# The serverless-offline test drives the Node tools of package.json.
[ -d node_modules ] || npm ci --no-audit --no-fund

# In a function, so that bash has read all of it before the long runs start
# (bash reads a script as it goes: an edit made meanwhile would be executed half-way).
main() {
  local sqlite_only=false pytest_args=() arg status=0 url
  for arg in "$@"; do
    if [ "$arg" = --sqlite-only ]; then sqlite_only=true; else pytest_args+=("$arg"); fi
  done

  echo "== the test suite on SQLite ==" >&2
  # A DATABASE_URL from the caller's environment would take the SQLite run elsewhere.
  env -u DATABASE_URL .venv/bin/pytest "${pytest_args[@]}" || status=$?

  if ! $sqlite_only; then
    echo "== the test suite on PostgreSQL ==" >&2
    url=$(bash scripts/postgres.sh url)
    DATABASE_URL="$url" .venv/bin/pytest "${pytest_args[@]}" || status=$?
  fi
  return "$status"
}

main "$@"
