#!/usr/bin/env bash
# Installs what the tests need and runs the default suite (heavy suites are behind markers, see README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
exec .venv/bin/python -m pytest "$@"
