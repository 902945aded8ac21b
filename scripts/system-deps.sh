#!/usr/bin/env bash
# Install the Debian packages given as arguments, but only those that are missing.
#
# Fast and silent when everything is present (no apt-get update then). As root it installs
# what is missing; otherwise it prints the one command to run and stops.
set -euo pipefail

missing=()
for package in "$@"; do
    status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null || true)"
    if [[ "$status" != ii* ]]; then
        missing+=("$package")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

install=(apt-get install -y --no-install-recommends "${missing[@]}")
if [[ "$(id -u)" -ne 0 ]]; then
    echo "These Debian packages are missing: ${missing[*]}" >&2
    echo "Install them, then run make again:" >&2
    echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive ${install[*]}" >&2
    exit 1
fi

echo "Installing the missing Debian packages: ${missing[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive "${install[@]}"
