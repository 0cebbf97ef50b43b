#!/bin/bash
# quickstart.sh - a local StreamSpace control plane on this machine, on
# embedded defaults, for trying ssd out: installs what is missing (apt),
# builds, starts ssd in a scratch state directory with the Kubernetes API
# double (tests/kube-sim) as its cluster and an agent, starts two demo
# sessions, prints what runs and how to reach it, and stays in the
# foreground until Ctrl-C, which stops it all.  Everything can then be
# done from a browser: the web UI's address and the admin password are
# printed at the end.  The demo sessions: xfce-desktop (VNC) and firefox
# (web-streamed, on its own origin under session_domain = localhost).
# Run as root on Debian 12.  SSD_PORT picks the port (default 8080).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SSD_BUILD_DIR:-$top/build}/quickstart
state=${SSD_STATE_DIR:-/tmp/ssd-quickstart}
port=${SSD_PORT:-8080}
pids=()

say() { printf '==> %s\n' "$*"; }
die() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }

stop_all() {
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[$i]}" 2>/dev/null
		wait "${pids[$i]}" 2>/dev/null
	done
	pids=()
	[ -d "$state/pg/pgdata" ] && pg_stop "$state/pg"
}
trap 'echo; say "stopping"; stop_all; exit 0' INT TERM
trap stop_all EXIT

[ "$(id -u)" = 0 ] || die "run me as root (the workers drop to their own users)"
say "installing missing packages"
"$top/contrib/install-deps.sh" run || die "package installation failed"
# A tree configured in place (README's "Building by hand") cannot also be
# configured elsewhere: its build is used then.
if [ -f "$top/config.status" ]; then
	build=$top
	say "building in place in $top (configured there already)"
else
	say "building in $build"
	(cd "$top" && ./autogen.sh > /dev/null 2>&1) || die "autogen failed"
	mkdir -p "$build" || die "cannot use $build"
fi
cd "$build" || die "cannot use $build"
[ -f Makefile ] || "$top/configure" -q > configure.out 2>&1 || { cat configure.out; die "configure failed"; }
make -j"$(nproc)" > build.out 2>&1 || { tail -30 build.out; die "build failed"; }

say "state directory $state"
rm -rf "$state"
mkdir -p "$state/libexec" "$state/empty"
chmod 755 "$state" "$state/empty"
for w in ssd-api ssd-hub ssd-relay; do
	ln -s "$build/$w/$w" "$state/libexec/$w"
done
say "starting a private PostgreSQL in $state/pg"
. "$top/tests/pg.sh"
pg_start "$state/pg" > /dev/null || die "PostgreSQL did not start"
umask 077
head -c 32 /dev/urandom | base64 > "$state/jwt-secret"
admin_password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$admin_password" > "$state/admin-password"
umask 022
cat > "$state/ssd.conf" <<CONF
# Written by contrib/quickstart.sh: a local demo, not a production setup.
listen_address = 127.0.0.1
port = $port
worker_dir = $state/libexec
chroot_dir = $state/empty
control_socket = $state/ssd.sock
schema_dir = $top/schema
web_dir = $state/web
db_host = $PGHOST
db_port = $PGPORT
db_name = $PGDATABASE
db_user = $PGUSER
jwt_secret_file = $state/jwt-secret
admin_password_file = $state/admin-password
# Web-streamed sessions (the firefox demo) each on an origin of their
# own, s-LABEL.localhost: browsers resolve *.localhost themselves.
session_domain = localhost
CONF
# The web UI as make install puts it: readable by the workers' user, with
# gzip siblings.
cp -r "$top/web" "$state/web" && rm -f "$state/web/local.mk" &&
    find "$state/web" -type f -exec gzip -9 -n -k {} + &&
    chmod -R a+rX "$state/web" || die "cannot copy the web UI"
"$build/ssd" -d -f "$state/ssd.conf" > "$state/ssd.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
	curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
	kill -0 "${pids[0]}" 2>/dev/null || { tail -20 "$state/ssd.log"; die "ssd did not start"; }
	sleep 0.1
done
curl -sf "http://127.0.0.1:$port/health" > /dev/null || { tail -20 "$state/ssd.log"; die "ssd does not answer"; }

ctl() { "$build/ssdctl" -s "$state/ssd.sock" "$@"; }
ctl template import "$top"/contrib/templates/*.yaml > /dev/null ||
    die "cannot import the demo templates"

token=$(curl -s -X POST -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$admin_password\"}" \
    "http://127.0.0.1:$port/api/v1/auth/login" |
    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])') ||
    die "the admin cannot log in"

# The "cluster": tests/kube-sim, a Kubernetes API double whose pods are
# real processes (the demo desktop is Xvnc with a clock), and an agent.
say "starting the Kubernetes API double (a development double, not a cluster)"
/usr/bin/python3 "$top/tests/kube-sim/kube-sim" --state-dir "$state/kube-sim" \
    --port 0 --namespace streamspace \
    --image-map "docker.io/accetto/*=$top/contrib/demo-desktop.sh {ip} {port}" \
    --image-map "lscr.io/linuxserver/*=$top/contrib/demo-web-desktop.sh {ip} {port}" \
    > "$state/kube-sim.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
	[ -s "$state/kube-sim/url" ] && break
	sleep 0.1
done
[ -s "$state/kube-sim/url" ] || { tail -20 "$state/kube-sim.log"; die "kube-sim did not start"; }
say "starting ssd-agent-k8s (approved in advance with ssdctl agent add)"
ctl agent add demo-agent | grep -Eo '[0-9a-f]{64}' > "$state/agent.key" ||
    die "cannot create the demo agent"
chmod 600 "$state/agent.key"
AGENT_ID=demo-agent CONTROL_PLANE_URL="ws://127.0.0.1:$port" \
    AGENT_KEY_FILE="$state/agent.key" KUBECONFIG="$state/kube-sim/kubeconfig" \
    NAMESPACE=streamspace MAX_SESSIONS=20 \
    "$build/ssd-agent-k8s/ssd-agent-k8s" > "$state/agent.log" 2>&1 &
pids+=($!)
api() {	# api METHOD PATH [BODY]: the answer's body
	curl -s -X "$1" -H "Authorization: Bearer $token" \
	    ${3:+-H 'Content-Type: application/json' -d "$3"} \
	    "http://127.0.0.1:$port$2"
}
field() { /usr/bin/python3 -c 'import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."): v = v.get(k, {}) if isinstance(v, dict) else {}
print(v if v != {} else "")' "$1"; }
for _ in $(seq 1 100); do
	ctl show agents | grep -q 'demo-agent.*online' && break
	sleep 0.1
done
demo() {	# demo TEMPLATE: a running session of it, its id printed
	local id
	id=$(api POST /api/v1/sessions "{\"template\":\"$1\"}" | field id)
	[ -n "$id" ] || die "the $1 demo session was not created"
	for _ in $(seq 1 300); do
		[ "$(api GET "/api/v1/sessions/$id" | field state)" = running ] && break
		sleep 0.1
	done
	[ "$(api GET "/api/v1/sessions/$id" | field state)" = running ] ||
	    { tail -20 "$state/agent.log" >&2; die "the $1 demo session did not reach running"; }
	echo "$id"
}
say "creating a demo session (xfce-desktop, VNC)"
session=$(demo xfce-desktop) || exit 1
pod_ip=$(api GET "/api/v1/sessions/$session" | field platformMetadata.podIP)
say "creating a demo session (firefox, web-streamed)"
web_session=$(demo firefox) || exit 1
web_ip=$(api GET "/api/v1/sessions/$web_session" | field platformMetadata.podIP)

cat <<MSG

ssd is running (log: $state/ssd.log), with a Kubernetes API double
(log: $state/kube-sim.log) and an agent (log: $state/agent.log):

$("$build/ssdctl" -s "$state/ssd.sock" show workers)

$("$build/ssdctl" -s "$state/ssd.sock" show agents)

The web UI:  http://127.0.0.1:$port/
  sign in as admin, password $admin_password

There you launch desktops from the catalog, open them, hibernate, wake
and delete them, and administer agents, users, groups, templates and
the audit log.  The demo session $session is running (its desktop, a
real Xvnc, is the pod at $pod_ip:5901), shown by the UI with noVNC:

  http://127.0.0.1:$port/sessions/$session

The demo session $web_session is web-streamed, as LinuxServer's
KasmVNC images are (its pod at $web_ip:3000 serves its own web client
and WebSocket: Xvnc behind websockify).  Opening it in the UI sends the
browser to its own origin, http://s-LABEL.localhost:$port/ (Chromium
and Firefox resolve *.localhost to this machine):

  http://127.0.0.1:$port/sessions/$web_session

From another machine, tunnel the port first (ssh -L $port:127.0.0.1:$port
this-host).  The "cluster":
  KUBECONFIG=$state/kube-sim/kubeconfig kubectl get deploy,svc,pvc,pods

  curl http://127.0.0.1:$port/health
  curl http://127.0.0.1:$port/ready
  curl http://127.0.0.1:$port/health/hub
  curl -X POST -H 'Content-Type: application/json' \\
      -d '{"username":"admin","password":"$admin_password"}' \\
      http://127.0.0.1:$port/api/v1/auth/login
  TOKEN=$token
  curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$port/api/v1/templates
  $build/ssdctl -s $state/ssd.sock show workers
  $build/ssdctl -s $state/ssd.sock migrate status

The admin password ($admin_password) is in $state/admin-password.

Ctrl-C stops everything.
MSG
wait "${pids[0]}"
