"""Wiring: from a validated config to a ready database and dialogue engine."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import AppConfig
from bot.context import BotSettings
from bot.engine import DialogueEngine
from nlu.interpreter import Interpreter
from nlu.keywords import KeywordInterpreter
from storage.migrate import is_up_to_date, upgrade
from storage.unit_of_work import Database

log = logging.getLogger(__name__)


class SchemaOutdated(RuntimeError):
    pass


@dataclass
class App:
    config: AppConfig
    database: Database
    engine: DialogueEngine


def open_database(config: AppConfig, *, migrate: bool | None = None) -> Database:
    """The database at the configured URL, migrated when allowed, municipalities synced."""
    database = Database(config.database.url)
    migrate = config.database.migrate_on_start if migrate is None else migrate
    if migrate:
        upgrade(database.engine)
    elif not is_up_to_date(database.engine):
        raise SchemaOutdated("the database schema is not up to date: run `ehrenamt db upgrade`")
    with database.unit_of_work() as uow:
        uow.municipalities.sync(config.domain_municipalities())
        uow.commit()
    return database


def make_interpreter(config: AppConfig) -> Interpreter:
    # the trained embedded interpreter and the Rasa client arrive with the conversation issue;
    # until then both settings are served by the keyword interpreter
    return KeywordInterpreter()


def build_app(config: AppConfig, *, home_municipality: str | None = None) -> App:
    database = open_database(config)
    settings = BotSettings(
        municipalities=config.domain_municipalities(),
        default_language=config.defaults.language,
        default_time_zone=config.defaults.time_zone,
        home_municipality=home_municipality,
    )
    engine = DialogueEngine(
        database,
        settings,
        make_interpreter(config),
        confidence_threshold=config.nlu.confidence_threshold,
    )
    return App(config, database, engine)
