#!/usr/bin/env bash
# Set up and run the API locally on a SQLite file (data.db), with a local
# WordPress on http://127.0.0.1:8082 to authenticate against.
#   PORT=8000 (API port)   WP_PORT=8082 (WordPress port)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv

export WP_PORT="${WP_PORT:-8082}"
credentials=$(bash scripts/wordpress.sh up | tail -n 1)
# shellcheck disable=SC1090
. "$credentials"
export WP_BASE_URL="$WP_URL"
export ADMIN_ENABLED=true   # the read-only admin, for local inspection (off by default and on Lambda)

.venv/bin/python manage.py migrate --verbosity 0
port="${PORT:-8000}"
cat <<INFO

Restart Registry API on http://127.0.0.1:$port   (docs: http://127.0.0.1:$port/docs)
WordPress on $WP_URL   (credentials: $credentials)

  curl -u '$WP_ALICE_USER:$WP_ALICE_APP_PASSWORD' -H 'Content-Type: application/json' \\
       -d '{"title": "Our wedding", "username": "$WP_ALICE_USER"}' http://127.0.0.1:$port/registries
  curl -u '$WP_ALICE_USER:$WP_ALICE_APP_PASSWORD' -H 'Content-Type: application/json' \\
       -d '{"registry_id": <the id above>, "name": "Stand mixer", "url": "https://example.com/mixer", "price": 199.5}' \\
       http://127.0.0.1:$port/items
  curl -u '$WP_ALICE_USER:$WP_ALICE_APP_PASSWORD' http://127.0.0.1:$port/items

Admin (read-only inspection, WordPress administrators only): http://127.0.0.1:$port/admin/
  login $WP_ADMIN_USER, password $WP_ADMIN_APP_PASSWORD (a WordPress application password)

INFO
# --insecure: serve the admin's static files without DEBUG.
exec .venv/bin/python manage.py runserver --insecure "127.0.0.1:$port"
