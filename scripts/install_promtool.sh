#!/usr/bin/env bash
# promtool checks the alert rules in `make lint` (scripts/check_deploy.py). Debian's prometheus
# package carries it: only that binary is taken from the package (no daemon, no service user).
set -euo pipefail
command -v promtool >/dev/null 2>&1 && exit 0
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
apt-get update -qq
(cd "$tmp" && apt-get download -qq prometheus)
dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/root"
install -m 0755 "$tmp/root/usr/bin/promtool" /usr/local/bin/promtool
