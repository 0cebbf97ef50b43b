#!/bin/bash
# users.sh - login, tokens and /api/v1/users against a real PostgreSQL:
# the first admin from ADMIN_PASSWORD, wrong passwords, roles and
# ownership, refresh and logout really revoking, names without regard to
# case, password changes revoking every token, disabled accounts, the
# login rate limit, malformed and oversized bodies.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
ok_if "PostgreSQL and ssd start" pg_up
[ -n "${PGHOST:-}" ] && ok_if "ssd starts" ssd_start "login_max_failures = 5"
[ -n "$SSD_PID" ] || finish
ok_if "the first admin got ADMIN_PASSWORD" grep -q 'user admin: password set' "$T/ssd.log"

set -- $(api POST /api/v1/auth/login "" '{"username":"admin","password":"wrong"}')
ok_if "wrong password: 401 (got $1)" [ "$1" = 401 ]
ok_if "... Invalid credentials" grep -q '"Invalid credentials"' <<< "$*"
r=$(api POST /api/v1/auth/login "" '{"username":"nobody-here","password":"x"}')
ok_if "unknown user: the same 401" [ "${r%% *}" = 401 ]
r=$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}")
ok_if "admin logs in: 200" [ "${r%% *}" = 200 ]
admin=$(json token <<< "${r#* }")
[ -n "$admin" ] && [ "$(json user.role <<< "${r#* }")" = admin ]
ok_rc "... with a token and the user" $?
admin_id=$(json user.id <<< "${r#* }")

r=$(api GET /api/v1/users)
ok_if "GET /api/v1/users without a token: 401" [ "${r%% *}" = 401 ]
r=$(api GET /api/v1/users "$admin")
[ "${r%% *}" = 200 ] && \
    [ "$(json users.0.username <<< "${r#* }")" = admin ]
ok_rc "admin lists users: 200 with admin in it" $?
r=$(api POST /api/v1/users "$admin" '{"username":"alice","password":"alice-password","email":"alice@example.org","fullName":"Alice"}')
ok_if "admin creates alice: 201" [ "${r%% *}" = 201 ]
alice_id=$(json id <<< "${r#* }")
ok_if "... as a user" [ "$(json role <<< "${r#* }")" = user ]
r=$(api POST /api/v1/users "$admin" '{"username":"alice","password":"another-password"}')
ok_if "creating alice again: 409" [ "${r%% *}" = 409 ]
r=$(api POST /api/v1/users "$admin" '{"username":"bad name","password":"x"}')
ok_if "bad user name and short password: 400" [ "${r%% *}" = 400 ]

r=$(api POST /api/v1/auth/login "" '{"username":"alice","password":"alice-password"}')
alice=$(json token <<< "${r#* }")
ok_if "alice logs in" [ -n "$alice" ]
r=$(api GET /api/v1/users "$alice")
ok_if "alice may not list users: 403" [ "${r%% *}" = 403 ]
r=$(api GET /api/v1/users/me "$alice")
ok_if "alice reads herself via /users/me" [ "$(json username <<< "${r#* }")" = alice ]
r=$(api GET "/api/v1/users/$admin_id" "$alice")
ok_if "alice may not read the admin: 403" [ "${r%% *}" = 403 ]
r=$(api PATCH /api/v1/users/me "$alice" '{"role":"admin"}')
ok_if "alice may not make herself admin: 403" [ "${r%% *}" = 403 ]
r=$(api PATCH /api/v1/users/me "$alice" '{"fullName":"Alice Liddell"}')
[ "${r%% *}" = 200 ] && \
    [ "$(json fullName <<< "${r#* }")" = "Alice Liddell" ]
ok_rc "alice renames herself: 200" $?

# Tokens: refresh replaces, logout revokes.
r=$(api POST /api/v1/auth/refresh "" "{\"token\":\"$alice\"}")
new=$(json token <<< "${r#* }")
[ "${r%% *}" = 200 ] && [ -n "$new" ] && [ "$new" != "$alice" ]
ok_rc "refresh gives a new token" $?
r=$(api GET /api/v1/users/me "$alice")
ok_if "the refreshed token is no longer accepted" [ "${r%% *}" = 401 ]
r=$(api POST /api/v1/auth/refresh "" "{\"token\":\"$alice\"}")
ok_if "... nor refreshed twice" [ "${r%% *}" = 401 ]
psql -q -c "INSERT INTO revoked_tokens (jti, expires_at) VALUES ('old-jti', now() - interval '2 hours'), ('recent-jti', now() - interval '5 minutes')"
r=$(api POST /api/v1/auth/logout "$new")
ok_if "logout: 200" [ "${r%% *}" = 200 ]
ok_if "... and the revocation of a token expired for hours is dropped, a recent one kept" \
    sql_is "SELECT string_agg(jti, ' ' ORDER BY jti) FROM revoked_tokens WHERE jti LIKE '%-jti'" recent-jti
r=$(api GET /api/v1/users/me "$new")
[ "${r%% *}" = 401 ] && grep -q revoked <<< "$r"
ok_rc "after logout the token is refused" $?
tampered="${admin%?}A"
[ "$tampered" = "$admin" ] && tampered="${admin%?}B"
r=$(api GET /api/v1/users "$tampered")
ok_if "a tampered token: 401" [ "${r%% *}" = 401 ]

# API keys.
r=$(api POST /api/v1/api-keys "$admin" '{"name":"ro","scopes":["read"]}')
ro=$(json key <<< "${r#* }")
[ "${r%% *}" = 201 ] && [ "${ro:0:3}" = sk_ ] && [ ${#ro} = 46 ]
ok_rc "an API key is created and shown once" $?
r=$(api GET /api/v1/api-keys "$admin")
[ "$(json total <<< "${r#* }")" = 1 ] && ! grep -q "$ro" <<< "$r"
ok_rc "the list never shows the key" $?
code=$(curl -s -o "$T/k" -w '%{http_code}' -H "X-API-Key: $ro" "$SSD_URL/api/v1/users/me")
[ "$code" = 200 ] && [ "$(json username < "$T/k")" = admin ]
ok_rc "X-API-Key authenticates as its user" $?
r=$(api GET /api/v1/users "$ro")
ok_if "... so does Bearer sk_..., with the user's role" [ "${r%% *}" = 200 ]
r=$(api POST /api/v1/users "$ro" '{"username":"zed","password":"zed-password"}')
ok_if "a read-only key cannot change anything: 403" [ "${r%% *}" = 403 ]
r=$(api POST /api/v1/api-keys "$admin" '{"name":"old","expiresAt":"2001-01-01T00:00:00Z"}')
old=$(json key <<< "${r#* }")
r=$(api GET /api/v1/users/me "$old")
ok_if "an expired key: 401" [ "${r%% *}" = 401 ]
r=$(api POST /api/v1/api-keys "$admin" '{"name":"bad","expiresAt":"not a date"}')
ok_if "a malformed date: 400" [ "${r%% *}" = 400 ]
r=$(api POST /api/v1/api-keys "$admin" '{"name":"bad","scopes":["root"]}')
ok_if "an unknown scope: 400" [ "${r%% *}" = 400 ]
id=$(json apiKeys.0.id <<< "$(api GET /api/v1/api-keys "$admin" | cut -d' ' -f2-)")
alice2=$(json token <<< "$(api POST /api/v1/auth/login "" '{"username":"alice","password":"alice-password"}' | cut -d' ' -f2-)")
r=$(api POST "/api/v1/api-keys/$id/revoke" "$alice2")
ok_if "another user cannot revoke it: 404" [ "${r%% *}" = 404 ]
api POST "/api/v1/api-keys/$id/revoke" "$admin" > /dev/null
r=$(api GET /api/v1/users/me "$ro")
ok_if "a revoked key: 401" [ "${r%% *}" = 401 ]
r=$(api GET /api/v1/users/me "sk_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-43)")
ok_if "an unknown key: 401" [ "${r%% *}" = 401 ]

# Groups.
r=$(api POST /api/v1/groups "$admin" '{"name":"devs","displayName":"Developers"}')
gid=$(json id <<< "${r#* }")
[ "${r%% *}" = 201 ] && [ -n "$gid" ]
ok_rc "the admin creates a group: 201" $?
r=$(api POST /api/v1/groups "$admin" '{"name":"devs"}')
ok_if "the same name again: 409" [ "${r%% *}" = 409 ]
r=$(api POST /api/v1/groups "$admin" '{"name":"x","type":"cult"}')
ok_if "an unknown type: 400" [ "${r%% *}" = 400 ]
r=$(api POST "/api/v1/groups/$gid/members" "$admin" "{\"userId\":\"$alice_id\"}")
ok_if "alice joins it" [ "$(json role <<< "${r#* }")" = member ]
r=$(api POST "/api/v1/groups/$gid/members" "$admin" '{"userId":"nobody"}')
ok_if "an unknown user cannot join: 404" [ "${r%% *}" = 404 ]
r=$(api GET "/api/v1/groups/$gid/members" "$admin")
[ "$(json members.0.username <<< "${r#* }")" = alice ] && \
    [ "$(json memberCount <<< "$(api GET "/api/v1/groups/$gid" "$admin" | cut -d' ' -f2-)")" = 1 ]
ok_rc "members are listed" $?
r=$(api GET /api/v1/groups "$alice2")
ok_if "users may not manage groups: 403" [ "${r%% *}" = 403 ]
r=$(api DELETE "/api/v1/groups/$gid/members/$alice_id" "$admin")
ok_if "alice leaves: 204" [ "${r%% *}" = 204 ]
r=$(api PATCH "/api/v1/groups/$gid" "$admin" '{"description":"all of them"}')
ok_if "the group is changed" [ "$(json description <<< "${r#* }")" = "all of them" ]
r=$(api DELETE "/api/v1/groups/$gid" "$admin")
ok_if "and deleted: 204" [ "${r%% *}" = 204 ]

# Token checks are cached; a user disabled elsewhere is refused at once.
api GET /api/v1/users/me "$alice2" > /dev/null
psql -qAt -c "UPDATE users SET active = false WHERE username = 'alice'; NOTIFY ssd_auth" > /dev/null
refused() { [ "$(api GET /api/v1/users/me "$alice2" | cut -d' ' -f1)" = 401 ]; }
ok_if "a NOTIFY ssd_auth drops cached token checks" wait_until "$TEST_WAIT" refused
psql -qAt -c "UPDATE users SET active = true WHERE username = 'alice'; NOTIFY ssd_auth" > /dev/null

# Names without regard to case; passwords and the tokens they revoke.
r=$(api POST /api/v1/users "$admin" '{"username":"ALICE","password":"another-password"}')
ok_if "ALICE when alice exists: 409" [ "${r%% *}" = 409 ]
r=$(api POST /api/v1/users "$admin" '{"username":"me","password":"another-password"}')
ok_if "a user named me: 400 (it is /users/me)" [ "${r%% *}" = 400 ]
r=$(api POST /api/v1/users "$admin" "{\"username\":\"long\",\"password\":\"$(printf '%512s' | tr ' ' p)\"}")
ok_if "a password of 512 characters: 400" [ "${r%% *}" = 400 ]
r=$(api POST /api/v1/auth/login "" '{"username":"Alice","password":"alice-password"}')
ok_if "alice logs in as Alice" [ "$(json user.username <<< "${r#* }")" = alice ]
alice=$(json token <<< "${r#* }")
r=$(api POST /api/v1/auth/login "" '{"username":"Alice","password":"alice-password"}')
alice_phone=$(json token <<< "${r#* }")
r=$(api PATCH /api/v1/users/me "$alice" '{"password":"alice-new-password"}')
ok_if "her own password without currentPassword: 400" [ "${r%% *}" = 400 ]
r=$(api PATCH /api/v1/users/me "$alice" '{"password":"alice-new-password","currentPassword":"guess"}')
ok_if "... with a wrong one: 403 wrong_password" \
    eval '[ "${r%% *}" = 403 ] && [ "$(json error <<< "${r#* }")" = wrong_password ]'
r=$(api PATCH /api/v1/users/me "$alice" '{"password":"alice-new-password","currentPassword":"alice-password"}')
ok_if "... with the right one: 200 and a new token" \
    eval '[ "${r%% *}" = 200 ] && [ -n "$(json token <<< "${r#* }")" ] && [ "$(json user.username <<< "${r#* }")" = alice ]'
alice_new=$(json token <<< "${r#* }")
r=$(api GET /api/v1/users/me "$alice_phone")
ok_if "... her token on another device stops working: 401" [ "${r%% *}" = 401 ]
r=$(api GET /api/v1/users/me "$alice")
ok_if "... so does the one she changed it with" [ "${r%% *}" = 401 ]
r=$(api POST /api/v1/auth/refresh "" "{\"token\":\"$alice_phone\"}")
ok_if "... and it cannot be refreshed" [ "${r%% *}" = 401 ]
r=$(api GET /api/v1/users/me "$alice_new")
ok_if "... the new one works" [ "${r%% *}" = 200 ]
r=$(api POST /api/v1/auth/login "" '{"username":"alice","password":"alice-new-password"}')
ok_if "... and so does the new password" [ "${r%% *}" = 200 ]
r=$(api PATCH "/api/v1/users/$alice_id" "$admin" '{"password":"alice-password"}')
ok_if "the admin resets it without hers: 200" [ "${r%% *}" = 200 ]
r=$(api GET /api/v1/users/me "$alice_new")
ok_if "... which revokes her tokens too" [ "${r%% *}" = 401 ]

# Disabled accounts, deletion.
r=$(api PATCH "/api/v1/users/$alice_id" "$admin" '{"active":false}')
ok_if "admin disables alice" [ "$(json active <<< "${r#* }")" = false ]
r=$(api POST /api/v1/auth/login "" '{"username":"alice","password":"alice-password"}')
ok_if "a disabled user cannot log in: 403" [ "${r%% *}" = 403 ]
r=$(api DELETE "/api/v1/users/$admin_id" "$admin")
ok_if "admin may not delete himself: 409" [ "${r%% *}" = 409 ]
r=$(api DELETE "/api/v1/users/$alice_id" "$admin")
ok_if "admin deletes alice: 204" [ "${r%% *}" = 204 ]
r=$(api GET "/api/v1/users/$alice_id" "$admin")
ok_if "alice is gone: 404" [ "${r%% *}" = 404 ]

# Bad input.
r=$(api POST /api/v1/auth/login "" '{"username":')
ok_if "malformed JSON: 400" [ "${r%% *}" = 400 ]
head -c 2000000 /dev/zero | tr '\0' a > "$T/big"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary "@$T/big" "$SSD_URL/api/v1/auth/login")
ok_if "a body over http_max_body_size: 413 (got $code)" [ "$code" = 413 ]

# The login rate limit (login_max_failures = 5).
for i in 1 2 3 4 5; do
	api POST /api/v1/auth/login "" '{"username":"carol","password":"guess"}' > /dev/null
done
code=$(curl -s -D "$T/h" -o /dev/null -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' \
    -d '{"username":"carol","password":"guess"}' "$SSD_URL/api/v1/auth/login")
ok_if "the 6th failed login for one name: 429 (got $code)" [ "$code" = 429 ]
ok_if "... with Retry-After" grep -qi '^Retry-After: [0-9]' "$T/h"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d 'a=b' "$SSD_URL/api/v1/auth/login")
ok_if "a form-encoded body: 415 (got $code)" [ "$code" = 415 ]
r=$(api POST /api/v1/users "$admin" '{"username":1}')
[ "$(json error <<< "${r#* }")" = bad_request ] && [ -n "$(json message <<< "${r#* }")" ]
ok_rc "errors have one shape: {error: code, message}" $?

# Filters: read strictly, never ignored.
long=$(printf '%5000s' | tr ' ' x)
bad=""
for q in "admin/audit?resource_id=%00" "admin/audit?search=$long" "admin/audit?user=a&user=b" \
    "admin/audit?resourceId=x" "sessions?state=bogus" "sessions?owner=alice" "agents?status=%ff" \
    "templates?category=%0a"; do
	r=$(api GET "/api/v1/$q" "$admin")
	[ "${r%% *}" = 400 ] || bad="$bad [$q: ${r:0:80}]"
done
ok_if "malformed, repeated or unknown filters: 400 naming them, never everything$bad" [ -z "$bad" ]
r=$(api GET "/api/v1/admin/audit?resource_id=nothing-has-this" "$admin")
ok_if "... a well-formed filter that matches nothing: 200, empty" \
    eval '[ "${r%% *}" = 200 ] && [ "$(json count <<< "${r#* }")" = 0 ]'

# The audit trail.
audited() { [ "$(psql -qAt -c "$1")" -ge "${2:-1}" ]; }
ok_if "every failed or refused login is audited with the name tried" audited \
    "SELECT count(*) FROM audit_log WHERE action = 'POST /api/v1/auth/login' AND changes->>'username' = 'carol' AND changes->>'status' IN ('401', '429')" 6
ok_if "successful logins are audited" audited \
    "SELECT count(*) FROM audit_log WHERE action = 'POST /api/v1/auth/login' AND changes->>'status' = '200'" 2
ok_if "user creation is audited with who did it" audited \
    "SELECT count(*) FROM audit_log WHERE action = 'POST /api/v1/users' AND user_id = '$admin_id' AND changes->>'status' = '201'"
ok_if "deletion is audited with the user deleted" audited \
    "SELECT count(*) FROM audit_log WHERE resource_type = 'users' AND resource_id = '$alice_id' AND action LIKE 'DELETE %'"
ok_if "no password or token ever reaches the log" \
    bash -c "! grep -q -e alice-password -e '$ADMIN_PASSWORD' -e '$admin' '$T/ssd.log'"
finish
