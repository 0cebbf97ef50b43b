# container.sh - a Debian 12 machine for the packaging test, sourced by
# systemd.sh: a debootstrap tree kept in a cache, copied for each run,
# booted with `systemd-nspawn --boot` (systemd 252 as PID 1) on a private
# network, and driven from outside with nsenter.
#
# The cache ($SSD_TEST_CACHE, default /var/cache/ssd-tests) outlives the
# build tree on purpose: a fresh clone, or `git clean`, still finds it, so
# debootstrap (about 90 s) runs once per machine and Debian release.  It
# holds the base tree, the .debs apt fetched (so that later runs download
# only what changed) and piuparts' base tarball.  Creation takes a lock
# and renames a finished tree into place, so runs in parallel are safe.
#
#   ct_mirrors          MIRROR and SECURITY_MIRROR from this machine's apt
#   ct_base             the cached base tree (made if missing): CT_BASE
#   ct_prepare ROOT DEB...  copies the base to ROOT and fetches, with the
#                       host's network, what `apt install DEB... postgresql`
#                       will need inside (the container has no network)
#   ct_boot ROOT        boots it: CT_PID (nspawn), CT_LEADER (its PID 1)
#   ct cmd...           runs cmd in the container as root
#   ct_halt             powers it off (and kills what does not stop)

CT_SUITE=bookworm
CT_CACHE=${SSD_TEST_CACHE:-/var/cache/ssd-tests}
# What the tests use inside besides systemd: curl (HTTP checks) and procps
# (pgrep).  Changing this list makes a new base tree.
CT_INCLUDE=systemd,systemd-sysv,dbus,curl,procps,ca-certificates
CT_PID=
CT_LEADER=
CT_ROOT=

# The mirrors this machine's apt uses for $CT_SUITE and its security
# suite, from sources.list (one-line style) and *.sources (deb822).
ct_mirrors() {
	local f pairs
	pairs=$( {
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			sed -n 's/^[[:space:]]*deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]\{1,\}\)[[:space:]]\{1,\}\([^[:space:]]\{1,\}\).*/\3 \2/p' "$f"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			awk 'function flush() { if (deb) for (u in U) for (s in S) print s, u; deb = 0; delete U; delete S }
			    /^[ \t]*$/ { flush(); next }
			    /^Types:/ { deb = ($0 ~ /[ \t]deb([ \t]|$)/) }
			    /^URIs:/ { for (i = 2; i <= NF; i++) U[$i] = 1 }
			    /^Suites:/ { for (i = 2; i <= NF; i++) S[$i] = 1 }
			    END { flush() }' "$f"
		done
	} )
	MIRROR=${SSD_TEST_MIRROR:-$(echo "$pairs" | awk -v s="$CT_SUITE" '$1 == s { print $2; exit }')}
	MIRROR=${MIRROR:-http://deb.debian.org/debian}
	SECURITY_MIRROR=$(echo "$pairs" | awk -v s="$CT_SUITE-security" '$1 == s { print $2; exit }')
	MIRROR=${MIRROR%/}
	SECURITY_MIRROR=${SECURITY_MIRROR%/}
}

# Leaves the reason of a failure in CT_WHY.
ct_base() {
	local key tmp log
	ct_mirrors
	key=$(printf '%s %s %s' "$CT_INCLUDE" "$MIRROR" "$SECURITY_MIRROR" | md5sum | cut -c1-8)
	CT_BASE=$CT_CACHE/$CT_SUITE-$key
	mkdir -p "$CT_CACHE" || { CT_WHY="cannot create $CT_CACHE"; return 1; }
	[ -f "$CT_BASE/.complete" ] && return 0
	exec 8> "$CT_CACHE/lock"
	flock -w 1200 8 || { CT_WHY="$CT_CACHE/lock: still held after 20 min"; return 1; }
	if [ ! -f "$CT_BASE/.complete" ]; then
		tmp=$CT_CACHE/.new-$$
		log=$CT_CACHE/debootstrap-$key.log
		rm -rf "$tmp"
		if ! debootstrap --variant=minbase --include="$CT_INCLUDE" \
		    "$CT_SUITE" "$tmp" "$MIRROR" > "$log" 2>&1; then
			CT_WHY="debootstrap $CT_SUITE from $MIRROR failed: $(tail -1 "$log")"
			rm -rf "$tmp"
			flock -u 8
			return 1
		fi
		{
			echo "deb $MIRROR $CT_SUITE main"
			echo "deb $MIRROR $CT_SUITE-updates main"
			[ -n "$SECURITY_MIRROR" ] && echo "deb $SECURITY_MIRROR $CT_SUITE-security main"
		} > "$tmp/etc/apt/sources.list"
		rm -f "$tmp"/var/cache/apt/archives/*.deb
		touch "$tmp/.complete"
		rm -rf "$CT_BASE"
		mv "$tmp" "$CT_BASE"
	fi
	flock -u 8
	return 0
}

# ct_prepare ROOT DEB...: a copy of the base with the DEBs in /root/debs
# and apt's lists and archives ready for `apt install` without network.
ct_prepare() {
	local root=$1 d
	shift
	CT_ROOT=$root
	rm -rf "$root"
	cp -a "$CT_BASE" "$root" || { CT_WHY="cannot copy $CT_BASE"; return 1; }
	mkdir -p "$root/root/debs" "$CT_CACHE/apt-archives"
	for d in "$@"; do
		cp "$d" "$root/root/debs/" || return 1
	done
	cp -l "$CT_CACHE"/apt-archives/*.deb "$root/var/cache/apt/archives/" 2>/dev/null ||
	    cp "$CT_CACHE"/apt-archives/*.deb "$root/var/cache/apt/archives/" 2>/dev/null
	# Not booted: a plain nspawn, with the host's network and resolver.
	if ! systemd-nspawn -q -D "$root" --register=no --keep-unit \
	    --setenv=DEBIAN_FRONTEND=noninteractive /bin/sh -c \
	    'apt-get -q update && cd /root/debs && apt-get -q -y install --download-only ./*.deb postgresql' \
	    > "$root.fetch.log" 2>&1; then
		CT_WHY="apt-get could not fetch the packages: $(grep -E '^(E|W):' "$root.fetch.log" | head -3 | tr '\n' ' ')"
		return 1
	fi
	# Back into the cache, which keeps only what this run needed.
	exec 8> "$CT_CACHE/lock"
	if flock -w 60 8; then
		rm -f "$CT_CACHE"/apt-archives/*.deb
		cp -l "$root"/var/cache/apt/archives/*.deb "$CT_CACHE/apt-archives/" 2>/dev/null ||
		    cp "$root"/var/cache/apt/archives/*.deb "$CT_CACHE/apt-archives/" 2>/dev/null
		flock -u 8
	fi
	return 0
}

# ct_boot ROOT: boots it in the background and waits for systemd to be
# up; on failure CT_WHY says what nspawn said.
ct_boot() {
	local root=$1 i state
	CT_ROOT=$root
	systemd-nspawn -q -D "$root" --register=no --keep-unit \
	    --private-network --boot > "$root.console" 2>&1 &
	CT_PID=$!
	for ((i = 0; i < 150; i++)); do
		CT_LEADER=$(ps -o pid= --ppid "$CT_PID" 2>/dev/null | tr -d ' ' | head -1)
		[ -n "$CT_LEADER" ] && [ "$(cat /proc/"$CT_LEADER"/comm 2>/dev/null)" = systemd ] && break
		CT_LEADER=
		kill -0 "$CT_PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$CT_LEADER" ]; then
		wait "$CT_PID" 2>/dev/null
		CT_PID=
		CT_WHY="systemd-nspawn --boot did not start systemd: $(ct_console_tail)"
		return 1
	fi
	# Until systemd listens on its socket, systemctl cannot ask it.
	for ((i = 0; i < 300; i++)); do
		state=$(timeout 90 nsenter -t "$CT_LEADER" -m -u -i -n -p -C -r -w -- \
		    /bin/systemctl is-system-running --wait 2>&1)
		case $state in
		running|degraded) return 0 ;;
		*"Failed to connect to bus"*) sleep 0.1 ;;
		*) break ;;
		esac
	done
	CT_WHY="systemd in the container is '$state': $(ct_console_tail)"
	return 1
}

# The last lines nspawn printed, on one line, without colours.
ct_console_tail() {
	grep -v '^[[:space:]]*$' "$CT_ROOT.console" 2> /dev/null | tail -3 |
	    sed 's/\x1b\[[0-9;]*m//g' | tr '\n' ' '
}

ct() {
	nsenter -t "$CT_LEADER" -m -u -i -n -p -C -r -w -- /usr/bin/env -i \
	    PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
	    TERM=dumb SYSTEMD_PAGER= DEBIAN_FRONTEND=noninteractive "$@"
}

ct_halt() {
	local i
	[ -n "$CT_PID" ] || return 0
	if kill -0 "$CT_PID" 2>/dev/null; then
		ct systemctl --no-block poweroff > /dev/null 2>&1
		for ((i = 0; i < 300; i++)); do
			kill -0 "$CT_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$CT_PID" 2>/dev/null; then
			kill -TERM "$CT_PID" 2>/dev/null
			sleep 3
		fi
		# Killing PID 1 of its namespace ends everything in it.
		if kill -0 "$CT_PID" 2>/dev/null; then
			kill -KILL "$CT_LEADER" 2>/dev/null
			kill -KILL "$CT_PID" 2>/dev/null
		fi
	fi
	wait "$CT_PID" 2>/dev/null
	CT_PID=
	CT_LEADER=
}

# Removes a copy; never while something is mounted inside it.
ct_remove() {
	local root=$1
	[ -n "$root" ] && [ -d "$root" ] || return 0
	if grep -q " $root/" /proc/mounts; then
		echo "# not removing $root: still mounted" >&2
		return 1
	fi
	rm -rf "$root" "$root.console" "$root.fetch.log"
}
