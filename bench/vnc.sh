#!/bin/bash
# bench/vnc.sh - the VNC path against its peers, in one run (PEERS.md §5):
#   D  direct TCP to the target,
#   W  Debian's websockify in front of it,
#   R  ssd: /api/v1/vnc/ID -> ssd-relay -> data link -> ssd-agent-k8s
#      -> the session's pod (a process of the Kubernetes API double),
#   N  the same as R with metrics = no (same build, switched by a reload):
#      what counting for /metrics costs the relay.
# The same client (tests/node/vnc-client.js, npm ws) and targets for all:
# download and upload throughput (byte counts checked), RFB round trip
# of small updates against a real Xvnc, and memory per idle stream.
# Rounds rotate the order; medians and ratios to D are printed.
# Not part of make check.  Usage: bench/vnc.sh [BUILD_DIR]
# Environment: ROUNDS (3), DOWN_MB (1024), UP_MB (512), RTT_N (1000),
#   IDLE_COUNTS ("1000 10000"; "none" skips), DATA_LINKS (10),
#   VARIANTS ("D W R N"; a subset measures only those, e.g. for a profile).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build/plain}" && pwd) || exit 1
export top_srcdir=$top top_builddir=$build
rounds=${ROUNDS:-3}
down=$(( ${DOWN_MB:-1024} * 1024 * 1024 ))
up=$(( ${UP_MB:-512} * 1024 * 1024 ))
rtt_n=${RTT_N:-1000}
idle_counts=${IDLE_COUNTS:-1000 10000}
[ "$idle_counts" = none ] && idle_counts=
variants=" ${VARIANTS:-D W R N} "
ulimit -n 20000
. "$top/tests/integration/lib.sh"
export JWT_SECRET=bench-secret-0123456789abcdef0123456789
export ADMIN_PASSWORD=bench-admin-password
export NODE_PATH=$top/tests/node/node_modules
client() { node "$top/tests/node/vnc-client.js" "$@"; }
field() { /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

pg_up > /dev/null || exit 1
/usr/bin/python3 "$top/tests/kube-sim/kube-sim" --state-dir "$T/ks" --port 0 \
    --namespace bench \
    --image-map "bench/source=$top/tests/ws/bytetarget.py source {ip} {port} $down" \
    --image-map "bench/sink=$top/tests/ws/bytetarget.py sink {ip} {port} $T/sink.count" \
    --image-map "bench/idle=$top/tests/ws/bytetarget.py banner {ip} {port} -" \
    --image-map "docker.io/accetto/*=$top/contrib/demo-desktop.sh {ip} {port}" \
    > "$T/kube-sim.log" 2>&1 &
on_exit "kill $!; wait $!"
wait_until 15 test -s "$T/ks/url" || { echo "kube-sim did not start"; exit 1; }
ssd_start "http_max_connections = 30000" "http_max_connections_per_address = 30000" \
    "handoff_max_inflight = 5000" || { echo "ssd did not start"; exit 1; }
for t in source sink idle; do
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
    { echo "the agent did not come online"; exit 1; }
psql -q -c "INSERT INTO user_quotas (user_id, max_sessions) VALUES ('admin', 100) ON CONFLICT (user_id) DO UPDATE SET max_sessions = 100"
jwt=$(json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2-)")

declare -A sid ip wport
for t in source sink idle xfce-desktop; do
	tpl=bench-$t
	[ "$t" = xfce-desktop ] && tpl=$t
	sid[$t]=$(json id <<< "$(api POST /api/v1/sessions "$jwt" "{\"template\":\"$tpl\",\"persistentHome\":false}" | cut -d' ' -f2-)")
	wait_until 30 sql_is "SELECT state FROM sessions WHERE id = '${sid[$t]}'" running ||
	    { echo "session $t did not start"; exit 1; }
	ip[$t]=$(json platformMetadata.podIP <<< "$(api GET "/api/v1/sessions/${sid[$t]}" "$jwt" | cut -d' ' -f2-)")
	wport[$t]=$(free_port)
	websockify "127.0.0.1:${wport[$t]}" "${ip[$t]}:5901" > "$T/websockify-$t.log" 2>&1 &
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
	ssdctl reload > /dev/null || { echo "bench: reload with metrics = $1 failed"; exit 1; }
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
	    [ "$(field failed < "$T/idle.$n")" = 0 ]; then
		sleep 2
		after=$(( $(rss $relays) + $(rss $agent) ))
		echo "$n $(( (after - before) * 1024 / n ))" >> "$T/idle"
		echo "$n $(field seconds < "$T/idle.$n")" >> "$T/idle-open"
	else
		echo "idle $n: the streams did not all come up: $(tail -2 "$T/idle.$n")"
		tail -5 "$T/ssd.log"
		tail -5 "$T/agent.log"
	fi
	exec 9>&-
	wait $cpid
	sleep 3
done

# CPU ticks of every relay (user and system).
relay_ticks() {
	local p t=0
	for p in $(ssdctl show workers | awk '$1 ~ /^ssd-relay/ { print $2 }'); do
		t=$((t + $(awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "/proc/$p/stat")))
	done
	echo $t
}

# Throughput and latency, rounds in rotated order; round 0 is warm-up.
orders=("D W R N" "W R N D" "R N D W" "N D W R")
for ((r = 0; r <= rounds; r++)); do
	for v in ${orders[$((r % 4))]}; do
		[[ $variants == *" $v "* ]] || continue
		[ $v = N ] && metrics no
		c0=$(relay_ticks)
		o=$(client down "$(url $v source)" "$down")
		[ "$(field exact <<< "$o")" = True ] || echo "round $r $v: download not byte-exact: $o"
		[ $r -gt 0 ] && field mbps <<< "$o" >> "$T/down.$v"
		: > "$T/sink.count"
		o=$(client up "$(url $v sink)" "$up")
		# Readiness probes connect to the sink too (counts of 0).
		wait_until 10 grep -qx "$up" "$T/sink.count" ||
		    echo "round $r $v: upload not byte-exact ($(grep -vx 0 "$T/sink.count" | tr '\n' ' ')of $up)"
		[ $r -gt 0 ] && field mbps <<< "$o" >> "$T/up.$v"
		# The relays' CPU per GiB relayed: less noisy than throughput.
		[ $r -gt 0 ] && [ $v != D ] && [ $v != W ] && awk -v t=$(( $(relay_ticks) - c0 )) \
		    -v hz="$(getconf CLK_TCK)" -v b=$((down + up)) \
		    'BEGIN { print t * 1000 / hz / (b / 1073741824) }' >> "$T/cpu.$v"
		o=$(client rtt "$(url $v xfce-desktop)" "$rtt_n")
		[ $r -gt 0 ] && { field p50 <<< "$o" >> "$T/p50.$v"; field p99 <<< "$o" >> "$T/p99.$v"; }
		[ $v = N ] && metrics yes
	done
done

med() { median < "$T/$1.$2"; }
calc() { awk "BEGIN { print $1 }"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print b == 0 ? 0 : a / b }'; }
printf '\nVNC path, %d rounds (medians; ratios to direct D)\n' "$rounds"
printf '%-34s %12s %12s %12s %8s %8s\n' metric D W R W/D R/D
for v in D W R N; do
	for m in down up p50 p99; do [ -s "$T/$m.$v" ] || echo 0 > "$T/$m.$v"; done
done
for m in down up; do
	d=$(med $m D) w=$(med $m W) rr=$(med $m R)
	printf '%-34s %12.0f %12.0f %12.0f %8.2f %8.2f\n' "$m MB/s ($([ $m = down ] && echo $((down >> 20)) || echo $((up >> 20))) MiB)" \
	    "$d" "$w" "$rr" "$(ratio "$w" "$d")" "$(ratio "$rr" "$d")"
done
for m in p50 p99; do
	d=$(med $m D) w=$(med $m W) rr=$(med $m R)
	printf '%-34s %12.0f %12.0f %12.0f %8.2f %8.2f\n' "RFB 16x16 update $m (us)" \
	    "$d" "$w" "$rr" "$(ratio "$w" "$d")" "$(ratio "$rr" "$d")"
done
d=$(med p50 D) w=$(med p50 W) rr=$(med p50 R)
printf '%-34s %12s %12.0f %12.0f\n' "added p50 latency (us)" - "$(calc "$w - $d")" "$(calc "$rr - $d")"
if [ -s "$T/idle" ]; then
	while read -r n per; do
		printf '%-34s %12s %12s %12d\n' "R memory per idle stream, $n (B)" - - "$per"
	done < "$T/idle"
	while read -r n s; do
		printf '%-34s %12s %12s %12.1f\n' "R time to open $n streams (s)" - - "$s"
	done < "$T/idle-open"
fi

# Metrics on (R) against off (N): medians, their ratio, and how far R's
# own rounds spread (max - min over the median), to tell noise from cost.
spread() { sort -g "$T/$1.$2" | awk '{ v[NR] = $1 } END { m = v[int((NR + 1) / 2)]; printf "%.1f", m ? (v[NR] - v[1]) * 100 / m : 0 }'; }
if [[ $variants == *" R "* && $variants == *" N "* ]]; then
	printf '\nmetrics on (R) and off (N), same build, %d rounds\n' "$rounds"
	printf '%-34s %12s %12s %8s %14s %14s\n' metric R N R/N "R spread %" "N spread %"
	for m in down up p50 p99 cpu; do
		[ -s "$T/$m.R" ] && [ -s "$T/$m.N" ] && [ "$(med $m R)" != 0 ] &&
		    [ "$(med $m N)" != 0 ] ||
		    { echo "bench: no $m figure for R or N"; exit 1; }
		case $m in
		down|up) label="$m MB/s" ;;
		cpu) label="relay CPU ms per GiB" ;;
		*) label="$m (us)" ;;
		esac
		printf '%-34s %12.0f %12.0f %8.3f %14s %14s\n' "$label" \
		    "$(med $m R)" "$(med $m N)" "$(ratio "$(med $m R)" "$(med $m N)")" \
		    "$(spread $m R)" "$(spread $m N)"
	done
fi
