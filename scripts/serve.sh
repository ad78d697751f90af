#!/usr/bin/env bash
# Set everything up on a fresh machine and serve Commons with the Helsinki demo at http://127.0.0.1:5000
# (SQLite in ./instance by default; set DATABASE_URL for PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
export FLASK_APP=commons
.venv/bin/flask db upgrade
.venv/bin/flask demo-data
echo "Serving Commons at http://127.0.0.1:5000 (demo users' password: commons-demo). Ctrl-C stops."
exec .venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
