#!/bin/bash
# webui.sh - the web UI in a real browser (Debian's chromium, driven by
# npm playwright-core) against everything real: PostgreSQL, ssd, the
# Kubernetes agent with the Kubernetes API double running a real Xvnc as
# each session's pod.  tests/node/webui/ holds the journeys (user, admin),
# the security checks, the looks (keyboard, phone, 4K), and runs axe-core
# on every page; screenshots of every page go to
# $top_builddir/tests/screenshots/webui/.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
command -v chromium > /dev/null || skip_all "chromium missing (contrib/install-deps.sh test)"
[ -d "$top_srcdir/tests/node/node_modules/playwright-core" ] &&
    [ -d "$top_srcdir/tests/node/node_modules/axe-core" ] ||
    skip_all "playwright-core or axe-core missing (contrib/install-deps.sh test)"
command -v Xvnc > /dev/null || skip_all "Xvnc missing (tigervnc-standalone-server)"
[ -f /usr/share/novnc/core/rfb.js ] || skip_all "noVNC missing (novnc)"

ok_if "PostgreSQL starts" pg_up
/usr/bin/python3 "$top_srcdir/tests/kube-sim/kube-sim" --state-dir "$T/ks" \
    --port 0 --namespace sessions \
    --image-map "docker.io/accetto/*=$top_srcdir/contrib/demo-desktop.sh {ip} {port}" \
    > "$T/kube-sim.log" 2>&1 &
on_exit "kill $!; wait $!"
ok_if "kube-sim starts" wait_until 15 test -s "$T/ks/url"
ok_if "ssd starts" ssd_start
[ -n "$SSD_PID" ] && [ -s "$T/ks/url" ] || finish

ssdctl template import "$top_srcdir/contrib/templates/xfce-desktop.yaml" > /dev/null
admin=$(json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2-)")
for u in alice erin frank; do
	api POST /api/v1/users "$admin" "{\"username\":\"$u\",\"password\":\"$u-password\"}" > /dev/null
done
key=$(ssdctl agent add k8s-web | grep -Eo '[0-9a-f]{64}')
env AGENT_ID=k8s-web CONTROL_PLANE_URL="ws://127.0.0.1:$SSD_PORT" AGENT_KEY="$key" \
    KUBECONFIG="$T/ks/kubeconfig" NAMESPACE=sessions RECONNECT_MAX=1s HEARTBEAT_INTERVAL=2s \
    MAX_SESSIONS=20 REGION=eu-central \
    "$top_builddir/ssd-agent-k8s/ssd-agent-k8s" >> "$T/agent.log" 2>&1 &
agent=$!
on_exit "kill $agent; wait $agent"
ok_if "the agent comes online" wait_until 15 \
    sql_is "SELECT status FROM agents WHERE agent_id = 'k8s-web'" online

# For the admin journey: a pending agent and an offline one.
psql -qAt -c "INSERT INTO agents (agent_id, platform, region, status, approval_status, capacity, metadata)
    VALUES ('k8s-pending', 'kubernetes', 'us-east', 'offline', 'pending', '{\"cpu\": \"32\", \"memory\": \"128Gi\", \"max_sessions\": 40}', '{\"rack\": \"rack-7\"}'),
           ('k8s-gone', 'kubernetes', 'eu-west', 'offline', 'approved', '{}', '{}')" > /dev/null
sed -e 's/name: xfce-desktop/name: web-gimp/' -e 's/displayName: .*/displayName: GIMP (test import)/' \
    "$top_srcdir/contrib/templates/xfce-desktop.yaml" > "$T/web-gimp.yaml"
# For the security checks: names that would be markup, rendered as text.
hostile='evil</script><img src=x onerror=alert(2)>'
api POST /api/v1/templates "$admin" '{"apiVersion":"stream.space/v1alpha1","kind":"Template","metadata":{"name":"xss-tpl"},"spec":{"displayName":"<img src=x onerror=alert(1)>","description":"</script><script>alert(3)</script>","category":"<b>bold</b>","baseImage":"docker.io/accetto/x:latest"}}' > /dev/null
psql -qAt -v "sid=$hostile" > /dev/null <<'SQL'
INSERT INTO sessions (id, user_id, template_name, state, platform)
    SELECT :'sid', id, 'xss-tpl', 'hibernated', 'kubernetes' FROM users WHERE username = 'erin';
SQL

shots="$top_builddir/tests/screenshots/webui"
rm -rf "$shots"
mkdir -p "$shots"
SSD_URL=$SSD_URL SHOTS_DIR=$shots TEMPLATE_FILE="$T/web-gimp.yaml" HOSTILE_SESSION=$hostile \
    ATTACKER_PORT=$(free_port) NODE_PATH="$top_srcdir/tests/node/node_modules" \
    node "$top_srcdir/tests/node/webui/run.js" > "$T/webui.out" 2> "$T/webui.err"
rc=$?
while IFS= read -r line; do
	case $line in
	'{"ok":'*) ;;
	*) continue ;;
	esac
	name=$(json name <<< "$line")
	if [ "$(json ok <<< "$line")" = true ]; then
		ok_rc "$name" 0
	else
		ok_rc "$name" 1
		json diag <<< "$line" | head -30 | sed 's/^/# /'
	fi
done < "$T/webui.out"
ok_if "the browser tests ran to their end (exit $rc)" test -s "$T/webui.out" -a "$rc" -le 1
[ "$rc" -le 1 ] || sed 's/^/# /' "$T/webui.err" | tail -30
diag "screenshots: $(ls "$shots" | wc -l) in $shots"
ok_if "ssd-api never answered 500" bash -c "! grep -q -- '-> 500' '$T/ssd.log'"
finish
