# Sourced by serve.sh and test.sh: the project's virtualenv in .venv, with the app installed.
# Usage: . scripts/venv.sh [EXTRA]   (EXTRA e.g. "[dev]")
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# constraints.txt pins every dependency (direct and indirect) to the versions tested together;
# pyproject.toml keeps the ranges. Regenerate after changing dependencies: scripts/lock.sh
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".${1:-}"
