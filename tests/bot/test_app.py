"""What `build_app` does before a bot is ready, in a fresh interpreter: it opens an up-to-date
database without Alembic and builds the engine without loading the NLU, whose modules (numpy,
joblib, scikit-learn, dateparser) are imported only when it loads; the first parse loads it
when nothing started it before."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from storage.db import make_engine
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
# imported only by what a ready bot does not need yet (and aiohttp, nio: by other channels)
NOT_BEFORE_READY = (
    "alembic",
    "numpy",
    "joblib",
    "sklearn",
    "scipy",
    "dateparser",
    "aiohttp",
    "nio",
)

PROBE = """
import json, sys
from pathlib import Path
import bot.cli
from bot.app import build_app
from bot.config import load_config
from nlu.interpreter import ParseContext

app = build_app(load_config(Path(sys.argv[1])))
watched = sys.argv[2].split(",")
before = [name for name in watched if name in sys.modules]
intent = app.engine.interpreter.parse("hallo", ParseContext())["intent"]["name"]
after = [name for name in watched if name in sys.modules]
app.database.dispose()
print(json.dumps({"before": before, "intent": intent, "after": after}))
"""


def test_build_app_leaves_the_nlu_for_later(tmp_path: Path) -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    url = f"sqlite:///{tmp_path / 'ehrenamt.sqlite3'}"
    config["database"]["url"] = url
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()

    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), ",".join(NOT_BEFORE_READY)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,  # the NLU cache of the checkout, as `ehrenamt chat` in test_cli uses it
        check=True,
    )
    seen = json.loads(probe.stdout)
    assert seen["before"] == []
    assert seen["intent"] == "greet"
    assert {"numpy", "joblib"} <= set(seen["after"])  # loaded on first use
