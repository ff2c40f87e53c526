#!/usr/bin/env bash
# Set up and run the whole test suite: unit tests, the real WordPress
# integration tests (scripts/wordpress.sh installs and starts it), the
# Lambda handler tests. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv
exec .venv/bin/pytest "$@"
