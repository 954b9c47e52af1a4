"""The folded town table kept in the NLU cache: built once, read back by the next start, built
again when the CSV changes or the file is damaged, and never different from folding afresh."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nlu.entities import place
from nlu.entities.place import Gazetteer, keyed_towns
from tests.nlu.entities.conftest import MUNICIPALITIES

CSV_HEADER = "name,lat,lon,admin1,admin2,cc\n"


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    keyed_towns.cache_clear()  # each test reads its files itself, not a process-wide memo
    yield
    keyed_towns.cache_clear()


def _csv(directory: Path, rows: str) -> Path:
    path = directory / "towns.csv"
    path.write_text(CSV_HEADER + rows, encoding="utf-8")
    return path


def test_the_second_start_reads_the_folded_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    towns = _csv(tmp_path, "Würselen,50.8183,6.1271,NRW,Aachen,DE\nVaals,50.7706,6.0186,L,L,NL\n")
    cache = tmp_path / "cache"
    first = keyed_towns(towns, cache)
    assert first == (
        ("wurselen", "Würselen", 50.8183, 6.1271),
        ("vaals", "Vaals", 50.7706, 6.0186),
    )
    assert len(list(cache.glob("towns-*.json"))) == 1

    keyed_towns.cache_clear()

    def no_folding(_text: str) -> str:
        raise AssertionError("folded again although the cache holds the table")

    monkeypatch.setattr(place, "key", no_folding)
    assert keyed_towns(towns, cache) == first


def test_a_changed_table_is_folded_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    keyed_towns(_csv(tmp_path, "Vaals,50.7706,6.0186,L,L,NL\n"), cache)
    keyed_towns.cache_clear()
    changed = keyed_towns(_csv(tmp_path, "Gulpen,50.8153,5.8889,L,L,NL\n"), cache)
    assert changed == (("gulpen", "Gulpen", 50.8153, 5.8889),)
    assert len(list(cache.glob("towns-*.json"))) == 2  # the older one is kept for a while


def test_a_damaged_cache_file_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    towns = _csv(tmp_path, "Vaals,50.7706,6.0186,L,L,NL\n")
    cache = tmp_path / "cache"
    keyed_towns(towns, cache)
    (cached,) = cache.glob("towns-*.json")
    cached.write_text('{"key": "', encoding="utf-8")
    keyed_towns.cache_clear()
    assert keyed_towns(towns, cache) == (("vaals", "Vaals", 50.7706, 6.0186),)
    assert "unreadable" in caplog.text
    keyed_towns.cache_clear()
    assert keyed_towns(towns, cache) == (("vaals", "Vaals", 50.7706, 6.0186),)  # rewritten


def test_a_gazetteer_from_the_cache_finds_what_one_folded_afresh_finds(tmp_path: Path) -> None:
    cached = Gazetteer.from_municipalities(MUNICIPALITIES, cache_dir=tmp_path)
    keyed_towns.cache_clear()
    cached_again = Gazetteer.from_municipalities(MUNICIPALITIES, cache_dir=tmp_path)
    plain = Gazetteer.from_municipalities(MUNICIPALITIES)
    text = "Ich helfe in Stolberg, Düren, Würselen und in Köln-Ehrenfeld, nicht zum Essen"
    assert len(cached_again) == len(plain) == len(cached)
    assert cached_again.find(text) == plain.find(text)
    assert [m.text for m in plain.find(text)] == ["Stolberg", "Düren", "Würselen", "Köln-Ehrenfeld"]
