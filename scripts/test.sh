#!/usr/bin/env bash
# Sets up everything and runs every test: lint and types, the Python suites (core, language
# server over stdio), the benchmark at its smallest size, and the VS Code extension's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# A clean Debian may have python3 without venv (ensurepip): install it before setup.sh needs it.
if ! "${PYTHON:-python3}" -c 'import ensurepip, venv' 2>/dev/null && command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi
# The team tests start their own PostgreSQL server (initdb + pg_ctl): install Debian's when no
# server binaries are here. Users never need it: a team database is optional.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null \
  && command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
bash scripts/setup.sh
PY=.venv/bin/python

echo "== lint and types"
.venv/bin/ruff check server tests benchmarks
.venv/bin/mypy

echo "== python tests"
"$PY" -m pytest -q -p no:cacheprovider

if [ -f benchmarks/run.py ]; then
  echo "== benchmark, smallest size (no assertions on time)"
  "$PY" benchmarks/run.py --quick --out "${TMPDIR:-/tmp}/cct-bench-quick.md"
fi
if [ -f benchmarks/shapes.py ]; then
  echo "== benchmark on real shapes, small sizes (no assertions on time)"
  "$PY" benchmarks/shapes.py --quick --out "${TMPDIR:-/tmp}/cct-shapes-quick.md"
fi

if [ -f benchmarks/team.py ]; then
  echo "== team archive benchmark, small sizes, on its own PostgreSQL (no assertions on time)"
  "$PY" benchmarks/team.py --quick --out "${TMPDIR:-/tmp}/cct-team-quick.md"
fi

if [ -f vscode-extension/ci.sh ] && [ "${SKIP_EXTENSION:-0}" != "1" ]; then
  echo "== VS Code extension"
  CCT_PYTHON="$PWD/$PY" bash vscode-extension/ci.sh
fi
