#!/bin/bash
# master.sh - the master and its workers as processes: health through every
# worker (fd hand-off across the sandbox), kill -9 of each worker and its
# restart, reload of the log level, sandbox identity and probes, ssdctl
# errors, orderly stop with nothing left behind.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

ok_if "ssd starts and /health answers 200" ssd_start "debug_sandbox_probe = yes"
[ -n "$SSD_PID" ] || finish

body=$(curl -s "$SSD_URL/health")
ok_if "/health body is {\"status\":\"healthy\"}" [ "$body" = '{"status":"healthy"}' ]
# The listener's accept backlog (ss: Send-Q of a listening socket) is the
# system's maximum, not libevent's 128: thousands of agents re-dial at once.
backlog=$(ss -lntH "sport = :$SSD_PORT" | awk '{ print $3 }')
max=$(cat /proc/sys/net/core/somaxconn)
ok_if "the HTTP listener's backlog is $backlog (somaxconn $max, at most 4096)" \
    [ "${backlog:-0}" -ge $((max < 4096 ? max : 4096)) ]

workers="ssd-api ssd-hub ssd-relay[0] ssd-relay[1]"
all_ready() {
	local w
	for w in $workers; do
		[ "$(worker_field "$w" 3)" = ready ] || return 1
	done
}
ok_if "ssdctl show workers: all four ready" all_ready

hub=$(worker_pid ssd-hub)
body=$(curl -s "$SSD_URL/health/hub")
ok_if "/health/hub is answered by ssd-hub itself (pid $hub) on the handed-off socket" \
    grep -q "\"worker\":\"ssd-hub\",\"pid\":$hub}" <<< "$body"
r1=$(worker_pid 'ssd-relay[1]')
body=$(curl -s "$SSD_URL/health/relay/1")
ok_if "/health/relay/1 is answered by that relay (pid $r1)" \
    grep -q "\"worker\":\"ssd-relay\",\"pid\":$r1}" <<< "$body"
code=$(curl -s -o /dev/null -w '%{http_code}' "$SSD_URL/health/relay/7")
ok_if "/health/relay/7 (no such relay) is 404" [ "$code" = 404 ]

# Sandbox identity, straight from the kernel.
read -r -a users <<< "$(test_users)"
proc_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
for w in $workers; do
	pid=$(worker_pid "$w")
	case $w in ssd-relay*) u=${users[1]} ;; *) u=${users[0]} ;; esac
	uid=$(id -u "$u")
	ok_if "$w runs as $u with seccomp filter and no-new-privs" \
	    test "$(proc_field "$pid" Uid)" = "$uid" -a \
	    "$(proc_field "$pid" Seccomp)" = 2 -a \
	    "$(proc_field "$pid" NoNewPrivs)" = 1
done
if [ "$(id -u)" = 0 ]; then
	pid=$(worker_pid 'ssd-relay[0]')
	ok_if "ssd-relay[0] is chrooted to $T/empty" \
	    [ "$(readlink "/proc/$pid/root")" = "$T/empty" ]
fi

# kill -9 each worker: back with a new pid, restart counted.
for w in $workers; do
	old=$(worker_pid "$w")
	kill -9 "$old"
	back() { local p; p=$(worker_pid "$w"); [ -n "$p" ] && [ "$p" != "$old" ] &&
	    [ "$(worker_field "$w" 3)" = ready ]; }
	ok_if "kill -9 $w: restarted and ready" wait_until "$TEST_WAIT" back
	ok_if "$w: restart count is 1" [ "$(worker_field "$w" 4)" = 1 ]
done
ok_if "/health answers after the restarts" curl -sf "$SSD_URL/health"
hub=$(worker_pid ssd-hub)
ok_if "/health/hub reaches the new hub (pid $hub)" \
    grep -q "\"pid\":$hub}" <<< "$(curl -s "$SSD_URL/health/hub")"

# Reload: a changed log level reaches the workers.
sed -i 's/^log_level = info/log_level = debug/' "$T/ssd.conf"
kill -HUP "$SSD_PID"
ok_if "SIGHUP: master logs the new log_level" \
    wait_until "$TEST_WAIT" grep -q 'reload: log_level is now "debug"' "$T/ssd.log"
ok_if "SIGHUP: reload done" wait_until "$TEST_WAIT" grep -q 'reload done' "$T/ssd.log"
curl -s "$SSD_URL/health/hub" > /dev/null
ok_if "workers now log at debug level" \
    wait_until "$TEST_WAIT" grep -q 'ssd-api\[[0-9]*\]: .*GET /health/hub' "$T/ssd.log"
out=$(ssdctl reload)
ok_if "ssdctl reload answers: $out" [ $? = 0 ]
sed -i 's/^port = .*/port = 1/' "$T/ssd.conf"
out=$(ssdctl reload)
ok_if "ssdctl reload reports a setting that needs a restart" \
    grep -q "needs a restart: port" <<< "$out"
ok_if "ssdctl log warn ssd-hub" ssdctl log warn ssd-hub
ok_if "ssdctl log with an unknown worker fails" bash -c "! $top_builddir/ssdctl -s $SSD_SOCK log info nosuch"

# The sandbox bites: forbidden calls kill (SIGSYS) or are refused.
for w in ssd-api ssd-hub 'ssd-relay[0]'; do
	old=$(worker_pid "$w")
	ssdctl debug sandbox-probe "$w" execve > /dev/null
	died() { grep -qF "$w: killed by signal 31 (SYS); restarting" "$T/ssd.log"; }
	ok_if "$w: execve kills it with SIGSYS, the master logs it" wait_until "$TEST_WAIT" died
	back() { local p; p=$(worker_pid "$w"); [ -n "$p" ] && [ "$p" != "$old" ] &&
	    [ "$(worker_field "$w" 3)" = ready ]; }
	ok_if "$w: restarted after SIGSYS" wait_until "$TEST_WAIT" back
done
ssdctl debug sandbox-probe 'ssd-relay[1]' socket > /dev/null
ok_if "ssd-relay[1]: socket() is refused (no new sockets in a relay)" \
    wait_until "$TEST_WAIT" grep -q 'sandbox probe: socket: refused' "$T/ssd.log"
ssdctl debug sandbox-probe 'ssd-relay[1]' openat > /dev/null
ok_if "ssd-relay[1]: opening a file is refused" \
    wait_until "$TEST_WAIT" grep -q 'sandbox probe: openat: refused' "$T/ssd.log"
ssdctl debug sandbox-probe ssd-api open > /dev/null
ok_if "ssd-api: opening a file for writing is refused" \
    wait_until "$TEST_WAIT" grep -q 'sandbox probe: open: refused' "$T/ssd.log"
ssdctl debug sandbox-probe ssd-hub ptrace > /dev/null
ok_if "ssd-hub: ptrace kills it" \
    wait_until "$TEST_WAIT" grep -q 'ssd-hub: killed by signal 31' "$T/ssd.log"
# ssd-api may make threads (its password hashing pool), never a process.
ok_if "ssd-api runs its password hashing threads" \
    [ "$(ls "/proc/$(worker_pid ssd-api)/task" | wc -l)" -ge 3 ]
n=$(grep -c 'ssd-api: killed by signal 31' "$T/ssd.log")
api_ready() { [ "$(worker_field ssd-api 3)" = ready ]; }
wait_until "$TEST_WAIT" api_ready
out=$(ssdctl debug sandbox-probe ssd-api clone 2>&1)
# ssdctl returns once the probe is sent: the kill comes after.
api_killed() { [ "$(grep -c 'ssd-api: killed by signal 31' "$T/ssd.log")" -gt "$n" ]; }
ok_if "ssd-api: clone() of a process kills it (ssdctl: ${out:-nothing})" \
    wait_until "$TEST_WAIT" api_killed

# ssdctl's errors.
out=$("$top_builddir/ssdctl" -s "$T/nonexistent.sock" show workers 2>&1)
ok_if "ssdctl without ssd: exit 1 and 'not running'" \
    test $? = 1 -a -n "$(grep 'ssd is not running' <<< "$out")"
if [ "$(id -u)" = 0 ]; then
	out=$(runuser -u nobody -- "$top_builddir/ssdctl" -s "$SSD_SOCK" show workers 2>&1)
	ok_if "ssdctl as nobody: exit 1 and 'permission denied'" \
	    test $? = 1 -a -n "$(grep 'permission denied' <<< "$out")"
fi

# Orderly stop: everything gone within the deadline.
pids="$SSD_PID"
for w in $workers; do pids="$pids $(worker_pid "$w")"; done
start=$(date +%s)
kill -TERM "$SSD_PID"
wait "$SSD_PID"
rc=$?
SSD_PID=
ok_if "SIGTERM: ssd exits 0 (got $rc)" [ "$rc" = 0 ]
# (shutdown_timeout is 5 s, then 2 s of grace before SIGKILL: the bound
# checked is that stopping cannot hang, with room for a loaded machine.)
ok_if "SIGTERM: done, not hanging past shutdown_timeout ($(( $(date +%s) - start )) s)" \
    [ $(( $(date +%s) - start )) -le 30 ]
left=
for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
ok_if "no process left behind${left:+ (left:$left)}" [ -z "$left" ]
ok_if "control socket removed" [ ! -e "$SSD_SOCK" ]
finish
