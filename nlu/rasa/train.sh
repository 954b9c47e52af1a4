#!/usr/bin/env bash
# Trains the Rasa NLU model from nlu/data (both languages, plus synonyms.yml) with nlu/config.yml.
# Needs nlu/rasa/install.sh first. Usage: nlu/rasa/train.sh [extra rasa args]
# Env: RASA_VENV (default <repo>/.rasa-venv), RASA_MODELS (default <repo>/.rasa-models).
# Prints the path of the trained model (a .tar.gz) on the last line. Takes ~45 s on 2 cores.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
RASA_VENV="${RASA_VENV:-$ROOT/.rasa-venv}"
RASA_MODELS="${RASA_MODELS:-$ROOT/.rasa-models}"
RASA="$RASA_VENV/bin/rasa"
[ -x "$RASA" ] || { echo "rasa not found in $RASA_VENV: run nlu/rasa/install.sh" >&2; exit 1; }
export CI=true RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore
exec </dev/null
cd "$ROOT"
mkdir -p "$RASA_MODELS"
start=$(date +%s)
timeout 1800 "$RASA" train nlu --config nlu/config.yml --nlu nlu/data --out "$RASA_MODELS" "$@"
model="$(ls -t "$RASA_MODELS"/*.tar.gz | head -n 1)"
echo "trained in $(( $(date +%s) - start ))s: $model"
echo "$model"
