"""`python -m tools.bench.channels` end to end on tiny sizes: both bots start, answer every
turn and take in every update, and the report has every part (the figures themselves belong
to the benchmark, not to a test)."""

from __future__ import annotations

import json
from pathlib import Path

from tools.bench import channels


def test_the_channel_benchmark_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    argv = ["--backends", "sqlite", "--updates", "40", "--turns", "5", "--turn-rate", "20"]
    assert channels.main([*argv, "--out", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    for bot in ("sqlite", "echo_bot"):
        figures = report[bot]
        assert figures["ready_s"] > 0
        assert figures["turn_latency"]["turns"] == 5
        assert figures["turn_latency"]["ms"]["p50"] > 0
        assert figures["intake"]["acknowledged_per_s"] > 0
    stages = report["sqlite"]["turn_latency"]["stages_ms"]
    assert set(stages) == {"recorded", "handled", "delivered"}
    assert set(report["targets"]["sqlite"]) >= {"latency_ok", "ready_ok"}
