# Sourced by run.sh, test.sh and check-deploy.sh: find Python 3.13 and keep
# .venv as uv.lock says (locked with hashes): ensure_venv, at the end.

find_python() {
    if ! python3.13 -c '' 2>/dev/null && command -v pyenv >/dev/null 2>&1; then
        # A pyenv shim answers only for a selected version.
        PYENV_VERSION=$(pyenv versions --bare | grep -E '^3\.13(\.[0-9]+)?$' | tail -n 1)
        export PYENV_VERSION
    fi
    if ! python3.13 -c '' 2>/dev/null; then
        echo "python3.13 is needed (Debian: apt-get install python3.13 python3.13-venv)" >&2
        exit 1
    fi
}

# uv itself, at uv.lock's version and hashes, installed by pip: Python 3.13 is all
# a new machine needs. Python's own pip when it has one (a few seconds faster than
# giving .venv a pip first), else the pip of Python's ensurepip.
bootstrap_uv() {
    echo "venv: installing uv into .venv with pip (hashes from uv.lock) ..." >&2
    local pins
    pins=$(mktemp)
    .venv/bin/python - >"$pins" <<'PY'
import tomllib
uv = next(p for p in tomllib.load(open("uv.lock", "rb"))["package"] if p["name"] == "uv")
print(f"uv=={uv['version']}", *(f"--hash={wheel['hash']}" for wheel in uv["wheels"]))
PY
    local install=(install --quiet --disable-pip-version-check --no-deps --only-binary=:all: --require-hashes -r "$pins")
    find_python
    if ! python3.13 -m pip --python .venv/bin/python "${install[@]}" 2>/dev/null; then
        .venv/bin/python -m ensurepip --default-pip >/dev/null
        .venv/bin/python -m pip "${install[@]}"
    fi
    rm -f "$pins"
}

# ensure_venv [--runtime] [uv sync arguments...]
# Creates .venv if needed and syncs it with uv.lock; the code itself runs from
# the checkout. By default, exactly what uv.lock says: the runtime dependencies
# and the dev group (the test and check tools; pip builds the Lambda zip).
# --runtime (run.sh): the runtime dependencies only, removing nothing, so that
# uv itself and what test.sh installed stay. Other arguments go to `uv sync`
# (test.sh: --compile-bytecode). uv lists what it installs only with VERBOSE=1.
ensure_venv() {
    local sync=(--locked)   # fail, rather than re-resolve, when uv.lock no longer matches pyproject.toml
    if [ "${1:-}" = --runtime ]; then
        shift
        sync+=(--no-dev --inexact)
    fi
    [ "${VERBOSE:-0}" != 0 ] || sync+=(--quiet)
    if [ ! -x .venv/bin/python ]; then
        find_python
        echo "venv: creating .venv with $(python3.13 -c 'import sys; print(sys.executable)')" >&2
        python3.13 -m venv --without-pip .venv
    fi
    [ -x .venv/bin/uv ] || bootstrap_uv
    .venv/bin/uv sync "${sync[@]}" "$@"
}
