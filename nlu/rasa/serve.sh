#!/usr/bin/env bash
# Serves a trained Rasa NLU model over HTTP on the loopback interface only (POST /model/parse).
# Usage: nlu/rasa/serve.sh [model.tar.gz | model dir]   (default: newest model in $RASA_MODELS)
# Env: RASA_VENV (default <repo>/.rasa-venv), RASA_MODELS (default <repo>/.rasa-models),
#      RASA_PORT (default 5005). Ready after ~30 s; check with GET /status or /version.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
RASA_VENV="${RASA_VENV:-$ROOT/.rasa-venv}"
RASA_MODELS="${RASA_MODELS:-$ROOT/.rasa-models}"
RASA_PORT="${RASA_PORT:-5005}"
RASA="$RASA_VENV/bin/rasa"
[ -x "$RASA" ] || { echo "rasa not found in $RASA_VENV: run nlu/rasa/install.sh" >&2; exit 1; }
MODEL="${1:-$RASA_MODELS}"
if [ -d "$MODEL" ] && ! ls "$MODEL"/*.tar.gz >/dev/null 2>&1; then
    echo "no trained model in $MODEL: run nlu/rasa/train.sh" >&2
    exit 1
fi
export CI=true RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore
echo "Rasa NLU at http://127.0.0.1:$RASA_PORT (POST /model/parse {\"text\": ...}), model $MODEL"
# exec: the server replaces this shell, so killing the printed PID stops it.
exec "$RASA" run --enable-api -m "$MODEL" -i 127.0.0.1 -p "$RASA_PORT" </dev/null
