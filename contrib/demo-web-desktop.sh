#!/bin/sh
# demo-web-desktop.sh - the firefox demo's "container" on the Kubernetes
# API double (tests/kube-sim): a web-streamed desktop as LinuxServer's
# KasmVNC images serve one, one HTTP port that gives the desktop's web
# client and its WebSocket.  Here: contrib/demo-desktop.sh's Xvnc on the
# next port, and Debian's websockify serving noVNC (its index opens
# vnc.html, connecting at once) and the WebSocket on PORT.
# Usage: demo-web-desktop.sh IP PORT
set -eu
ip=$1 port=$2
here=$(cd "$(dirname "$0")" && pwd)
web=$(mktemp -d "${TMPDIR:-/tmp}/ssd-demo-web.XXXXXX")
ln -s /usr/share/novnc/* "$web/"
cat > "$web/index.html" <<'HTML'
<!doctype html>
<meta http-equiv="refresh" content="0; url=vnc.html?autoconnect=true&amp;resize=scale&amp;path=websockify">
<title>Desktop</title>
HTML
"$here/demo-desktop.sh" "$ip" $((port + 1)) &
desktop=$!
websockify --web "$web" "$ip:$port" "$ip:$((port + 1))" > /dev/null 2>&1 &
proxy=$!
trap 'kill $proxy $desktop 2>/dev/null; rm -rf "$web"; exit 0' TERM INT
wait $proxy
