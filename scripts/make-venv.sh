#!/usr/bin/env bash
# Create a Python 3.10 virtualenv (Rasa 3.6 supports 3.8-3.10) and install a requirements file.
# Usage: scripts/make-venv.sh VENV [REQUIREMENTS]   (default requirements.lock)
set -euo pipefail
venv=${1:?venv folder}
requirements=${2:-requirements.lock}

is_310() {
  # A pyenv shim answers to python3.10 even when no 3.10 is selected: ask it.
  [ -n "$1" ] && [ -x "$1" ] && [ "$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = 3.10 ]
}

find_python() {
  local candidate
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  candidate=$(command -v python3.10 || true)
  is_310 "$candidate" && { echo "$candidate"; return; }
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.10.*/bin/python3.10; do
      is_310 "$candidate" && { echo "$candidate"; return; }
    done
  fi
}

python=$(find_python)
if [ -z "$python" ]; then
  echo "No Python 3.10 found. Install it (e.g. 'pyenv install 3.10' or your system's python3.10 package)," >&2
  echo "or point PYTHON at one: make PYTHON=/path/to/python3.10 run" >&2
  exit 1
fi
case "$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" in
  3.10) ;;
  *) echo "$python is not Python 3.10; Rasa 3.6 needs 3.8-3.10 (this project pins 3.10)." >&2; exit 1 ;;
esac

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade "pip<25" "setuptools<71" wheel
"$venv/bin/python" -m pip install --quiet -r "$requirements"
"$venv/bin/python" -m pip check
