#!/bin/bash
# systemd.sh - the Debian packages, built and then used for real: as root,
# builds ssd and ssd-agent-k8s with dpkg-buildpackage from a copy of the
# tree, checks them with lintian (and piuparts), and installs them with
# `apt install ./ssd_*.deb postgresql` in a Debian 12 container booted by
# systemd (container.sh).  There it creates the database as ssd(8) says,
# then: start through Type=notify and /ready; the journal per worker; a
# reload that changes log_level under a connected agent; kill -9 of a
# worker; the sandbox on the running unit; stop; an upgrade to a rebuilt
# package with one more migration; purge.  TAP output.
#
# Usage: tests/packaging/systemd.sh [WORKDIR]  (default: a temporary one)
# Environment: SSD_TESTAGENT, the scripted agent (tests/agent/testagent of
# a build) that stays connected through the reload; SSD_TEST_PIUPARTS=0
# skips piuparts; SSD_TEST_CACHE, SSD_TEST_MIRROR: see container.sh;
# when working on this test, SSD_PKG_REUSE=1 keeps the packages WORKDIR
# has and SSD_PKG_KEEP=1 leaves the container running.
# Skips, with the reason, when this machine cannot: not root, tools
# missing, no Debian mirror, systemd-nspawn unable to boot.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/container.sh"

n=0 failed=0 work="" own_work=0 skip_why=""
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
diag() { sed 's/^/# /'; }
# check "what" cmd...: ok if cmd succeeds; its output becomes diagnostics.
# It runs in this shell (a check may set variables for later ones).
# Checks that take a while say how long.
check() {
	local what=$1 t0=$SECONDS
	shift
	if "$@" > "$work/check.out" 2>&1; then
		ok "$what"
	else
		not_ok "$what"
		tail -15 "$work/check.out" | diag
	fi
	[ $((SECONDS - t0)) -lt 5 ] || echo "# $((SECONDS - t0)) s"
}
# After a skip reason is known, the remaining checks are skipped with it.
skip_rest() {
	local what
	for what in "$@"; do
		n=$((n + 1))
		echo "ok $n - $what # SKIP $skip_why"
	done
}

cleanup() {
	if [ "${SSD_PKG_KEEP:-0}" = 1 ] && [ -n "$CT_PID" ]; then
		echo "# kept: nsenter -t $CT_LEADER -m -u -i -n -p -C -r -w (nspawn $CT_PID)"
		return
	fi
	ct_halt
	[ -n "$CT_ROOT" ] && ct_remove "$CT_ROOT"
	[ "$own_work" = 1 ] && rm -rf "$work"
}
trap cleanup EXIT

# --- can this machine do it at all? -------------------------------------
why=
[ "$(id -u)" = 0 ] || why="needs root (debootstrap, systemd-nspawn)"
for c in dpkg-buildpackage dh lintian debootstrap systemd-nspawn nsenter flock git; do
	[ -n "$why" ] && break
	command -v "$c" > /dev/null 2>&1 || why="no $c (contrib/install-deps.sh pkg)"
done
[ -n "$why" ] || git -C "$top" rev-parse --is-inside-work-tree > /dev/null 2>&1 ||
    why="$top is not a git checkout (the packages are built from its files)"
if [ -n "$why" ]; then
	echo "1..0 # SKIP $why"
	exit 0
fi

if [ $# -gt 0 ]; then
	work=$1
	mkdir -p "$work" || exit 99
else
	work=$(mktemp -d /var/tmp/ssd-pkgtest.XXXXXX) || exit 99
	own_work=1
fi
work=$(cd "$work" && pwd)

# --- the packages --------------------------------------------------------
v1=$(cd "$top" && dpkg-parsechangelog -S Version)
v2=$v1+pkgtest1

# build DIR [bump]: a copy of the tree's files in DIR/ssd, packaged there;
# with bump, a newer version with one more migration (the upgrade test).
build() {
	local dir=$1 bump=${2:-} src=$1/ssd
	# For working on this test: keep the packages of the last run.
	[ "${SSD_PKG_REUSE:-0}" = 1 ] && ls "$dir"/ssd_*.deb > /dev/null 2>&1 && return 0
	rm -rf "$dir"
	mkdir -p "$src" || return 1
	(cd "$top" && git ls-files -z -co --exclude-standard) |
	    (cd "$top" && tar --null -T - --ignore-failed-read -cf - 2> /dev/null) |
	    tar -xf - -C "$src" || return 1
	if [ -n "$bump" ]; then
		cat > "$src/schema/9999_packaging_test.sql" <<-'EOF'
		-- Only in the package that tests/packaging/systemd.sh upgrades to.
		CREATE TABLE packaging_upgrade_test (applied timestamptz DEFAULT now());
		EOF
		echo 'dist_schema_DATA += schema/9999_packaging_test.sql' >> "$src/schema/local.mk"
		{
			printf 'ssd (%s) unstable; urgency=medium\n\n' "$v2"
			printf '  * Test build: the upgrade of tests/packaging/systemd.sh.\n\n'
			printf ' -- %s  %s\n\n' "$(cd "$top" && dpkg-parsechangelog -S Maintainer)" "$(date -R)"
			cat "$top/debian/changelog"
		} > "$src/debian/changelog"
	fi
	# make check ran in the caller's build already; here it would only
	# repeat the unit tests (debian/rules).
	(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
	    dpkg-buildpackage -us -uc -b) > "$dir/build.log" 2>&1 ||
	    { tail -20 "$dir/build.log"; return 1; }
}

check "dpkg-buildpackage builds ssd $v1 and ssd-agent-k8s" build "$work/v1"
deb1=$work/v1/ssd_${v1}_$(dpkg --print-architecture).deb
agent1=$work/v1/ssd-agent-k8s_${v1}_$(dpkg --print-architecture).deb
if [ ! -f "$deb1" ] || [ ! -f "$agent1" ]; then
	echo "1..$n"
	exit 1
fi
changes=$(ls "$work"/v1/ssd_*.changes)
check "lintian: no error, no warning (overrides give their reasons)" \
    lintian --fail-on error,warning --suppress-tags-from-file /dev/null "$changes"
check "dpkg-buildpackage builds ssd $v2 (one more migration)" build "$work/v2" bump
deb2=$work/v2/ssd_${v2}_$(dpkg --print-architecture).deb
agent2=$work/v2/ssd-agent-k8s_${v2}_$(dpkg --print-architecture).deb

# --- the container -------------------------------------------------------
root=$work/root
t_ct=$SECONDS
if ! ct_base; then
	skip_why=$CT_WHY
elif ! ct_prepare "$root" "$deb1" "$agent1"; then
	skip_why=$CT_WHY
fi
t_ct=$((SECONDS - t_ct))

# piuparts: install, purge (and what is left), on a chroot of its own.
if [ "${SSD_TEST_PIUPARTS:-1}" = 0 ]; then
	n=$((n + 1)); echo "ok $n - piuparts # SKIP SSD_TEST_PIUPARTS=0"
elif ! command -v piuparts > /dev/null 2>&1; then
	n=$((n + 1)); echo "ok $n - piuparts # SKIP no piuparts (contrib/install-deps.sh pkg)"
elif [ -n "$skip_why" ]; then
	skip_rest "piuparts"
else
	piuparts_run() {
		local tgz=$CT_CACHE/piuparts-$CT_SUITE.tgz args
		# Its base tarball is made once, like the container's tree, and
		# renamed into place whole.
		if [ -f "$tgz" ]; then args=(-b "$tgz"); else args=(-s "$tgz.$$"); fi
		rm -f "$work/piuparts.log"
		# --warn-on-others: what systemd, a dependency, leaves at purge
		# (/var/lib/private...) is reported, not failed.
		if ! piuparts -d "$CT_SUITE" -m "$MIRROR" --warn-on-others \
		    --no-upgrade-test "${args[@]}" -l "$work/piuparts.log" "$deb1" \
		    > /dev/null 2>&1; then
			rm -f "$tgz.$$"
			grep -E 'FAIL|ERROR' "$work/piuparts.log" | tail -15
			return 1
		fi
		[ ! -f "$tgz.$$" ] || mv "$tgz.$$" "$tgz"
	}
	check "piuparts: install and purge of ssd pass" piuparts_run
fi

all_checks=(
	"the container boots with systemd as PID 1"
	"apt install ./ssd_*.deb ./ssd-agent-k8s_*.deb postgresql"
	"the postinst made the secrets, root only (0600), none in ssd.conf"
	"ssd.conf is a conffile"
	"ssd.service is enabled but not started"
	"started before its database exists, it fails, and the journal says why"
	"the database made as ssd(8) says"
	"systemctl start ssd: active (running) through Type=notify"
	"GET /ready: 200"
	"GET /novnc/core/rfb.js (novnc, recommended), / (the web UI) and /metrics: 200"
	"ssd-agent-k8s from its package runs"
	"journalctl -t ssd-hub: only the hub's lines"
	"journalctl -u ssd: the master's and every worker's lines"
	"an agent registers with the generated bootstrap key and is approved"
	"the agent's control link is up"
	"systemctl reload ssd: log_level debug applied by ssd-api and ssd-hub"
	"the reload kept the agent connected and every process"
	"kill -9 ssd-api: the master restarts it, not systemd"
	"the unit stayed active and the agent connected"
	"systemd-analyze security ssd.service (loaded unit) <= 2.5"
	"systemctl show: the sandbox settings are those of the unit"
	"the sandbox took effect on the master and its workers"
	"systemctl stop ssd: no ssd process left"
	"upgrade to $v2: ssd restarted, the new migration applied"
	"upgrade kept the secrets and the changed conffile"
	"apt purge ssd: says the database was left alone"
	"apt purge ssd: database intact, secrets and /etc/ssd gone"
)
t_boot=$SECONDS
if [ -z "$skip_why" ] && ! ct_boot "$root"; then
	skip_why=$CT_WHY
fi
if [ -n "$skip_why" ]; then
	skip_rest "${all_checks[@]}"
	echo "1..$n"
	exit $failed
fi
ok "${all_checks[0]}"
echo "# base tree and packages fetched in $t_ct s, booted in $((SECONDS - t_boot)) s"

# Helpers inside.
unit() { ct systemctl show ssd -p "$1" --value; }
http_code() { ct curl -s -o /dev/null -m 10 -w '%{http_code}' "http://127.0.0.1:8080$1"; }
wait_for() { # wait_for SECONDS cmd...
	local i
	for ((i = 0; i < $1 * 5; i++)); do
		"${@:2}" > /dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
# journal_after CURSOR journalctl-args...: entries from CURSOR on.  Not
# --after-cursor: with matches, journalctl 252 also skips the first entry
# that matches after the cursor.  The cursor's own entry is an older one.
journal_after() {
	ct journalctl -q --no-pager --cursor="$1" "${@:2}"
}
cursor() { ct journalctl -q -n 0 --show-cursor | sed -n 's/^-- cursor: //p'; }
agent_events() { ct cat /root/agent.out 2> /dev/null; }

install_pkgs() {
	ct sh -c 'cd /root/debs && apt-get -q -y install ./*.deb postgresql' \
	    > "$work/install.log" 2>&1 || { tail -20 "$work/install.log"; return 1; }
}
check "${all_checks[1]}" install_pkgs

secrets_ok() {
	local f mode
	for f in jwt-secret db-password agent-bootstrap-key; do
		mode=$(ct stat -c '%a %U %s' "/etc/ssd/$f") || return 1
		[ "$mode" = "600 root 65" ] || { echo "/etc/ssd/$f: $mode"; return 1; }
		if ct grep -qF "$(ct cat "/etc/ssd/$f")" /etc/ssd/ssd.conf; then
			echo "$f in ssd.conf"; return 1
		fi
	done
	grep -q '^ssd: generated, readable by root only' "$work/install.log"
}
check "${all_checks[2]}" secrets_ok
check "${all_checks[3]}" eval 'ct dpkg-query -W -f="\${Conffiles}" ssd | grep -q "^ */etc/ssd/ssd.conf "'
check "${all_checks[4]}" eval '[ "$(ct systemctl is-enabled ssd)" = enabled ] && [ "$(ct systemctl is-active ssd)" = inactive ]'

# systemctl status shows the failed start; the reason is in the unit's
# journal (status itself, between two restarts, shows only systemd's lines).
early_start() {
	local rc=0
	if ct systemctl start ssd > /dev/null 2>&1; then
		echo "it started"; return 1
	fi
	ct systemctl status ssd --no-pager > "$work/status.txt" 2>&1
	grep -E 'Active: (failed|activating \(auto-restart\)) \(Result: exit-code\)' "$work/status.txt" || rc=1
	wait_for 10 eval 'ct journalctl -q -u ssd -o cat | grep -E "^cannot reach the database: .*password authentication failed"' || rc=1
	ct journalctl -q -u ssd -o cat | grep -m1 'cannot reach'
	ct systemctl stop ssd
	ct systemctl reset-failed ssd
	return $rc
}
check "${all_checks[5]}" early_start

# The commands of ssd(8)'s "Creating the database", taken from the page.
make_db() {
	local cmds
	cmds=$(ct sh -c 'zcat /usr/share/man/man8/ssd.8.gz' |
	    sed -n '/^\.Ss Creating the database/,/^\.Ed/p' |
	    sed -n '/^\.Bd/,/^\.Ed/p' | sed '1d;$d' |
	    sed -e 's/\\e/\\/g' -e 's/^# //')
	[ -n "$cmds" ] || { echo "no commands found in ssd(8)"; return 1; }
	printf '%s\n' "$cmds"
	wait_for 30 ct runuser -l postgres -c pg_isready || { echo "PostgreSQL is not up"; return 1; }
	ct sh -ec "$cmds"
}
check "${all_checks[6]}" make_db

started() {
	ct systemctl start ssd || { ct systemctl status ssd --no-pager -n 30; return 1; }
	[ "$(unit ActiveState)/$(unit SubState)/$(unit Type)" = active/running/notify ] &&
	    ct systemctl status ssd --no-pager | grep -q 'Active: active (running)' &&
	    unit StatusText | grep -q 'workers ready'
}
check "${all_checks[7]}" started
check "${all_checks[8]}" eval '[ "$(http_code /ready)" = 200 ]'
check "${all_checks[9]}" eval '[ "$(http_code /novnc/core/rfb.js)" = 200 ] &&
    [ "$(http_code /)" = 200 ] && [ "$(http_code /metrics)" = 200 ]'
check "${all_checks[10]}" eval 'ct ssd-agent-k8s --help 2>&1 | grep -qi usage'

# Per-worker journal: every line tagged ssd-hub comes from an ssd-hub
# process; the unit's journal has all four names.
hub_journal() {
	local all own
	all=$(ct journalctl -q -t ssd-hub -o json --output-fields=_COMM | wc -l)
	own=$(ct journalctl -q -t ssd-hub _COMM=ssd-hub -o json --output-fields=_COMM | wc -l)
	echo "ssd-hub lines: $all, from ssd-hub processes: $own"
	[ "$all" -gt 0 ] && [ "$all" = "$own" ] &&
	    ! ct journalctl -q -t ssd-hub -o cat | grep -q 'ssd-api\|ssd-relay'
}
check "${all_checks[11]}" hub_journal
unit_journal() {
	local t ids
	ids=$(ct journalctl -q -u ssd -o json --output-fields=SYSLOG_IDENTIFIER |
	    sed -n 's/.*"SYSLOG_IDENTIFIER":"\([^"]*\)".*/\1/p' | sort -u | tr '\n' ' ')
	echo "identifiers in journalctl -u ssd: $ids"
	for t in ssd ssd-api ssd-hub ssd-relay; do
		case " $ids " in *" $t "*) ;; *) return 1 ;; esac
	done
}
check "${all_checks[12]}" unit_journal

# An agent: registers with the bootstrap key the postinst made, waits for
# approval, gets its key, and keeps its control link (tests/agent).
agent_key=
register() {
	local body='{"agentId":"pkgtest","platform":"kubernetes","region":"test"}' out
	out=$(ct sh -c 'curl -s -m 10 -H "X-Agent-API-Key: $(cat /etc/ssd/agent-bootstrap-key)" -H "Content-Type: application/json" -d "$1" http://127.0.0.1:8080/api/v1/agents/register' sh "$body")
	echo "$out" | grep -q '"approvalStatus":"pending"' || { echo "$out"; return 1; }
	ct ssdctl agent approve pkgtest || return 1
	out=$(ct sh -c 'curl -s -m 10 -H "X-Agent-API-Key: $(cat /etc/ssd/agent-bootstrap-key)" -H "Content-Type: application/json" -d "$1" http://127.0.0.1:8080/api/v1/agents/register' sh "$body")
	agent_key=$(echo "$out" | sed -n 's/.*"apiKey":"\([0-9a-f]\{64\}\)".*/\1/p')
	[ -n "$agent_key" ] || { echo "$out"; return 1; }
}
check "${all_checks[13]}" register

agent_up() {
	[ -n "$agent_key" ] || return 1
	[ -n "${SSD_TESTAGENT:-}" ] && [ -x "$SSD_TESTAGENT" ] ||
	    { echo "no SSD_TESTAGENT (tests/agent/testagent of a build)"; return 1; }
	cp "$SSD_TESTAGENT" "$root/root/testagent" || return 1
	ct systemd-run -q --unit=pkgtest-agent -p StandardOutput=file:/root/agent.out \
	    -p StandardError=file:/root/agent.err /root/testagent \
	    --url ws://127.0.0.1:8080 --agent pkgtest --key "$agent_key" --seconds 600 || return 1
	wait_for 15 eval 'agent_events | grep -q "\"event\":\"connected\""' || { agent_events; ct cat /root/agent.err; return 1; }
	wait_for 15 eval 'ct ssdctl show agents | grep pkgtest | grep -q online' || { ct ssdctl show agents; return 1; }
}
if [ -z "${SSD_TESTAGENT:-}" ]; then
	skip_why="no SSD_TESTAGENT (tests/agent/testagent of a build)"
	skip_rest "${all_checks[14]}"
else
	check "${all_checks[14]}" agent_up
fi
# The agent is still on its first link: connected once, never closed.
agent_kept() {
	[ -n "${SSD_TESTAGENT:-}" ] || return 0
	local ev
	ev=$(agent_events)
	[ "$(echo "$ev" | grep -c '"event":"connected"')" = 1 ] &&
	    ! echo "$ev" | grep -q '"event":"\(closed\|refused\)"' &&
	    ct ssdctl show agents | grep pkgtest | grep -q online ||
	    { echo "$ev"; ct ssdctl show agents; return 1; }
}
worker_pids() { ct pgrep -d, -f '^ssd-(api|hub|relay) '; }

reload() {
	local c pids main
	pids=$(worker_pids)
	main=$(unit MainPID)
	c=$(cursor)
	ct sed -i 's/^#log_level = info$/log_level = debug/' /etc/ssd/ssd.conf &&
	    ct grep -q '^log_level = debug$' /etc/ssd/ssd.conf || return 1
	ct systemctl reload ssd || return 1
	wait_for 15 eval 'journal_after "$c" -t ssd -o cat | grep -q "^reload done"' ||
	    { journal_after "$c" -u ssd; return 1; }
	journal_after "$c" -t ssd -o cat | grep 'log_level is now "debug"' || return 1
	http_code /health > /dev/null
	http_code /health/hub > /dev/null
	wait_for 10 eval 'journal_after "$c" -t ssd-api -p debug..debug -o cat | grep -q "GET /health/hub"' ||
	    { echo "no debug line from ssd-api"; return 1; }
	wait_for 10 eval 'journal_after "$c" -t ssd-hub -p debug..debug -o cat | grep -q "health check"' ||
	    { echo "no debug line from ssd-hub"; journal_after "$c" -u ssd; return 1; }
	echo "$pids" > "$work/pids-before-reload"
	[ "$(unit MainPID)" = "$main" ]
}
check "${all_checks[15]}" reload
check "${all_checks[16]}" eval 'agent_kept && [ "$(worker_pids)" = "$(cat "$work/pids-before-reload" 2>/dev/null)" ]'

kill_worker() {
	local c api main
	main=$(unit MainPID)
	api=$(ct pgrep -f '^ssd-api ')
	[ -n "$api" ] || return 1
	c=$(cursor)
	ct kill -9 "$api" || return 1
	wait_for 20 eval '[ -n "$(ct pgrep -f "^ssd-api ")" ] && [ "$(ct pgrep -f "^ssd-api ")" != "$api" ] && [ "$(http_code /ready)" = 200 ]' ||
	    { journal_after "$c" -u ssd; return 1; }
	journal_after "$c" -t ssd -o cat | grep 'ssd-api.*signal 9' || return 1
	[ "$(unit MainPID)" = "$main" ] && [ "$(unit NRestarts)" = 0 ]
}
check "${all_checks[17]}" kill_worker
check "${all_checks[18]}" eval '[ "$(unit ActiveState)/$(unit SubState)" = active/running ] && agent_kept'

security() {
	local out score
	out=$(ct systemd-analyze security ssd.service --no-pager 2>&1)
	score=$(echo "$out" | sed -n 's/.*Overall exposure level for ssd.service: \([0-9.]*\).*/\1/p')
	echo "exposure $score"
	echo "$score" > "$work/security-score"
	[ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }'
}
check "${all_checks[19]}" security
show_sandbox() {
	local want got
	want='CapabilityBoundingSet=cap_chown cap_kill cap_setgid cap_setuid cap_sys_chroot
LockPersonality=yes
MemoryDenyWriteExecute=yes
NoNewPrivileges=yes
PrivateDevices=yes
PrivateMounts=yes
PrivateTmp=yes
ProtectControlGroups=yes
ProtectHome=yes
ProtectKernelModules=yes
ProtectKernelTunables=yes
ProtectSystem=strict
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
SystemCallArchitectures=native'
	got=$(ct systemctl show ssd -p CapabilityBoundingSet,LockPersonality,MemoryDenyWriteExecute,NoNewPrivileges,PrivateDevices,PrivateMounts,PrivateTmp,ProtectControlGroups,ProtectHome,ProtectKernelModules,ProtectKernelTunables,ProtectSystem,RestrictAddressFamilies,RestrictNamespaces,SystemCallArchitectures | sort)
	[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got"); return 1; }
	ct systemctl show ssd -p SystemCallFilter --value | grep -qw chroot &&
	    ct systemctl show ssd -p DropInPaths --value | grep -q '/ssd.service.d/10-credentials.conf'
}
check "${all_checks[20]}" show_sandbox
# What the kernel says about the processes themselves.
sandbox_live() {
	local main api relay st ssd_uid relay_uid
	main=$(unit MainPID)
	api=$(ct pgrep -f '^ssd-api ')
	relay=$(ct pgrep -f '^ssd-relay ' | head -1)
	ssd_uid=$(ct id -u _ssd)
	relay_uid=$(ct id -u _ssd-relay)
	st=$(ct cat /proc/"$main"/status)
	echo "$st" | grep -q '^NoNewPrivs:[[:space:]]*1' && echo "$st" | grep -q '^Seccomp:[[:space:]]*2' &&
	    echo "$st" | grep -q '^CapBnd:[[:space:]]*00000000000400e1' || { echo "master: $st" | grep -E 'NoNew|Seccomp|Cap'; return 1; }
	st=$(ct cat /proc/"$api"/status)
	echo "$st" | grep -q "^Uid:[[:space:]]*${ssd_uid}[[:space:]]" && echo "$st" | grep -q '^Seccomp:[[:space:]]*2' &&
	    echo "$st" | grep -q '^CapEff:[[:space:]]*0000000000000000' || { echo "ssd-api: $st"; return 1; }
	st=$(ct cat /proc/"$relay"/status)
	echo "$st" | grep -q "^Uid:[[:space:]]*${relay_uid}[[:space:]]" || { echo "relay: $st"; return 1; }
	[ "$(ct readlink /proc/"$relay"/root)" = /run/ssd/empty ] || { echo "relay root: $(ct readlink /proc/"$relay"/root)"; return 1; }
	# In the unit's mount namespace /usr is read-only and /root hidden.
	! ct nsenter -t "$main" -m touch /usr/ssd-write-test 2> /dev/null &&
	    ! ct nsenter -t "$main" -m ls /root/debs > /dev/null 2>&1 &&
	    ct test -f "/run/credentials/ssd.service/jwt-secret"
}
check "${all_checks[21]}" sandbox_live

ssd_procs() { # processes running ssd's programs
	ct sh -c 'for p in /proc/[0-9]*; do e=$(readlink $p/exe 2>/dev/null) || continue; case $e in /usr/sbin/ssd|/usr/libexec/ssd/*) echo "${p#/proc/} $e";; esac; done'
}
stopped() {
	ct systemctl stop ssd || return 1
	[ "$(ct systemctl is-active ssd)" = inactive ] || return 1
	[ -z "$(ssd_procs)" ] || { ssd_procs; return 1; }
}
check "${all_checks[22]}" stopped
ct systemctl stop pkgtest-agent > /dev/null 2>&1

upgrade() {
	local inv
	[ -f "$deb2" ] || { echo "no $deb2"; return 1; }
	ct systemctl start ssd || return 1
	inv=$(unit InvocationID)
	ct sh -c 'sha256sum /etc/ssd/jwt-secret /etc/ssd/db-password /etc/ssd/agent-bootstrap-key' > "$work/secrets.sum"
	mkdir -p "$root/root/debs2" && cp "$deb2" "$agent2" "$root/root/debs2/" || return 1
	ct sh -c 'cd /root/debs2 && apt-get -q -y -o Dpkg::Options::=--force-confold install ./*.deb' \
	    > "$work/upgrade.log" 2>&1 || { tail -20 "$work/upgrade.log"; return 1; }
	[ "$(ct dpkg-query -W -f '${Version}' ssd)" = "$v2" ] || return 1
	wait_for 20 eval '[ "$(unit ActiveState)/$(unit SubState)" = active/running ]' || return 1
	[ "$(unit InvocationID)" != "$inv" ] || { echo "not restarted"; return 1; }
	ct runuser -u postgres -- psql -tA -d streamspace \
	    -c "SELECT version FROM schema_migrations WHERE version = '9999_packaging_test'" |
	    grep -qx 9999_packaging_test || { echo "migration not applied"; return 1; }
	ct journalctl -q -t ssd -o cat | grep 'migration 9999_packaging_test applied' &&
	    [ "$(http_code /ready)" = 200 ]
}
check "${all_checks[23]}" upgrade
check "${all_checks[24]}" eval 'ct sha256sum /etc/ssd/jwt-secret /etc/ssd/db-password /etc/ssd/agent-bootstrap-key | diff "$work/secrets.sum" - && ct grep -q "^log_level = debug$" /etc/ssd/ssd.conf'

purge() {
	ct apt-get -q -y purge ssd > "$work/purge.log" 2>&1 || { tail -20 "$work/purge.log"; return 1; }
	grep -A3 'database and role were left alone' "$work/purge.log"
}
check "${all_checks[25]}" purge
purged() {
	local tables
	[ -z "$(ssd_procs)" ] || { ssd_procs; return 1; }
	ct test ! -e /etc/ssd || { ct ls -la /etc/ssd; return 1; }
	[ "$(ct systemctl show ssd -p LoadState --value)" = not-found ] || return 1
	tables=$(ct runuser -u postgres -- psql -tA -d streamspace -c \
	    "SELECT count(*) FROM schema_migrations") || return 1
	echo "schema_migrations rows: $tables"
	[ "$tables" -ge 8 ] &&
	    ct runuser -u postgres -- psql -tA -d streamspace -c "SELECT agent_id FROM agents" | grep -qx pkgtest
}
check "${all_checks[26]}" purged

echo "1..$n"
exit $failed
