#!/usr/bin/env bash
# Installs Rasa 3.6.21 (open source, NLU server) into its OWN venv — never the app's .venv.
#
# Rasa 3.6.21 declares Python <3.11 and pins old SQLAlchemy/APScheduler/pydantic/numpy, so it cannot share
# the app's environment. Recipe (see /work/shared/NOTES.md, "Rasa"):
#   1. Debian build deps for matplotlib (libfreetype-dev libqhull-dev pkg-config), apt-get only if missing;
#   2. a Python 3.11 venv at $RASA_VENV (default <repo>/.rasa-venv);
#   3. rasa itself with --no-deps --ignore-requires-python;
#   4. rasa's Requires-Dist evaluated as if python_version were 3.10, installed with a constraint
#      jax<0.4.31 (else pip backtracks through ~20 jaxlib wheels) and matplotlib built against the
#      system freetype/qhull (MPLSETUPCFG).
# Idempotent: exits early when `$RASA_VENV/bin/rasa --version` already works. Non-interactive.
set -euo pipefail

RASA_VERSION="${RASA_VERSION:-3.6.21}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
RASA_VENV="${RASA_VENV:-$ROOT/.rasa-venv}"
PYTHON="${RASA_PYTHON:-python3.11}"
export CI=true PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 DEBIAN_FRONTEND=noninteractive
exec </dev/null

if [ -x "$RASA_VENV/bin/rasa" ] && timeout 120 "$RASA_VENV/bin/rasa" --version >/dev/null 2>&1; then
    echo "rasa already installed in $RASA_VENV:"
    timeout 120 "$RASA_VENV/bin/rasa" --version | sed -n '1,3p'
    exit 0
fi

start=$(date +%s)
log() { echo "[install.sh +$(( $(date +%s) - start ))s] $*"; }

# 1. system build dependencies for matplotlib
missing=()
for pkg in libfreetype-dev libqhull-dev pkg-config; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
    timeout 600 $SUDO apt-get update -qq
    timeout 600 $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# 2. the venv
if [ ! -x "$RASA_VENV/bin/python" ]; then
    log "creating venv $RASA_VENV with $PYTHON"
    "$PYTHON" -m venv "$RASA_VENV"
fi
PY="$RASA_VENV/bin/python"
PIP=("$PY" -m pip --timeout 120)
"$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
    || { echo "expected Python 3.11 in $RASA_VENV" >&2; exit 1; }
timeout 600 "${PIP[@]}" install -q --upgrade pip "setuptools<70" wheel packaging

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 3. rasa itself, and its metadata
log "downloading rasa==$RASA_VERSION"
timeout 600 "${PIP[@]}" download -q --no-deps --ignore-requires-python --only-binary=:all: \
    -d "$work/dl" "rasa==$RASA_VERSION"
wheel="$(ls "$work"/dl/rasa-*.whl)"

# 4. its requirements as for Python 3.10
"$PY" - "$wheel" >"$work/requirements.txt" <<'PYEOF'
import sys
import zipfile
from email.parser import Parser

from packaging.requirements import Requirement

env = {"python_version": "3.10", "python_full_version": "3.10.12", "extra": ""}
with zipfile.ZipFile(sys.argv[1]) as zf:
    name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
    meta = Parser().parsestr(zf.read(name).decode())
for line in meta.get_all("Requires-Dist") or []:
    req = Requirement(line)
    if req.marker is not None and not req.marker.evaluate(env):
        continue
    req.marker = None
    print(req)
PYEOF
log "$(wc -l <"$work/requirements.txt") requirements (evaluated for Python 3.10)"

cat >"$work/constraints.txt" <<'CEOF'
jax<0.4.31
CEOF
cat >"$work/mplsetup.cfg" <<'MEOF'
[libs]
system_freetype = true
system_qhull = true
MEOF
export MPLSETUPCFG="$work/mplsetup.cfg"

log "installing requirements (a few minutes, ~2.7 GB)"
# --ignore-requires-python here too: rasa-sdk 3.6.x (and a few other Rasa-era pins) declare <3.11 as well.
timeout 1800 "${PIP[@]}" install -q --ignore-requires-python -c "$work/constraints.txt" -r "$work/requirements.txt"
log "installing rasa $RASA_VERSION (--no-deps --ignore-requires-python)"
timeout 600 "${PIP[@]}" install -q --no-deps --ignore-requires-python "$wheel"

log "checking"
timeout 300 "$RASA_VENV/bin/rasa" --version
log "done: $(du -sh "$RASA_VENV" | cut -f1) in $RASA_VENV"
