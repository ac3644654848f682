#!/usr/bin/env bash
# The main job: list the sessions on this machine (or the bundled samples) and print one page.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/claude-code-tracer demo "$@"
