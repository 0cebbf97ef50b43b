#!/bin/sh
# Installs, with apt and npm, what building, running and testing ssd needs on Debian 12.
# Only missing packages are installed, so a second run is fast. Needs root for apt.
# Usage: contrib/install-deps.sh [build|run|test|pkg|all]   (default: all)
# pkg: what building the Debian packages and tests/packaging need.
set -eu

BUILD_PKGS="build-essential autoconf automake autoconf-archive libtool pkgconf
libevent-dev libpq-dev libcjson-dev libssl-dev libjwt-dev libcurl4-openssl-dev
check libseccomp-dev libsystemd-dev libyaml-dev mandoc"
RUN_PKGS="postgresql tigervnc-standalone-server x11-xserver-utils x11-apps novnc
openssl curl procps iproute2 python3"
TEST_PKGS="python3 python3-websockets python3-bcrypt websockify wrk systemd clang
libclang-rt-14-dev valgrind chromium xz-utils prometheus python3-yaml"
PKG_PKGS="debhelper dpkg-dev fakeroot lintian piuparts debootstrap
systemd-container git"

what=${1:-all}
case $what in
build) pkgs=$BUILD_PKGS ;;
run) pkgs="$BUILD_PKGS $RUN_PKGS" ;;
test) pkgs="$BUILD_PKGS $RUN_PKGS $TEST_PKGS" ;;
pkg) pkgs="$BUILD_PKGS $PKG_PKGS" ;;
all) pkgs="$BUILD_PKGS $RUN_PKGS $TEST_PKGS $PKG_PKGS" ;;
*) echo "usage: $0 [build|run|test|pkg|all]" >&2; exit 2 ;;
esac
command -v kubectl >/dev/null 2>&1 || pkgs="$pkgs kubernetes-client"
# Node.js may come from elsewhere (its npm conflicts with Debian's): use what is there.
case $what in test|all) command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm" ;; esac

missing=
for p in $pkgs; do
	st=$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null || true)
	case $st in *" installed") ;; *) missing="$missing $p" ;; esac
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: missing packages:$missing (run as root)" >&2
		exit 1
	fi
	echo "install-deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null || apt-get update
	apt-get install -y -q --no-install-recommends $missing >/dev/null || \
	    apt-get install -y --no-install-recommends $missing
	# Only for promtool and the tests, which start their own on loopback:
	# not a service listening on every address.
	case " $missing " in *" prometheus "*)
		if [ -d /run/systemd/system ]; then
			systemctl disable --now prometheus >/dev/null 2>&1 || true
		fi ;;
	esac
fi

# The workers' users, as the package's sysusers.d entry creates them.
if [ "$(id -u)" -eq 0 ]; then
	for u in _ssd _ssd-relay; do
		getent passwd "$u" >/dev/null || useradd --system --user-group \
		    --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin "$u"
	done
fi

# Node packages for the browser and WebSocket cross-tests live in tests/node.
case $what in
test|all)
	top=$(cd "$(dirname "$0")/.." && pwd)
	if [ -f "$top/tests/node/package.json" ] && \
	    { [ ! -d "$top/tests/node/node_modules/playwright-core" ] ||
	    [ ! -d "$top/tests/node/node_modules/axe-core" ]; }; then
		(cd "$top/tests/node" && npm install --no-audit --no-fund --silent)
	fi
	;;
esac
exit 0
