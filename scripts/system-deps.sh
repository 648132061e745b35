#!/bin/sh
# Debian packages the tests use. As root: install what is missing (apt-get update first).
# Otherwise: say what is missing; the tests that need it skip with the same reason.
#   libxenmisc4.17  Xen's real libxlutil, for the differential test of the xl.cfg parser
#   tshark tcpdump  capture tests (later issues)
#   chromium        headless browser test of the --html report
#   zstd            .tar.zst bundles (`xennet bundle`) and their tests
#   iproute2 iptables ethtool iputils-ping
#                   the namespace lab (tests/lab): bridge, veths, bridge netfilter + conntrack, offloads, ping
PACKAGES="libxenmisc4.17 tshark tcpdump chromium zstd iproute2 iptables ethtool iputils-ping"
missing=""
for package in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq $missing >/dev/null || {
        echo "apt-get install failed for:$missing; the tests that need them will skip" >&2
        exit 0
    }
else
    echo "missing Debian packages:$missing (run 'make test' as root, or: sudo apt-get install -y$missing);" \
         "the tests that need them will skip" >&2
fi
