#!/bin/bash
# man-lint.sh - every installed manual page passes mandoc -Tlint -W warning.
# TAP output; skips (77) only when mandoc is not installed.
set -u
command -v mandoc >/dev/null 2>&1 || { echo "1..0 # SKIP mandoc not installed"; exit 0; }
cd "${top_builddir:?}" || exit 99
n=0 fail=0
for page in man/*.[1-8]; do
	[ -f "$page" ] || continue
	n=$((n + 1))
	if out=$(mandoc -Tlint -W warning "$page" 2>&1); then
		echo "ok $n - mandoc lint $page"
	else
		echo "not ok $n - mandoc lint $page"
		echo "$out" | sed 's/^/# /'
		fail=1
	fi
done
echo "1..$n"
exit $fail
