"""Wiring: from a validated config to a ready database and dialogue engine.

Ready comes first, the NLU after: `build_app` opens the database and builds the engine, but the
town table, the NLU model and dateparser are loaded by `App.start_loading()` in the background,
once the channels take messages (bot.serve). A message that needs them sooner waits for them
(nlu.loading). Their modules (numpy, joblib, dateparser; scikit-learn when the model must be
trained) are imported there too, not on the way to ready."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.config import AppConfig
from bot.context import BotSettings, PlaceResolver
from bot.engine import DialogueEngine
from bot.pushes import PushSettings
from bot.startup import Backoff, phase, retry
from domain.actors import QuietHours
from domain.municipalities import KnownPlace, Municipality, nearest_municipality, place_label
from matching.targeting import PushPolicy
from nlu.cache import DEFAULT_CACHE_DIR
from nlu.interpreter import Interpreter
from nlu.loading import NluLoader
from storage.connectivity import check_connection
from storage.migrate import is_up_to_date, upgrade_unless_up_to_date
from storage.unit_of_work import Database

if TYPE_CHECKING:
    from nlu.entities.place import Gazetteer

log = logging.getLogger(__name__)


class SchemaOutdated(RuntimeError):
    pass


@dataclass
class App:
    config: AppConfig
    database: Database
    engine: DialogueEngine
    nlu: NluLoader | None = None  # what start_loading() loads; None: nothing to load

    def start_loading(self) -> None:
        """Load the NLU in the background now (once): call it when the app takes messages."""
        if self.nlu is not None:
            self.nlu.start()


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
        upgrade_unless_up_to_date(database.engine)
    elif not is_up_to_date(database.engine):
        raise SchemaOutdated("the database schema is not up to date: run `ehrenamt db upgrade`")
    with database.unit_of_work() as uow:
        uow.municipalities.sync(config.domain_municipalities())
        uow.commit()
    return database


def make_interpreter(config: AppConfig, gazetteer: Gazetteer) -> Interpreter:
    """The configured NLU, ready to parse: a Rasa server, or the embedded model trained from
    the same files (loaded from the cache, else trained). Dateparser's warm-up is not part of
    it: nlu.loading runs it next."""
    # imported here, like all of nlu.entities and nlu.embedded (numpy, joblib): none of it is
    # needed to become ready
    from nlu.entities import EntityExtractor
    from nlu.entities.place import NominatimGeocoder

    geocoder = None
    if config.nlu.nominatim.enabled:
        geocoder = NominatimGeocoder(user_agent=config.nlu.nominatim.user_agent)
    extractor = EntityExtractor(gazetteer=gazetteer, geocoder=geocoder)
    extractor.load()
    if config.nlu.backend == "rasa":
        from nlu.rasa_http import RasaHttpInterpreter

        assert config.nlu.rasa_url is not None  # the config refuses rasa without a URL
        return RasaHttpInterpreter(str(config.nlu.rasa_url), entity_extractor=extractor)
    from nlu.embedded import EmbeddedInterpreter

    interpreter = EmbeddedInterpreter(entity_extractor=extractor)
    interpreter.load()  # train or load the cached model now, not on the first message
    return interpreter


def nlu_loader(config: AppConfig, municipalities: Sequence[Municipality]) -> NluLoader:
    """The town table (folded once, then kept in the NLU cache directory) and the configured
    interpreter, loaded in the background or on first use."""

    def gazetteer() -> Gazetteer:
        from nlu.entities.place import Gazetteer  # see make_interpreter

        return Gazetteer.from_municipalities(municipalities, cache_dir=DEFAULT_CACHE_DIR)

    return NluLoader(gazetteer, lambda towns: make_interpreter(config, towns))


def place_resolver(
    gazetteer: Gazetteer | Callable[[], Gazetteer], municipalities: Sequence[Municipality]
) -> PlaceResolver:
    """Names a user types, resolved by the gazetteer; districts are named with their town
    ("Aachen-Burtscheid"), as people write them on a posting. `gazetteer` may be a function
    that gives it (and waits while it is being loaded)."""
    source = gazetteer if callable(gazetteer) else (lambda: gazetteer)

    def resolve(text: str) -> KnownPlace | None:
        match = source().lookup(text)
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
    """The database opened and the engine built; the NLU loads on `start_loading()` (or, left
    alone, on its first use)."""
    with phase("database opened"):
        database = open_database(config)
    municipalities = config.domain_municipalities()
    nlu = nlu_loader(config, municipalities)
    settings = BotSettings(
        municipalities=municipalities,
        default_language=config.defaults.language,
        default_time_zone=config.defaults.time_zone,
        home_municipality=home_municipality,
        default_radius_km=config.matching.default_radius_km,
        place_resolver=place_resolver(nlu.gazetteer.get, municipalities),
        pushes=push_settings(config),
        superadmins=config.domain_superadmins(),
    )
    engine = DialogueEngine(
        database, settings, nlu.interpreter, confidence_threshold=config.nlu.confidence_threshold
    )
    return App(config, database, engine, nlu)
