#!/bin/bash
# conf-example.sh - contrib/ssd.conf.example names every setting (secrets by
# their _file form) and nothing else; `ssd -n` accepts it (exit 0) and
# rejects a broken copy with file:line (exit 1).  TAP output.
set -u
cd "${top_builddir:?}" || exit 99
ex="${top_srcdir:?}/contrib/ssd.conf.example"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

keys=$(man/gen-settings -k)
missing=
for k in $keys; do
	grep -Eq "^#?($k|${k}_file) =" "$ex" || missing="$missing $k"
done
t "$([ -z "$missing" ]; echo $?)" "example shows every setting${missing:+ (missing:$missing)}"
unknown=
for k in $(sed -n 's/^#\{0,1\}\([a-z_0-9]*\) =.*/\1/p' "$ex"); do
	echo "$keys" | grep -qx "${k%_file}" || echo "$keys" | grep -qx "$k" || unknown="$unknown $k"
done
t "$([ -z "$unknown" ]; echo $?)" "example names no unknown setting${unknown:+ (unknown:$unknown)}"

# Uncommenting every non-secret line must still be valid.
sed -e 's/^#\([a-z_0-9]* =\)/\1/' -e '/_file =/d' "$ex" > "$tmp/all.conf"
./ssd -n -f "$tmp/all.conf" > "$tmp/out" 2>&1
t $? "ssd -n accepts the example with every setting uncommented"
./ssd -n -f "$ex" > "$tmp/out" 2>&1
t $? "ssd -n accepts the example as shipped"
grep -q '^port = "8080"' "$tmp/out"
t $? "ssd -n prints effective values"

printf 'port = 8080\nlog_level = verbose\n' > "$tmp/bad.conf"
./ssd -n -f "$tmp/bad.conf" > "$tmp/out" 2>&1
rc=$?
t "$([ $rc = 1 ]; echo $?)" "ssd -n exits 1 on a broken file (got $rc)"
grep -q "bad.conf:2: log_level:" "$tmp/out"
t $? "the error names file:line and the setting: $(head -1 "$tmp/out")"
echo "1..$n"
