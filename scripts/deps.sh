#!/bin/sh
# Installs the Debian packages the project needs, only when some are missing;
# given package names, those instead (scripts/bench.sh: PostgreSQL for the
# benchmarks).  Runs apt-get directly as root, through sudo otherwise.  A
# no-op (and no network) when everything is present.
set -eu
PKGS="build-essential pkg-config clang libzmq3-dev liblmdb-dev lmdb-utils libmsgpack-dev libuv1-dev
libcmocka-dev libcsv-dev libinih-dev libjansson-dev libcurl4-openssl-dev libmicrohttpd-dev
libxlsxwriter-dev libzip-dev libexpat1-dev libsodium-dev python3 python3-zmq python3-msgpack python3-aiosmtpd python3-openpyxl
chromium chromium-driver python3-selenium ${CCHC_EXTRA_PKGS:-}"
if [ $# -gt 0 ]; then
    PKGS="$*"
fi
missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
