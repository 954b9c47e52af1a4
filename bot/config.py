"""The bot's configuration: config.yml validated into frozen models.

Operators read the error messages, not the code, so every problem becomes exactly one line
`<key path>: <problem>` in plain English, and all problems found are reported at once. Rules that
belong to the domain (coordinates, radii, municipality keys, user ids) are checked by the domain,
so config.yml and a chat message are held to the same standard.

Secrets never sit in config.yml: the file names the environment variable (`${TELEGRAM_BOT_TOKEN}`)
and the value stays out of every repr, log line and error message.
"""

from __future__ import annotations

import math
import os
import re
import types
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal, Self, Union, get_args, get_origin
from urllib.parse import SplitResult, unquote, urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    SecretStr,
    Strict,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from bot.messages import SHARED_FRONT_END
from domain.actors import Platform, PlatformIdentity
from domain.categories import SUPPORTED_LANGUAGES
from domain.errors import ValidationError as DomainValidationError
from domain.municipalities import District, Municipality, Postcode, check_postcode, fold
from domain.places import GeoPoint, check_latitude, check_longitude, check_radius_km
from domain.text import check_text

__all__ = [
    "AppConfig",
    "ChannelsConfig",
    "ConfigError",
    "ConsoleConfig",
    "DatabaseConfig",
    "DefaultsConfig",
    "DistrictConfig",
    "FrontEndMatrixConfig",
    "FrontEndTelegramConfig",
    "LatLon",
    "MatchingConfig",
    "MatrixConfig",
    "MunicipalityConfig",
    "NluConfig",
    "PostcodeConfig",
    "PushConfig",
    "QuietHours",
    "SecretRef",
    "StartupConfig",
    "TelegramConfig",
    "TelegramWebhookConfig",
    "expand_environment",
    "load_config",
    "parse_config",
]

DEFAULT_CONFIG_PATH = Path("config.yml")

Loc = tuple[int | str, ...]


class ConfigError(Exception):
    """The configuration cannot be used; `problems` holds one line per problem."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        super().__init__("\n".join(self.problems))

    def __str__(self) -> str:
        return "\n".join(self.problems)


# --- environment references ----------------------------------------------------------------

_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_ENV_REF = re.compile(r"\$\{([^}]*)\}")
_CONTEXT_KEY = "environ"


def _environ(info: ValidationInfo) -> Mapping[str, str]:
    context = info.context
    if isinstance(context, Mapping):
        environ = context.get(_CONTEXT_KEY)
        if isinstance(environ, Mapping):
            return environ
    return os.environ


def _split_reference(inner: str) -> tuple[str, str | None]:
    name, sep, default = inner.partition(":-")
    if not _ENV_NAME.fullmatch(name):
        raise ValueError(
            f"${{{inner}}} is not a valid environment reference "
            "(names are upper-case letters, digits and _)"
        )
    return name, default if sep else None


def _unset(name: str, value: str | None) -> str:
    return f"environment variable {name} is {'empty' if value == '' else 'not set'}"


def expand_environment(text: str, environ: Mapping[str, str]) -> str:
    """Replaces `${NAME}` and `${NAME:-default}` like a POSIX shell (empty counts as unset)."""

    def substitute(match: re.Match[str]) -> str:
        name, default = _split_reference(match.group(1))
        value = environ.get(name)
        if value:
            return value
        if default is not None:
            return default
        raise ValueError(_unset(name, value))

    return _ENV_REF.sub(substitute, text)


@dataclass(frozen=True, slots=True)
class SecretRef:
    """A secret named by its environment variable. The value read while loading is kept as a
    SecretStr so it is masked wherever the config is printed."""

    name: str
    value: SecretStr | None = field(default=None, repr=False, compare=False)

    @property
    def is_set(self) -> bool:
        return self.value is not None

    def resolve(self, environ: Mapping[str, str] | None = None) -> str:
        """The secret: from `environ` if given, else the value seen at load time, else
        os.environ."""
        if environ is None and self.value is not None:
            return self.value.get_secret_value()
        source = os.environ if environ is None else environ
        value = source.get(self.name)
        if not value:
            raise ConfigError([_unset(self.name, value)])
        return value

    def __str__(self) -> str:
        return f"${{{self.name}}}"


def _secret_validator(example: str) -> PlainValidator:
    def parse(value: object, info: ValidationInfo) -> SecretRef:
        if isinstance(value, SecretRef):
            return value
        whole = _ENV_REF.fullmatch(value) if isinstance(value, str) else None
        if whole is None:
            raise ValueError(
                f"secrets must be an environment reference like ${{{example}}}, "
                "not the value itself"
            )
        name, default = _split_reference(whole.group(1))
        if default is not None:
            # a default would be the secret itself, written into the file
            raise ValueError(f"a secret cannot have a default; write ${{{name}}}")
        raw = _environ(info).get(name)
        return SecretRef(name, SecretStr(raw) if raw else None)

    return PlainValidator(parse)


_SECRET_SERIALIZER = PlainSerializer(str, return_type=str)

TelegramToken = Annotated[SecretRef, _secret_validator("TELEGRAM_BOT_TOKEN"), _SECRET_SERIALIZER]
TelegramWebhookSecret = Annotated[
    SecretRef, _secret_validator("TELEGRAM_WEBHOOK_SECRET"), _SECRET_SERIALIZER
]
MatrixAccessToken = Annotated[
    SecretRef, _secret_validator("MATRIX_ACCESS_TOKEN"), _SECRET_SERIALIZER
]
MatrixPassword = Annotated[SecretRef, _secret_validator("MATRIX_PASSWORD"), _SECRET_SERIALIZER]


# --- small value types ---------------------------------------------------------------------

# Strict: YAML already types its scalars, so `true` must not become 1 nor 2.0 a whole number.
Int = Annotated[int, Strict()]
Number = Annotated[float, Strict()]
Flag = Annotated[bool, Strict()]
Text = Annotated[str, Strict()]


def _domain_rule(check: Callable[[Any], Any]) -> AfterValidator:
    """Runs a domain check and keeps only its message: pydantic already knows the key path."""

    def run(value: Any) -> Any:
        try:
            return check(value)
        except DomainValidationError as err:
            raise ValueError(err.message) from None

    return AfterValidator(run)


def _between(low: float, high: float, unit: str = "") -> AfterValidator:
    def check(value: float) -> float:
        if math.isnan(value) or not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g}{unit}")
        return value

    return AfterValidator(check)


def _non_empty_text(max_len: int) -> AfterValidator:
    return _domain_rule(lambda value: check_text("text", value, min_len=1, max_len=max_len))


Latitude = Annotated[Number, _domain_rule(check_latitude)]
Longitude = Annotated[Number, _domain_rule(check_longitude)]
RadiusKm = Annotated[Number, _domain_rule(check_radius_km)]


def _check_language(value: str) -> str:
    if value not in SUPPORTED_LANGUAGES:
        raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
    return value


Language = Annotated[Text, AfterValidator(_check_language)]


def _check_time_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        if not zoneinfo.available_timezones():
            raise ValueError(
                "no time zone database on this system (install the tzdata package)"
            ) from None
        raise ValueError(f"unknown time zone {value!r} (like Europe/Berlin)") from None
    return value


TimeZoneName = Annotated[Text, AfterValidator(_check_time_zone)]

_HHMM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def _parse_clock(value: object) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 22:00 as the base-60 number 1320
        raise ValueError('must be a time in quotes, like "22:00"')
    match = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError('must be a time like "22:00"')
    return time(int(match.group(1)), int(match.group(2)))


Clock = Annotated[
    time,
    PlainValidator(_parse_clock),
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
]


def _check_editor(value: str) -> str:
    try:
        return str(PlatformIdentity.parse(value))
    except DomainValidationError as err:
        raise ValueError(err.message) from None


Editor = Annotated[Text, AfterValidator(_check_editor)]


def _check_matrix_user(value: str) -> str:
    try:
        PlatformIdentity(Platform.MATRIX, value)
    except DomainValidationError as err:
        raise ValueError(err.message) from None
    return value


MatrixUserId = Annotated[Text, AfterValidator(_check_matrix_user)]

_SERVER_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?(?::\d{1,5})?")


def _check_server_name(value: str) -> str:
    if not _SERVER_NAME.fullmatch(value):
        raise ValueError(f"not a valid homeserver name: {value!r} (like example.org)")
    return value


MatrixServerName = Annotated[Text, AfterValidator(_check_server_name)]

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _split_url(value: str) -> SplitResult:
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises on a malformed port
    except ValueError:
        raise ValueError("must be a URL like https://example.org") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be a URL like https://example.org")
    return parts


def _check_service_url(value: str) -> str:
    """http is fine for a local service; anything remote carries tokens and needs https."""
    parts = _split_url(value)
    if parts.scheme == "http" and parts.hostname not in _LOCAL_HOSTS:
        raise ValueError("must use https (plain http only for localhost)")
    return value.rstrip("/")


def _check_local_or_remote_url(value: str) -> str:
    _split_url(value)
    return value.rstrip("/")


_TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)


def _check_webhook_url(value: str) -> str:
    parts = _split_url(value)
    if parts.scheme != "https":
        raise ValueError("must use https (telegram only delivers webhooks over https)")
    if parts.port is not None and parts.port not in _TELEGRAM_WEBHOOK_PORTS:
        ports = ", ".join(str(port) for port in _TELEGRAM_WEBHOOK_PORTS)
        raise ValueError(f"telegram only delivers webhooks to ports {ports}")
    return value


def _expanded(check: Callable[[str], str]) -> PlainValidator:
    def run(value: object, info: ValidationInfo) -> str:
        if not isinstance(value, str):
            raise ValueError("must be text")
        return check(expand_environment(value, _environ(info)))

    return PlainValidator(run)


HomeserverUrl = Annotated[Text, AfterValidator(_check_service_url)]
WebhookUrl = Annotated[Text, AfterValidator(_check_local_or_remote_url)]
TELEGRAM_API_URL = "https://api.telegram.org"
RasaUrl = Annotated[str, _expanded(_check_local_or_remote_url)]


# --- database URL ---------------------------------------------------------------------------

_DATABASE_SCHEMES = ("sqlite", "postgresql+psycopg")
_OTHER_POSTGRES = re.compile(r"postgres(?:ql)?(?:\+\w+)?")
_REFERENCE_PLACEHOLDER = "ENVREF"


def _has_literal_password(url: str) -> bool:
    """True when a password is written into the URL itself rather than referenced."""
    for match in _ENV_REF.finditer(url):
        _, _, default = match.group(1).partition(":-")
        if "://" in default and _url_password(default):
            return True
    password = _url_password(_ENV_REF.sub(_REFERENCE_PLACEHOLDER, url))
    return bool(password) and _REFERENCE_PLACEHOLDER not in (password or "")


def _url_password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _database_url(value: object, info: ValidationInfo) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    if _has_literal_password(value):
        raise ValueError(
            "a URL with a password must be an environment reference like ${DATABASE_URL}"
        )
    url = expand_environment(value, _environ(info)).strip()
    scheme, sep, _ = url.partition("://")
    if not sep:
        raise ValueError("must be a database URL like sqlite:///data/ehrenamt.sqlite3")
    scheme = scheme.lower()
    if scheme in _DATABASE_SCHEMES:
        return url
    if _OTHER_POSTGRES.fullmatch(scheme):
        # psycopg 3 is the only PostgreSQL driver installed; SQLAlchemy would pick psycopg2
        raise ValueError(f"use postgresql+psycopg:// instead of {scheme}://")
    raise ValueError(f"unsupported database {scheme!r} (use sqlite:/// or postgresql+psycopg://)")


DatabaseUrl = Annotated[str, PlainValidator(_database_url)]


def _mask_password(url: str) -> str:
    password = _url_password(url)
    if not password:
        return url
    scheme, _, rest = url.partition("://")
    userinfo, _, host = rest.rpartition("@")
    user = userinfo.partition(":")[0]
    return f"{scheme}://{user}:***@{host}"


# --- problems raised by model validators ----------------------------------------------------

_PROBLEMS = "config_problems"


class _Problems:
    """Collects cross-field problems so one validator can report several lines, each with its
    own key path below the model."""

    def __init__(self) -> None:
        self.items: list[tuple[Loc, str]] = []

    def add(self, loc: Loc, message: str) -> None:
        self.items.append((loc, message))

    def raise_any(self) -> None:
        if self.items:
            raise PydanticCustomError(
                _PROBLEMS,
                "{count} configuration problem(s)",
                {"count": len(self.items), "problems": tuple(self.items)},
            )


def _need_secret(problems: _Problems, loc: Loc, secret: SecretRef | None, what: str) -> None:
    if secret is None:
        problems.add(loc, f"required when {what}")
    elif not secret.is_set:
        problems.add(loc, f"environment variable {secret.name} is not set")


# --- models ---------------------------------------------------------------------------------


class _Model(BaseModel):
    """Unknown keys are refused (a typo must not be silently ignored); loaded config is
    immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DefaultsConfig(_Model):
    """What a new account starts with until the user chooses otherwise."""

    language: Language = "de"
    time_zone: TimeZoneName = "Europe/Berlin"


class DatabaseConfig(_Model):
    url: DatabaseUrl = "sqlite:///data/ehrenamt.sqlite3"
    migrate_on_start: Flag = True

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        # the URL may carry a password taken from ${DATABASE_URL}
        for name, value in super().__repr_args__():
            yield name, _mask_password(value) if name == "url" else value


class ConsoleConfig(_Model):
    enabled: Flag = True
    municipality: Text | None = None


class TelegramWebhookConfig(_Model):
    public_url: WebhookUrl
    listen: Annotated[Text, _non_empty_text(255)] = "127.0.0.1"
    port: Annotated[Int, _between(1, 65535)] = 8443
    path: Text = "/telegram"
    secret_token: TelegramWebhookSecret | None = None

    @field_validator("path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError('must start with "/"')
        return value


_TELEGRAM_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _valid_webhook_secret(secret: SecretRef) -> bool:
    return secret.value is None or bool(
        _TELEGRAM_SECRET_TOKEN.fullmatch(secret.value.get_secret_value())
    )


class TelegramConfig(_Model):
    enabled: Flag = False
    token: TelegramToken | None = None
    mode: Literal["polling", "webhook"] = "polling"
    webhook: TelegramWebhookConfig | None = None
    # Telegram's, or a self-hosted telegram-bot-api server (which also takes http webhooks on
    # any port)
    api_url: Annotated[Text, AfterValidator(_check_service_url)] = TELEGRAM_API_URL

    @model_validator(mode="after")
    def _usable_when_enabled(self) -> Self:
        problems = _Problems()
        if self.webhook is not None and self.api_url == TELEGRAM_API_URL:
            try:
                _check_webhook_url(self.webhook.public_url)
            except ValueError as error:
                problems.add(("webhook", "public_url"), str(error))
        if not self.enabled:
            problems.raise_any()
            return self
        _need_secret(problems, ("token",), self.token, "telegram is enabled")
        if self.mode == "webhook":
            _need_webhook(problems, (), self.webhook, "required when mode is webhook")
        problems.raise_any()
        return self


def _need_webhook(
    problems: _Problems, loc: Loc, webhook: TelegramWebhookConfig | None, missing: str
) -> None:
    if webhook is None:
        problems.add((*loc, "webhook"), missing)
        return
    # without it anyone who finds the URL can inject updates
    secret = webhook.secret_token
    secret_loc: Loc = (*loc, "webhook", "secret_token")
    _need_secret(problems, secret_loc, secret, "mode is webhook")
    # telegram would refuse any other secret, but only once the bot is starting
    if secret is not None and not _valid_webhook_secret(secret):
        problems.add(
            secret_loc,
            f"environment variable {secret.name} must be 1–256 characters "
            "of A–Z, a–z, 0–9, _ and -",
        )


class MatrixConfig(_Model):
    enabled: Flag = False
    homeserver: HomeserverUrl | None = None
    user_id: MatrixUserId | None = None
    access_token: MatrixAccessToken | None = None
    password: MatrixPassword | None = None
    # stable across restarts: the homeserver keeps the device's transaction ids and keys
    device_id: Annotated[Text, _non_empty_text(64)] = "EHRENAMTBOT"
    encryption: Flag = False
    # end-to-end keys of the device (with encryption); back it up with the database
    store_path: Annotated[Text, _non_empty_text(255)] = "data/matrix-store"
    allowed_homeservers: tuple[MatrixServerName, ...] = ()

    @model_validator(mode="after")
    def _usable_when_enabled(self) -> Self:
        if not self.enabled:
            return self
        problems = _Problems()
        if self.homeserver is None:
            problems.add(("homeserver",), "required when matrix is enabled")
        if self.user_id is None:
            problems.add(("user_id",), "required when matrix is enabled")
        _need_login(problems, self.access_token, self.password, "matrix is enabled")
        problems.raise_any()
        return self


def _need_login(
    problems: _Problems, access_token: SecretRef | None, password: SecretRef | None, what: str
) -> None:
    if access_token is None and password is None:
        problems.add(("access_token",), f"required when {what} (or give a password)")
    elif access_token is not None and password is not None:
        problems.add(("password",), "give either access_token or password, not both")
    elif access_token is not None:
        _need_secret(problems, ("access_token",), access_token, what)
    else:
        _need_secret(problems, ("password",), password, what)


class ChannelsConfig(_Model):
    console: ConsoleConfig = ConsoleConfig()
    telegram: TelegramConfig = TelegramConfig()
    matrix: MatrixConfig = MatrixConfig()


# --- a municipality's own bots (its front ends) ---------------------------------------------


class FrontEndTelegramConfig(_Model):
    """A municipality's own Telegram bot (`municipalities[].telegram`). What is not given comes
    from channels.telegram (mode, api_url); a webhook cannot be shared, so a bot in webhook
    mode brings its own (AppConfig checks it, since the mode may be inherited)."""

    enabled: Flag = True
    token: TelegramToken
    mode: Literal["polling", "webhook"] | None = None
    webhook: TelegramWebhookConfig | None = None
    api_url: Annotated[Text, AfterValidator(_check_service_url)] | None = None

    @model_validator(mode="after")
    def _usable_when_enabled(self) -> Self:
        problems = _Problems()
        if self.enabled:
            _need_secret(problems, ("token",), self.token, "its telegram bot is enabled")
        problems.raise_any()
        return self


class FrontEndMatrixConfig(_Model):
    """A municipality's own Matrix account (`municipalities[].matrix`). What is not given comes
    from channels.matrix (homeserver, device_id, encryption, store_path, allowed_homeservers)."""

    enabled: Flag = True
    homeserver: HomeserverUrl | None = None
    user_id: MatrixUserId
    access_token: MatrixAccessToken | None = None
    password: MatrixPassword | None = None
    device_id: Annotated[Text, _non_empty_text(64)] | None = None
    encryption: Flag | None = None

    @model_validator(mode="after")
    def _usable_when_enabled(self) -> Self:
        problems = _Problems()
        if self.enabled:
            _need_login(problems, self.access_token, self.password, "its matrix account is enabled")
        problems.raise_any()
        return self


class NominatimConfig(_Model):
    """OpenStreetMap's geocoder for place names the offline gazetteer lacks. Its usage policy
    asks for a real user agent naming the operator, and at most one request a second."""

    enabled: Flag = False
    user_agent: Annotated[str, _non_empty_text(200)] = "ehrenamt-bot (operator: set a contact)"


class NluConfig(_Model):
    backend: Literal["embedded", "rasa"] = "embedded"
    rasa_url: RasaUrl | None = None
    confidence_threshold: Annotated[Number, _between(0, 1)] = 0.55
    nominatim: NominatimConfig = NominatimConfig()

    @model_validator(mode="after")
    def _rasa_needs_url(self) -> Self:
        if self.backend == "rasa" and self.rasa_url is None:
            problems = _Problems()
            problems.add(("rasa_url",), "required when backend is rasa")
            problems.raise_any()
        return self


class QuietHours(_Model):
    """No spontaneous pushes in this span; it may wrap past midnight (22:00–07:00)."""

    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            problems = _Problems()
            problems.add(("end",), "must differ from start (remove quiet_hours to have none)")
            problems.raise_any()
        return self

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class PushConfig(_Model):
    wave_size: Annotated[Int, _between(1, 1000)] = 10
    wave_timeout_minutes: Annotated[Int, _between(1, 1440)] = 15
    radius_steps_km: tuple[RadiusKm, ...] = (2.0, 5.0, 10.0, 20.0)
    max_alerts_per_need: Annotated[Int, _between(1, 10000)] = 50
    daily_cap_per_volunteer: Annotated[Int, _between(0, 100)] = 3
    quiet_hours: QuietHours | None = QuietHours(start=time(22, 0), end=time(7, 0))
    # editors' /broadcast calls per municipality and local day; 0 switches the command off
    broadcasts_per_day: Annotated[Int, _between(0, 24)] = 2

    @field_validator("radius_steps_km")
    @classmethod
    def _widening(cls, steps: tuple[float, ...]) -> tuple[float, ...]:
        problems = _Problems()
        if not steps:
            problems.add((), "must list at least one radius")
        for index in range(1, len(steps)):
            if steps[index] <= steps[index - 1]:
                problems.add((index,), "must be larger than the step before (waves widen)")
        problems.raise_any()
        return steps


class MatchingConfig(_Model):
    default_radius_km: RadiusKm = 10.0
    free_now_radius_km: RadiusKm = 5.0
    max_results: Annotated[Int, _between(1, 100)] = 20
    location_ttl_hours: Annotated[Number, _between(0.25, 72, " hours")] = 4.0
    push: PushConfig = PushConfig()


class RateLimitConfig(_Model):
    """At most so many messages in any sliding window: how the platforms count."""

    messages_per_second: Annotated[Number, _between(0.01, 1000, "/s")]
    per_chat_per_second: Annotated[Number, _between(0.01, 100, "/s")]
    per_group_per_minute: Annotated[Number, _between(1, 6000, "/min")]


class DeliveryConfig(_Model):
    # Telegram: ~30/s overall, 1/s per chat, 20/min per group; kept a little under the maximum
    telegram: RateLimitConfig = RateLimitConfig(
        messages_per_second=25, per_chat_per_second=1, per_group_per_minute=20
    )
    # Synapse allows 0.2/s after a burst of 10 unless the operator exempts the bot (README)
    matrix: RateLimitConfig = RateLimitConfig(
        messages_per_second=10, per_chat_per_second=1, per_group_per_minute=60
    )
    max_attempts: Annotated[Int, _between(1, 100)] = 8
    lease_seconds: Annotated[Int, _between(5, 3600)] = 60


class StartupConfig(_Model):
    """How long `ehrenamt` waits for the database, the Bot API and the Matrix homeserver when
    they do not answer at start (a service manager may start the bot before them or before the
    network): so many attempts in all, the pause doubling from first_delay_seconds up to
    max_delay_seconds. A refusal (no such database, a rejected token) is not retried."""

    attempts: Annotated[Int, _between(1, 100)] = 5
    first_delay_seconds: Annotated[Number, _between(0, 600, " s")] = 2.0
    max_delay_seconds: Annotated[Number, _between(0, 3600, " s")] = 15.0

    @model_validator(mode="after")
    def _delays_grow(self) -> Self:
        if self.max_delay_seconds < self.first_delay_seconds:
            problems = _Problems()
            problems.add(("max_delay_seconds",), "must not be less than first_delay_seconds")
            problems.raise_any()
        return self


class LatLon(_Model):
    lat: Latitude
    lon: Longitude

    def to_domain(self) -> GeoPoint:
        return GeoPoint(self.lat, self.lon)


class DistrictConfig(_Model):
    name: Annotated[Text, _non_empty_text(80)]
    lat: Latitude
    lon: Longitude

    def to_domain(self) -> District:
        return District(self.name, GeoPoint(self.lat, self.lon))


def _postcode_text(value: object) -> object:
    """A postcode written without quotes reaches us as a number: fine from 10000 on, but a
    smaller one lost its leading zero in YAML (01067 even reads as octal)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < 10000:
            raise ValueError('must be in quotes, like "01067" (YAML drops a leading zero)')
        return str(value)
    return value


PostcodeCode = Annotated[Text, BeforeValidator(_postcode_text), _domain_rule(check_postcode)]


def _postcode_mapping(value: object) -> object:
    """A plain entry ("52062") is a postcode standing for the whole town."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        return {"code": value}
    return value


class PostcodeConfig(_Model):
    """A postcode of the municipality: `"52062"`, or `{code: "52064", lat: …, lon: …}` when the
    area has a centre of its own (a plain code stands for the municipality's centre)."""

    code: PostcodeCode
    lat: Latitude | None = None
    lon: Longitude | None = None

    @model_validator(mode="after")
    def _both_coordinates(self) -> Self:
        problems = _Problems()
        if self.lat is not None and self.lon is None:
            problems.add(("lon",), "required when lat is given")
        if self.lon is not None and self.lat is None:
            problems.add(("lat",), "required when lon is given")
        problems.raise_any()
        return self

    def to_domain(self, town_centre: GeoPoint) -> Postcode:
        if self.lat is None or self.lon is None:
            return Postcode(self.code, town_centre)
        return Postcode(self.code, GeoPoint(self.lat, self.lon))


class MunicipalityConfig(_Model):
    key: Text
    name: Text
    centre: LatLon
    default_radius_km: RadiusKm = 10.0
    languages: tuple[Text, ...] = ("de", "en")
    editors: tuple[Editor, ...] = ()
    contact: Text = ""
    welcome: dict[Text, Annotated[Text, _non_empty_text(1000)]] = {}
    districts: tuple[DistrictConfig, ...] = ()
    # the municipality's own bots (front ends) beside the shared ones; none when not given
    telegram: FrontEndTelegramConfig | None = None
    matrix: FrontEndMatrixConfig | None = None
    postcodes: tuple[Annotated[PostcodeConfig, BeforeValidator(_postcode_mapping)], ...] = ()

    @model_validator(mode="after")
    def _domain_rules(self) -> Self:
        problems = _Problems()
        try:
            self.to_domain()
        except DomainValidationError as err:
            problems.add((err.field,), err.message)
        for language in self.welcome:
            if language not in SUPPORTED_LANGUAGES:
                allowed = ", ".join(SUPPORTED_LANGUAGES)
                problems.add(("welcome", language), f"unknown language (allowed: {allowed})")
        seen: dict[str, int] = {}
        for index, district in enumerate(self.districts):
            folded = fold(district.name)
            if folded in seen:
                # place lookup folds names, so the second one could never be found
                problems.add(
                    ("districts", index, "name"),
                    f"duplicate district {district.name!r} (also districts[{seen[folded]}])",
                )
            else:
                seen[folded] = index
        problems.raise_any()
        return self

    def to_domain(self) -> Municipality:
        return Municipality(
            key=self.key,
            name=self.name,
            centre=self.centre.to_domain(),
            default_radius_km=self.default_radius_km,
            languages=self.languages,
            editors=tuple(PlatformIdentity.parse(editor) for editor in self.editors),
            welcome=tuple(sorted(self.welcome.items())),
            districts=tuple(district.to_domain() for district in self.districts),
            contact=self.contact,
            postcodes=tuple(
                postcode.to_domain(self.centre.to_domain()) for postcode in self.postcodes
            ),
        )


def _unique_postcodes(municipalities: Sequence[MunicipalityConfig], problems: _Problems) -> None:
    """One postcode belongs to one municipality: a user typing it must land in exactly one."""
    first: dict[str, tuple[int, int]] = {}
    for index, municipality in enumerate(municipalities):
        for position, postcode in enumerate(municipality.postcodes):
            seen = first.setdefault(postcode.code, (index, position))
            if seen == (index, position):
                continue
            owner, at = seen
            loc = (index, "postcodes", position, "code")
            if owner == index:
                problems.add(loc, f"duplicate postcode {postcode.code!r} (also postcodes[{at}])")
            else:
                problems.add(
                    loc,
                    f"postcode {postcode.code!r} of {municipality.name} already belongs to "
                    f"{municipalities[owner].name} (municipalities[{owner}].postcodes[{at}])",
                )


class AppConfig(_Model):
    defaults: DefaultsConfig = DefaultsConfig()
    database: DatabaseConfig = DatabaseConfig()
    channels: ChannelsConfig = ChannelsConfig()
    nlu: NluConfig = NluConfig()
    matching: MatchingConfig = MatchingConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    startup: StartupConfig = StartupConfig()
    # platform ids ("telegram:123456") who may moderate every municipality
    superadmins: tuple[Editor, ...] = ()
    municipalities: tuple[MunicipalityConfig, ...]

    @field_validator("municipalities")
    @classmethod
    def _unique_keys(
        cls, municipalities: tuple[MunicipalityConfig, ...]
    ) -> tuple[MunicipalityConfig, ...]:
        problems = _Problems()
        if not municipalities:
            problems.add((), "must list at least one municipality")
        first: dict[str, int] = {}
        for index, municipality in enumerate(municipalities):
            if municipality.key in first:
                problems.add(
                    (index, "key"),
                    f"duplicate key {municipality.key!r} "
                    f"(also municipalities[{first[municipality.key]}])",
                )
            else:
                first[municipality.key] = index
        _unique_postcodes(municipalities, problems)
        problems.raise_any()
        return municipalities

    @model_validator(mode="after")
    def _console_municipality_exists(self) -> Self:
        wanted = self.channels.console.municipality
        keys = [municipality.key for municipality in self.municipalities]
        if wanted is not None and wanted not in keys:
            problems = _Problems()
            problems.add(
                ("channels", "console", "municipality"),
                f"unknown municipality {wanted!r} (configured: {', '.join(keys)})",
            )
            problems.raise_any()
        return self

    @model_validator(mode="after")
    def _front_ends_are_their_own(self) -> Self:
        problems = _Problems()
        _check_front_ends(self, problems)
        problems.raise_any()
        return self

    @property
    def console_enabled(self) -> bool:
        return self.channels.console.enabled

    @property
    def telegram_enabled(self) -> bool:
        """Some Telegram bot is served: the shared one or a municipality's own."""
        return bool(self.telegram_front_ends())

    @property
    def matrix_enabled(self) -> bool:
        """Some Matrix account is served: the shared one or a municipality's own."""
        return bool(self.matrix_front_ends())

    def telegram_front_ends(self) -> dict[str, TelegramConfig]:
        """The Telegram bots to serve, by front end: "" the shared bot (channels.telegram),
        a municipality key that municipality's own bot, completed from channels.telegram."""
        shared = self.channels.telegram
        bots = {SHARED_FRONT_END: shared} if shared.enabled else {}
        for municipality in self.municipalities:
            own = municipality.telegram
            if own is not None and own.enabled:
                bots[municipality.key] = shared.model_copy(
                    update={
                        "enabled": True,
                        "token": own.token,
                        "mode": own.mode or shared.mode,
                        "webhook": own.webhook,  # never the shared bot's: one URL, one bot
                        "api_url": own.api_url or shared.api_url,
                    }
                )
        return bots

    def matrix_front_ends(self) -> dict[str, MatrixConfig]:
        """The Matrix accounts to serve, by front end: "" the shared account (channels.matrix),
        a municipality key that municipality's own, completed from channels.matrix."""
        shared = self.channels.matrix
        accounts = {SHARED_FRONT_END: shared} if shared.enabled else {}
        for municipality in self.municipalities:
            own = municipality.matrix
            if own is not None and own.enabled:
                accounts[municipality.key] = shared.model_copy(
                    update={
                        "enabled": True,
                        "homeserver": own.homeserver or shared.homeserver,
                        "user_id": own.user_id,
                        "access_token": own.access_token,
                        "password": own.password,
                        "device_id": own.device_id or shared.device_id,
                        "encryption": shared.encryption
                        if own.encryption is None
                        else own.encryption,
                    }
                )
        return accounts

    def secrets(self) -> list[tuple[str, str]]:
        """(what, value) of every secret this configuration holds, to keep out of the logs:
        each bot token, webhook secret, Matrix access token and password that was set, whether
        its front end is enabled or not, and the database URL's password."""
        found = list(_secret_values(self))
        found.extend(("password", password) for password in _url_passwords(self.database.url))
        return found

    def domain_superadmins(self) -> tuple[PlatformIdentity, ...]:
        return tuple(PlatformIdentity.parse(admin) for admin in self.superadmins)

    def domain_municipalities(self) -> tuple[Municipality, ...]:
        return tuple(municipality.to_domain() for municipality in self.municipalities)

    def municipality(self, key: str) -> MunicipalityConfig | None:
        return next((m for m in self.municipalities if m.key == key), None)


def _secret_values(value: object, name: str = "") -> Iterator[tuple[str, str]]:
    """Every secret set somewhere in the model tree, labelled with its key (`token`,
    `password`, …): found by type, so a secret added to the config later is found too."""
    if isinstance(value, SecretRef):
        if value.value is not None:
            yield name, value.value.get_secret_value()
    elif isinstance(value, BaseModel):
        for field_name in type(value).model_fields:
            yield from _secret_values(getattr(value, field_name), field_name)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _secret_values(item, name)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _secret_values(item, name)


def _url_passwords(url: str) -> list[str]:
    """The password of a database URL as written and as the driver gets it (%-decoded)."""
    password = _url_password(url)
    if not password:
        return []
    return list(dict.fromkeys([password, unquote(password)]))


# --- front ends: every bot its own ----------------------------------------------------------


class _Claims:
    """Values a front end must have to itself (a bot token, an account, a webhook port), with
    the key path of the front end that claimed each first."""

    def __init__(self, what: str, why: str) -> None:
        self._what = what
        self._why = why
        self._owners: dict[object, str] = {}

    def claim(self, problems: _Problems, loc: Loc, values: Iterable[object]) -> None:
        values = [value for value in values if value is not None]
        owner = next((self._owners[v] for v in values if v in self._owners), None)
        if owner is not None:
            problems.add(loc, f"{self._what} is already used by {owner} ({self._why})")
            return
        for value in values:
            self._owners[value] = _key_path(loc)


def _token_values(token: SecretRef | None) -> list[object]:
    # the same variable, or two variables holding the same token, are the same bot
    if token is None:
        return []
    value = token.value.get_secret_value() if token.value is not None else None
    return [("variable", token.name), ("token", value) if value else None]


def _check_front_ends(config: AppConfig, problems: _Problems) -> None:
    """Each enabled front end has a bot (account) of its own, and a bot in webhook mode its
    own port and public URL: two would otherwise take each other's updates."""
    tokens = _Claims("this bot token", "each front end needs a bot of its own")
    accounts = _Claims("this account", "each front end needs an account of its own")
    ports = _Claims("this port", "each bot in webhook mode needs a port of its own")
    urls = _Claims("this URL", "each bot in webhook mode needs a URL of its own")
    shared_telegram, shared_matrix = config.channels.telegram, config.channels.matrix
    if shared_telegram.enabled:
        tokens.claim(
            problems, ("channels", "telegram", "token"), _token_values(shared_telegram.token)
        )
        hook = shared_telegram.webhook
        if shared_telegram.mode == "webhook" and hook is not None:
            ports.claim(problems, ("channels", "telegram", "webhook", "port"), [hook.port])
            urls.claim(
                problems, ("channels", "telegram", "webhook", "public_url"), [hook.public_url]
            )
    if shared_matrix.enabled:
        accounts.claim(problems, ("channels", "matrix", "user_id"), [shared_matrix.user_id])
    for index, municipality in enumerate(config.municipalities):
        telegram, matrix = municipality.telegram, municipality.matrix
        if telegram is not None and telegram.enabled:
            loc: Loc = ("municipalities", index, "telegram")
            tokens.claim(problems, (*loc, "token"), _token_values(telegram.token))
            if (telegram.mode or shared_telegram.mode) == "webhook":
                _check_own_webhook(problems, loc, telegram, shared_telegram, ports, urls)
        if matrix is not None and matrix.enabled:
            loc = ("municipalities", index, "matrix")
            accounts.claim(problems, (*loc, "user_id"), [matrix.user_id])
            if matrix.homeserver is None and shared_matrix.homeserver is None:
                problems.add(
                    (*loc, "homeserver"), "required (channels.matrix has none to take it from)"
                )


def _check_own_webhook(
    problems: _Problems,
    loc: Loc,
    telegram: FrontEndTelegramConfig,
    shared: TelegramConfig,
    ports: _Claims,
    urls: _Claims,
) -> None:
    """A municipality's bot in webhook mode listens on a port of its own under a URL of its
    own; the shared bot's webhook is never inherited."""
    _need_webhook(
        problems,
        loc,
        telegram.webhook,
        "required in webhook mode: a bot of its own needs its own public_url, port and "
        "secret_token (or set mode: polling)",
    )
    hook = telegram.webhook
    if hook is None:
        return
    ports.claim(problems, (*loc, "webhook", "port"), [hook.port])
    urls.claim(problems, (*loc, "webhook", "public_url"), [hook.public_url])
    if (telegram.api_url or shared.api_url) == TELEGRAM_API_URL:
        try:
            _check_webhook_url(hook.public_url)
        except ValueError as error:
            problems.add((*loc, "webhook", "public_url"), str(error))


# --- loading --------------------------------------------------------------------------------


def parse_config(data: object, environ: Mapping[str, str] | None = None) -> AppConfig:
    """Validates already-parsed YAML (a dict); raises ConfigError listing every problem."""
    if data is None:
        raise ConfigError(["(top level): the configuration is empty"])
    context = {_CONTEXT_KEY: os.environ if environ is None else environ}
    try:
        return AppConfig.model_validate(data, context=context)
    except PydanticValidationError as err:
        lines: list[str] = []
        for error in err.errors(include_url=False, include_input=False):
            for line in _error_lines(error):
                if line not in lines:
                    lines.append(line)
        raise ConfigError(lines) from None


def load_config(
    path: str | Path = DEFAULT_CONFIG_PATH, environ: Mapping[str, str] | None = None
) -> AppConfig:
    """Reads and validates a config.yml; raises ConfigError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # editors on Windows add a BOM
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{path}: is a directory, not a file"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not UTF-8 text"]) from None
    except OSError as err:
        raise ConfigError([f"{path}: cannot be read ({err.strerror or err})"]) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as err:
        raise ConfigError([_yaml_problem(path, err)]) from None
    if data is None:
        raise ConfigError([f"{path}: file is empty"])
    return parse_config(data, environ)


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML silently keeps the last of two equal keys; a second `telegram:` block would
    quietly replace the first, so it is an error here."""


def _construct_unique_mapping(
    loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<:` merges may be overridden on purpose
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:
            continue  # unhashable: SafeLoader reports it below
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_unique_mapping,
)


def _yaml_problem(path: Path, err: yaml.YAMLError) -> str:
    if isinstance(err, yaml.MarkedYAMLError) and err.problem_mark is not None:
        mark = err.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}"
        problem = err.problem or "invalid YAML"
        context = err.context
        if context and err.context_mark is not None and err.context_mark.line != mark.line:
            context += f" at line {err.context_mark.line + 1}"
        message = f"{problem} ({context})" if context else problem
        return _one_line(f"{where}: invalid YAML: {message}")
    return _one_line(f"{path}: invalid YAML: {err}")


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- turning pydantic errors into lines -----------------------------------------------------

_TYPE_MESSAGES = {
    "missing": "required",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "string_unicode": "must be text",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "set_type": "must be a list",
    "dict_type": "must be a mapping (key: value)",
    "model_type": "must be a mapping (key: value)",
    "model_attributes_type": "must be a mapping (key: value)",
}


def _error_lines(error: ErrorDetails) -> list[str]:
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == _PROBLEMS:
        return [_line(loc + sub, message) for sub, message in ctx["problems"]]
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = ", ".join(model.model_fields) if model is not None else ""
        return [_line(loc, f"unknown key (allowed: {allowed})")]
    if kind in _TYPE_MESSAGES:
        return [_line(loc, _TYPE_MESSAGES[kind])]
    if kind in ("literal_error", "enum"):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return [_line(loc, f"must be one of {', '.join(choices)}")]
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return [_line(loc, _one_line(str(ctx["error"])))]
    message = error["msg"]
    return [_line(loc, _one_line(message[:1].lower() + message[1:]))]


def _line(loc: Sequence[int | str], message: str) -> str:
    return f"{_key_path(loc)}: {message}"


def _key_path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        if part == "[key]":
            continue  # pydantic's marker for a dict key; the key itself is already in loc
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "(top level)"


def _model_at(loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model class that validates the mapping at `loc`, to list its allowed keys."""
    current: Any = AppConfig
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            args = [arg for arg in get_args(current) if arg is not Ellipsis]
            if not args:
                return None
            current = args[0]
        elif (
            isinstance(current, type)
            and issubclass(current, BaseModel)
            and part in current.model_fields
        ):
            current = current.model_fields[part].annotation
        else:
            return None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation
