#!/bin/bash
# run-tests.sh - the whole test suite, as CI runs it, on a fresh Debian 12
# machine (as root; installs what is missing):
#   1. a -Werror build and `make -j2 check` (unit, fuzz corpus replay and
#      integration tests against real PostgreSQL, VNC servers, browsers);
#   2. the same with ASan+UBSan;
#   3. every fuzz target under libFuzzer for a short while;
#   4. `make distcheck` (with the unit tests, to keep it short);
#   5. the Debian packages, built and run under systemd in a container
#      (tests/packaging/systemd.sh; skipped, with the reason, where this
#      machine cannot boot one).
# Ends with one line "N passed, N failed"; exits non-zero on any failure.
# SSD_TEST_QUICK=1 runs step 1 only; SSD_FUZZ_SECONDS sets step 3's time;
# SSD_TEST_PACKAGING=1 adds step 5 to a quick run, =0 leaves it out.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=${SSD_BUILD_DIR:-$top/build}
jobs=2
passed=0 failed=0 skipped=0

log() { printf '==> %s\n' "$*"; }

# Adds a harness summary (test-suite.log of one build) to the totals.
count_suite() {
	local f=$1/test-suite.log p=0 fl=0 e=0 xp=0 s=0
	if [ ! -f "$f" ]; then
		log "no test-suite.log in $1"
		failed=$((failed + 1))
		return
	fi
	p=$(sed -n 's/^# PASS: *\([0-9]*\)/\1/p' "$f")
	fl=$(sed -n 's/^# FAIL: *\([0-9]*\)/\1/p' "$f")
	e=$(sed -n 's/^# ERROR: *\([0-9]*\)/\1/p' "$f")
	xp=$(sed -n 's/^# XPASS: *\([0-9]*\)/\1/p' "$f")
	s=$(sed -n 's/^# SKIP: *\([0-9]*\)/\1/p' "$f")
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${fl:-0} + ${e:-0} + ${xp:-0}))
	skipped=$((skipped + ${s:-0}))
	if [ $((${fl:-0} + ${e:-0} + ${xp:-0})) -gt 0 ]; then
		log "failures in $1:"
		grep -E '^(FAIL|ERROR|XPASS):' "$f" | head -50
	fi
}

# Counts one step that is a single test.
step() {
	local name=$1
	shift
	log "$name"
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		log "FAILED: $name"
	fi
}

# Configures and builds one tree; failures count as one failed test.
build() {
	local dir=$1
	shift
	mkdir -p "$dir" && cd "$dir" || return 1
	if [ ! -f Makefile ]; then
		"$top/configure" -q "$@" > configure.out 2>&1 || { cat configure.out; return 1; }
	fi
	make -j$jobs > build.out 2>&1 || { tail -40 build.out; return 1; }
}

check_tree() {
	local dir=$1
	shift
	if build "$dir" "$@"; then
		log "make check in $dir"
		(cd "$dir" && make -j$jobs check > check.out 2>&1)
		grep -E '^(FAIL|ERROR|XPASS):' "$dir/check.out" | head -50
		count_suite "$dir"
	else
		failed=$((failed + 1))
	fi
}

fuzz_all() {
	local dir=$out/fuzz secs=${SSD_FUZZ_SECONDS:-20} f name rc=0
	build "$dir" CC=clang --enable-fuzzers || return 1
	(cd "$dir" && make -j$jobs $(cd "$dir" && make -s print-fuzzers 2>/dev/null) > fuzz-build.out 2>&1) || return 1
	for f in "$dir"/tests/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=${f##*/fuzz_}
		mkdir -p "$dir/corpus/$name"
		cp -n "$top/tests/fuzz/corpus/$name"/* "$dir/corpus/$name/" 2>/dev/null
		if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		    -artifact_prefix="$dir/crash-$name-" "$dir/corpus/$name" \
		    > "$dir/fuzz-$name.out" 2>&1; then
			log "fuzz $name: $(grep -o 'Done [0-9]* runs' "$dir/fuzz-$name.out")"
		else
			log "fuzz $name FAILED:"; tail -30 "$dir/fuzz-$name.out"
			rc=1
		fi
	done
	return $rc
}

# Adds a TAP log's results to the totals: each ok, not ok and SKIP counts;
# a script that died before its plan counts as one failure more.
count_tap() {
	local f=$1 rc=$2 p fl s
	p=$(grep -E '^ok [0-9]+' "$f" | grep -vc '# SKIP')
	fl=$(grep -cE '^not ok [0-9]+' "$f")
	s=$(grep -E '^ok [0-9]+' "$f" | grep -c '# SKIP')
	grep -qE '^1\.\.0 # SKIP' "$f" && s=$((s + 1))
	if ! grep -qE '^1\.\.[0-9]+' "$f" || { [ "$rc" -ne 0 ] && [ "$fl" -eq 0 ]; }; then
		log "$f: no plan, or exit status $rc without a failed test"
		tail -20 "$f"
		fl=$((fl + 1))
	fi
	passed=$((passed + p))
	failed=$((failed + fl))
	skipped=$((skipped + s))
	# Failures with their diagnostics; skips by their first reason.
	awk '/^not ok/ { p = 1; print; next } /^(ok|1\.\.)/ { p = 0 } p' "$f" | head -60
	[ "$s" -gt 0 ] && log "$s skipped in $f, such as: $(grep -m1 '# SKIP' "$f")"
	return 0
}

# Step 5: its checks count one by one.  It needs root, debootstrap and
# systemd-nspawn (contrib/install-deps.sh pkg), and a Debian mirror; the
# scripted agent comes from the plain build.
packaging() {
	local dir=$out/packaging t0=$SECONDS rc
	log "Debian packages under systemd (tests/packaging/systemd.sh)"
	mkdir -p "$dir" || { failed=$((failed + 1)); return; }
	if [ "$(id -u)" -eq 0 ] && ! "$top/contrib/install-deps.sh" pkg > "$dir/install-deps.out" 2>&1; then
		tail -5 "$dir/install-deps.out"
		failed=$((failed + 1))
		return
	fi
	SSD_TESTAGENT=$out/plain/tests/agent/testagent \
	    "$top/tests/packaging/systemd.sh" "$dir/work" > "$dir/packaging.log" 2>&1
	rc=$?
	count_tap "$dir/packaging.log" $rc
	log "packaging step: $((SECONDS - t0)) s"
}

distcheck() {
	(cd "$out/plain" && make distcheck TESTS="$(cd "$out/plain" && make -s print-unit-tests)" > distcheck.out 2>&1) || {
		tail -40 "$out/plain/distcheck.out"; return 1; }
}

if [ -f "$top/config.status" ]; then
	echo "run-tests: $top is configured in place; the suite builds out of tree:" \
	    "run 'make distclean' there first" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
log "installing missing packages"
"$top/contrib/install-deps.sh" test || { echo "0 passed, 1 failed"; exit 1; }
log "bootstrapping"
(cd "$top" && ./autogen.sh > /dev/null 2>&1) || { echo "0 passed, 1 failed"; exit 1; }

check_tree "$out/plain" --enable-werror
if [ "${SSD_TEST_QUICK:-0}" != 1 ]; then
	check_tree "$out/sanitizers" --enable-werror --enable-sanitizers
	step "fuzzing every target for ${SSD_FUZZ_SECONDS:-20}s" fuzz_all
	step "make distcheck" distcheck
fi
case ${SSD_TEST_PACKAGING:-} in
0) log "packaging step left out (SSD_TEST_PACKAGING=0)"; skipped=$((skipped + 1)) ;;
1) packaging ;;
*) [ "${SSD_TEST_QUICK:-0}" != 1 ] && packaging ;;
esac
[ "$skipped" -gt 0 ] && log "$skipped tests skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
