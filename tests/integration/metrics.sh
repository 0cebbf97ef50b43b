#!/bin/bash
# metrics.sh - GET /metrics against a real PostgreSQL and ssd: the text
# format passes promtool, OpenMetrics when asked, every process's part
# with its process_* (the relays' read through the sandbox), who may read
# it (metrics_allow, proxies, metrics_listen), ssd-api's own counts, a
# stopped worker shown stale with its last numbers instead of a gap, a
# killed one counted as restarted and starting again from 0, reloads,
# and metrics = no.  The end-to-end run with a real Prometheus is
# prometheus.sh.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
mport=$(free_port)
ok_if "PostgreSQL starts" pg_up
# Pings far apart: a worker is stopped on purpose below.
[ -n "${PGHOST:-}" ] && ok_if "ssd starts" ssd_start "metrics_listen = 127.0.0.1:$mport" \
    "metrics_db_interval = 1s" "metrics_timeout = 1s" "worker_ping_interval = 60s" \
    "trusted_proxies = 127.0.0.3"
[ -n "$SSD_PID" ] || finish

ok_if "GET /metrics from 127.0.0.1: 200" scrape
ctype=$(curl -s -o /dev/null -w '%{content_type}' "$SSD_URL/metrics")
ok_if "... in the text format 0.0.4 ($ctype)" [ "$ctype" = "text/plain; version=0.0.4; charset=utf-8" ]
if command -v promtool > /dev/null; then
	ok_if "promtool check metrics: clean" bash -c "promtool check metrics < '$T/metrics'"
	promtool check metrics < "$T/metrics" 2>&1 | head -5 | sed 's/^/# /'
else
	skip_one "promtool check metrics" "promtool (Debian's prometheus) missing"
fi
workers="ssd ssd-api ssd-hub ssd-relay[0] ssd-relay[1]"
every() {
	local w
	for w in $workers; do
		[ -n "$(sample "$1{worker=\"$w\"}")" ] || return 1
	done
}
every_process() { every process_cpu_seconds_total && every process_start_time_seconds; }
ok_if "every process's process_cpu_seconds_total, process_start_time_seconds" every_process
fds=$(sample 'process_open_fds{worker="ssd-relay[1]"}')
ok_if "a relay reads its open descriptors through its sandbox ($fds)" [ "${fds:-0}" -gt 3 ]
ok_if "the master: every worker up" \
    [ "$(grep -c '^ssd_worker_up{worker="[^"]*"} 1$' "$T/metrics")" = 4 ]
ok_if "ssd-api and ssd-hub: database up" [ "$(sample 'ssd_db_up{worker="ssd-api"}')/$(sample 'ssd_db_up{worker="ssd-hub"}')" = 1/1 ]
ok_if "nobody stale" [ "$(grep -c '^ssd_metrics_stale{worker="[^"]*"} 0$' "$T/metrics")" = 5 ]
fams=$(grep -c '^# TYPE ' "$T/metrics")
ok_if "each family once ($fams)" [ "$(grep '^# TYPE ' "$T/metrics" | sort | uniq -d | wc -l)" = 0 ]

curl -s -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' \
    -D "$T/om.head" -o "$T/om" "$SSD_URL/metrics"
openmetrics() {
	grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$T/om.head" &&
	    [ "$(tail -1 "$T/om")" = '# EOF' ] && grep -q '^# TYPE ssd_api_requests counter$' "$T/om"
}
ok_if "OpenMetrics when Accept prefers it, ending in # EOF" openmetrics

# Who may read it.
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
ok_if "from 127.0.0.2 (not in metrics_allow): 403" [ "$(code --interface 127.0.0.2 "$SSD_URL/metrics")" = 403 ]
ok_if "through a proxy that is not trusted, even from 127.0.0.1: 403" \
    [ "$(code -H 'X-Forwarded-For: 127.0.0.1' "$SSD_URL/metrics")" = 403 ]
ok_if "through a trusted proxy for an outside client: 403" \
    [ "$(code --interface 127.0.0.3 -H 'X-Forwarded-For: 203.0.113.1' "$SSD_URL/metrics")" = 403 ]
ok_if "through a trusted proxy for an allowed client: 200" \
    [ "$(code --interface 127.0.0.3 -H 'X-Forwarded-For: 127.0.0.1' "$SSD_URL/metrics")" = 200 ]
M="http://127.0.0.1:$mport"
ok_if "metrics_listen: /metrics from anyone who reaches it (127.0.0.2): 200" \
    [ "$(code --interface 127.0.0.2 "$M/metrics")" = 200 ]
ok_if "... and nothing else: /health 404, POST /metrics 405" \
    [ "$(code "$M/health")/$(code -X POST "$M/metrics")" = 404/405 ]

# ssd-api counts what it answers.
login() { api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$1\"}" > /dev/null; }
login wrong-password-1
login "$ADMIN_PASSWORD"
scrape
ok_if "logins: one failure, one success" [ "$(sample 'ssd_api_logins_total{worker="ssd-api",result="failure"}')/$(sample 'ssd_api_logins_total{worker="ssd-api",result="success"}')" = 1/1 ]
n=$(sample 'ssd_api_requests_total{worker="ssd-api",route="/metrics",method="GET",code="2xx"}')
ok_if "requests by route pattern and class: /metrics 2xx counted ($n)" [ "${n:-0}" -ge 3 ]
ok_if "latency histogram by route" grep -q '^ssd_api_request_duration_seconds_bucket{worker="ssd-api",route="/api/v1/auth/login",le="+Inf"} 2$' "$T/metrics"
curl -s "$SSD_URL/no/such/$RANDOM" > /dev/null
curl -sf "$SSD_URL/health/hub" > /dev/null
scrape
ok_if "... 403s too, and unmatched paths under one label" \
    [ -n "$(sample 'ssd_api_requests_total{worker="ssd-api",route="/metrics",method="GET",code="4xx"}')" -a \
    -n "$(sample 'ssd_api_requests_total{worker="ssd-api",route="unmatched",method="GET",code="4xx"}')" ]
ok_if "health hand-offs counted" [ "$(sample 'ssd_api_handoffs_total{worker="ssd-api",kind="health",result="sent"}')" = 1 ]
ok_if "ssdctl show streams with no viewer: 0 streams" bash -c "'$top_builddir/ssdctl' -s '$SSD_SOCK' show streams | grep -qx '0 streams'"

# A worker that cannot answer: its last numbers, marked stale, no gap.
r1=$(worker_pid 'ssd-relay[1]')
start1=$(sample 'process_start_time_seconds{worker="ssd-relay[1]"}')
kill -STOP "$r1"
scrape
kill -CONT "$r1"
ok_if "a stopped relay: shown stale with its last numbers" \
    [ "$(sample 'ssd_metrics_stale{worker="ssd-relay[1]"}')/$(sample 'process_start_time_seconds{worker="ssd-relay[1]"}')" = "1/$start1" ]
ok_if "... the others fresh" [ "$(sample 'ssd_metrics_stale{worker="ssd-relay[0]"}')/$(sample 'ssd_metrics_stale{worker="ssd-hub"}')" = 0/0 ]
fresh() { scrape && [ "$(sample 'ssd_metrics_stale{worker="ssd-relay[1]"}')" = 0 ]; }
ok_if "... and fresh again once it runs" wait_until "$TEST_WAIT" fresh

# A killed worker: a restart counted by the master, its process_* anew.
r0=$(worker_pid 'ssd-relay[0]')
start0=$(sample 'process_start_time_seconds{worker="ssd-relay[0]"}')
kill -9 "$r0"
restarted() {
	scrape && [ "$(sample 'ssd_worker_restarts_total{worker="ssd-relay[0]",reason="signal"}')" = 1 ] &&
	    [ "$(sample 'ssd_worker_up{worker="ssd-relay[0]"}')" = 1 ] &&
	    [ "$(sample 'ssd_metrics_stale{worker="ssd-relay[0]"}')" = 0 ] &&
	    [ "$(sample 'process_start_time_seconds{worker="ssd-relay[0]"}')" != "$start0" ]
}
ok_if "kill -9 ssd-relay[0]: ssd_worker_restarts_total{reason=signal} 1, a new start time" \
    wait_until "$TEST_WAIT" restarted

# Reloads, and metrics = no.
ssdctl reload > /dev/null
scrape
ok_if "a reload counted" [ "$(sample 'ssd_reloads_total{worker="ssd",result="ok"}')" = 1 ]
echo "metrics = no" >> "$T/ssd.conf"
ssdctl reload > /dev/null
ok_if "metrics = no (reloaded): /metrics is 404" [ "$(code "$SSD_URL/metrics")" = 404 ]
sed -i '$d' "$T/ssd.conf"
ssdctl reload > /dev/null
ok_if "... and back after metrics = yes" scrape
ok_if "no sanitizer report from ssd" \
    bash -c "! grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' '$T/ssd.log'"
finish
