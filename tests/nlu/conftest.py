"""Fixtures of the NLU tests: small Rasa files under fixtures/, a stub entity extractor, and an
embedded interpreter trained once per session into a temporary cache."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from nlu.embedded import EmbeddedInterpreter
from nlu.interpreter import ParseContext

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_DATA = FIXTURES / "data"
FIXTURE_HELDOUT = FIXTURES / "heldout"


class StubExtractor:
    """Numbers as quantities and "Aachen" as a location: enough to see entities pass through."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ParseContext]] = []

    def extract(self, text: str, context: ParseContext) -> list[dict[str, Any]]:
        self.calls.append((text, context))
        found: list[dict[str, Any]] = [
            {"entity": "quantity", "value": int(m.group()), "start": m.start(), "end": m.end()}
            for m in re.finditer(r"\d+", text)
        ]
        found += [
            {"entity": "location", "value": "Aachen", "start": m.start(), "end": m.end()}
            for m in re.finditer("Aachen", text)
        ]
        return found


@pytest.fixture(scope="session")
def nlu_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlu-cache")


@pytest.fixture(scope="session")
def fixture_interpreter(nlu_cache: Path) -> EmbeddedInterpreter:
    interpreter = EmbeddedInterpreter(
        FIXTURE_DATA, cache_dir=nlu_cache, entity_extractor=StubExtractor()
    )
    interpreter.load()
    return interpreter
