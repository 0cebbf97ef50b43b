#!/bin/bash
# crashloop.sh - a worker that keeps dying makes ssd give up: it logs why,
# stops the other workers and exits 1, so systemd can act.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

ok_if "ssd starts" ssd_start "crash_limit = 3" "crash_window = 60s"
[ -n "$SSD_PID" ] || finish
pids=$(for w in ssd-api ssd-relay[0] ssd-relay[1]; do worker_pid "$w"; done)
for i in 1 2 3; do
	old=$(worker_pid ssd-hub)
	kill -9 "$old"
	[ "$i" = 3 ] && break
	back() { local p; p=$(worker_pid ssd-hub); [ -n "$p" ] && [ "$p" != "$old" ] &&
	    [ "$(worker_field ssd-hub 3)" = ready ]; }
	ok_if "hub killed ($i), restarted" wait_until "$TEST_WAIT" back
done
ok_if "third failure within the window: ssd exits" wait_until "$TEST_WAIT" ssd_gone
wait "$SSD_PID"
rc=$?
SSD_PID=
ok_if "exit status is 1 (got $rc)" [ "$rc" = 1 ]
ok_if "the log says why" grep -q 'ssd-hub: .*3 failures within 60000ms, giving up' "$T/ssd.log"
left=
for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
ok_if "the other workers were stopped${left:+ (left:$left)}" [ -z "$left" ]
finish
