#!/usr/bin/env bash
# Set everything up on a fresh machine and serve Commons with the Helsinki demo at http://127.0.0.1:5000
# (SQLite in ./instance by default; set DATABASE_URL for PostgreSQL), with the scheduler beside it (the jobs:
# reminders, offers that expire, releasing unused bookings, the outbox; without MAIL_SERVER the mail waits in
# the outbox, `flask --app commons mail list` shows it). /readyz answers 200 once both run.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
export FLASK_APP=commons
.venv/bin/flask db upgrade
.venv/bin/flask demo-data
.venv/bin/flask scheduler &
scheduler=$!
trap 'kill "$scheduler" 2>/dev/null; wait "$scheduler" 2>/dev/null' EXIT
echo "Serving Commons at http://127.0.0.1:5000 (demo users' password: commons-demo). Ctrl-C stops."
.venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
