# lib.sh - shared helpers of the integration tests (sourced by bash).
#
# TAP: `ok_if "what" cmd...` runs cmd and prints ok/not ok; `finish` prints
# the plan and sets the exit status.  ssd: `ssd_start [conf lines]` starts a
# private ssd -d in $T with a free port, `ssd_stop` stops it.  Everything
# started here is stopped and $T removed on exit, so tests can run twice and
# in parallel; SSD_TEST_KEEP=1 keeps $T for a look after a failure.

set -u
: "${top_builddir:?run from make check (top_builddir unset)}"
: "${top_srcdir:?run from make check (top_srcdir unset)}"

T=$(mktemp -d "${TMPDIR:-/tmp}/ssd-test.XXXXXX")
chmod 755 "$T"
TAP_N=0
TAP_FAILED=0
SSD_PID=
CLEANUP_CMDS=()

ok_if() {
	local what=$1
	shift
	TAP_N=$((TAP_N + 1))
	if "$@" >> "$T/test.log" 2>&1; then
		echo "ok $TAP_N - $what"
	else
		echo "not ok $TAP_N - $what"
		TAP_FAILED=1
	fi
}

# ok/not ok from a value already computed: ok_rc "what" $?
ok_rc() {
	TAP_N=$((TAP_N + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $TAP_N - $1"
	else
		echo "not ok $TAP_N - $1"
		TAP_FAILED=1
	fi
}

diag() { echo "# $*"; }

# A check that cannot mean anything here: skip_one "what" "why".
skip_one() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

finish() {
	echo "1..$TAP_N"
	exit $TAP_FAILED
}

on_exit() { CLEANUP_CMDS+=("$1"); }

_cleanup() {
	local i
	[ -n "$SSD_PID" ] && ssd_stop > /dev/null 2>&1
	for ((i = ${#CLEANUP_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUP_CMDS[$i]}" > /dev/null 2>&1
	done
	if [ "$TAP_FAILED" != 0 ] && [ -f "$T/ssd.log" ]; then
		echo "# --- last lines of ssd.log ---"
		tail -40 "$T/ssd.log" | sed 's/^/# /'
	fi
	if [ -n "${SSD_TEST_KEEP:-}" ]; then
		echo "# SSD_TEST_KEEP: $T kept"
	else
		rm -rf "$T"
	fi
}
trap _cleanup EXIT
# (A TERM, from the harness's time limit say, cleans up too.)
trap 'echo "# stopped by SIGTERM"; exit 143' TERM

# A TCP port nobody listens on right now.
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# sql_is QUERY VALUE: the query's answer is VALUE (for wait_until, which
# runs its command again each time: a $(...) in its arguments would not be).
sql_is() { [ "$(psql -qAt -c "$1")" = "$2" ]; }

# How long a test waits for a state before it gives up, in seconds: the
# one timeout of every wait for something that must happen.  Generous on
# purpose: on a loaded 2-core machine under ASan a state can take many
# times its usual time, and a wait ends as soon as the state holds, so a
# long limit costs nothing when things work.  Never a measure of speed.
TEST_WAIT=${SSD_TEST_WAIT:-90}

# ssd_gone: ssd_start's ssd has exited (or is a zombie not yet waited for).
ssd_gone() {
	local state
	[ -n "$SSD_PID" ] || return 1
	state=$(sed 's/.*) //' "/proc/$SSD_PID/stat" 2> /dev/null | cut -c1)
	[ -z "$state" ] || [ "$state" = Z ]
}

# wait_until SECONDS cmd...: polls every 50 ms.  Gives up at once when
# ssd has died under it: nothing it would wait for can come then, and a
# suite of 90 s waits would outlast CI (said once in the log).
wait_until() {
	local deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 ))
	shift
	while ! "$@" > /dev/null 2>&1; do
		[ $(( $(date +%s%N) / 1000000 )) -ge $deadline ] && return 1
		if ssd_gone; then
			# What it did before it went counts: one last look.
			"$@" > /dev/null 2>&1 && return 0
			[ -n "${SSD_GONE_SAID:-}" ] ||
			    echo "# ssd (pid $SSD_PID) has exited: waits end at once" >&2
			SSD_GONE_SAID=1
			return 1
		fi
		sleep 0.05
	done
	return 0
}

# reference_file NAME: reference data kept beside the source tree, not in
# it (the real StreamSpace v1.x schema): in $SSD_REFERENCE_DIR if set, else
# in ../shared/reference of the source tree or of its parent (a worktree).
# Prints the path, or why there is none and returns 1.
reference_file() {
	local d dirs=("$top_srcdir/../shared/reference" "$top_srcdir/../../shared/reference")
	[ -n "${SSD_REFERENCE_DIR:-}" ] && dirs=("$SSD_REFERENCE_DIR")
	for d in "${dirs[@]}"; do
		[ -f "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	echo "no $1 in ${dirs[*]} (set SSD_REFERENCE_DIR; a release tarball has none)"
	return 1
}

# The users the workers run as: the real ones when we are root and they
# exist (contrib/install-deps.sh creates them), else ourselves.
test_users() {
	if [ "$(id -u)" = 0 ] && getent passwd _ssd > /dev/null &&
	    getent passwd _ssd-relay > /dev/null; then
		echo "_ssd _ssd-relay"
	else
		echo "$(id -un) $(id -un)"
	fi
}

# ssd_start [extra "key = value" lines...]: writes $T/ssd.conf and starts
# ssd -d; SSD_PORT, SSD_URL, SSD_SOCK are set.  Waits for /health.
ssd_start() {
	local users
	read -r -a users <<< "$(test_users)"
	SSD_PORT=${SSD_PORT:-$(free_port)}
	SSD_URL="http://127.0.0.1:$SSD_PORT"
	SSD_SOCK="$T/ssd.sock"
	mkdir -p "$T/libexec" "$T/empty"
	chmod 755 "$T/empty"
	ln -sf "$top_builddir/ssd-api/ssd-api" "$T/libexec/ssd-api"
	ln -sf "$top_builddir/ssd-hub/ssd-hub" "$T/libexec/ssd-hub"
	ln -sf "$top_builddir/ssd-relay/ssd-relay" "$T/libexec/ssd-relay"
	{
		echo "listen_address = 127.0.0.1"
		echo "port = $SSD_PORT"
		echo "relay_workers = 2"
		echo "user = ${users[0]}"
		echo "relay_user = ${users[1]}"
		echo "chroot_dir = $T/empty"
		echo "worker_dir = $T/libexec"
		echo "control_socket = $SSD_SOCK"
		echo "shutdown_timeout = 5s"
		echo "log_level = info"
		echo "schema_dir = $top_srcdir/schema"
		echo "web_dir = ${SSD_WEB_DIR:-$top_srcdir/web}"
		if [ -n "${PGHOST:-}" ]; then
			echo "db_host = $PGHOST"
			echo "db_port = $PGPORT"
			echo "db_name = $PGDATABASE"
			echo "db_user = $PGUSER"
		else
			echo "auto_migrate = no"
			echo "db_host = $T/no-database"
		fi
		local line
		for line in "$@"; do echo "$line"; done
	} > "$T/ssd.conf"
	"$top_builddir/ssd" -d -f "$T/ssd.conf" >> "$T/ssd.log" 2>&1 &
	SSD_PID=$!
	wait_until "$TEST_WAIT" curl -sf "$SSD_URL/health"
}

# pg_up: a private PostgreSQL for this test (tests/pg.sh); ssd_start then
# points ssd at it.  Stopped on exit.
pg_up() {
	. "$top_srcdir/tests/pg.sh"
	pg_start "$T/pg" || return 1
	on_exit "pg_stop $T/pg"
}

ssd_stop() {
	[ -n "$SSD_PID" ] || return 0
	kill -TERM "$SSD_PID" 2>/dev/null
	wait "$SSD_PID" 2>/dev/null
	SSD_PID=
}

# json FIELD < body: one field of a JSON object ("a.b" for nested ones).
json() {
	/usr/bin/python3 -c 'import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k)
print("" if v is None else (json.dumps(v) if isinstance(v, (dict, list, bool)) else v))' "$1"
}

# api METHOD PATH [TOKEN [BODY]]: prints "STATUS BODY".
api() {
	local args=(-s -o "$T/api.out" -w '%{http_code}' -X "$1" "$SSD_URL$2")
	[ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	local code
	code=$(curl "${args[@]}")
	echo "$code $(cat "$T/api.out")"
}

ssdctl() { "$top_builddir/ssdctl" -s "$SSD_SOCK" "$@"; }

# worker_pid NAME: the pid ssdctl reports for a worker ("ssd-relay[1]").
worker_pid() {
	ssdctl show workers | awk -v n="$1" '$1 == n { print $2 }'
}

worker_field() {
	ssdctl show workers | awk -v n="$1" -v f="$2" '$1 == n { print $f }'
}

# scrape [URL [curl args...]]: ssd's /metrics into $T/metrics.
scrape() {
	local url=${1:-$SSD_URL/metrics}
	shift 2> /dev/null
	curl -sf -o "$T/metrics" "$@" "$url"
}

# sample 'name{labels}': that series' value in the last scrape, or nothing.
# Labels as ssd writes them: worker first, then the family's own in order.
sample() { awk -v s="$1" 'index($0, s " ") == 1 { print $2 }' "$T/metrics"; }
