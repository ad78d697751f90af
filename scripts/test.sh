#!/usr/bin/env bash
# Run every test on a fresh machine: creates the virtualenv, installs the app with its dev extra,
# brings Chromium for the browser tests when it can (root + apt-get), then runs pytest.
# SQLite by default; DATABASE_URL=postgresql+psycopg://... runs the same suite on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh "[dev]"
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
    || echo "Could not install chromium: browser tests will be skipped." >&2
fi
exec .venv/bin/python -m pytest "$@"
