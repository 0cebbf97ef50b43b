#!/bin/bash
# bench/vnc.sh - the VNC path against its peers, in one run (PEERS.md §5):
#   D  direct TCP to the target,
#   W  Debian's websockify in front of it,
#   R  ssd: /api/v1/vnc/ID -> ssd-relay -> data link -> ssd-agent-k8s
#      -> the session's pod (a process of the Kubernetes API double),
#   N  the same as R with metrics = no (same build, switched by a reload):
#      what counting for /metrics costs the relay.
# The same client (tests/node/vnc-client.js, npm ws) and targets for all:
# download and upload throughput (byte counts checked); against a real
# Xvnc at 1024x768, whole raw frames one request at a time (what viewers
# ask for), the round trip of small updates, and the time to open a
# viewer (for R from POST .../viewer-ticket) to its first update, one at
# a time, with where it goes; opens per second, OPEN_CONC at once, of a
# minimal RFB server (bytetarget.py rfb: Xvnc itself stalls some of 32
# opens at once for seconds); the CPU a relayed GiB costs (R: relays
# and agent, W: websockify and its children); memory per idle stream.
# Rounds rotate the order; medians, ratios to D and R/W are printed.  A
# measurement that fails ends the run with the reason (non-zero status);
# only websockify's transfers that lose their tail at the close (seen
# under load) are listed and kept.
# Not part of make check.  Usage: bench/vnc.sh [BUILD_DIR]
# Environment: ROUNDS (3), DOWN_MB (1024), UP_MB (512), RTT_N (1000),
#   FRAMES (200), OPEN_N (1000), OPEN_CONC (32),
#   IDLE_COUNTS ("1000 10000"; "none" skips), DATA_LINKS (10),
#   VARIANTS ("D W R N"; a subset measures only those, e.g. for a profile).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
rounds=${ROUNDS:-3}
down=$(( ${DOWN_MB:-1024} * 1024 * 1024 ))
up=$(( ${UP_MB:-512} * 1024 * 1024 ))
rtt_n=${RTT_N:-1000}
frames_n=${FRAMES:-200}
open_n=${OPEN_N:-1000}
open_conc=${OPEN_CONC:-32}
idle_counts=${IDLE_COUNTS:-1000 10000}
[ "$idle_counts" = none ] && idle_counts=
variants=" ${VARIANTS:-D W R N} "
ulimit -n 20000
bench_needs node ws websockify Xvnc
client() { node "$top/tests/node/vnc-client.js" "$@"; }

pg_up > /dev/null || fail "PostgreSQL did not start"
/usr/bin/python3 "$top/tests/kube-sim/kube-sim" --state-dir "$T/ks" --port 0 \
    --namespace bench \
    --image-map "bench/source=$top/tests/ws/bytetarget.py source {ip} {port} $down" \
    --image-map "bench/sink=$top/tests/ws/bytetarget.py sink {ip} {port} $T/sink.count" \
    --image-map "bench/idle=$top/tests/ws/bytetarget.py banner {ip} {port} -" \
    --image-map "bench/rfb=$top/tests/ws/bytetarget.py rfb {ip} {port} -" \
    --image-map "docker.io/accetto/*=$top/contrib/demo-desktop.sh {ip} {port}" \
    > "$T/kube-sim.log" 2>&1 &
on_exit "kill $!; wait $!"
wait_until 15 test -s "$T/ks/url" || fail "kube-sim did not start"
# (The idle streams and OPEN_CONC viewers are of one session and one user:
# no viewer bounds, as websockify has none.)
ssd_start "http_max_connections = 30000" "http_max_connections_per_address = 30000" \
    "handoff_max_inflight = 5000" "viewer_max_per_session = 0" \
    "viewer_max_per_user = 0" || fail "ssd did not start: $(tail -3 "$T/ssd.log")"
for t in source sink idle rfb; do
	sed -e "s|name: xfce-desktop|name: bench-$t|" \
	    -e "s|baseImage: .*|baseImage: bench/$t|" \
	    "$top/contrib/templates/xfce-desktop.yaml" > "$T/bench-$t.yaml"
	ssdctl template import "$T/bench-$t.yaml" > /dev/null
done
ssdctl template import "$top/contrib/templates/xfce-desktop.yaml" > /dev/null
key=$(ssdctl agent add k8s-bench | grep -Eo '[0-9a-f]{64}')
AGENT_ID=k8s-bench CONTROL_PLANE_URL="ws://127.0.0.1:$SSD_PORT" AGENT_KEY=$key \
    KUBECONFIG="$T/ks/kubeconfig" VNC_VIA=direct DATA_LINKS=${DATA_LINKS:-10} \
    LOG_LEVEL=warn "$build/ssd-agent-k8s/ssd-agent-k8s" > "$T/agent.log" 2>&1 &
agent=$!
on_exit "kill $agent; wait $agent"
wait_until 10 sql_is "SELECT status FROM agents WHERE agent_id = 'k8s-bench'" online ||
    fail "the agent did not come online: $(tail -3 "$T/agent.log")"
psql -q -c "INSERT INTO user_quotas (user_id, max_sessions) VALUES ('admin', 100) ON CONFLICT (user_id) DO UPDATE SET max_sessions = 100"
jwt=$(json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2-)")

declare -A sid ip wport wpid
for t in source sink idle rfb xfce-desktop; do
	tpl=bench-$t
	[ "$t" = xfce-desktop ] && tpl=$t
	sid[$t]=$(json id <<< "$(api POST /api/v1/sessions "$jwt" "{\"template\":\"$tpl\",\"persistentHome\":false}" | cut -d' ' -f2-)")
	wait_until 30 sql_is "SELECT state FROM sessions WHERE id = '${sid[$t]}'" running ||
	    fail "session $t did not start"
	ip[$t]=$(json platformMetadata.podIP <<< "$(api GET "/api/v1/sessions/${sid[$t]}" "$jwt" | cut -d' ' -f2-)")
	wport[$t]=$(free_port)
	websockify "127.0.0.1:${wport[$t]}" "${ip[$t]}:5901" > "$T/websockify-$t.log" 2>&1 &
	wpid[$t]=$!
	on_exit "kill $!"
done
sleep 1
url() {	# url VARIANT TARGET
	case $1 in
	D) echo "tcp://${ip[$2]}:5901" ;;
	W) echo "ws://127.0.0.1:${wport[$2]}/" ;;
	R|N) echo "ws://127.0.0.1:$SSD_PORT/api/v1/vnc/${sid[$2]}?token=$jwt" ;;
	esac
}
# metrics yes|no: ssd.conf's metrics, taken by a reload (no restart).
metrics() {
	sed -i '/^metrics = /d' "$T/ssd.conf"
	echo "metrics = $1" >> "$T/ssd.conf"
	ssdctl reload > /dev/null || fail "reload with metrics = $1 failed"
}

# Memory per idle stream: RSS of the relays and the agent, before and
# after N streams are up (each holding a TCP connection to its pod);
# first, while the heap holds no free memory left by the transfers.
rss() { local s=0 p; for p in "$@"; do s=$((s + $(awk '/^VmRSS/ { print $2 }' "/proc/$p/status"))); done; echo $s; }
relays=$(ssdctl show workers | awk '$1 ~ /^ssd-relay/ { print $2 }' | tr '\n' ' ')
for n in $idle_counts; do
	before=$(( $(rss $relays) + $(rss $agent) ))
	mkfifo "$T/hold.$n"
	client idle "$(url R idle)" "$n" < "$T/hold.$n" > "$T/idle.$n" 2>&1 &
	cpid=$!
	exec 9> "$T/hold.$n"
	if wait_until 120 grep -q '"up"' "$T/idle.$n" &&
	    [ "$(grep '"up"' "$T/idle.$n" | json failed)" = 0 ]; then
		sleep 2
		after=$(( $(rss $relays) + $(rss $agent) ))
		echo "$n $(( (after - before) * 1024 / n ))" >> "$T/idle"
		echo "$n $(grep '"up"' "$T/idle.$n" | json seconds)" >> "$T/idle-open"
	else
		tail -n 5 "$T/ssd.log" "$T/agent.log" >&2
		fail "idle $n: the streams did not all come up: $(sort "$T/idle.$n" | uniq -c | tail -n 3)"
	fi
	exec 9>&-
	wait $cpid
	sleep 3
done

# The processes that carry variant $1's bytes to and from the byte targets.
carriers() {
	case $1 in
	W) echo "${wpid[source]} ${wpid[sink]}" ;;
	R|N) echo "$(ssdctl show workers | awk '$1 ~ /^ssd-relay/ { print $2 }') $agent" ;;
	esac
}

# measure ROUND VARIANT: every figure of one variant, once.
measure() {
	local r=$1 v=$2 o c0 keep=true
	[ "$r" -gt 0 ] || keep=false
	c0=$(ticks $(carriers $v))
	o=$(client down "$(url $v source)" "$down")
	if [ "$(json exact <<< "$o" 2> /dev/null)" != true ]; then
		# websockify has been seen to drop the tail when the target closes.
		[ $v = W ] && [ -n "$(json bytes <<< "$o" 2> /dev/null)" ] ||
		    fail "round $r $v: download not byte-exact: $o"
		echo "round $r W: the download got $(json bytes <<< "$o") of $down bytes" >> "$T/short"
	fi
	$keep && record down.$v mbps "$o"
	: > "$T/sink.count"
	o=$(client up "$(url $v sink)" "$up")
	# Readiness probes connect to the sink too (counts of 0).
	if ! wait_until 10 grep -qx "$up" "$T/sink.count"; then
		[ $v = W ] || fail "round $r $v: upload not byte-exact ($(grep -vx 0 "$T/sink.count" | tr '\n' ' ')of $up)"
		echo "round $r W: the sink got $(grep -vx 0 "$T/sink.count" | tr '\n' ' ')of $up bytes" >> "$T/short"
	fi
	$keep && record up.$v mbps "$o"
	$keep && [ $v != D ] && awk -v hz="$(getconf CLK_TCK)" -v b=$((down + up)) \
	    -v t=$(( $(ticks $(carriers $v)) - c0 )) \
	    'BEGIN { print t * 1000 / hz / (b / 1073741824) }' >> "$T/cpu.$v"
	o=$(client frames "$(url $v xfce-desktop)" "$frames_n")
	$keep && record frames.$v mbps "$o"
	o=$(client rtt "$(url $v xfce-desktop)" "$rtt_n")
	$keep && { record p50.$v p50 "$o"; record p99.$v p99 "$o"; }
	[ $v = N ] && return
	ticket $v xfce-desktop
	[ $v = R ] && metrics_to before.prom
	o=$(client open "$(url $v xfce-desktop)" "$open_n" 1) || fail "round $r $v: opens failed: $o"
	if $keep; then
		record open50.$v p50 "$o"
		record open99.$v p99 "$o"
		for p in ticket open banner init; do
			[ $p = ticket ] && [ $v != R ] || record phase-$p.$v phases.$p "$o"
		done
	fi
	if $keep && [ $v = R ]; then
		metrics_to after.prom
		inside ssd_api_request_duration_seconds 'route="/api/v1/sessions/:id/viewer-ticket"' >> "$T/in-ticket.R"
		inside ssd_relay_stream_open_duration_seconds '' >> "$T/in-open.R"
	fi
	ticket $v rfb
	o=$(client open "$(url $v rfb)" "$open_n" "$open_conc") ||
	    fail "round $r $v: $open_conc opens at once failed: $o"
	$keep && record opens.$v perSecond "$o"
	unset VIEWER_TICKET VIEWER_JWT
}
# metrics_to NAME: /metrics (the test library's scrape) kept as $T/NAME.
metrics_to() { scrape || fail "GET /metrics failed"; mv "$T/metrics" "$T/$1"; }
# inside HISTOGRAM LABEL: the mean, in ms, of what HISTOGRAM (its series
# with LABEL, summed over workers) observed between the two scrapes.
inside() {
	awk -v h="$1" -v l="$2" '
	    index($1, h "_sum") == 1 && index($1, l) { s[FILENAME] += $2 }
	    index($1, h "_count") == 1 && index($1, l) { n[FILENAME] += $2 }
	    END { a = ARGV[1]; b = ARGV[2]; if (n[b] == n[a]) exit 1
		  printf "%.3f\n", (s[b] - s[a]) * 1000 / (n[b] - n[a]) }' \
	    "$T/before.prom" "$T/after.prom" || fail "$1{$2}: nothing observed"
}
# ticket VARIANT TARGET: R's opens start with a viewer ticket of TARGET's
# session.
ticket() {
	[ $1 = R ] && export VIEWER_TICKET="$SSD_URL/api/v1/sessions/${sid[$2]}/viewer-ticket" VIEWER_JWT=$jwt
}

# Rounds in rotated order; round 0 is warm-up.
orders=("D W R N" "W R N D" "R N D W" "N D W R")
for ((r = 0; r <= rounds; r++)); do
	for v in ${orders[$((r % 4))]}; do
		[[ $variants == *" $v "* ]] || continue
		[ $v = N ] && metrics no
		measure $r $v
		[ $v = N ] && metrics yes
	done
done

med() { median < "$T/$1.$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print b == 0 ? 0 : a / b }'; }
# cell VALUE FORMAT and quotient A B: "-" for what was not measured.
cell() { if [ "$1" = - ]; then echo -; else printf "$2" "$1"; fi; }
quotient() { if [ "$1" = - ] || [ "$2" = - ]; then echo -; else printf '%.2f' "$(ratio "$1" "$2")"; fi; }
# row LABEL METRIC FORMAT: D, W and R's medians, W/D, R/D and R/W.
row() {
	local v d=- w=- rr=- x
	for v in D W R; do
		[[ $variants == *" $v "* && -s "$T/$2.$v" ]] || continue
		x=$(med $2 $v)
		case $v in D) d=$x ;; W) w=$x ;; R) rr=$x ;; esac
	done
	printf '%-36s %10s %10s %10s %7s %7s %7s\n' "$1" "$(cell $d "$3")" "$(cell $w "$3")" \
	    "$(cell $rr "$3")" "$(quotient $w $d)" "$(quotient $rr $d)" "$(quotient $rr $w)"
}
for v in D W R N; do
	[[ $variants == *" $v "* ]] || continue
	figures down.$v up.$v frames.$v p50.$v p99.$v
	[ $v = D ] || figures cpu.$v
	[ $v = N ] || figures open50.$v open99.$v opens.$v phase-open.$v phase-banner.$v phase-init.$v
	[ $v = R ] && figures phase-ticket.R in-ticket.R in-open.R
done
printf '\nVNC path, %d rounds (medians; ratios to direct D, and ssd R to websockify W)\n' "$rounds"
printf '(R/W: above 1 is ssd ahead for MB/s and opens/s, below 1 for times and CPU)\n'
printf '%-36s %10s %10s %10s %7s %7s %7s\n' metric D W R W/D R/D R/W
row "download MB/s ($((down >> 20)) MiB)" down %.0f
row "upload MB/s ($((up >> 20)) MiB)" up %.0f
row "Xvnc whole frames MB/s ($frames_n)" frames %.0f
row "RFB 16x16 update p50 (us)" p50 %.0f
row "RFB 16x16 update p99 (us)" p99 %.0f
row "open to first update p50 (ms)" open50 %.2f
row "open to first update p99 (ms)" open99 %.2f
row " ticket answered, p50 (ms)" phase-ticket %.2f
row " connected (101), p50 (ms)" phase-open %.2f
row " RFB version, p50 (ms)" phase-banner %.2f
row " RFB ServerInit, p50 (ms)" phase-init %.2f
row " in ssd-api: ticket (mean ms)" in-ticket %.2f
row " in ssd-relay: hand-off to agent OK" in-open %.2f
row "opens/s, $open_conc at once (rfb)" opens %.0f
row "CPU ms per GiB relayed" cpu %.0f
if [[ $variants == *" D "* ]]; then
	d=$(med p50 D)
	for v in W R; do
		[[ $variants == *" $v "* ]] && printf '%-36s %s us\n' "added p50 latency, $v" \
		    "$(awk -v a="$(med p50 $v)" -v b="$d" 'BEGIN { printf "%.0f", a - b }')"
	done
fi
[ -s "$T/short" ] && { echo "websockify's transfers that fell short (its figures are kept):"; cat "$T/short"; }
if [ -s "$T/idle" ]; then
	while read -r n per; do
		printf '%-36s %10s %10s %10d\n' "R memory per idle stream, $n (B)" - - "$per"
	done < "$T/idle"
	while read -r n s; do
		printf '%-36s %10s %10s %10.1f\n' "R time to open $n streams (s)" - - "$s"
	done < "$T/idle-open"
fi

# Metrics on (R) against off (N): medians, their ratio, and how far R's
# own rounds spread (max - min over the median), to tell noise from cost.
spread() { sort -g "$T/$1.$2" | awk '{ v[NR] = $1 } END { m = v[int((NR + 1) / 2)]; printf "%.1f", m ? (v[NR] - v[1]) * 100 / m : 0 }'; }
if [[ $variants == *" R "* && $variants == *" N "* ]]; then
	printf '\nmetrics on (R) and off (N), same build, %d rounds\n' "$rounds"
	printf '%-36s %12s %12s %8s %14s %14s\n' metric R N R/N "R spread %" "N spread %"
	for m in down up frames p50 p99 cpu; do
		case $m in
		down|up|frames) label="$m MB/s" ;;
		cpu) label="relay+agent CPU ms per GiB" ;;
		*) label="$m (us)" ;;
		esac
		printf '%-36s %12.0f %12.0f %8.3f %14s %14s\n' "$label" \
		    "$(med $m R)" "$(med $m N)" "$(ratio "$(med $m R)" "$(med $m N)")" \
		    "$(spread $m R)" "$(spread $m N)"
	done
fi
