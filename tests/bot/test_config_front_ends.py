"""config.yml: a municipality's own Telegram bot and Matrix account (its front end) — secrets as
environment references, what is inherited from channels.*, and every bot its own."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.config import AppConfig, ConfigError, parse_config
from bot.serve import matrix_options, telegram_options

SHIPPED = Path(__file__).resolve().parents[2] / "config.yml"
SHARED_TOKEN = "111:AAE-shared-bot-token"
STOLBERG_TOKEN = "222:AAE-stolberg-bot-token"
TOKENS = {"TELEGRAM_BOT_TOKEN": SHARED_TOKEN, "STOLBERG_TELEGRAM_TOKEN": STOLBERG_TOKEN}
STOLBERG = 1  # its index in the shipped config.yml

Mutation = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def shipped_data() -> dict[str, Any]:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    assert data["municipalities"][STOLBERG]["key"] == "stolberg"
    return dict(data)


def _apply(base: dict[str, Any], *changes: Mutation) -> dict[str, Any]:
    data = copy.deepcopy(base)
    for change in changes:
        change(data)
    return data


def problems_of(base: dict[str, Any], *changes: Mutation, environ: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(_apply(base, *changes), environ)
    return caught.value.problems


def loads(base: dict[str, Any], *changes: Mutation, environ: dict[str, str]) -> AppConfig:
    return parse_config(_apply(base, *changes), environ)


def shared_telegram(d: dict[str, Any]) -> None:
    d["channels"]["telegram"]["enabled"] = True


def stolberg_telegram(**fields: Any) -> Mutation:
    def change(d: dict[str, Any]) -> None:
        d["municipalities"][STOLBERG]["telegram"] = {
            "token": "${STOLBERG_TELEGRAM_TOKEN}",
            **fields,
        }

    return change


def stolberg_matrix(**fields: Any) -> Mutation:
    def change(d: dict[str, Any]) -> None:
        d["municipalities"][STOLBERG]["matrix"] = {
            "user_id": "@ehrenamt:stolberg.de",
            "access_token": "${STOLBERG_MATRIX_TOKEN}",
            **fields,
        }

    return change


# --- Telegram -----------------------------------------------------------------------------------


def test_a_municipality_bot_is_served_beside_the_shared_one(shipped_data: dict[str, Any]) -> None:
    config = loads(shipped_data, shared_telegram, stolberg_telegram(), environ=TOKENS)
    bots = config.telegram_front_ends()
    assert list(bots) == ["", "stolberg"]
    own = bots["stolberg"]
    assert own.token is not None
    assert own.token.resolve() == STOLBERG_TOKEN
    assert own.mode == "polling"  # inherited
    assert own.api_url == "https://api.telegram.org"
    assert own.webhook is None
    assert STOLBERG_TOKEN not in repr(config)
    options = telegram_options(config, "stolberg")
    assert (options.front_end, options.token) == ("stolberg", STOLBERG_TOKEN)
    assert telegram_options(config).front_end == ""


def test_a_municipality_bot_alone_is_enough_to_serve_telegram(
    shipped_data: dict[str, Any],
) -> None:
    config = loads(
        shipped_data,
        stolberg_telegram(api_url="http://127.0.0.1:8081"),
        environ={"STOLBERG_TELEGRAM_TOKEN": STOLBERG_TOKEN},
    )
    assert config.telegram_enabled
    assert list(config.telegram_front_ends()) == ["stolberg"]
    assert config.telegram_front_ends()["stolberg"].api_url == "http://127.0.0.1:8081"


def test_an_enabled_municipality_bot_needs_its_variable(shipped_data: dict[str, Any]) -> None:
    assert problems_of(shipped_data, stolberg_telegram(), environ={}) == [
        "municipalities[1].telegram.token: environment variable STOLBERG_TELEGRAM_TOKEN is not set"
    ]
    disabled = loads(shipped_data, stolberg_telegram(enabled=False), environ={})
    assert disabled.telegram_front_ends() == {}
    assert not disabled.telegram_enabled


def test_a_municipality_bot_token_is_a_reference_and_required(
    shipped_data: dict[str, Any],
) -> None:
    def literal(d: dict[str, Any]) -> None:
        d["municipalities"][STOLBERG]["telegram"] = {"token": STOLBERG_TOKEN}

    assert problems_of(shipped_data, literal, environ={}) == [
        "municipalities[1].telegram.token: secrets must be an environment reference like "
        "${TELEGRAM_BOT_TOKEN}, not the value itself"
    ]

    def tokenless(d: dict[str, Any]) -> None:
        d["municipalities"][STOLBERG]["telegram"] = {"mode": "polling"}

    assert problems_of(shipped_data, tokenless, environ={}) == [
        "municipalities[1].telegram.token: required"
    ]

    def typo(d: dict[str, Any]) -> None:
        d["municipalities"][STOLBERG]["telegram"] = {"tokn": "${STOLBERG_TELEGRAM_TOKEN}"}

    assert (
        "municipalities[1].telegram.tokn: unknown key "
        "(allowed: enabled, token, mode, webhook, api_url)"
    ) in problems_of(shipped_data, typo, environ={})


def test_two_front_ends_cannot_share_a_bot(shipped_data: dict[str, Any]) -> None:
    same_variable = stolberg_telegram(token="${TELEGRAM_BOT_TOKEN}")
    expected = [
        "municipalities[1].telegram.token: this bot token is already used by "
        "channels.telegram.token (each front end needs a bot of its own)"
    ]
    assert problems_of(shipped_data, shared_telegram, same_variable, environ=TOKENS) == expected
    # two variables holding the same token are the same bot too
    same_value = {**TOKENS, "STOLBERG_TELEGRAM_TOKEN": SHARED_TOKEN}
    assert (
        problems_of(shipped_data, shared_telegram, stolberg_telegram(), environ=same_value)
        == expected
    )

    def eschweiler_too(d: dict[str, Any]) -> None:
        d["municipalities"][2]["telegram"] = {"token": "${STOLBERG_TELEGRAM_TOKEN}"}

    assert problems_of(shipped_data, stolberg_telegram(), eschweiler_too, environ=TOKENS) == [
        "municipalities[2].telegram.token: this bot token is already used by "
        "municipalities[1].telegram.token (each front end needs a bot of its own)"
    ]
    # a disabled shared bot is nobody's: its variable may serve a municipality
    config = loads(shipped_data, same_variable, environ=TOKENS)
    assert list(config.telegram_front_ends()) == ["stolberg"]


def _shared_webhook(d: dict[str, Any]) -> None:
    shared_telegram(d)
    d["channels"]["telegram"]["mode"] = "webhook"


WEBHOOK_ENV = {
    **TOKENS,
    "TELEGRAM_WEBHOOK_SECRET": "shared-secret",
    "STOLBERG_WEBHOOK_SECRET": "stolberg-secret",
}


def test_a_municipality_bot_in_webhook_mode_needs_its_own_webhook(
    shipped_data: dict[str, Any],
) -> None:
    assert problems_of(shipped_data, _shared_webhook, stolberg_telegram(), environ=WEBHOOK_ENV) == [
        "municipalities[1].telegram.webhook: required in webhook mode: a bot of its own needs "
        "its own public_url, port and secret_token (or set mode: polling)"
    ]
    # polling for the municipality's bot is fine while the shared one takes webhooks
    config = loads(
        shipped_data, _shared_webhook, stolberg_telegram(mode="polling"), environ=WEBHOOK_ENV
    )
    assert config.telegram_front_ends()["stolberg"].mode == "polling"

    same_port = stolberg_telegram(
        webhook={
            "public_url": "https://bot.example.org/telegram",
            "port": 8443,
            "secret_token": "${STOLBERG_WEBHOOK_SECRET}",
        }
    )
    assert problems_of(shipped_data, _shared_webhook, same_port, environ=WEBHOOK_ENV) == [
        "municipalities[1].telegram.webhook.port: this port is already used by "
        "channels.telegram.webhook.port (each bot in webhook mode needs a port of its own)",
        "municipalities[1].telegram.webhook.public_url: this URL is already used by "
        "channels.telegram.webhook.public_url (each bot in webhook mode needs a URL of its own)",
    ]

    own = stolberg_telegram(
        webhook={
            "public_url": "https://bot.example.org/stolberg",
            "port": 8444,
            "path": "/stolberg",
            "secret_token": "${STOLBERG_WEBHOOK_SECRET}",
        }
    )
    config = loads(shipped_data, _shared_webhook, own, environ=WEBHOOK_ENV)
    options = telegram_options(config, "stolberg")
    assert options.webhook is not None
    assert (options.webhook.port, options.webhook.path) == (8444, "/stolberg")
    assert options.webhook.secret_token == "stolberg-secret"
    missing_secret = {k: v for k, v in WEBHOOK_ENV.items() if k != "STOLBERG_WEBHOOK_SECRET"}
    assert problems_of(shipped_data, _shared_webhook, own, environ=missing_secret) == [
        "municipalities[1].telegram.webhook.secret_token: "
        "environment variable STOLBERG_WEBHOOK_SECRET is not set"
    ]


# --- Matrix -------------------------------------------------------------------------------------

MATRIX_ENV = {"MATRIX_ACCESS_TOKEN": "syt_shared", "STOLBERG_MATRIX_TOKEN": "syt_stolberg"}


def shared_matrix(d: dict[str, Any]) -> None:
    d["channels"]["matrix"]["enabled"] = True


def test_a_municipality_account_inherits_the_homeserver_and_settings(
    shipped_data: dict[str, Any],
) -> None:
    config = loads(
        shipped_data,
        shared_matrix,
        stolberg_matrix(device_id="STOLBERGBOT"),
        environ=MATRIX_ENV,
    )
    accounts = config.matrix_front_ends()
    assert list(accounts) == ["", "stolberg"]
    own = accounts["stolberg"]
    assert own.homeserver == "https://matrix.example.org"
    assert own.user_id == "@ehrenamt:stolberg.de"
    assert own.device_id == "STOLBERGBOT"
    assert own.store_path == "data/matrix-store"  # nio keeps one file per account and device
    options = matrix_options(config, "stolberg")
    assert (options.front_end, options.access_token) == ("stolberg", "syt_stolberg")
    assert options.password is None
    assert "syt_stolberg" not in repr(config)


def test_a_municipality_account_needs_credentials_and_a_homeserver(
    shipped_data: dict[str, Any],
) -> None:
    assert problems_of(shipped_data, stolberg_matrix(), environ={}) == [
        "municipalities[1].matrix.access_token: "
        "environment variable STOLBERG_MATRIX_TOKEN is not set"
    ]

    def no_login(d: dict[str, Any]) -> None:
        d["municipalities"][STOLBERG]["matrix"] = {"user_id": "@ehrenamt:stolberg.de"}

    assert problems_of(shipped_data, no_login, environ={}) == [
        "municipalities[1].matrix.access_token: "
        "required when its matrix account is enabled (or give a password)"
    ]

    def no_homeserver_anywhere(d: dict[str, Any]) -> None:
        del d["channels"]["matrix"]["homeserver"]

    assert problems_of(
        shipped_data, no_homeserver_anywhere, stolberg_matrix(), environ=MATRIX_ENV
    ) == [
        "municipalities[1].matrix.homeserver: required (channels.matrix has none to take it from)"
    ]


def test_two_front_ends_cannot_share_a_matrix_account(shipped_data: dict[str, Any]) -> None:
    same = stolberg_matrix(user_id="@ehrenamt:example.org")  # channels.matrix.user_id
    assert problems_of(shipped_data, shared_matrix, same, environ=MATRIX_ENV) == [
        "municipalities[1].matrix.user_id: this account is already used by "
        "channels.matrix.user_id (each front end needs an account of its own)"
    ]


# --- check-config -------------------------------------------------------------------------------


def test_check_config_lists_the_front_ends(
    shipped_data: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _apply(shipped_data, shared_telegram, stolberg_telegram(), stolberg_matrix())
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for name, value in {**TOKENS, **MATRIX_ENV}.items():
        monkeypatch.setenv(name, value)
    assert main(["--config", str(path), "check-config"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == [f"{path}: ok", "front ends:"]
    assert "telegram  shared bot" in out
    assert "telegram  municipality stolberg" in out
    assert "${STOLBERG_TELEGRAM_TOKEN}" in out
    assert "matrix    municipality stolberg" in out
    assert "@ehrenamt:stolberg.de" in out
    assert STOLBERG_TOKEN not in out
