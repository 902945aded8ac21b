#!/usr/bin/env bash
# Print the first Python 3.11 or newer on PATH ($PYTHON first when it is set).
set -euo pipefail

for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        command -v "$candidate"
        exit 0
    fi
done
echo "Expo needs Python 3.11 or newer (Debian 12 ships it as python3)." >&2
exit 1
