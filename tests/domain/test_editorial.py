"""Who may moderate what: authority comes from the platform id in config alone."""

from __future__ import annotations

from domain.actors import Platform, PlatformIdentity
from domain.editorial import authority_of
from domain.municipalities import Municipality
from domain.places import GeoPoint

SABINE = PlatformIdentity(Platform.TELEGRAM, "11")
ROOT = PlatformIdentity(Platform.MATRIX, "@root:example.org")
ANNA = PlatformIdentity(Platform.TELEGRAM, "12")
TOWNS = (
    Municipality("aachen", "Aachen", GeoPoint(50.7753, 6.0839), editors=(SABINE,)),
    Municipality("stolberg", "Stolberg", GeoPoint(50.7706, 6.2278)),
)


def test_an_editor_moderates_her_municipality_and_nothing_else() -> None:
    authority = authority_of(SABINE, TOWNS, superadmins=(ROOT,))
    assert authority.is_editor
    assert authority.may_moderate("aachen")
    assert not authority.may_moderate("stolberg")
    assert not authority.may_moderate(None)  # objects without a municipality: superadmins'
    assert authority.moderated == frozenset({"aachen"})


def test_a_superadmin_moderates_everything_and_a_user_nothing() -> None:
    root = authority_of(ROOT, TOWNS, superadmins=(ROOT,))
    assert root.may_moderate("stolberg")
    assert root.may_moderate(None)
    assert root.moderated is None  # all municipalities
    anna = authority_of(ANNA, TOWNS, superadmins=(ROOT,))
    assert not anna.is_editor
    assert anna.moderated == frozenset()
