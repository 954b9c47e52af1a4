"""The real NLU for transcripts: trained once per test session from nlu/data, cached in tmp."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import place_resolver
from bot.engine import DialogueEngine
from nlu.embedded import EmbeddedInterpreter
from nlu.entities import EntityExtractor
from nlu.entities.place import Gazetteer
from storage.unit_of_work import Database
from tests.bot.chat import MUNICIPALITIES, make_engine, settings


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_municipalities(MUNICIPALITIES)


@pytest.fixture(scope="session")
def nlu(tmp_path_factory: pytest.TempPathFactory, gazetteer: Gazetteer) -> EmbeddedInterpreter:
    interpreter = EmbeddedInterpreter(
        cache_dir=tmp_path_factory.mktemp("nlu-cache"),
        entity_extractor=EntityExtractor(gazetteer=gazetteer),
    )
    interpreter.load()
    return interpreter


@pytest.fixture
def engine(
    sqlite_database: Database, nlu: EmbeddedInterpreter, gazetteer: Gazetteer
) -> Iterator[DialogueEngine]:
    return make_engine(sqlite_database, nlu, settings(place_resolver(gazetteer, MUNICIPALITIES)))


@pytest.fixture
def root() -> Path:
    return Path(__file__).resolve().parents[2]
