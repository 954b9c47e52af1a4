"""`python -m tools.bench.matching` end to end on tiny data: it runs, its JSON has every part,
ours and the naive full scan return the same ids, and delivery stays within the limits.
The PostgreSQL run (with PostGIS beside ours) needs TEST_DATABASE_URL and the PostGIS package on
the server."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tools.bench import matching as bench
from tools.bench import matching_data as bench_data

TINY = ["--postings", "2000", "--volunteers", "500", "--queries", "10", "--naive-queries", "10"]
NOW = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)


def _check_matching(entry: dict[str, Any], *, postgis: bool) -> None:
    assert entry["postings"] == 2000
    assert entry["volunteers"] == 500
    assert entry["rows"]["postings"] == 2000
    assert entry["load_s"] > 0
    for check in bench.CHECKS:
        part = entry[check]
        assert part["ours"]["n"] == 10
        assert part["naive"]["n"] == 10
        assert 0 < part["ours"]["p50_ms"] <= part["ours"]["p95_ms"] <= part["ours"]["max_ms"]
        assert part["speedup_p95"] is not None
        # the same predicate and the same scoring: the very same ids, in the same order
        assert part["naive_vs_ours"] == {"compared": 10, "different": 0}
        assert part["ours"]["mean_results"] > 0, f"{check} found nothing to compare"
        if postgis:
            assert part["postgis"]["n"] == 10
            assert part["postgis_vs_ours"]["compared"] == 10
        else:
            assert "postgis" not in part


def test_sqlite_and_delivery_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench.json"
    delivery = ["--private-chats", "30", "--hot-chat-messages", "3", "--group-messages", "6"]
    args = [*TINY, "--backends", "sqlite", *delivery, "--out", str(out)]

    assert bench.main(args) == 0

    report = json.loads(out.read_text(encoding="utf-8"))
    assert json.loads(capsys.readouterr().out) == report
    assert set(report) == {"machine", "sqlite", "delivery", "targets"}
    assert report["machine"]["cpu_count"] >= 1
    assert report["machine"]["sqlite"]
    _check_matching(report["sqlite"], postgis=False)

    sent = report["delivery"]
    assert sent["queued"] == {"private": 30, "hot_chat": 3, "group": 6}
    assert sent["messages_sent"] == sent["sendMessage_ok"] == 39
    assert sent["refused"] == 0
    assert sent["violations"] == 0
    assert sent["violations_vs_telegram_published"] == 0
    assert sent["configured_per_s"] == 25
    assert sent["bulk_phase"]["messages_per_s"] > 0

    checks = report["targets"]["checks"]
    assert checks["delivery.violations"]["met"] is True
    assert checks["sqlite.a_top20.naive_agrees"]["met"] is True
    assert "sqlite.a_top20.p95" in checks
    assert isinstance(report["targets"]["met"], bool)


@pytest.mark.postgres
def test_postgresql_with_postgis_beside_ours() -> None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL bench skipped: set TEST_DATABASE_URL")
    schema, why_not = bench.postgis_schema(url)
    if schema is None:
        pytest.skip(f"PostgreSQL bench skipped: {why_not}")

    postgres_only = ["--backends", "postgresql", "--pg-url", url, "--pg-postings", "0"]
    options, _out = bench.parse_args([*TINY, *postgres_only, "--skip-delivery"])
    report = bench.run(options)

    assert set(report) == {"machine", "postgresql", "targets"}
    assert report["machine"]["postgres"]
    entry = report["postgresql"]
    assert entry["postgis"]["version"]
    assert entry["postgis_gist_index_s"] >= 0
    _check_matching(entry, postgis=True)


def test_counting_violations_uses_sliding_windows() -> None:
    private = [(0.0, "1", False), (0.5, "1", False), (1.5, "1", False), (2.5, "1", False)]
    assert bench.count_violations(private, 30, 1, 20) == 1  # 0.5 s after the first
    group = [(float(i), "-5", True) for i in range(21)]
    assert bench.count_violations(group, 30, 1, 20) == 1  # the 21st within a minute
    burst = [(0.01 * i, str(i), False) for i in range(4)]
    assert bench.count_violations(burst, 3, 1, 20) == 1  # the 4th within a second


def test_data_is_seeded_and_prefix_stable() -> None:
    small = list(bench_data.iter_postings(7, 50, 100, NOW))
    large = list(bench_data.iter_postings(7, 80, 100, NOW))
    assert small == large[:50]
    assert small != list(bench_data.iter_postings(8, 50, 100, NOW))
    volunteers = list(bench_data.iter_volunteers(7, 200, NOW))
    assert volunteers == list(bench_data.iter_volunteers(7, 200, NOW))
    keys = {city.key for city in bench_data.CITIES}
    for posting in large:
        assert posting.municipality_key in keys
        assert 1 <= posting.owner_account_id <= 100
        assert 2 <= posting.radius_km <= 25
        assert bench_data.LAT_MIN - 1 < posting.lat < bench_data.LAT_MAX + 1
    for volunteer in volunteers:
        assert 3 <= volunteer.reach_km <= 20
        assert 1 <= len(volunteer.availability) <= 3
