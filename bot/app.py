"""Wiring: from a validated config to a ready database and dialogue engine."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.config import AppConfig
from bot.context import BotSettings, PlaceResolver
from bot.engine import DialogueEngine
from bot.pushes import PushSettings
from bot.startup import Backoff, retry
from domain.actors import QuietHours
from domain.municipalities import KnownPlace, Municipality, nearest_municipality, place_label
from matching.targeting import PushPolicy
from nlu.embedded import EmbeddedInterpreter
from nlu.entities import EntityExtractor
from nlu.entities.place import Gazetteer, NominatimGeocoder
from nlu.interpreter import Interpreter
from nlu.rasa_http import RasaHttpInterpreter
from storage.connectivity import check_connection
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


def connect(config: AppConfig) -> Database:
    """The database at the configured URL once it answers: a server that is not reachable yet
    (a service manager may start the bot before PostgreSQL) is asked again as config.startup
    allows; one that refuses (no such database, a failed login) fails at once."""
    database = Database(config.database.url)
    try:
        retry(lambda: check_connection(database), Backoff.from_config(config.startup))
    except BaseException:
        database.dispose()
        raise
    return database


def open_database(config: AppConfig, *, migrate: bool | None = None) -> Database:
    """The database at the configured URL, migrated when allowed, municipalities synced."""
    database = connect(config)
    migrate = config.database.migrate_on_start if migrate is None else migrate
    if migrate:
        upgrade(database.engine)
    elif not is_up_to_date(database.engine):
        raise SchemaOutdated("the database schema is not up to date: run `ehrenamt db upgrade`")
    with database.unit_of_work() as uow:
        uow.municipalities.sync(config.domain_municipalities())
        uow.commit()
    return database


def make_interpreter(config: AppConfig, gazetteer: Gazetteer) -> Interpreter:
    """The configured NLU: a Rasa server, or the embedded model trained from the same files."""
    geocoder = None
    if config.nlu.nominatim.enabled:
        geocoder = NominatimGeocoder(user_agent=config.nlu.nominatim.user_agent)
    extractor = EntityExtractor(gazetteer=gazetteer, geocoder=geocoder)
    extractor.warm_up()  # dateparser's first call costs ~0.5 s: pay it at start, not in a chat
    if config.nlu.backend == "rasa":
        assert config.nlu.rasa_url is not None  # the config refuses rasa without a URL
        return RasaHttpInterpreter(str(config.nlu.rasa_url), entity_extractor=extractor)
    interpreter = EmbeddedInterpreter(entity_extractor=extractor)
    interpreter.load()  # train or load the cached model now, not on the first message
    return interpreter


def place_resolver(gazetteer: Gazetteer, municipalities: Sequence[Municipality]) -> PlaceResolver:
    """Names a user types, resolved by the gazetteer; districts are named with their town
    ("Aachen-Burtscheid"), as people write them on a posting."""

    def resolve(text: str) -> KnownPlace | None:
        match = gazetteer.lookup(text)
        if match is None:
            return None
        key = match.municipality_key or nearest_municipality(match.point, municipalities).key
        return KnownPlace(place_label(match.name, key, municipalities), match.point, key)

    return resolve


def push_settings(config: AppConfig) -> PushSettings:
    push = config.matching.push
    quiet = push.quiet_hours
    return PushSettings(
        policy=PushPolicy(
            wave_size=push.wave_size,
            wave_timeout=timedelta(minutes=push.wave_timeout_minutes),
            radius_steps_km=tuple(push.radius_steps_km),
            max_alerts_per_need=push.max_alerts_per_need,
            daily_cap=push.daily_cap_per_volunteer,
            default_quiet_hours=QuietHours(quiet.start, quiet.end) if quiet else None,
        ),
        free_now_radius_km=config.matching.free_now_radius_km,
        free_now_max=timedelta(hours=config.matching.location_ttl_hours),
        broadcasts_per_day=push.broadcasts_per_day,
    )


def build_app(config: AppConfig, *, home_municipality: str | None = None) -> App:
    database = open_database(config)
    municipalities = config.domain_municipalities()
    gazetteer = Gazetteer.from_municipalities(municipalities)
    settings = BotSettings(
        municipalities=municipalities,
        default_language=config.defaults.language,
        default_time_zone=config.defaults.time_zone,
        home_municipality=home_municipality,
        default_radius_km=config.matching.default_radius_km,
        place_resolver=place_resolver(gazetteer, municipalities),
        pushes=push_settings(config),
        superadmins=config.domain_superadmins(),
    )
    engine = DialogueEngine(
        database,
        settings,
        make_interpreter(config, gazetteer),
        confidence_threshold=config.nlu.confidence_threshold,
    )
    return App(config, database, engine)
