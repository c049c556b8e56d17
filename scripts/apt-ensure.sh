#!/usr/bin/env bash
# Install the named Debian packages that are missing, when we can (root, or passwordless sudo).
# Idempotent and quick when everything is present; never fatal for an unprivileged developer.
set -euo pipefail
missing=()
for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "apt-ensure: missing Debian packages: ${missing[*]}" >&2
    echo "apt-ensure: run 'sudo apt-get install ${missing[*]}' (continuing without them)" >&2
    exit 0
fi
echo "apt-ensure: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A stale or empty package list makes install fail to find packages: refresh once, then install.
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
