#!/usr/bin/env bash
# Issue 15's table: every operation through the Lambda handler, beside v1.0.x's
# figures and the floors (bench/README.md). Options go to bench/run.py: --quick, --json FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv
exec .venv/bin/python bench/run.py "$@"
