#!/usr/bin/env bash
# Listings search benchmark, end to end (see bench/run_listings.py for what it does):
#   bash bench/run_listings.sh [--listings 100000] [--duration 20] [--connections 32] [--rounds 2]
# Needs PostgreSQL (with pg_trgm) and Redis on 127.0.0.1, and wrk
# (apt-get update && apt-get install -y wrk). PYTHON picks the interpreter (default: the
# project's .venv, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${PYTHON:-}" ]]; then
  if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
if ! command -v wrk >/dev/null; then
  echo "bench: wrk is missing; apt-get update && apt-get install -y wrk" >&2
  exit 1
fi
exec "$PYTHON" -m bench.run_listings "$@"
