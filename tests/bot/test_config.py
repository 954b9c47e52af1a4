"""config.yml: the shipped default loads, and every kind of mistake gives exactly one plain line."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import push_settings
from bot.config import AppConfig, ConfigError, SecretRef, load_config, parse_config
from domain.actors import Platform, PlatformIdentity
from domain.municipalities import District, find_place
from domain.places import GeoPoint

SHIPPED = Path(__file__).resolve().parents[2] / "config.yml"
TOKEN = "123456:AAE-this-is-the-bot-token"
NO_ENV: dict[str, str] = {}


@pytest.fixture(scope="module")
def shipped_data() -> dict[str, Any]:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


Mutation = Callable[[dict[str, Any]], None]


def problems_of(
    base: dict[str, Any], change: Mutation, environ: dict[str, str] | None = None
) -> list[str]:
    data = copy.deepcopy(base)
    change(data)
    with pytest.raises(ConfigError) as caught:
        parse_config(data, NO_ENV if environ is None else environ)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def loads(
    base: dict[str, Any], change: Mutation, environ: dict[str, str] | None = None
) -> AppConfig:
    data = copy.deepcopy(base)
    change(data)
    return parse_config(data, NO_ENV if environ is None else environ)


# --- the shipped file ---------------------------------------------------------------------------


def test_shipped_config_loads_without_environment() -> None:
    config = load_config(SHIPPED, NO_ENV)
    assert len(config.municipalities) >= 2
    assert config.console_enabled
    assert not config.telegram_enabled
    assert not config.matrix_enabled
    assert config.database.url == "sqlite:///data/ehrenamt.sqlite3"
    assert config.matching.push.quiet_hours is not None
    assert config.matching.push.quiet_hours.start == time(22, 0)
    assert config.matching.push.radius_steps_km == (2.0, 5.0, 10.0, 20.0)


def test_shipped_municipalities_become_domain_objects() -> None:
    municipalities = load_config(SHIPPED, NO_ENV).domain_municipalities()
    aachen = next(m for m in municipalities if m.key == "aachen")
    assert aachen.centre == GeoPoint(50.7753, 6.0839)
    assert aachen.welcome_text("de")
    assert aachen.welcome_text("en")
    assert [language for language, _ in aachen.welcome] == ["de", "en"]
    burtscheid = find_place("Aachen Burtscheid", municipalities)
    assert burtscheid is not None
    assert burtscheid.municipality_key == "aachen"
    for municipality in municipalities:
        assert dict(municipality.welcome).keys() == {"de", "en"}, municipality.key
        for district in municipality.districts:
            assert isinstance(district, District)
            # a district far from its town is a typo in the coordinates
            assert district.centre.distance_km(municipality.centre) < 15, district.name


def test_editors_become_platform_identities(shipped_data: dict[str, Any]) -> None:
    config = loads(
        shipped_data,
        lambda d: d["municipalities"][0].update(
            editors=["telegram:123456", "matrix:@anna:example.org"]
        ),
    )
    aachen = config.domain_municipalities()[0]
    assert aachen.editors == (
        PlatformIdentity(Platform.TELEGRAM, "123456"),
        PlatformIdentity(Platform.MATRIX, "@anna:example.org"),
    )
    assert aachen.is_editor(PlatformIdentity.parse("telegram:123456"))


# --- one line per problem -----------------------------------------------------------------------


def test_latitude_out_of_range_uses_the_domain_rule(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(shipped_data, lambda d: d["municipalities"][1]["centre"].update(lat=95))
    assert problems == ["municipalities[1].centre.lat: must be between -90 and 90"]


def test_radius_out_of_range_uses_the_domain_rule(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(
        shipped_data, lambda d: d["municipalities"][0].update(default_radius_km=500)
    )
    assert problems == ["municipalities[0].default_radius_km: must be between 0.1 and 200 km"]


def test_radius_step_out_of_range(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(
        shipped_data, lambda d: d["matching"]["push"].update(radius_steps_km=[2, 5, 0])
    )
    assert problems == ["matching.push.radius_steps_km[2]: must be between 0.1 and 200 km"]


def test_radius_steps_must_widen(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(
        shipped_data, lambda d: d["matching"]["push"].update(radius_steps_km=[2, 5, 5])
    )
    assert problems == [
        "matching.push.radius_steps_km[2]: must be larger than the step before (waves widen)"
    ]


def test_unknown_key_lists_the_allowed_ones(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(shipped_data, lambda d: d["channels"]["telegram"].update(tokn="x"))
    assert problems == [
        "channels.telegram.tokn: unknown key (allowed: enabled, token, mode, webhook, api_url)"
    ]


def test_unknown_top_level_key(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(shipped_data, lambda d: d.update(chanels={}))
    assert problems == [
        "chanels: unknown key "
        "(allowed: defaults, database, channels, nlu, matching, delivery, startup, superadmins, "
        "municipalities)"
    ]


def test_missing_required_key(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(shipped_data, lambda d: d["municipalities"][0].pop("name"))
    assert problems == ["municipalities[0].name: required"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["matching"].update(max_results="many"),
            "matching.max_results: must be a whole number",
        ),
        (
            lambda d: d["matching"].update(max_results=2.5),
            "matching.max_results: must be a whole number",
        ),
        (
            # YAML's `true` is not the number 1
            lambda d: d["matching"].update(max_results=True),
            "matching.max_results: must be a whole number",
        ),
        (
            lambda d: d["municipalities"][0]["centre"].update(lon="east"),
            "municipalities[0].centre.lon: must be a number",
        ),
        (
            lambda d: d["channels"]["console"].update(enabled="sometimes"),
            "channels.console.enabled: must be true or false",
        ),
        (
            lambda d: d["municipalities"][0].update(name=42),
            "municipalities[0].name: must be text",
        ),
        (
            lambda d: d["matching"]["push"].update(radius_steps_km=10),
            "matching.push.radius_steps_km: must be a list",
        ),
        (
            lambda d: d.update(matching=[1, 2]),
            "matching: must be a mapping (key: value)",
        ),
        (
            lambda d: d["nlu"].update(backend="gpt"),
            "nlu.backend: must be one of embedded, rasa",
        ),
        (
            lambda d: d["channels"]["telegram"].update(mode="push"),
            "channels.telegram.mode: must be one of polling, webhook",
        ),
        (
            lambda d: d["defaults"].update(language="fr"),
            "defaults.language: must be one of de, en",
        ),
        (
            lambda d: d["defaults"].update(time_zone="Europe/Aachen"),
            "defaults.time_zone: unknown time zone 'Europe/Aachen' (like Europe/Berlin)",
        ),
        (
            lambda d: d["nlu"].update(confidence_threshold=1.5),
            "nlu.confidence_threshold: must be between 0 and 1",
        ),
        (
            lambda d: d["matching"]["push"]["quiet_hours"].update(start=1320),
            'matching.push.quiet_hours.start: must be a time in quotes, like "22:00"',
        ),
        (
            lambda d: d["matching"]["push"]["quiet_hours"].update(end="25:00"),
            'matching.push.quiet_hours.end: must be a time like "22:00"',
        ),
    ],
)
def test_wrong_values(shipped_data: dict[str, Any], change: Mutation, expected: str) -> None:
    assert problems_of(shipped_data, change) == [expected]


def test_no_pydantic_wording_leaks(shipped_data: dict[str, Any]) -> None:
    def break_many(d: dict[str, Any]) -> None:
        d["matching"]["max_results"] = "x"
        d["nlu"]["confidence_threshold"] = 7
        d["database"]["url"] = "mysql://db"

    text = "\n".join(problems_of(shipped_data, break_many))
    for leak in ("Value error", "errors.pydantic.dev", "input_value", "Input should"):
        assert leak not in text


def test_duplicate_municipality_key(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(shipped_data, lambda d: d["municipalities"][2].update(key="aachen"))
    assert problems == ["municipalities[2].key: duplicate key 'aachen' (also municipalities[0])"]


def test_municipality_key_uses_the_domain_rule(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(shipped_data, lambda d: d["municipalities"][3].update(key="Würselen"))
    assert problems == [
        "municipalities[3].key: must be 2–40 lowercase letters, digits, '-' or '_', "
        "starting with a letter"
    ]


def test_at_least_one_municipality(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(shipped_data, lambda d: d.update(municipalities=[]))
    assert problems == ["municipalities: must list at least one municipality"]


def test_console_municipality_must_exist(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(
        shipped_data, lambda d: d["channels"]["console"].update(municipality="berlin")
    )
    assert problems == [
        "channels.console.municipality: unknown municipality 'berlin' "
        "(configured: aachen, stolberg, eschweiler, wuerselen, herzogenrath)"
    ]


def test_bad_editor_id(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(
        shipped_data,
        lambda d: d["municipalities"][0].update(editors=["telegram:123456", "telegram:abc"]),
    )
    assert problems == ["municipalities[0].editors[1]: not a valid telegram user id: 'abc'"]


def test_welcome_language_must_be_supported(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(
        shipped_data, lambda d: d["municipalities"][0]["welcome"].update(fr="Bienvenue")
    )
    assert problems == ["municipalities[0].welcome.fr: unknown language (allowed: de, en)"]


def test_duplicate_district_names_are_refused(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(
        shipped_data,
        lambda d: d["municipalities"][0]["districts"].append(
            {"name": "burtscheid", "lat": 50.76, "lon": 6.09}
        ),
    )
    last = len(shipped_data["municipalities"][0]["districts"])
    assert problems == [
        f"municipalities[0].districts[{last}].name: "
        "duplicate district 'burtscheid' (also districts[1])"
    ]


def test_several_problems_each_on_its_own_line(shipped_data: dict[str, Any]) -> None:
    def break_several(d: dict[str, Any]) -> None:
        d["municipalities"][1]["centre"]["lat"] = 95
        d["matching"]["max_results"] = "twenty"
        d["channels"]["telegram"]["tokn"] = "x"
        d["municipalities"][0]["editors"] = ["telegram:abc"]

    problems = problems_of(shipped_data, break_several)
    assert sorted(problems) == sorted(
        [
            "municipalities[1].centre.lat: must be between -90 and 90",
            "matching.max_results: must be a whole number",
            "channels.telegram.tokn: unknown key (allowed: enabled, token, mode, webhook, api_url)",
            "municipalities[0].editors[0]: not a valid telegram user id: 'abc'",
        ]
    )
    assert all("\n" not in line for line in problems)


# --- secrets ------------------------------------------------------------------------------------


def test_literal_token_is_refused(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(shipped_data, lambda d: d["channels"]["telegram"].update(token=TOKEN))
    assert problems == [
        "channels.telegram.token: secrets must be an environment reference like "
        "${TELEGRAM_BOT_TOKEN}, not the value itself"
    ]
    assert TOKEN not in "\n".join(problems)


def test_literal_matrix_password_is_refused(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(
        shipped_data, lambda d: d["channels"]["matrix"].update(password="hunter2")
    )
    assert problems == [
        "channels.matrix.password: secrets must be an environment reference like "
        "${MATRIX_PASSWORD}, not the value itself"
    ]


def test_secret_reference_cannot_carry_a_default(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(
        shipped_data,
        lambda d: d["channels"]["telegram"].update(token="${TELEGRAM_BOT_TOKEN:-123:abc}"),
    )
    assert problems == [
        "channels.telegram.token: a secret cannot have a default; write ${TELEGRAM_BOT_TOKEN}"
    ]


def enable_telegram(d: dict[str, Any]) -> None:
    d["channels"]["telegram"]["enabled"] = True


def test_enabled_telegram_needs_its_variable(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(shipped_data, enable_telegram)
    assert problems == [
        "channels.telegram.token: environment variable TELEGRAM_BOT_TOKEN is not set"
    ]


def test_enabled_telegram_with_variable_loads_and_hides_the_token(
    shipped_data: dict[str, Any],
) -> None:
    config = loads(shipped_data, enable_telegram, {"TELEGRAM_BOT_TOKEN": TOKEN})
    assert config.telegram_enabled
    token = config.channels.telegram.token
    assert token is not None
    assert token.resolve() == TOKEN
    assert token.resolve({"TELEGRAM_BOT_TOKEN": "other"}) == "other"
    assert TOKEN not in repr(config)
    assert TOKEN not in str(config)
    assert TOKEN not in repr(token)
    assert str(token) == "${TELEGRAM_BOT_TOKEN}"
    assert config.model_dump()["channels"]["telegram"]["token"] == "${TELEGRAM_BOT_TOKEN}"


def test_disabled_telegram_needs_no_variable(shipped_data: dict[str, Any]) -> None:
    config = loads(shipped_data, lambda d: d["channels"]["telegram"].update(enabled=False))
    assert not config.telegram_enabled
    token = config.channels.telegram.token
    assert token is not None
    with pytest.raises(ConfigError, match="environment variable TELEGRAM_BOT_TOKEN is not set"):
        token.resolve({})


def test_webhook_mode_needs_block_and_secret(shipped_data: dict[str, Any]) -> None:
    def webhook_without_block(d: dict[str, Any]) -> None:
        enable_telegram(d)
        d["channels"]["telegram"]["mode"] = "webhook"
        del d["channels"]["telegram"]["webhook"]

    assert problems_of(shipped_data, webhook_without_block, {"TELEGRAM_BOT_TOKEN": TOKEN}) == [
        "channels.telegram.webhook: required when mode is webhook"
    ]

    def webhook(d: dict[str, Any]) -> None:
        enable_telegram(d)
        d["channels"]["telegram"]["mode"] = "webhook"

    assert problems_of(shipped_data, webhook, {"TELEGRAM_BOT_TOKEN": TOKEN}) == [
        "channels.telegram.webhook.secret_token: "
        "environment variable TELEGRAM_WEBHOOK_SECRET is not set"
    ]
    config = loads(
        shipped_data,
        webhook,
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "s3cret-webhook"},
    )
    assert "s3cret-webhook" not in repr(config)


def test_enabled_matrix_needs_credentials(shipped_data: dict[str, Any]) -> None:
    def matrix_without_login(d: dict[str, Any]) -> None:
        d["channels"]["matrix"]["enabled"] = True
        del d["channels"]["matrix"]["access_token"]
        del d["channels"]["matrix"]["homeserver"]

    assert problems_of(shipped_data, matrix_without_login) == [
        "channels.matrix.homeserver: required when matrix is enabled",
        "channels.matrix.access_token: required when matrix is enabled (or give a password)",
    ]

    def matrix_with_password(d: dict[str, Any]) -> None:
        matrix_without_login(d)
        d["channels"]["matrix"]["homeserver"] = "https://matrix.example.org"
        d["channels"]["matrix"]["password"] = "${MATRIX_PASSWORD}"

    assert problems_of(shipped_data, matrix_with_password) == [
        "channels.matrix.password: environment variable MATRIX_PASSWORD is not set"
    ]
    config = loads(shipped_data, matrix_with_password, {"MATRIX_PASSWORD": "pw-123"})
    assert config.matrix_enabled
    assert "pw-123" not in repr(config)


def test_secret_ref_resolve_reports_the_variable() -> None:
    ref = SecretRef("MATRIX_ACCESS_TOKEN")
    assert ref.resolve({"MATRIX_ACCESS_TOKEN": "abc"}) == "abc"
    with pytest.raises(ConfigError) as caught:
        ref.resolve({"MATRIX_ACCESS_TOKEN": ""})
    assert caught.value.problems == ["environment variable MATRIX_ACCESS_TOKEN is empty"]


# --- database URL -------------------------------------------------------------------------------


def test_database_url_with_password_is_refused(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(
        shipped_data,
        lambda d: d["database"].update(url="postgresql+psycopg://bot:pw@db.example.org/ehrenamt"),
    )
    assert problems == [
        "database.url: a URL with a password must be an environment reference like ${DATABASE_URL}"
    ]


def test_database_url_password_hidden_in_a_default_is_refused(
    shipped_data: dict[str, Any],
) -> None:
    problems = problems_of(
        shipped_data,
        lambda d: d["database"].update(url="${DATABASE_URL:-postgresql+psycopg://u:pw@h/db}"),
    )
    assert problems == [
        "database.url: a URL with a password must be an environment reference like ${DATABASE_URL}"
    ]


def test_database_url_default_is_used_when_variable_unset(shipped_data: dict[str, Any]) -> None:
    change: Mutation = lambda d: d["database"].update(url="${DATABASE_URL:-sqlite:///x.db}")  # noqa: E731
    assert loads(shipped_data, change).database.url == "sqlite:///x.db"
    from_env = loads(
        shipped_data, change, {"DATABASE_URL": "postgresql+psycopg://bot@db.example.org/ehrenamt"}
    )
    assert from_env.database.url == "postgresql+psycopg://bot@db.example.org/ehrenamt"


def test_database_url_from_environment_hides_its_password(shipped_data: dict[str, Any]) -> None:
    url = "postgresql+psycopg://bot:db-secret-42@db.example.org/ehrenamt"
    config = loads(
        shipped_data, lambda d: d["database"].update(url="${DATABASE_URL}"), {"DATABASE_URL": url}
    )
    assert config.database.url == url
    assert "db-secret-42" not in repr(config)
    assert "db-secret-42" not in str(config)


def test_database_url_password_part_may_be_a_reference(shipped_data: dict[str, Any]) -> None:
    config = loads(
        shipped_data,
        lambda d: d["database"].update(url="postgresql+psycopg://bot:${DB_PASSWORD}@db/ehrenamt"),
        {"DB_PASSWORD": "pw"},
    )
    assert config.database.url == "postgresql+psycopg://bot:pw@db/ehrenamt"


def test_database_url_unset_variable(shipped_data: dict[str, Any]) -> None:
    problems = problems_of(shipped_data, lambda d: d["database"].update(url="${DATABASE_URL}"))
    assert problems == ["database.url: environment variable DATABASE_URL is not set"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://bot@db/ehrenamt",
            "database.url: use postgresql+psycopg:// instead of postgresql://",
        ),
        (
            "mysql://bot@db/ehrenamt",
            "database.url: unsupported database 'mysql' (use sqlite:/// or postgresql+psycopg://)",
        ),
        (
            "data/ehrenamt.sqlite3",
            "database.url: must be a database URL like sqlite:///data/ehrenamt.sqlite3",
        ),
    ],
)
def test_database_url_scheme(shipped_data: dict[str, Any], url: str, expected: str) -> None:
    assert problems_of(shipped_data, lambda d: d["database"].update(url=url)) == [expected]


# --- the file itself ----------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yml"
    with pytest.raises(ConfigError) as caught:
        load_config(path, NO_ENV)
    assert caught.value.problems == [f"{path}: file not found"]


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "config.yml"
    path.write_text("defaults:\n  language: de\n  time_zone: [Europe/Berlin\nnlu: {}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, NO_ENV)
    assert len(caught.value.problems) == 1
    line = caught.value.problems[0]
    assert line.startswith(f"{path}:4:4: invalid YAML: ")
    assert "\n" not in str(caught.value)


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yml"
    path.write_text("channels:\n  telegram: {}\n  telegram: {enabled: true}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, NO_ENV)
    assert caught.value.problems == [
        f"{path}:3:3: invalid YAML: duplicate key 'telegram' (while reading a mapping at line 2)"
    ]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yml"
    path.write_text("# nothing yet\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, NO_ENV)
    assert caught.value.problems == [f"{path}: file is empty"]


def test_load_config_reports_problems_from_the_file(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace("max_results: 20", "max_results: lots")
    path = tmp_path / "config.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, NO_ENV)
    assert caught.value.problems == ["matching.max_results: must be a whole number"]


def test_config_is_frozen() -> None:
    config = load_config(SHIPPED, NO_ENV)
    with pytest.raises(ValueError, match="frozen"):
        config.database.migrate_on_start = False  # type: ignore[misc]


def test_superadmins_are_platform_ids_and_a_bad_one_is_named(shipped_data: dict[str, Any]) -> None:
    config = loads(shipped_data, lambda d: d.update(superadmins=["matrix:@ops:example.org"]))
    assert config.domain_superadmins() == (PlatformIdentity(Platform.MATRIX, "@ops:example.org"),)
    problems = problems_of(shipped_data, lambda d: d.update(superadmins=["telegram:abc"]))
    assert problems == ["superadmins[0]: not a valid telegram user id: 'abc'"]


def test_broadcasts_per_day_reaches_the_bot_and_is_bounded(shipped_data: dict[str, Any]) -> None:
    assert push_settings(load_config(SHIPPED, NO_ENV)).broadcasts_per_day == 2
    config = loads(shipped_data, lambda d: d["matching"]["push"].update(broadcasts_per_day=0))
    assert push_settings(config).broadcasts_per_day == 0  # the command switched off
    for wrong in (-1, 25):
        problems = problems_of(
            shipped_data, lambda d, n=wrong: d["matching"]["push"].update(broadcasts_per_day=n)
        )
        assert problems == ["matching.push.broadcasts_per_day: must be between 0 and 24"]
