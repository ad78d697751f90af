#!/usr/bin/env bash
# Run every test on a fresh machine: creates the virtualenv, installs the app with its dev extra,
# brings Chromium for the browser tests when it can (root + apt-get) and the test-only npm tools, then runs pytest.
# SQLite by default; DATABASE_URL=postgresql+psycopg://... runs the same suite on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
# COMMONS_TEST_INSTALLED=1 skips the install (CI installs once, then runs several sessions side by side).
if [ "${COMMONS_TEST_INSTALLED:-}" != 1 ]; then
  . scripts/venv.sh "[dev]"
fi
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
    || echo "Could not install chromium: browser tests will be skipped." >&2
fi
# Test-only JavaScript tools (ical.js for the feed cross-parser tests, axe-core for accessibility checks),
# pinned in package-lock.json.
if command -v npm >/dev/null 2>&1; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    npm ci --no-audit --no-fund --silent || echo "npm ci failed: the ical.js and axe-core tests will fail." >&2
  fi
fi
exec .venv/bin/python -m pytest "$@"
