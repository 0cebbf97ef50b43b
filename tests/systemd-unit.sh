#!/bin/bash
# systemd-unit.sh - the shipped unit passes `systemd-analyze verify` with
# nothing on stderr, and `systemd-analyze security --offline=yes` scores at
# or below 2.5 (threshold 25).  TAP output.
set -u
command -v systemd-analyze >/dev/null 2>&1 || { echo "1..0 # SKIP no systemd-analyze"; exit 0; }
cd "${top_builddir:?}" || exit 99
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify needs an ExecStart that exists: point it at the built binary.
sed "s|^ExecStart=.*|ExecStart=$PWD/ssd|" contrib/systemd/ssd.service > "$tmp/ssd.service"
if err=$(systemd-analyze verify --man=no "$tmp/ssd.service" 2>&1 >/dev/null) && [ -z "$err" ]; then
	echo "ok 1 - systemd-analyze verify is silent"
else
	echo "not ok 1 - systemd-analyze verify"
	echo "$err" | sed 's/^/# /'
fi
out=$(systemd-analyze security --offline=yes --threshold=25 "$tmp/ssd.service" 2>&1)
rc=$?
score=$(echo "$out" | sed -n 's/.*Overall exposure level for ssd.service: \([0-9.]*\).*/\1/p')
if [ $rc -eq 0 ] && [ -n "$score" ]; then
	echo "ok 2 - systemd-analyze security exposure $score <= 2.5"
else
	echo "not ok 2 - systemd-analyze security (rc $rc, exposure ${score:-?})"
	echo "$out" | tail -5 | sed 's/^/# /'
fi
echo "1..2"
