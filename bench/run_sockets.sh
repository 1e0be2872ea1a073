#!/usr/bin/env bash
# Sockets benchmark, one worker (see bench/run_sockets.py for what it does):
#   bash bench/run_sockets.sh [--sockets 10000] [--storm 2000] [--storm-seconds 10 0]
# Needs PostgreSQL and Redis on 127.0.0.1. PYTHON picks the interpreter (default: the
# project's .venv, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${PYTHON:-}" ]]; then
  if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
# Twelve thousand sockets, on both ends: as many open files as allowed (the hard limit
# when 65535 is above it).
ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec "$PYTHON" -m bench.run_sockets "$@"
