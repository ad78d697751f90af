#!/usr/bin/env bash
# Re-pin every dependency: install the newest versions pyproject.toml allows into a fresh virtualenv,
# then write them to constraints.txt (which scripts/venv.sh installs from). Run after changing
# dependencies, commit constraints.txt, and run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"${PYTHON:-python3}" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet --upgrade pip
"$tmp/venv/bin/python" -m pip install --quiet -e ".[dev]" 2> >(grep -v "^WARNING: Location" >&2)
{
  echo "# Every dependency pinned to the versions tested together (scripts/lock.sh writes this file)."
  "$tmp/venv/bin/python" -m pip freeze --exclude-editable | grep -v '^commons'
} > constraints.txt
echo "constraints.txt: $(grep -c '==' constraints.txt) pins"
