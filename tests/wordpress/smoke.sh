#!/usr/bin/env bash
# tests/wordpress/smoke.sh: curl checks of the local WordPress from scripts/wordpress.sh and of
# what the mu-plugin (wordpress/mu-plugins/restart-registry.php) must provide (privacy: more in
# tests/integration/test_registry_privacy.py).
#
#   tests/wordpress/smoke.sh [CREDENTIALS_FILE]   (default: `scripts/wordpress.sh creds`,
#                                                  which honours WP_PORT / WP_STATE_DIR)
# Leaves no posts behind. Ends with an "N passed, N failed" line; exits 1 on any failure.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CREDS="${1:-$(bash "$REPO/scripts/wordpress.sh" creds)}" || exit 2
set -a
# shellcheck source=/dev/null
. "$CREDS"
set +a

R="$WP_API_URL/wp/v2/restart-registry"
ALICE="$WP_ALICE_USER:$WP_ALICE_APP_PASSWORD"
BOB="$WP_BOB_USER:$WP_BOB_APP_PASSWORD"
CAROL="$WP_CAROL_USER:$WP_CAROL_APP_PASSWORD"
DAVE="$WP_DAVE_USER:$WP_DAVE_APP_PASSWORD"
ADMIN="$WP_ADMIN_USER:$WP_ADMIN_APP_PASSWORD"
pass=0; fail=0
created=()
body=; me=

check() { # NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1: expected $2, got $3"; fi
}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
# call VAR CURL_ARGS...: the response body into $VAR, its status code into $STATUS
call() {
  local var=$1 out; shift
  out=$(curl -s -w '\n%{http_code}' "$@"); STATUS=${out##*$'\n'}; printf -v "$var" '%s' "${out%$'\n'*}"
}
# jget PATH: a dotted path into the JSON on stdin; objects and lists come back as sorted JSON
jget() { python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in filter(None, sys.argv[1].split(".")):
    d = d[int(k)] if isinstance(d, list) else d.get(k)
print(json.dumps(d, sort_keys=True, ensure_ascii=False) if isinstance(d, (dict, list)) else d)' "$1"; }
# remove whatever this run created, even when it stops early
cleanup() { local id; for id in "${created[@]}"; do code -u "$ADMIN" -X DELETE "$R/$id?force=true" >/dev/null; done; }
trap cleanup EXIT

check "GET /wp-json/" 200 "$(code "$WP_API_URL/")"

# --- authentication: every application password, roles, and 401 for anything else
for k in ADMIN ALICE BOB CAROL DAVE; do
  user="WP_${k}_USER"; app="WP_${k}_APP_PASSWORD"; id="WP_${k}_ID"; role="WP_${k}_ROLE"
  call me -u "${!user}:${!app}" "$WP_API_URL/wp/v2/users/me?context=edit"
  check "${!user}: app password works on users/me?context=edit" 200 "$STATUS"
  check "${!user}: id" "${!id}" "$(jget id <<<"$me")"
  check "${!user}: role ${!role}" "[\"${!role}\"]" "$(jget roles <<<"$me")"
done
check "admin is an administrator" '["administrator"]' "$(curl -s -u "$ADMIN" "$WP_API_URL/wp/v2/users/me?context=edit" | jget roles)"
check "alice is a registry_user" '["registry_user"]' "$(curl -s -u "$ALICE" "$WP_API_URL/wp/v2/users/me?context=edit" | jget roles)"
caps=$(curl -s -u "$ALICE" "$WP_API_URL/wp/v2/users/me?context=edit" | jget capabilities)
check "registry_user may publish registries" True "$(jget publish_restart_registries <<<"$caps")"
check "registry_user may not read others' private registries" None "$(jget read_private_restart_registries <<<"$caps")"
check "registry_user may not edit others' registries" None "$(jget edit_others_restart_registries <<<"$caps")"
check "administrator may read private registries" True "$(curl -s -u "$ADMIN" "$WP_API_URL/wp/v2/users/me?context=edit" | jget capabilities.read_private_restart_registries)"
check "wrong app password -> 401" 401 "$(code -u "$WP_ALICE_USER:AAAAbbbbCCCCddddEEEEffff" "$WP_API_URL/wp/v2/users/me")"
check "unknown user -> 401" 401 "$(code -u "nobody-here:$WP_ALICE_APP_PASSWORD" "$WP_API_URL/wp/v2/users/me")"
check "login password in Basic auth -> 401" 401 "$(code -u "$WP_ALICE_USER:$WP_ALICE_PASSWORD" "$WP_API_URL/wp/v2/users/me")"
check "no credentials -> 401" 401 "$(code "$WP_API_URL/wp/v2/users/me")"

# --- a private registry: the owner's full cycle, all eight meta keys as strings
meta=$(jget '' <<'JSON'
{"restart_invitees": "[\"bob\", \"someone@example.test\"]", "restart_item_ids": "[10, 20]",
 "restart_event_type": "birthday", "restart_event_date": "2026-12-24", "restart_is_for_self": "0",
 "restart_recipient_name": "Zoë O'Brien", "restart_recipient_relationship": "friend",
 "restart_recipient_email": "zoe@example.test"}
JSON
)
call body -u "$ALICE" -H 'Content-Type: application/json' \
  -d "{\"title\": \"smoke private\", \"content\": \"story\", \"status\": \"private\", \"meta\": $meta}" "$R"
check "alice creates a private registry" 201 "$STATUS"
P=$(jget id <<<"$body"); created+=("$P")
check "all 8 meta keys round-trip on create" "$meta" "$(jget meta <<<"$body")"
check "author is alice" "$WP_ALICE_ID" "$(jget author <<<"$body")"
check "status is private" private "$(jget status <<<"$body")"
call body -u "$ALICE" "$R/$P?context=edit"
check "alice reads it (context=edit)" 200 "$STATUS"
check "all 8 meta keys round-trip on read" "$meta" "$(jget meta <<<"$body")"
check "alice lists her private registries" "$P" "$(curl -s -u "$ALICE" "$R?status=private&author=$WP_ALICE_ID" | jget 0.id)"
call body -u "$ALICE" -H 'Content-Type: application/json' -X POST \
  -d '{"title": "smoke private 2", "meta": {"restart_event_type": "wedding"}}' "$R/$P"
check "alice updates it" 200 "$STATUS"
check "a partial meta update changes only that key" \
  "$(python3 -c 'import json, sys; m = json.loads(sys.argv[1]); m["restart_event_type"] = "wedding"; print(json.dumps(m, sort_keys=True, ensure_ascii=False))' "$meta")" \
  "$(jget meta <<<"$body")"
check "a JSON boolean for a meta key -> 400" 400 "$(code -u "$ALICE" -H 'Content-Type: application/json' -d '{"meta": {"restart_is_for_self": true}}' "$R/$P")"
check "a JSON list for a meta key -> 400" 400 "$(code -u "$ALICE" -H 'Content-Type: application/json' -d '{"meta": {"restart_item_ids": [1, 2]}}' "$R/$P")"
check "creating with a non-string meta value -> 400" 400 "$(code -u "$ALICE" -H 'Content-Type: application/json' -d '{"title": "smoke bad meta", "meta": {"restart_is_for_self": false}}' "$R")"
# WordPress inserts the post before it checks the meta, so that 400 leaves a draft behind.
mapfile -t -O "${#created[@]}" created < <(curl -s -u "$ALICE" "$R?status=draft&search=smoke+bad+meta" | python3 -c 'import json, sys
for p in json.load(sys.stdin): print(p["id"])')

# --- who else may read or write it
check "bob (invited by login) reads it" 200 "$(code -u "$BOB" "$R/$P")"
call body -u "$BOB" "$R/$P"
check "bob (invited) sees who is invited" '["bob", "someone@example.test"]' "$(jget meta.restart_invitees <<<"$body")"
check "bob (invited) does not see the recipient's e-mail" "" "$(jget meta.restart_recipient_email <<<"$body")"
check "bob cannot update it -> 403" 403 "$(code -u "$BOB" -H 'Content-Type: application/json' -d '{"title": "x"}' "$R/$P")"
check "bob cannot change its meta -> 403" 403 "$(code -u "$BOB" -H 'Content-Type: application/json' -d '{"meta": {"restart_invitees": "[]"}}' "$R/$P")"
check "bob cannot delete it -> 403" 403 "$(code -u "$BOB" -X DELETE "$R/$P?force=true")"
check "carol (not invited) cannot read it -> 403" 403 "$(code -u "$CAROL" "$R/$P")"
check "anonymous cannot read it -> 401" 401 "$(code "$R/$P")"
check "admin reads it" 200 "$(code -u "$ADMIN" "$R/$P")"
code -u "$ALICE" -H 'Content-Type: application/json' \
  -d '{"meta": {"restart_invitees": "[\"Carol@Example.TEST\"]"}}' "$R/$P" >/dev/null
check "carol (invited by e-mail, other letter case) reads it" 200 "$(code -u "$CAROL" "$R/$P")"
code -u "$ALICE" -H 'Content-Type: application/json' -d '{"meta": {"restart_invitees": "[\"carol@example.test.evil\", \"CAROL\", \"x carol@example.test\"]"}}' "$R/$P" >/dev/null
check "carol (only near misses of her login and e-mail invited) cannot read it -> 403" 403 "$(code -u "$CAROL" "$R/$P")"
code -u "$ALICE" -H 'Content-Type: application/json' -d '{"meta": {"restart_invitees": "[\"Carol@Example.TEST\"]"}}' "$R/$P" >/dev/null
check "bob (no longer invited) cannot read it -> 403" 403 "$(code -u "$BOB" "$R/$P")"
check "dave (never invited) cannot read it -> 403" 403 "$(code -u "$DAVE" "$R/$P")"
check "carol's invitation does not let her edit -> 403" 403 "$(code -u "$CAROL" -H 'Content-Type: application/json' -d '{"title": "x"}' "$R/$P")"
check "alice deletes it" 200 "$(code -u "$ALICE" -X DELETE "$R/$P?force=true")"
check "gone after delete -> 404" 404 "$(code -u "$ALICE" "$R/$P")"

# --- a published registry
meta=$(python3 -c 'import json, sys; m = json.loads(sys.argv[1]); m.update(restart_invitees="[]", restart_is_for_self="1"); print(json.dumps(m, sort_keys=True, ensure_ascii=False))' "$meta")
call body -u "$ALICE" -H 'Content-Type: application/json' \
  -d "{\"title\": \"smoke published\", \"status\": \"publish\", \"meta\": $meta}" "$R"
check "alice creates a published registry" 201 "$STATUS"
Q=$(jget id <<<"$body"); created+=("$Q")
check "all 8 meta keys round-trip (published)" "$meta" "$(jget meta <<<"$body")"
call body -u "$ALICE" -H 'Content-Type: application/json' -X POST -d '{"meta": {"restart_recipient_name": ""}}' "$R/$Q"
check "alice updates it" 200 "$STATUS"
check "an empty string is stored as an empty string" "" "$(jget meta.restart_recipient_name <<<"$body")"
check "bob reads it" 200 "$(code -u "$BOB" "$R/$Q")"
check "bob cannot update it -> 403" 403 "$(code -u "$BOB" -H 'Content-Type: application/json' -d '{"title": "x"}' "$R/$Q")"
check "bob cannot delete it -> 403" 403 "$(code -u "$BOB" -X DELETE "$R/$Q?force=true")"
call body "$R/$Q"
check "anonymous reads it" 200 "$STATUS"
check "anonymous does not see the recipient's e-mail" "" "$(jget meta.restart_recipient_email <<<"$body")"
check "anonymous sees the rest of the meta" birthday "$(jget meta.restart_event_type <<<"$body")"
check "bob does not see the recipient's e-mail in the list" "" "$(curl -s -u "$BOB" "$R?include=$Q&context=view" | jget 0.meta.restart_recipient_email)"
check "alice sees the recipient's e-mail" zoe@example.test "$(curl -s -u "$ALICE" "$R/$Q" | jget meta.restart_recipient_email)"
check "alice deletes it" 200 "$(code -u "$ALICE" -X DELETE "$R/$Q?force=true")"
check "gone after delete -> 404" 404 "$(code -u "$ALICE" "$R/$Q")"

check "a user cannot change their own e-mail through REST -> 403" 403 "$(code -u "$DAVE" -H 'Content-Type: application/json' -d '{"email": "someone@example.test"}' "$WP_API_URL/wp/v2/users/me")"
check "a registry_user cannot write blog posts -> 403" 403 "$(code -u "$ALICE" -H 'Content-Type: application/json' -d '{"title": "blog"}' "$WP_API_URL/wp/v2/posts")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
