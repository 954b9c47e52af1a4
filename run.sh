#!/usr/bin/env bash
# Sets everything up and starts the main job: the console chat on SQLite with the Aachen demo
# data (or Telegram/Matrix, when config.yml enables them).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
.venv/bin/ehrenamt db upgrade
.venv/bin/ehrenamt demo-data
exec .venv/bin/ehrenamt run "$@"
