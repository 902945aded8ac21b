#!/usr/bin/env bash
# Serve Expo on 127.0.0.1:$PORT with gunicorn (or, with EXPO_DEV=1, Flask's reloading
# development server) and a job worker, until Ctrl-C; every process started here stops
# with it.
#
# One `start` line per process: when any of them exits, the others are stopped too, so a
# crashed worker is never left behind a live web server (or the other way round).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-5000}"
# Every link in mail, documents and QR codes starts with the address people use: this one,
# unless EXPO_BASE_URL names another (a proxy in front, a name on the network).
export EXPO_BASE_URL="${EXPO_BASE_URL:-http://127.0.0.1:$PORT}"
children=()

# Refuse to start, saying why, while the database is behind the code, the documents
# directory cannot be written or the secret key is weak.
.venv/bin/flask --app expo check

start() {
    "$@" &
    children+=("$!")
}

# How long the processes get to finish what they are doing once told to stop (gunicorn's
# graceful_timeout and the worker's shutdown timeout are 10 s each) before they are killed,
# with whatever processes they started.
STOP_GRACE_SECONDS="${STOP_GRACE_SECONDS:-25}"

running() {
    local pid
    for pid in "${children[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            return 0
        fi
    done
    return 1
}

stop() {
    trap - INT TERM EXIT
    local pid waited=0
    for pid in "${children[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    while running && ((waited < STOP_GRACE_SECONDS * 5)); do
        sleep 0.2
        waited=$((waited + 1))
    done
    for pid in "${children[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            pkill -KILL -P "$pid" 2>/dev/null || true
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    wait || true
}

trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

if [[ "${EXPO_DEV:-}" == 1 ]]; then
    # make dev: Flask's development server, reloading when the code changes.
    start .venv/bin/flask --app expo run --debug --host 127.0.0.1 --port "$PORT"
else
    # make run: gunicorn, as in production (deploy/gunicorn.conf.py: two workers per CPU).
    start .venv/bin/gunicorn -c deploy/gunicorn.conf.py wsgi:app
fi
# Background jobs (certificates in bulk): queued in instance/jobs.sqlite3, or in Redis
# when EXPO_REDIS_URL is set (then workers may run on other machines as well).
start .venv/bin/flask --app expo worker

wait -n
