#!/usr/bin/env bash
# Offline checks of the Lambda deployment (serverless.yml), for CI and before
# any deploy.  Needs no AWS credentials and no network beyond PyPI and npm.
# Exits non-zero on any failure; prints the time of each step.
#
#   bash scripts/check-deploy.sh
#
# Needs: Node.js 20 + npm, Python 3.13 (python3.13, or pyenv's).
# Installs by itself what is missing: .venv (scripts/venv.sh, as scripts/test.sh
# does), node_modules (`npm ci`), cfn-lint (pinned, in its own venv under
# ~/.cache/restart-registry-api) and the Lambda runtime client awslambdaric
# (pinned + hashed, same cache; scripts/fake_runtime_api.py).
#
# Steps:
#   1. npm ci, when node_modules is missing
#   2. serverless print, HTTP API and REST API variants: schema validation and
#      variable resolution; fails on any warning but the known python3.13 one
#   3. serverless package --param=api=rest --param=database=postgresql into a
#      temp dir: the other API flavour and the other database's artifact
#   4. serverless package (HTTP API variant on SQLite, the default) -> .serverless/
#      (in both templates, scripts/check_limits.py finds the throttling and the
#      reserved concurrency of serverless.yml's defaults)
#   5. cfn-lint on both generated CloudFormation templates
#   6. scripts/smoke_artifact.py on each zip: unpacked and run in isolation under
#      awslambdaric with v1/v2 events, /health and an authenticated item round
#      trip; the default one on a SQLite file, the other on a new database of
#      the local PostgreSQL (scripts/postgres.sh starts it, installing it if need be)
#
# Env: PYTHON_BIN (Python 3.13 that runs pip for the artifact and the smoke test, whose
#      WordPress stand-in, tests/support/wordpress.py, needs httpx; default .venv/bin/python),
#      PYTHON_FOR_RUNTIME (Python 3.13 for the smoke test; found automatically).
set -euo pipefail
cd "$(dirname "$0")/.."

CFN_LINT_VERSION=1.58.0
SLS=(node node_modules/serverless/bin/serverless.js)
export SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
# Reproducible build with checked-hash .pyc (serverless.yml keeps pip's .pyc
# only when this is set; they stay valid after zipping).
export SOURCE_DATE_EPOCH=315532800
export PYTHON_BIN="${PYTHON_BIN:-.venv/bin/python}"
# The REGISTRY_* deploy settings of the caller's shell must not change what is checked.
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep '^REGISTRY_' || true)
# No AWS credentials are needed.  Do not set dummy ones: a ${ssm:...} or
# ${cf:...} variable would then retry unreachable endpoints instead of failing fast.

T0=$SECONDS
STEP_T=$SECONDS
TIMINGS=()
step() {
  if [[ -n "${STEP_NAME:-}" ]]; then TIMINGS+=("$(printf '%4d s  %s' $((SECONDS - STEP_T)) "$STEP_NAME")"); fi
  STEP_NAME="$*"; STEP_T=$SECONDS
  printf '\n== %s\n' "$*"
}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if [[ "$PYTHON_BIN" == .venv/bin/python ]]; then
  # The project's venv, created or refreshed as scripts/test.sh does (no-op when current).
  . scripts/venv.sh
  ensure_venv
fi
if ! "$PYTHON_BIN" -c 'import sys; assert sys.version_info[:2] == (3, 13), sys.version' 2>/dev/null; then
  echo "PYTHON_BIN=$PYTHON_BIN is not a Python 3.13 (pip must compile the .pyc for the python3.13 runtime)"
  exit 1
fi

step "1/6 node_modules"
if [[ ! -f node_modules/serverless/bin/serverless.js || ! -d node_modules/serverless-offline || ! -d node_modules/serverless-python-requirements ]]; then
  npm ci --no-audit --no-fund
else
  echo "present (npm ci skipped)"
fi

step "2/6 serverless print (HTTP API and REST API variants)"
for api in http rest; do
  "${SLS[@]}" print --param="api=$api" >"$TMP/print-$api.yml" 2>"$TMP/print-$api.err" || { cat "$TMP/print-$api.err"; exit 1; }
  # sls v3 only warns.  Its schema predates python3.12+, so that one warning
  # (and its frame) is expected; any other line (a typo'd key, a wrong type,
  # a bad pattern, a deprecation) fails the check.
  if grep -vE "^\s*$|^Warning: Invalid configuration encountered$|^\s+at 'provider\.runtime': must be equal to one of the allowed values|^Learn more about configuration validation here" "$TMP/print-$api.err"; then
    echo "unexpected output from serverless print --param=api=$api (above)"; exit 1
  fi
  echo "api=$api: only the known provider.runtime warning"
done
grep -q "runtime: python3.13" "$TMP/print-http.yml"
grep -q "ADMIN_ENABLED: 'false'" "$TMP/print-http.yml"
grep -q "DATABASE_URL: ''" "$TMP/print-http.yml"   # by default the SQLite file on EFS

step "3/6 serverless package --param=api=rest --param=database=postgresql into a temp dir"
"${SLS[@]}" package --param="api=rest" --param="database=postgresql" --package "$TMP/rest" >"$TMP/package-rest.log" 2>&1 \
  || { cat "$TMP/package-rest.log"; exit 1; }
grep -q '"ApiKeyRequired": true' "$TMP/rest/cloudformation-template-update-stack.json" || { echo "REST variant: methods do not require the API key"; exit 1; }
echo "ok: REST methods require x-api-key"
"$PYTHON_BIN" scripts/check_limits.py rest "$TMP/rest/cloudformation-template-update-stack.json"
# (sls removes .serverless/ on every package, even with --package: so this one goes first)

step "4/6 serverless package (HTTP API, the default) -> .serverless/"
rm -rf .serverless
"${SLS[@]}" package
"$PYTHON_BIN" scripts/check_limits.py http .serverless/cloudformation-template-update-stack.json
ZIP=.serverless/restart-registry-api.zip
"$PYTHON_BIN" - "$ZIP" <<'PY'
import os, sys, zipfile
path = sys.argv[1]
infos = zipfile.ZipFile(path).infolist()
print(f"{path}: {os.path.getsize(path):,} bytes, {len(infos)} entries, "
      f"{sum(i.file_size for i in infos):,} bytes unpacked, {sum(i.filename.endswith('.pyc') for i in infos)} .pyc")
PY

step "5/6 cfn-lint $CFN_LINT_VERSION on the generated CloudFormation"
TOOLS="${XDG_CACHE_HOME:-$HOME/.cache}/restart-registry-api/cfn-lint-$CFN_LINT_VERSION"
if [[ ! -x "$TOOLS/bin/cfn-lint" ]]; then
  rm -rf "$TOOLS"
  "$PYTHON_BIN" -m venv "$TOOLS"
  "$TOOLS/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION"
fi
# W3005: the redundant DependsOn that sls v3 itself emits for HTTP API routes.
"$TOOLS/bin/cfn-lint" -i W3005 -- .serverless/cloudformation-template-update-stack.json
"$TOOLS/bin/cfn-lint" -i W3005 -- "$TMP/rest/cloudformation-template-update-stack.json"
echo "ok: both templates"

step "6/6 artifact smoke tests (awslambdaric + fake Runtime API, python3.13 -I): SQLite, PostgreSQL"
"$PYTHON_BIN" scripts/smoke_artifact.py ${PYTHON_FOR_RUNTIME:+--python "$PYTHON_FOR_RUNTIME"}
"$PYTHON_BIN" scripts/smoke_artifact.py ${PYTHON_FOR_RUNTIME:+--python "$PYTHON_FOR_RUNTIME"} \
  --sls-dir "$TMP/rest" --postgresql "$(bash scripts/postgres.sh url)"

step "done"
printf '\n== timings\n'
printf '%s\n' "${TIMINGS[@]}"
echo "deploy checks passed in $((SECONDS - T0)) s"
