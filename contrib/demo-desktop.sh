#!/bin/sh
# demo-desktop.sh - the demo session's "container" on the Kubernetes API
# double (tests/kube-sim): a real VNC server, Debian's Xvnc, on the pod's
# address and port, with a clock and a coloured background so a viewer
# sees a live, non-blank desktop.  Xvnc picks a free display itself
# (-displayfd: no race with other X servers on the machine) and it is
# written to /tmp/ssd-demo-desktop.IP for tests that draw on it.
# Readiness probes open and close TCP connections all the time: Xvnc
# must not blacklist them as failed logins.
# Usage: demo-desktop.sh IP PORT
set -eu
ip=$1 port=$2
info=/tmp/ssd-demo-desktop.$ip
rm -f "$info"
Xvnc -displayfd 3 -rfbport "$port" -interface "$ip" -SecurityTypes None \
    -geometry 1024x768 -depth 24 -nolisten tcp -NeverShared=0 \
    -AlwaysShared=1 -BlacklistThreshold=1000000 3> "$info" > /dev/null 2>&1 &
xvnc=$!
trap 'kill $xvnc 2>/dev/null; rm -f "$info"; exit 0' TERM INT
i=0
while ! grep -q '^[0-9]' "$info" 2> /dev/null && [ $i -lt 100 ]; do
	kill -0 $xvnc 2> /dev/null || exit 1
	sleep 0.05
	i=$((i + 1))
done
display=$(head -n1 "$info")
DISPLAY=":$display" xsetroot -solid '#2a5d8f' || true
DISPLAY=":$display" xclock -geometry 300x300+362+234 -update 1 > /dev/null 2>&1 &
wait $xvnc
