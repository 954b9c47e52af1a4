# Sourced by run.sh and test.sh: makes .venv with Python 3.11 and installs the project into it,
# again only when pyproject.toml changed. Usage: source scripts/venv.sh [dev]
extra="${1:-}"
python_bin=""
for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
        python_bin="$candidate"
        break
    fi
done
if [ -z "$python_bin" ]; then
    echo "Python 3.11 is needed (python3.11 or python3 on PATH)." >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$python_bin" -m venv .venv
fi
spec="."
[ -n "$extra" ] && spec=".[$extra]"
stamp=".venv/.installed-${extra:-main}"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
    echo "$want" >"$stamp"
fi
# Our own modules as bytecode too, as pip does for the dependencies: where PYTHONDONTWRITEBYTECODE
# is set, every start would otherwise compile all ~100 of them again (~0.15 s of `ehrenamt run`'s
# start). Quick when nothing changed; a file that does not compile is for ruff and pytest to report.
.venv/bin/python -m compileall -q bot nlu domain matching storage >/dev/null 2>&1 || true
