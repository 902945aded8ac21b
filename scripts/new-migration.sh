#!/usr/bin/env bash
# Autogenerate a migration revision from the models: `make migration MESSAGE="add delegations"`.
#
# The revision is compared against a scratch SQLite database brought to the current head,
# never against instance/expo.sqlite3, so local data (or a database made by create_all)
# cannot leak into the diff. EXPO_SECRET_KEY is set so no key file is written.
set -euo pipefail
cd "$(dirname "$0")/.."

message="${1:-}"
if [[ -z "$message" ]]; then
    echo 'usage: make migration MESSAGE="what changed"' >&2
    exit 2
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

export EXPO_DATABASE_URL="sqlite:///$scratch/migrate.sqlite3"
export EXPO_SECRET_KEY="migration-scratch-key"

before="$(ls migrations/versions)"
.venv/bin/flask --app expo db upgrade
.venv/bin/flask --app expo db migrate -m "$message"

for file in migrations/versions/*.py; do
    if ! grep -qxF "$(basename "$file")" <<<"$before"; then
        .venv/bin/ruff format --quiet "$file"
        echo "New revision: $file (read it before committing it)"
    fi
done
