"""Platform identities, organisations and accounts."""

from __future__ import annotations

import pytest

from domain.actors import (
    ACTOR_KIND_LABELS,
    ORGANISATION_KINDS,
    Account,
    ActorKind,
    MemberRole,
    Membership,
    Organisation,
    Owner,
    Platform,
    PlatformIdentity,
)
from domain.errors import ValidationError
from domain.places import GeoPoint, Place


def test_parse_telegram() -> None:
    identity = PlatformIdentity.parse("telegram:123456")
    assert identity.platform is Platform.TELEGRAM
    assert identity.external_id == "123456"
    assert identity == PlatformIdentity(Platform.TELEGRAM, "123456")


def test_parse_telegram_negative_chat_id() -> None:
    assert PlatformIdentity.parse("telegram:-1001234567890").external_id == "-1001234567890"


def test_parse_matrix_keeps_the_colon_inside_the_user_id() -> None:
    identity = PlatformIdentity.parse("matrix:@anna:example.org")
    assert identity.platform is Platform.MATRIX
    assert identity.external_id == "@anna:example.org"


def test_parse_matrix_with_port() -> None:
    identity = PlatformIdentity.parse("matrix:@bot_1.x=y/z+w:matrix.example.org:8448")
    assert identity.external_id == "@bot_1.x=y/z+w:matrix.example.org:8448"


def test_parse_console() -> None:
    assert PlatformIdentity.parse("console:anna").external_id == "anna"


def test_parse_platform_case_and_surrounding_space() -> None:
    identity = PlatformIdentity.parse("  Telegram:42 \n")
    assert identity == PlatformIdentity(Platform.TELEGRAM, "42")


@pytest.mark.parametrize(
    "text", ["telegram:123456", "matrix:@anna:example.org", "console:ben.k", "telegram:-42"]
)
def test_str_round_trip(text: str) -> None:
    identity = PlatformIdentity.parse(text)
    assert str(identity) == text
    assert PlatformIdentity.parse(str(identity)) == identity


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("telegram:abc", "not a valid telegram user id: 'abc'"),
        ("telegram:", "not a valid telegram user id: ''"),
        ("telegram:12 34", "not a valid telegram user id: '12 34'"),
        ("telegram:" + "1" * 21, "not a valid telegram user id: '" + "1" * 21 + "'"),
        ("matrix:anna", "not a valid matrix user id: 'anna'"),
        ("matrix:@anna", "not a valid matrix user id: '@anna'"),
        ("matrix:@anna:", "not a valid matrix user id: '@anna:'"),
        ("console:", "not a valid console user id: ''"),
        ("console:anna smith", "not a valid console user id: 'anna smith'"),
        ("icq:1", "unknown platform 'icq' (one of telegram, matrix, console)"),
        (":1", "unknown platform '' (one of telegram, matrix, console)"),
        ("nocolon", "expected platform:id, got 'nocolon'"),
        ("", "expected platform:id, got ''"),
    ],
)
def test_bad_identities_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        PlatformIdentity.parse(text)
    assert info.value.field == "identity"
    assert info.value.message == message


@pytest.mark.parametrize(
    ("platform", "external_id"),
    [
        (Platform.TELEGRAM, "123\n"),
        (Platform.TELEGRAM, "١٢٣"),  # Arabic-Indic digits are not a Telegram id
        (Platform.MATRIX, "@anna:example.org\n"),
        (Platform.MATRIX, "@anna:example.org:٨٤٤٨"),
        (Platform.CONSOLE, "anna\n"),
    ],
)
def test_constructor_refuses_trailing_newline_and_non_ascii_digits(
    platform: Platform, external_id: str
) -> None:
    with pytest.raises(ValidationError) as info:
        PlatformIdentity(platform, external_id)
    assert info.value.field == "identity"


def test_identity_is_hashable_and_frozen() -> None:
    identity = PlatformIdentity(Platform.TELEGRAM, "1")
    assert {identity, PlatformIdentity.parse("telegram:1")} == {identity}
    with pytest.raises(AttributeError):
        identity.external_id = "2"  # type: ignore[misc]


def test_organisation_kinds_exclude_person() -> None:
    assert ActorKind.PERSON not in ORGANISATION_KINDS
    assert set(ORGANISATION_KINDS) == set(ActorKind) - {ActorKind.PERSON}
    assert len(ORGANISATION_KINDS) == 5


def test_every_actor_kind_has_labels() -> None:
    assert set(ACTOR_KIND_LABELS) == set(ActorKind)
    for labels in ACTOR_KIND_LABELS.values():
        assert labels["de"]
        assert labels["en"]


@pytest.mark.parametrize("kind", sorted(ORGANISATION_KINDS))
def test_organisation_accepts_every_organisation_kind(kind: ActorKind) -> None:
    organisation = Organisation(kind, "  Tafel Aachen e.V. ")
    assert organisation.kind is kind
    assert organisation.name == "Tafel Aachen e.V."
    assert organisation.verified is False
    assert organisation.municipality_key is None
    assert organisation.id is None


def test_organisation_refuses_person() -> None:
    with pytest.raises(ValidationError) as info:
        Organisation(ActorKind.PERSON, "Anna Schmidt")
    assert info.value.field == "organisation.kind"
    assert info.value.message == "a person is not an organisation"


@pytest.mark.parametrize("name", ["", " ", "A", " B "])
def test_organisation_refuses_too_short_names(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        Organisation(ActorKind.CLUB, name)
    assert info.value.field == "organisation.name"
    assert info.value.message == "must be at least 2 characters"


def test_organisation_name_bounds() -> None:
    assert Organisation(ActorKind.CLUB, "TV").name == "TV"
    assert len(Organisation(ActorKind.CLUB, "x" * 120).name) == 120
    with pytest.raises(ValidationError) as info:
        Organisation(ActorKind.CLUB, "x" * 121)
    assert info.value.field == "organisation.name"
    assert info.value.message == "must be at most 120 characters"


def test_account_defaults() -> None:
    account = Account("  Anna ")
    assert account.display_name == "Anna"
    assert account.language == "de"
    assert account.time_zone == "Europe/Berlin"
    assert account.identities == ()
    assert account.memberships == ()
    assert account.home is None
    assert account.id is None


@pytest.mark.parametrize("language", ["de", "en"])
def test_account_languages(language: str) -> None:
    assert Account("Anna", language=language).language == language


@pytest.mark.parametrize("language", ["fr", "DE", "", "de-DE", "english"])
def test_account_refuses_other_languages(language: str) -> None:
    with pytest.raises(ValidationError) as info:
        Account("Anna", language=language)
    assert info.value.field == "account.language"
    assert info.value.message == "must be de or en"


def test_account_display_name_bounds() -> None:
    with pytest.raises(ValidationError) as info:
        Account("   ")
    assert info.value.field == "account.display_name"
    assert info.value.message == "must not be empty"
    assert len(Account("x" * 80).display_name) == 80
    with pytest.raises(ValidationError) as info:
        Account("x" * 81)
    assert info.value.message == "must be at most 80 characters"


def test_account_with_home_and_identities() -> None:
    home = Place(GeoPoint(50.7753, 6.0839), "Aachen")
    identity = PlatformIdentity.parse("telegram:4711")
    account = Account("Anna", home=home, identities=(identity,))
    assert account.home == home
    assert account.identities == (identity,)


def test_acts_for() -> None:
    account = Account(
        "Anna",
        memberships=(Membership(7), Membership(9, MemberRole.ADMIN)),
    )
    assert account.acts_for(7) is True
    assert account.acts_for(9) is True
    assert account.acts_for(8) is False
    assert Account("Ben").acts_for(7) is False


def test_membership_default_role() -> None:
    assert Membership(1).role is MemberRole.MEMBER


def test_owner_defaults() -> None:
    owner = Owner(3)
    assert owner.account_id == 3
    assert owner.organisation_id is None
    assert Owner(3, 7).organisation_id == 7
