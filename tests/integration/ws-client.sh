#!/bin/bash
# ws-client.sh - ssd's WebSocket client (common/dial.c, common/wsconn.c,
# as the agent uses it) against two strict servers of other
# implementations: Debian's python3-websockets and npm's ws.  Each runs
# tests/ws/wsecho (handshake, subprotocol, text, UTF-8, binary, 1 MiB,
# fragmentation with a ping inside, ping/pong, close codes both ways).
. "$top_srcdir/tests/integration/lib.sh"

/usr/bin/python3 -c 'import websockets' 2> /dev/null || skip_all "python3-websockets missing"

# against NAME CMD...: starts the server, waits for its port, runs wsecho.
against() {
	local name=$1 port= i line
	shift
	"$@" > "$T/$name.port" 2> "$T/$name.err" &
	on_exit "kill $!"
	for ((i = 0; i < 50; i++)); do
		port=$(head -n1 "$T/$name.port")
		[ -n "$port" ] && break
		sleep 0.1
	done
	if [ -z "$port" ]; then
		ok_if "$name server started ($(cat "$T/$name.err"))" false
		return
	fi
	"$top_builddir/tests/ws/wsecho" "ws://127.0.0.1:$port" > "$T/$name.out" 2>&1
	while read -r line; do
		case $line in
		"ok "*) ok_rc "$name: ${line#*- }" 0 ;;
		"not ok "*) ok_rc "$name: ${line#*- }" 1 ;;
		esac
	done < "$T/$name.out"
	ok_if "$name: all 16 checks ran" [ "$(grep -c '^ok ' "$T/$name.out")" = 16 ]
}

against python3-websockets /usr/bin/python3 "$top_srcdir/tests/ws/echo-server.py"
if command -v node > /dev/null && [ -d "$top_srcdir/tests/node/node_modules/ws" ]; then
	against npm-ws node "$top_srcdir/tests/node/ws-echo-server.js"
else
	diag "npm ws not installed (contrib/install-deps.sh test): its cross-test skipped"
fi
finish
