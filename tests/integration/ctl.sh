#!/bin/bash
# ctl.sh - ssdctl's database commands against a real PostgreSQL: template
# import from YAML (the shipped demo templates; updates; broken files),
# user add with the password on stdin, agent add/approve and show agents;
# all carried out by ssd-api (the master forwards them and runs no
# queries but migrations), also when ssd-api is down.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
ok_if "PostgreSQL starts" pg_up
[ -n "${PGHOST:-}" ] && ok_if "ssd starts" ssd_start
[ -n "$SSD_PID" ] || finish

out=$(ssdctl template import "$top_srcdir"/contrib/templates/*.yaml 2>&1)
[ $? = 0 ] && grep -q 'firefox: created' <<< "$out"
ok_rc "the demo templates import ($out)" $?
out=$(ssdctl template import "$top_srcdir/contrib/templates/firefox.yaml" 2>&1)
ok_if "importing again updates ($out)" grep -q 'firefox: updated' <<< "$out"
n=$(psql -qAt -c "SELECT count(*) FROM catalog_templates WHERE manifest->'spec'->>'baseImage' LIKE '%firefox%'")
ok_if "one firefox template, with its manifest" [ "$n" = 1 ]
cat > "$T/two.yaml" <<'Y'
apiVersion: stream.space/v1alpha1
kind: Template
metadata: {name: one}
spec: {baseImage: "a:1", tags: [x, "y z"]}
---
apiVersion: stream.space/v1alpha1
kind: Template
metadata: {name: two}
spec: {baseImage: "b:2", ports: [{containerPort: 5900}]}
Y
out=$(ssdctl template import "$T/two.yaml" 2>&1)
grep -q 'one: created' <<< "$out" && grep -q 'two: created' <<< "$out"
ok_rc "two documents in one file" $?
ok_if "... with YAML types kept (port is a number)" \
    [ "$(psql -qAt -c "SELECT jsonb_typeof(manifest->'spec'->'ports'->0->'containerPort') FROM catalog_templates WHERE name = 'two'")" = number ]
printf 'apiVersion: stream.space/v1alpha1\nkind: Template\nmetadata: {name: bad\n' > "$T/broken.yaml"
out=$(ssdctl template import "$T/broken.yaml" 2>&1)
[ $? = 1 ] && grep -q 'line' <<< "$out"
ok_rc "broken YAML: exit 1 with the line ($out)" $?
printf 'a: &x [1]\nb: *x\n' > "$T/alias.yaml"
out=$(ssdctl template import "$T/alias.yaml" 2>&1)
[ $? = 1 ] && grep -q 'not accepted' <<< "$out"
ok_rc "anchors and aliases are refused" $?
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n' > "$T/pod.yaml"
out=$(ssdctl template import "$T/pod.yaml" 2>&1)
[ $? = 1 ] && grep -q 'not a Template' <<< "$out"
ok_rc "not a Template: refused with the reason" $?
ok_if "a missing file: exit 1" bash -c "! $top_builddir/ssdctl -s $SSD_SOCK template import $T/nope.yaml"

out=$(echo 'bob-password-1' | ssdctl user add bob operator 2>&1)
ok_if "ssdctl user add ($out)" [ $? = 0 ]
r=$(api POST /api/v1/auth/login "" '{"username":"bob","password":"bob-password-1"}')
ok_if "... and bob logs in as an operator" [ "$(json user.role <<< "${r#* }")" = operator ]
out=$(echo 'another-password' | ssdctl user add bob 2>&1)
[ $? = 1 ] && grep -q exists <<< "$out"
ok_rc "adding bob again fails" $?
out=$(echo short | ssdctl user add carol 2>&1)
ok_if "a short password is refused" [ $? = 1 ]
ok_if "no password reaches the log" bash -c "! grep -q bob-password-1 '$T/ssd.log'"
ok_if "ssd-api carried them out, not the master" \
    grep -q 'ssd-api\[[0-9]*\]: ssdctl: user bob (operator) added' "$T/ssd.log"

out=$(ssdctl agent add k8s-ctl 2>&1)
key=$(grep -Eo '[0-9a-f]{64}' <<< "$out")
ok_if "ssdctl agent add prints the key once ($out)" [ -n "$key" ]
ok_if "... and stores only its hash" \
    sql_is "SELECT api_key_hash = encode(sha256('$key'), 'hex') FROM agents WHERE agent_id = 'k8s-ctl'" t
out=$(ssdctl agent add k8s-ctl 2>&1)
[ $? = 1 ] && grep -q exists <<< "$out"
ok_rc "adding it again fails ($out)" $?
psql -qAt -c "INSERT INTO agents (agent_id, platform, approval_status) VALUES ('k8s-new', 'kubernetes', 'pending')" > /dev/null
out=$(ssdctl agent approve k8s-new 2>&1)
ok_if "ssdctl agent approve ($out)" sql_is "SELECT approval_status FROM agents WHERE agent_id = 'k8s-new'" approved
out=$(ssdctl agent reject nobody 2>&1)
[ $? = 1 ] && grep -q 'no such agent' <<< "$out"
ok_rc "approving an unknown agent fails ($out)" $?
out=$(ssdctl show agents)
grep -q '^k8s-ctl .* approved ' <<< "$out" && grep -q '^k8s-new ' <<< "$out"
ok_rc "ssdctl show agents lists them" $?
out=$(ssdctl -j show agents | head -1)
ok_if "... as GET /api/v1/agents has them (-j)" [ "$(json agentId <<< "$out")" = k8s-ctl ]

# ssd-api down (stopped and held in its restart back-off): a clear error.
api_pid=$(worker_pid ssd-api)
kill -STOP "$api_pid"
out=$(echo 'dave-password-1' | timeout 120 "$top_builddir/ssdctl" -s "$SSD_SOCK" user add dave 2>&1)
rc=$?
kill -CONT "$api_pid"
[ "$rc" = 1 ] && grep -q 'ssd-api' <<< "$out"
ok_rc "with ssd-api not answering, ssdctl fails saying so ($out)" $?
finish
