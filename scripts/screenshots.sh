#!/usr/bin/env bash
# Screenshots of the admin (login refused, changelist, an item, a refused add) and of /docs and
# /redoc, taken by Debian's headless chromium (installed when missing) from a real login, for a
# reviewer to look at: scripts/screenshots.py drives the browser and fails when a page does not
# show what it should or the browser asks any host but the API's own.
#   OUT=screenshots (PNG folder)   PORT=8009 (API port)   WP_PORT=8082 (WordPress port)
# It starts the local WordPress (scripts/wordpress.sh, left running as run.sh leaves it) and the
# API on a throwaway SQLite file with a few demo items, and stops the API when done.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv

if ! command -v chromium >/dev/null; then
    echo "installing Debian's chromium ..." >&2
    apt-get install -y -q --no-install-recommends chromium >/dev/null \
        || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends chromium >/dev/null; }
fi

export WP_PORT="${WP_PORT:-8082}"
credentials=$(bash scripts/wordpress.sh up | tail -n 1)
# shellcheck disable=SC1090
. "$credentials"
port="${PORT:-8009}"
api="http://127.0.0.1:$port"
work=$(mktemp -d)
export WP_BASE_URL="$WP_URL" DATABASE_PATH="$work/screenshots.db" ADMIN_ENABLED=true
# A key of this run's own: the server refuses a weak one (DEBUG is off, as in production).
SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY

.venv/bin/python manage.py migrate --verbosity 0
.venv/bin/python manage.py runserver --noreload "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
stop_server() {
    local status=$?
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    [ "$status" = 0 ] || tail -40 "$work/server.log" >&2
    rm -rf "$work"
}
trap stop_server EXIT
for _ in $(seq 100); do curl -sf "$api/health" >/dev/null && break; sleep 0.2; done
curl -sf "$api/health" >/dev/null || { cat "$work/server.log" >&2; exit 1; }

# Demo data, made as a user would: a registry of alice's, items in it, one removed.
.venv/bin/python - "$api" "$WP_ALICE_USER" "$WP_ALICE_APP_PASSWORD" <<'PY'
import sys, time
import httpx
api, login, password = sys.argv[1:]
with httpx.Client(base_url=api, auth=(login, password), timeout=30) as client:
    registry = client.post("/registries", json={"title": f"Screenshots {time.strftime('%H:%M:%S')}", "username": login})
    registry.raise_for_status()
    items = [("Stand mixer", 199.5, "Kitchen Co"), ("Espresso machine", 349, "Kitchen Co"),
             ("Linen napkins (set of 6)", 24.9, "Home Shop"), ("Cast-iron casserole", 89, "Home Shop"),
             ("Picnic blanket", None, None)]
    for name, price, retailer in items:
        made = client.post("/items", json={"registry_id": registry.json()["id"], "name": name, "price": price,
                                           "retailer": retailer, "quantity_needed": 2,
                                           "url": f"https://shop.example.com/{name.replace(' ', '-').lower()}"})
        made.raise_for_status()
    client.delete(f"/items/{made.json()['data']['id']}").raise_for_status()
PY

.venv/bin/python scripts/screenshots.py --base "$api" --credentials "$credentials" --out "${OUT:-screenshots}"
