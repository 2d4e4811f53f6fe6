#!/bin/sh
# scripts/deps.sh - installs what the build, tests and benchmarks need, from
# Debian 12 packages and npm only. Idempotent: does nothing when all is there.
set -eu

PKGS="build-essential pkg-config clang libclang-rt-14-dev clang-format
libh2o-dev libuv1-dev libcurl4-openssl-dev libjansson-dev libfyaml-dev libssl-dev
zlib1g-dev libcmocka-dev wrk nginx-light curl procps"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
# Node may come from another source than Debian (its own npm inside): ask for
# the commands, not the packages.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
    echo "deps: installing$missing"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

# The end-to-end tests drive the gateway with the official SDKs.
if [ "${1:-}" = "--e2e" ] && [ ! -d tests/e2e/node_modules/openai ]; then
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
exit 0
