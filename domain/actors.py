"""Who acts: accounts (always a person), the organisations they may act for, and the platform
identities through which they talk to the bot."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum

from domain.errors import ValidationError
from domain.places import Place
from domain.text import check_text

DEFAULT_TIME_ZONE = "Europe/Berlin"
DEFAULT_LANGUAGE = "de"
DEFAULT_DIGEST_TIME = time(18, 0)


class Platform(StrEnum):
    TELEGRAM = "telegram"
    MATRIX = "matrix"
    CONSOLE = "console"


class ActorKind(StrEnum):
    PERSON = "person"
    CLUB = "club"
    COMPANY = "company"
    SCHOOL = "school"
    INITIATIVE = "initiative"
    MUNICIPAL_OFFICE = "municipal_office"


ORGANISATION_KINDS = frozenset(ActorKind) - {ActorKind.PERSON}

ACTOR_KIND_LABELS: dict[ActorKind, dict[str, str]] = {
    ActorKind.PERSON: {"de": "Privatperson", "en": "Private person"},
    ActorKind.CLUB: {"de": "Verein", "en": "Club"},
    ActorKind.COMPANY: {"de": "Unternehmen", "en": "Company"},
    ActorKind.SCHOOL: {"de": "Schule / Bildungseinrichtung", "en": "School"},
    ActorKind.INITIATIVE: {"de": "Initiative", "en": "Initiative"},
    ActorKind.MUNICIPAL_OFFICE: {"de": "Kommunale Stelle", "en": "Municipal office"},
}

_IDENTITY_PATTERNS: dict[Platform, re.Pattern[str]] = {
    Platform.TELEGRAM: re.compile(r"^-?[0-9]{1,20}$"),
    # historical Matrix ids may use any printable ASCII but ':' in the localpart (spec, appendix)
    Platform.MATRIX: re.compile(r"^@[!-9;-~]+:[A-Za-z0-9.\-]+(:[0-9]{1,5})?$"),
    Platform.CONSOLE: re.compile(r"^[A-Za-z0-9._\-@]{1,64}$"),
}


@dataclass(frozen=True, slots=True)
class PlatformIdentity:
    """One user on one platform, written `telegram:123456` or `matrix:@anna:example.org`."""

    platform: Platform
    external_id: str

    def __post_init__(self) -> None:
        if not _IDENTITY_PATTERNS[self.platform].fullmatch(self.external_id):
            raise ValidationError(
                "identity", f"not a valid {self.platform.value} user id: {self.external_id!r}"
            )

    @classmethod
    def parse(cls, text: str) -> PlatformIdentity:
        platform_name, sep, external_id = text.strip().partition(":")
        if not sep:
            raise ValidationError("identity", f"expected platform:id, got {text!r}")
        try:
            platform = Platform(platform_name.lower())
        except ValueError:
            allowed = ", ".join(p.value for p in Platform)
            raise ValidationError(
                "identity", f"unknown platform {platform_name!r} (one of {allowed})"
            ) from None
        return cls(platform, external_id)

    def __str__(self) -> str:
        return f"{self.platform.value}:{self.external_id}"


class MemberRole(StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Organisation:
    """A club, company, school, initiative or municipal office that people act for."""

    kind: ActorKind
    name: str
    municipality_key: str | None = None
    verified: bool = False
    id: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in ORGANISATION_KINDS:
            raise ValidationError("organisation.kind", "a person is not an organisation")
        object.__setattr__(
            self, "name", check_text("organisation.name", self.name, min_len=2, max_len=120)
        )


@dataclass(frozen=True, slots=True)
class Membership:
    organisation_id: int
    role: MemberRole = MemberRole.MEMBER


class Availability(StrEnum):
    """When a volunteer usually has time; the push targeting reads it."""

    WEEKDAY_DAYTIME = "weekday_daytime"
    WEEKDAY_EVENINGS = "weekday_evenings"
    WEEKENDS = "weekends"
    SPONTANEOUS = "spontaneous"


@dataclass(frozen=True, slots=True)
class QuietHours:
    """No pushes between start and end (wall clock, may wrap past midnight)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValidationError("quiet_hours", "start and end must differ")

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True, slots=True)
class Account:
    """A person. Every piece of personal data hangs off an account, so export and erasure are
    complete."""

    display_name: str
    language: str = DEFAULT_LANGUAGE
    time_zone: str = DEFAULT_TIME_ZONE
    municipality_key: str | None = None
    home: Place | None = None
    consent_at: datetime | None = None
    identities: tuple[PlatformIdentity, ...] = ()
    memberships: tuple[Membership, ...] = field(default=())
    availability: frozenset[Availability] = frozenset()
    notifications_enabled: bool = True
    quiet_hours: QuietHours | None = None
    digest_time: time | None = DEFAULT_DIGEST_TIME  # local time of the daily digest; None: none
    banned_at: datetime | None = None  # by an editor (set and cleared only by /ban, /unban)
    id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "availability", frozenset(self.availability))
        object.__setattr__(
            self,
            "display_name",
            check_text("account.display_name", self.display_name, min_len=1, max_len=80),
        )
        if self.language not in ("de", "en"):
            raise ValidationError("account.language", "must be de or en")

    @property
    def banned(self) -> bool:
        return self.banned_at is not None

    def acts_for(self, organisation_id: int) -> bool:
        return any(m.organisation_id == organisation_id for m in self.memberships)


@dataclass(frozen=True, slots=True)
class Owner:
    """Who a posting belongs to: a person, optionally acting for one of their organisations."""

    account_id: int
    organisation_id: int | None = None
