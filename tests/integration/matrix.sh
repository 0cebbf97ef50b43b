#!/bin/bash
# matrix.sh - who may do what, route by route: anonymous, user A, user B,
# an operator and an administrator against every session, user, template,
# group, API key and agent route, each with the status it must get; and
# hostile strings in every text field: refused, or stored and returned
# byte for byte.  Real PostgreSQL.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
ok_if "PostgreSQL starts" pg_up
[ -n "${PGHOST:-}" ] && ok_if "ssd starts" ssd_start
[ -n "$SSD_PID" ] || finish
login() { json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"$1\",\"password\":\"$2\"}" | cut -d' ' -f2-)"; }
ADM=$(login admin "$ADMIN_PASSWORD")
for u in usera userb oper; do
	role=user; [ $u = oper ] && role=operator
	api POST /api/v1/users "$ADM" "{\"username\":\"$u\",\"password\":\"$u-password\",\"role\":\"$role\"}" > /dev/null
done
A=$(login usera usera-password); B=$(login userb userb-password); OP=$(login oper oper-password)
aid=$(psql -qAt -c "SELECT id FROM users WHERE username = 'usera'")
ssdctl template import "$top_srcdir/contrib/templates/firefox.yaml" > /dev/null
psql -qAt -c "INSERT INTO agents (agent_id, platform, status, last_heartbeat) VALUES ('k8s-m', 'kubernetes', 'online', now())" > /dev/null
sid=$(json id <<< "$(api POST /api/v1/sessions "$A" '{"template":"firefox"}' | cut -d' ' -f2-)")
gid=$(json id <<< "$(api POST /api/v1/groups "$ADM" '{"name":"g1"}' | cut -d' ' -f2-)")
kid=$(json id <<< "$(api POST /api/v1/api-keys "$A" '{"name":"k"}' | cut -d' ' -f2-)")
psql -qAt -c "UPDATE sessions SET state = 'running' WHERE id = '$sid'" > /dev/null

# route, body, then the status for: anonymous, A (owner), B, operator, admin.
# "2" means any 2xx.  Mutations come last so earlier rows see the fixtures.
matrix=(
"GET /api/v1/sessions|-|401 2 2 2 2"
"GET /api/v1/sessions/$sid|-|401 2 404 2 2"
"PUT /api/v1/sessions/$sid/hibernate|-|401 SKIP 404 SKIP SKIP"
"PUT /api/v1/sessions/$sid/wake|-|401 SKIP 404 SKIP SKIP"
"GET /api/v1/users|-|401 403 403 403 2"
"GET /api/v1/users/me|-|401 2 2 2 2"
"GET /api/v1/users/$aid|-|401 2 403 403 2"
"PATCH /api/v1/users/$aid|{\"fullName\":\"x\"}|401 2 403 403 2"
"PATCH /api/v1/users/$aid|{\"role\":\"admin\"}|401 403 403 403 SKIP"
"POST /api/v1/users|{\"username\":\"zz\",\"password\":\"zz-password\"}|401 403 403 403 2"
"GET /api/v1/templates|-|401 2 2 2 2"
"GET /api/v1/templates/firefox|-|401 2 2 2 2"
"PATCH /api/v1/templates/firefox|{\"description\":\"d\"}|401 403 403 2 2"
"POST /api/v1/templates|{\"apiVersion\":\"stream.space/v1alpha1\",\"kind\":\"Template\",\"metadata\":{\"name\":\"t-NAME\"},\"spec\":{\"baseImage\":\"x\"}}|401 403 403 2 2"
"POST /api/v1/groups|{\"name\":\"g-NAME\"}|401 403 403 403 2"
"GET /api/v1/groups|-|401 403 403 403 2"
"GET /api/v1/groups/$gid|-|401 403 403 403 2"
"PATCH /api/v1/groups/$gid|{\"description\":\"d\"}|401 403 403 403 2"
"GET /api/v1/agents|-|401 403 403 403 2"
"GET /api/v1/agents/k8s-m|-|401 403 403 403 2"
"GET /api/v1/admin/agents|-|401 403 403 403 2"
"GET /api/v1/admin/audit|-|401 403 403 403 2"
"GET /api/v1/api-keys|-|401 2 2 2 2"
"POST /api/v1/api-keys/$kid/revoke|-|401 SKIP 404 404 SKIP"
"POST /api/v1/admin/agents/k8s-m/approve|-|401 403 403 403 2"
"POST /api/v1/sessions/bulk-import|[]|401 403 403 403 2"
"DELETE /api/v1/templates/t-oper|-|401 403 403 2 SKIP"
"DELETE /api/v1/groups/$gid|-|401 403 403 403 2"
"DELETE /api/v1/users/$aid|-|401 403 403 403 SKIP"
"DELETE /api/v1/sessions/$sid|-|401 SKIP 404 2 SKIP"
"DELETE /api/v1/agents/k8s-m|-|401 403 403 403 2"
)
# Every route of ssd-api's table (ssd-api -R): anonymous callers get 401
# and callers below its role 403, whatever the ids; and each one is in the
# matrix above, or named here with the test that covers it.
elsewhere=" GET /health GET /ready GET /health/hub GET /health/relay/:n GET /metrics POST /api/v1/auth/login
    POST /api/v1/auth/refresh POST /api/v1/auth/logout GET /vnc-viewer/:id GET /novnc/*path
    GET /api/v1/vnc/:id POST /api/v1/agents/register GET /api/v1/agent/connect GET /api/v1/agents/connect
    GET /api/v1/agent/data GET /api/v1/agents/data POST /api/v1/sessions/:id/viewer-ticket
    POST /api/v1/sessions DELETE /api/v1/api-keys/:id POST /api/v1/api-keys
    POST /api/v1/admin/agents/:id/reject GET /api/v1/admin/agents/:id DELETE /api/v1/admin/agents/:id
    GET /api/v1/groups/:id/members POST /api/v1/groups/:id/members DELETE /api/v1/groups/:id/members/:user
    POST /api/v1/auth/session GET / GET /login GET /sessions GET /sessions/:id GET /catalog GET /settings
    GET /admin GET /admin/*page GET /ui/*path GET /api/v1/events POST /api/v1/templates/import
    GET /api/v1/users/:id/quota PUT /api/v1/users/:id/quota "
# (master.sh, vnc-auth.sh, users.sh, agents.sh, sessions.sh, ctl.sh, web.sh,
# events.sh, metrics.sh)
rank() { case $1 in user) echo 1 ;; operator) echo 2 ;; admin) echo 3 ;; *) echo 0 ;; esac; }
"$top_builddir/ssd-api/ssd-api" -R > "$T/routes"
ok_if "ssd-api -R lists the route table" test -s "$T/routes"
table_bad=
while IFS=$'\t' read -r method pattern role; do
	key=$(sed -E 's/:[a-z]+/:ID/g' <<< "$method $pattern")
	listed=
	for row in "${matrix[@]}"; do
		r=${row%%|*}
		for v in "$sid" "$aid" "$gid" "$kid" k8s-m firefox t-oper me; do
			[ -n "$v" ] || continue
			r=${r//\/$v\//\/:ID\/}
			[[ $r == */$v ]] && r=${r%/$v}/:ID
		done
		[ "$r" = "$key" ] && listed=1
	done
	case " $(echo $elsewhere) " in *" $method $pattern "*) listed=1 ;; esac
	[ -n "$listed" ] || table_bad="$table_bad [$method $pattern: in no test]"
	[ "$role" = public ] && continue
	path=$(sed -E 's#:[a-z]+#nosuch#g' <<< "$pattern")
	b=; [ "$method" != GET ] && b='{}'
	got=$(api "$method" "$path" "" "$b" | cut -d' ' -f1)
	[ "$got" = 401 ] || table_bad="$table_bad [anonymous $method $pattern: $got]"
	for caller in user operator; do
		[ "$(rank "$caller")" -lt "$(rank "$role")" ] || continue
		t=$A; [ $caller = operator ] && t=$OP
		got=$(api "$method" "$path" "$t" "$b" | cut -d' ' -f1)
		[ "$got" = 403 ] || table_bad="$table_bad [$caller $method $pattern: $got, want 403]"
	done
done < "$T/routes"
ok_if "every route of the table: 401 anonymous, 403 below its role, and tested${table_bad:+ (wrong:$table_bad)}" [ -z "$table_bad" ]

names=(anonymous usera userb oper admin)
tokens=("" "$A" "$B" "$OP" "$ADM")
bad=
for row in "${matrix[@]}"; do
	IFS='|' read -r route body want <<< "$row"
	read -r -a exp <<< "$want"
	for i in 0 1 2 3 4; do
		[ "${exp[$i]}" = SKIP ] && continue
		b=${body//NAME/${names[$i]}}
		[ "$b" = - ] && b=
		[ -z "$b" ] && [ "${route%% *}" != GET ] && b='{}'
		got=$(api ${route%% *} "${route#* }" "${tokens[$i]}" "$b" | cut -d' ' -f1)
		case ${exp[$i]} in
		2) [ "${got:0:1}" = 2 ] ;;
		*) [ "$got" = "${exp[$i]}" ] ;;
		esac || bad="$bad [${names[$i]} $route: $got, want ${exp[$i]}]"
	done
done
ok_if "authorization matrix: ${#matrix[@]} routes x 5 callers as specified${bad:+ (wrong:$bad)}" [ -z "$bad" ]

# Hostile strings: stored and returned exactly, or refused with 4xx.
hostile=('quote " backslash \\ slash /' "apostrophe ' semicolon; --" '<script>alert(1)</script>'
    'ünïcödé ✓ 😀 中文' $'tab\tnewline\ncr\r' '%00 %s %n {{x}} ${x}' "$(printf 'x%.0s' $(seq 1 3000))")
roundtrip_bad=
n=0
for h in "${hostile[@]}"; do
	n=$((n + 1))
	js=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$h")
	# exact FIELD ROUTE...: the field comes back as sent, or a 4xx.
	exact() {
		local f=$1 r
		shift
		r=$(api "$@")
		[ "${r:0:1}" = 4 ] || [ "$(json "$f" <<< "${r#* }")" = "$h" ] ||
		    roundtrip_bad="$roundtrip_bad $2:$f#$n"
	}
	exact fullName PATCH /api/v1/users/me "$B" "{\"fullName\":$js}"
	exact description PATCH /api/v1/templates/firefox "$OP" "{\"description\":$js}"
	exact tags.0 PATCH /api/v1/templates/firefox "$OP" "{\"tags\":[$js]}"
	exact description POST /api/v1/groups "$ADM" "{\"name\":\"h$n\",\"description\":$js}"
	exact name POST /api/v1/api-keys "$B" "{\"name\":$js}"
done
ok_if "hostile strings round-trip exactly in users, templates, groups, API keys${roundtrip_bad:+ (broken:$roundtrip_bad)}" [ -z "$roundtrip_bad" ]
refused=
for rf in "PATCH /api/v1/users/me fullName" "PATCH /api/v1/templates/firefox description" \
    "POST /api/v1/groups name" "POST /api/v1/api-keys name" "POST /api/v1/sessions template" \
    "POST /api/v1/users username"; do
	route=${rf% *}
	f=${rf##* }
	tok=$ADM
	for body in "{\"$f\":\"a\\u0000b\"}" "$(printf '{"%s":"\xff\xfe"}' "$f")" \
	    "$(printf '{"%s":"\xc0\xaf"}' "$f")" "{\"$f\":" '[]' "{\"$f\":{\"x\":1}}" "{\"$f\":[1]}"; do
		got=$(api ${route%% *} "${route#* }" "$tok" "$body" | cut -d' ' -f1)
		[ "${got:0:1}" = 4 ] || refused="$refused [$route $body: $got]"
	done
	printf '{"%s":"%s"}' "$f" "$(head -c 1100000 /dev/zero | tr '\0' a)" > "$T/huge"
	got=$(curl -s -o /dev/null -w '%{http_code}' -X "${route%% *}" -H "Authorization: Bearer $tok" \
	    -H 'Content-Type: application/json' --data-binary "@$T/huge" "$SSD_URL${route#* }")
	[ "$got" = 413 ] || refused="$refused [$route 1.1 MB: $got]"
done
ok_if "NUL, invalid UTF-8, broken JSON, wrong types, 1.1 MB bodies: 4xx everywhere${refused:+ (not:$refused)}" [ -z "$refused" ]
ok_if "ssd-api never answered 500" bash -c "! grep -q -- '-> 500' '$T/ssd.log'"
finish
