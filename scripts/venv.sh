# Sourced by run.sh and test.sh: find Python 3.13 and keep .venv in step with pyproject.toml.

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

# Creates .venv if needed and (re)installs the project with its dev tools
# whenever pyproject.toml changed since the last install.
ensure_venv() {
    local stamp=.venv/.installed-from
    local wanted
    wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
    if [ -x .venv/bin/python ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
        return
    fi
    find_python
    [ -x .venv/bin/python ] || python3.13 -m venv .venv
    echo "installing the project into .venv ..." >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    echo "$wanted" > "$stamp"
}
