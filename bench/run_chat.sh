#!/usr/bin/env bash
# Chat benchmark, end to end (see bench/run_chat.py for what it does):
#   bash bench/run_chat.sh [--users 1500] [--rate 50] [--duration 20] [--fanout-sockets 500]
#                          [--burst 200] [--bursts 3] [--receivers 2]
# Needs PostgreSQL and Redis on 127.0.0.1. PYTHON picks the interpreter (default: the
# project's .venv, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${PYTHON:-}" ]]; then
  if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
# Thousands of sockets, on both ends: as many open files as allowed (the hard limit when
# 65535 is above it).
ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec "$PYTHON" -m bench.run_chat "$@"
