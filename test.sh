#!/usr/bin/env bash
# Sets everything up and runs all checks: ruff, mypy and the tests. The PostgreSQL half of the
# storage tests runs when TEST_DATABASE_URL is set (postgresql+psycopg://user@host:port/db).
# Extra arguments go to pytest, e.g. ./test.sh -k transcript
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest "$@"
