# bench/lib.sh - sourced by each benchmark once it has set top: takes the
# build directory (the benchmark's first argument, else build/plain) and
# the test library (tests/integration/lib.sh: PostgreSQL, ssd_start,
# api, json, wait_until), and makes failing loud: a measurement that
# fails ends the run with the reason and a non-zero status, never a
# figure of zero.
bench=bench/${0##*/}
build=$(cd "${1:-$top/build/plain}" 2> /dev/null && pwd) ||
    { echo "$bench: no build directory ${1:-$top/build/plain}" >&2; exit 1; }
[ -x "$build/ssd" ] ||
    { echo "$bench: no ssd in $build: build it first (README.md)" >&2; exit 1; }
export top_srcdir=$top top_builddir=$build
. "$top/tests/integration/lib.sh"
export JWT_SECRET=bench-secret-0123456789abcdef0123456789
export ADMIN_PASSWORD=bench-admin-password
export NODE_PATH=$top/tests/node/node_modules

fail() { echo "$bench: $*" >&2; exit 1; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# bench_has TOOL: a command, or an npm package of tests/node.
bench_has() {
	case $1 in
	ws|playwright-core) node -e "require('$1')" > /dev/null 2>&1 ;;
	*) command -v "$1" > /dev/null ;;
	esac
}

# bench_needs TOOL...: what is missing is installed the way the test
# suite's is (contrib/install-deps.sh test), else the run ends naming it.
bench_needs() {
	local t missing=
	for t in "$@"; do bench_has "$t" || missing="$missing $t"; done
	[ -z "$missing" ] && return 0
	echo "$bench: installing what it needs:$missing (contrib/install-deps.sh test)" >&2
	"$top/contrib/install-deps.sh" test >&2 || fail "could not install$missing"
	for t in $missing; do
		bench_has "$t" || fail "$t is missing after contrib/install-deps.sh test"
	done
}

# record NAME KEY JSON: appends JSON's KEY (a.b: b of object a), a number,
# to $T/NAME; an answer without it ends the run and shows the answer.
record() {
	local v
	v=$(/usr/bin/python3 -c 'import functools, json, sys
print(float(functools.reduce(lambda o, k: o[k], sys.argv[1].split("."),
                             json.loads(sys.argv[2]))))' "$2" "$3" 2> /dev/null) ||
	    fail "$1: no $2 in the client's answer: ${3:-(nothing)}"
	echo "$v" >> "$T/$1"
}

# figures NAME...: each $T/NAME holds a figure, else the run ends.
figures() {
	local f
	for f in "$@"; do [ -s "$T/$f" ] || fail "no figure for $f"; done
}

# ticks PID...: CPU ticks, user and system, of the processes and of their
# reaped children (websockify forks one for each connection).
ticks() {
	local p t=0
	for p in "$@"; do
		t=$((t + $(awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[12] + f[13] + f[14] + f[15] }' "/proc/$p/stat")))
	done
	echo $t
}
