#!/bin/bash
# bench/metrics.sh - GET /metrics at scale: its time and size with no
# agent (the reference, measured in the same run) and with N agents
# connected (bench/hub.py, default 10,000) and S sessions (default
# 1,000, created through the API so that their commands reach the
# agents); what a scrape costs ssd-hub and ssd-api in CPU; and whether
# scraping in a loop slows ssd-hub's own answers (/health/hub, answered
# by the hub's event loop) against the same without scrapes.
# Not part of make check; exits non-zero with the reason when a
# measurement fails.  Usage: bench/metrics.sh [BUILD_DIR]
# Environment: AGENTS (10000), SESSIONS (1000), SCRAPES (20).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
agents=${AGENTS:-10000}
sessions=${SESSIONS:-1000}
scrapes=${SCRAPES:-20}
ulimit -n 65536 2> /dev/null || ulimit -n "$(ulimit -Hn)"
bench_needs curl
pct() {	# pct Q < numbers: the Q-quantile
	sort -g | awk -v q="$1" '{ v[NR] = $1 } END { i = int(q * NR + 0.5); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'
}

PG_OPTS="-c max_connections=200" pg_up > /dev/null || fail "PostgreSQL did not start"
ssd_start "http_max_connections = 30000" "http_max_connections_per_address = 30000" \
    "handoff_max_inflight = 10000" "metrics_timeout = 10s" || fail "ssd did not start"
wait_until 60 curl -sf "$SSD_URL/ready" || fail "ssd is not ready"
hub=$(worker_pid ssd-hub)
api=$(worker_pid ssd-api)

# scrape_round NAME: $scrapes scrapes one after the other: ms each into
# $T/NAME.ms, the last answer kept; the CPU ticks of hub and api
# meanwhile, less theirs over as long a time without scrapes (agents'
# heartbeats keep the hub busy too).
scrape_round() {
	local i h0 a0 h1 a1 t0 ms
	: > "$T/$1.ms"
	t0=$(date +%s%N)
	h0=$(ticks "$hub") a0=$(ticks "$api")
	for ((i = 0; i < scrapes; i++)); do
		curl -sf -o "$T/$1.txt" -w '%{time_total}\n' "$SSD_URL/metrics" |
		    awk '{ print $1 * 1000 }' >> "$T/$1.ms" || fail "scrape failed ($1)"
	done
	h1=$(ticks "$hub") a1=$(ticks "$api")
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	sleep "$(awk -v ms="$ms" 'BEGIN { print ms / 1000 }')"
	echo "$(( 2 * h1 - h0 - $(ticks "$hub") )) $(( 2 * a1 - a0 - $(ticks "$api") ))" > "$T/$1.cpu"
	grep -q '^ssd_metrics_stale{worker="ssd-hub"} 0$' "$T/$1.txt" ||
	    fail "$1: ssd-hub's part did not come within metrics_timeout"
}
# health_round NAME: /health/hub round trips (ms), scrapes looping or not.
health_round() {
	local i
	: > "$T/$1.ms"
	for ((i = 0; i < 200; i++)); do
		curl -sf -o /dev/null -w '%{time_total}\n' "$SSD_URL/health/hub" |
		    awk '{ print $1 * 1000 }' >> "$T/$1.ms" || fail "/health/hub failed"
	done
}

scrape_round idle
health_round health_idle

# N agents on their control links, and S sessions started on them.
key=$(printf 'b%.0s' $(seq 64))
hash=$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)
psql -qAt -c "INSERT INTO agents (agent_id, platform, status, approval_status, api_key_hash)
    SELECT 'bench-' || g, 'kubernetes', 'offline', 'approved', '$hash' FROM generate_series(0, $agents - 1) g;
    INSERT INTO user_quotas (user_id, max_sessions) VALUES ('admin', 1000000)
    ON CONFLICT (user_id) DO UPDATE SET max_sessions = 1000000; ANALYZE agents" > /dev/null ||
    fail "cannot insert the agents"
ssdctl template import "$top/contrib/templates/firefox.yaml" > /dev/null
token=$(json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2-)")
/usr/bin/python3 "$top/bench/hub.py" "$SSD_URL" "$key" "$agents" "$token" "$hub" hold > "$T/hub.out" 2>&1 &
on_exit "kill $!"
wait_until 600 grep -q '^agents connected' "$T/hub.out" || fail "agents: $(tail -1 "$T/hub.out")"
grep -q "^agents connected: $agents/$agents" "$T/hub.out" || fail "$(cat "$T/hub.out")"
echo '{"template":"firefox"}' > "$T/session.json"
seq "$sessions" | xargs -P 4 -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d @"$T/session.json" "$SSD_URL/api/v1/sessions?n={}" > "$T/posts"
created=$(grep -c '^2[0-9][0-9]$' "$T/posts")
[ "$created" = "$sessions" ] || fail "$created of $sessions sessions created ($(sort "$T/posts" | uniq -c | tr '\n' ' '))"
all_in() {
	scrape && [ "$(grep -c '^streamspace_agent_status{' "$T/metrics")" = $((3 * agents)) ] &&
	    [ "$(grep '^ssd_sessions{' "$T/metrics" | awk '{ s += $2 } END { print s }')" = "$sessions" ] &&
	    [ "$(grep -c '^streamspace_agent_status{.*status="online"} 1$' "$T/metrics")" = "$agents" ]
}
wait_until 120 all_in || fail "the scrape does not show $agents agents online and $sessions sessions"

scrape_round loaded
health_round health_quiet
( while :; do curl -s -o /dev/null "$SSD_URL/metrics"; done ) &
loop=$!
health_round health_scraped
kill $loop
wait $loop 2> /dev/null

hz=$(getconf CLK_TCK)
row() {	# row NAME: p50, max (ms), bytes, lines, hub and api CPU ms per scrape
	read -r h a < "$T/$1.cpu"
	printf '%-34s %9.1f %9.1f %10d %8d %9.1f %9.1f\n' "$2" "$(pct 0.5 < "$T/$1.ms")" \
	    "$(pct 1 < "$T/$1.ms")" "$(wc -c < "$T/$1.txt")" "$(wc -l < "$T/$1.txt")" \
	    "$(awk -v t="$h" -v n="$scrapes" -v hz="$hz" 'BEGIN { print t * 1000 / hz / n }')" \
	    "$(awk -v t="$a" -v n="$scrapes" -v hz="$hz" 'BEGIN { print t * 1000 / hz / n }')"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
printf '\nGET /metrics, %d scrapes each, %d CPUs (ms: p50, max; CPU ms per scrape)\n' "$scrapes" "$(nproc)"
printf '%-34s %9s %9s %10s %8s %9s %9s\n' "" p50 max bytes lines "hub ms" "api ms"
row idle "no agent, no session (reference)"
row loaded "$agents agents, $sessions sessions"
printf 'ratios to the reference: time p50 x%s, size x%s\n' \
    "$(ratio "$(pct 0.5 < "$T/loaded.ms")" "$(pct 0.5 < "$T/idle.ms")")" \
    "$(ratio "$(wc -c < "$T/loaded.txt")" "$(wc -c < "$T/idle.txt")")"
printf '\n/health/hub round trip (ms), answered by ssd-hub'"'"'s loop, 200 each\n'
for h in health_idle health_quiet health_scraped; do
	case $h in
	health_idle) what="no agent" ;;
	health_quiet) what="$agents agents" ;;
	*) what="$agents agents, scrapes in a loop" ;;
	esac
	printf '%-34s p50 %6.2f  p99 %6.2f  max %6.2f\n' "$what" "$(pct 0.5 < "$T/$h.ms")" \
	    "$(pct 0.99 < "$T/$h.ms")" "$(pct 1 < "$T/$h.ms")"
done
