#!/bin/sh
# demo-desktop.sh - the demo session's "container" on the Kubernetes API
# double (tests/kube-sim): a real VNC server, Debian's Xvnc, on the pod's
# address and port, with a clock and a coloured background so a viewer
# sees a live, non-blank desktop.  Readiness probes open and close TCP
# connections all the time: Xvnc must not blacklist them as failed logins.
# Usage: demo-desktop.sh IP PORT DISPLAY
set -eu
ip=$1 port=$2 display=$3
Xvnc ":$display" -rfbport "$port" -interface "$ip" -SecurityTypes None \
    -geometry 1024x768 -depth 24 -nolisten tcp -NeverShared=0 \
    -AlwaysShared=1 -BlacklistThreshold=1000000 > /dev/null 2>&1 &
xvnc=$!
trap 'kill $xvnc 2>/dev/null; exit 0' TERM INT
i=0
while [ ! -S "/tmp/.X11-unix/X$display" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
DISPLAY=":$display" xsetroot -solid '#2a5d8f' || true
DISPLAY=":$display" xclock -geometry 300x300+362+234 -update 1 > /dev/null 2>&1 &
wait $xvnc
