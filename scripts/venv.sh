# Sourced by serve.sh and test.sh: the project's virtualenv in .venv, with the app installed.
# Usage: . scripts/venv.sh [EXTRA]   (EXTRA e.g. "[dev]")
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".${1:-}"
