#!/bin/bash
# bench/web.sh - the web UI's figures, each against a reference measured
# in the same run (not part of make check):
#   1. the sessions page with everything it loads but noVNC, on the wire
#      (gzip siblings as make install writes them): at most 150 KB, and
#      its ratio to the uncompressed bytes;
#   2. navigation to the sessions list rendered, in Chromium on loopback,
#      with 1,000 sessions, against the same with 10;
#   3. live updates (GET /api/v1/events) to 1,000 connected UIs: frames
#      delivered per second, against 10 UIs, and ssd-api's memory per
#      connection.
# Usage: bench/web.sh [BUILD_DIR]   Environment: SSE_STREAMS (1000),
# SSE_EVENTS (200 per stream), SSE_BATCH (10 sessions per notification),
# SSE_PACE (0.05 s between notifications).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
streams=${SSE_STREAMS:-1000}
events=${SSE_EVENTS:-200}
batch=${SSE_BATCH:-10}
pace=${SSE_PACE:-0.05}
ulimit -n 20000
bench_needs node playwright-core chromium
web() { node "$top/bench/web.js" "$@"; }
js() { /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
ratio() { /usr/bin/python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print("%.2f" % (a / b) if b else "n/a")' "$1" "$2"; }

# web_dir as installed: the files and their gzip siblings.
cp -r "$top/web" "$T/web" && rm -f "$T/web/local.mk" &&
    find "$T/web" -type f -exec gzip -9 -n -k {} + || fail "cannot copy web/"
SSD_WEB_DIR=$T/web
pg_up > /dev/null || fail "PostgreSQL did not start"
ssd_start "http_max_connections = 30000" "http_max_connections_per_address = 30000" \
    "events_max_connections = 30000" "events_max_per_user = 30000" ||
    fail "ssd did not start"
admin=$(curl -s -H 'Content-Type: application/json' -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" \
    "$SSD_URL/api/v1/auth/login" | js token) || fail "admin cannot log in"
api POST /api/v1/users "$admin" '{"username":"few","password":"few-password"}' > /dev/null
ssdctl template import "$top/contrib/templates/xfce-desktop.yaml" > /dev/null
psql -qAt -c "INSERT INTO sessions (id, user_id, template_name, state, platform, created_at)
    SELECT 'bench-' || i, 'admin', 'xfce-desktop', (ARRAY['running','hibernated','pending','failed'])[1 + i % 4],
    'kubernetes', now() - i * interval '1 minute' FROM generate_series(1, 1000) i;
    INSERT INTO sessions (id, user_id, template_name, state, platform)
    SELECT 'few-' || i, id, 'xfce-desktop', 'running', 'kubernetes' FROM users, generate_series(1, 10) i
    WHERE username = 'few'" > /dev/null || fail "cannot insert the sessions"

echo "== 1. the sessions page, cold, with its assets (noVNC excluded)"
out=$(web size "$SSD_URL" few few-password) || fail "size: no measurement"
wire=$(js assetsWire <<< "$out") data=$(js assetsData <<< "$out")
echo "   $(js files <<< "$out") files: $wire bytes on the wire, $data bytes of content (wire/content $(ratio "$wire" "$data")); API answers $(js apiWire <<< "$out") bytes"
[ "$wire" -gt 0 ] || fail "size: nothing measured"
[ "$wire" -le 153600 ] || fail "the sessions page transfers $wire bytes, more than 150 KB"

echo "== 2. navigation to the sessions list rendered (median of 5)"
many=$(web render "$SSD_URL" admin "$ADMIN_PASSWORD" 1000) || fail "render 1000: no measurement"
few=$(web render "$SSD_URL" few few-password 10) || fail "render 10: no measurement"
echo "   1,000 sessions: $(js ms <<< "$many") ms $(js all <<< "$many"); 10 sessions: $(js ms <<< "$few") ms $(js all <<< "$few"); ratio $(ratio "$(js ms <<< "$many")" "$(js ms <<< "$few")")"

# sse N: N streams, SSE_EVENTS session changes each reaches; prints
# "frames/s per-stream-min drops rss-growth-KiB".
sse() {
	local n=$1 fifo=$T/sse.in pid out rss0 rss1 api i rounds
	api=$(worker_pid ssd-api)
	rss0=$(awk '/VmRSS/ { print $2 }' "/proc/$api/status")
	rm -f "$fifo"; mkfifo "$fifo"
	web sse "$SSD_URL" "$admin" "$n" 120 "$events" < "$fifo" > "$T/sse.out" 2> "$T/sse.err" &
	pid=$!
	exec 7> "$fifo"
	wait_until 120 grep -q ready "$T/sse.out" || { kill "$pid"; exec 7>&-; fail "sse $n: streams not ready: $(cat "$T/sse.err")"; }
	rss1=$(awk '/VmRSS/ { print $2 }' "/proc/$api/status")
	echo go >&7
	rounds=$((events / batch))
	for ((i = 0; i < rounds; i++)); do
		echo "SELECT pg_notify('ssd_sessions', 'bench-' || g) FROM generate_series($((i * batch % 1000 + 1)), $((i * batch % 1000 + batch))) g;"
		echo "SELECT pg_sleep($pace);"
	done | psql -qAt > /dev/null
	wait "$pid" || { exec 7>&-; fail "sse $n: $(cat "$T/sse.err")"; }
	exec 7>&-
	out=$(grep frames "$T/sse.out")
	[ "$(js frames <<< "$out")" -gt 0 ] || fail "sse $n: no event arrived"
	echo "$(/usr/bin/python3 -c 'import json, sys; o = json.loads(sys.argv[1]); print("%.0f" % (o["frames"] / max(o["seconds"], 0.001)))' "$out") $(js minPerStream <<< "$out") $(js drops <<< "$out") $((rss1 - rss0)) $(js resyncs <<< "$out")"
}
echo "== 3. live updates: $events session changes, $batch every $pace s, to N connected UIs"
r10=$(sse 10) || exit 1
rN=$(sse "$streams") || exit 1
read -r f10 min10 drop10 mem10 rs10 <<< "$r10"
read -r fN minN dropN memN rsN <<< "$rN"
echo "   10 UIs: $f10 frames/s delivered, each got >= $min10 of $events, $drop10 streams dropped, $rs10 resyncs"
echo "   $streams UIs: $fN frames/s delivered, each got >= $minN of $events, $dropN streams dropped, $rsN resyncs; ratio to 10 UIs $(ratio "$fN" "$f10")"
echo "   ssd-api memory per connected UI: $((memN / streams)) KiB ($memN KiB for $streams)"
