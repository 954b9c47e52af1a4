"""Kommunen im Gespräch: Postleitzahlen als Ort, der Umzug von Aachen nach Stolberg in den
Einstellungen, die Kommune direkt gewählt, und Vorschläge über die Stadtgrenze hinweg."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot import formatting
from bot.engine import DialogueEngine
from domain.actors import Account, Platform, PlatformIdentity
from domain.categories import Category
from domain.lifecycle import PostingStatus
from domain.places import GeoPoint
from domain.postings import Posting, Urgency
from tests.bot.chat import Chat, squash
from tests.bot.transcripts import seed

BERLIN = ZoneInfo("Europe/Berlin")
AACHEN_BRAND = (50.7489, 6.1650, "Aachen-Brand")
# just across the Dutch border, about 25 km west of Stolberg-Gressenich
VAALS = (50.7705, 5.9300, "Vaals")
MUNICIPALITY_NAMES = ["Aachen", "Stolberg", "Eschweiler", "Würselen", "Herzogenrath"]


def _account(engine: DialogueEngine, user: str) -> Account:
    with engine.database.unit_of_work() as uow:
        account = uow.accounts.find_by_identity(PlatformIdentity(Platform.CONSOLE, user))
    assert account is not None
    return account


# --- Postleitzahlen, wo der Bot nach einem Ort fragt ----------------------------------------


def test_anmeldung_mit_postleitzahl(engine: DialogueEngine) -> None:
    chat = Chat(engine, "greta", language="de", name="Greta")
    chat.say("/start")
    chat.tap("Deutsch")
    chat.tap("Einverstanden")
    assert "Wo bist du meistens?" in chat.tap("Privatperson")
    # a postcode none of the municipalities has is not a place
    assert "kenne ich nicht" in chat.say("10115")
    assert "Wie weit würdest du fahren" in chat.say("52223")
    chat.tap("10 km")
    chat.tap("Umwelt")
    chat.tap("Fertig")
    chat.tap("Nichts davon")
    chat.tap("Am Wochenende")
    reply = chat.tap("Fertig")
    assert "Willkommen an Bord!" in reply
    assert "Wohngegend: 52223 Stolberg" in squash(reply)
    account = _account(engine, "greta")
    assert account.municipality_key == "stolberg"
    assert account.home is not None
    assert account.home.label == "52223 Stolberg"


def test_gesuch_an_einer_postleitzahl(engine: DialogueEngine) -> None:
    me = seed.person(engine.database, "hanna", home=seed.STOLBERG, municipality="stolberg")
    chat = Chat(engine, "hanna", language="de")
    reply = chat.say("Wir suchen morgen früh 2 Helfer für die Tafel-Ausgabe in 52062 Aachen")
    assert "Wo: 52062 Aachen" in reply
    chat.tap("Veröffentlichen")
    with engine.database.unit_of_work() as uow:
        (posting,) = uow.postings.by_owner(me)
    # a posting belongs to the municipality where it takes place, not to its owner's
    assert posting.municipality_key == "aachen"
    assert posting.place.label == "52062 Aachen"


# --- Umzug in den Einstellungen ------------------------------------------------------------


def test_umzug_von_aachen_nach_stolberg(engine: DialogueEngine) -> None:
    seed.person(engine.database, "jonas", home=seed.EILENDORF)
    chat = Chat(engine, "jonas", language="de")
    reply = chat.say("/einstellungen")
    assert "Wohngegend: Aachen-Eilendorf" in reply
    assert "Kommune: Aachen" in reply
    assert "Wo bist du meistens?" in chat.tap("Wohngegend")
    reply = chat.say("Atlantis")
    assert "kenne ich nicht" in reply
    assert _account(engine, "jonas").municipality_key == "aachen"
    reply = chat.say("52222 Stolberg")
    assert "Gespeichert." in reply
    assert "Wohngegend: 52222 Stolberg" in reply
    assert "Kommune: Stolberg" in reply
    chat.tap("Fertig")
    account = _account(engine, "jonas")
    assert account.municipality_key == "stolberg"
    assert account.home is not None
    assert account.home.label == "52222 Stolberg"
    assert account.home.radius_km == 10.0  # moving keeps the radius


def test_kommune_an_der_grenze_direkt_waehlen(engine: DialogueEngine) -> None:
    # Brand lies on the border to Stolberg: she volunteers with the Stolberg editors
    seed.person(engine.database, "klara", home=AACHEN_BRAND)
    chat = Chat(engine, "klara", language="de")
    chat.say("/einstellungen")
    reply = chat.tap("Kommune")
    assert "Zu welcher Kommune gehörst du?" in reply
    assert chat.choice_labels[: len(MUNICIPALITY_NAMES)] == MUNICIPALITY_NAMES
    reply = chat.say("Köln")
    assert "Bitte wähle deine Kommune aus der Liste." in reply
    assert "Zu welcher Kommune gehörst du?" in reply
    assert _account(engine, "klara").municipality_key == "aachen"
    reply = chat.tap("Stolberg")
    assert "Gespeichert." in reply
    assert "Kommune: Stolberg" in reply
    assert "Wohngegend: Aachen-Brand" in reply
    chat.tap("Fertig")
    account = _account(engine, "klara")
    assert account.municipality_key == "stolberg"
    assert account.home is not None
    assert account.home.label == "Aachen-Brand"  # choosing the municipality doesn't move her


# --- Vorschläge über die Stadtgrenze -------------------------------------------------------


def _stolberg_club_posts_urgent_need(engine: DialogueEngine) -> tuple[Chat, Posting]:
    theo = seed.person(
        engine.database, "theo", name="Theo", home=seed.STOLBERG, municipality="stolberg"
    )
    seed.club(
        engine.database, theo, "Feuerwehrverein Gressenich", verified=True, municipality="stolberg"
    )
    chat = Chat(engine, "theo", language="de")
    reply = chat.say("Wir brauchen dringend heute Abend 3 Leute zum Sandsäcke füllen in 52224")
    assert "Dringend: ja" in reply
    assert "Wo: 52224 Stolberg" in reply
    assert "Veröffentlicht!" in chat.tap("Veröffentlichen")
    with engine.database.unit_of_work() as uow:
        (need,) = uow.postings.by_owner(theo)
    assert need.status is PostingStatus.PUBLISHED
    assert need.urgency is Urgency.URGENT
    assert need.municipality_key == "stolberg"
    return chat, need


def test_freiwillige_in_aachen_hilft_8_km_weiter_in_stolberg(engine: DialogueEngine) -> None:
    seed.person(engine.database, "vera", name="Vera", home=AACHEN_BRAND, radius_km=10.0)
    seed.person(engine.database, "fritz", name="Fritz", home=VAALS, radius_km=10.0)
    vera, fritz = _account(engine, "vera"), _account(engine, "fritz")
    theo_chat, need = _stolberg_club_posts_urgent_need(engine)
    assert vera.home is not None
    assert fritz.home is not None
    distance = vera.home.point.distance_km(need.place.point)
    assert 7.5 < distance < 9.0
    assert 24 < fritz.home.point.distance_km(need.place.point) < 26
    assert "1 Freiwillige*n in der Nähe alarmiert" in squash(theo_chat.seen[-1])
    with engine.database.unit_of_work() as uow:
        alerted = {alert.account_id for alert in uow.pushes.alerts_for(need.id or 0)}
    assert alerted == {vera.id}

    # the alert reaches Vera in Aachen, saying how far it is
    vera_chat, fritz_chat = Chat(engine, "vera"), Chat(engine, "fritz")
    alert = squash(vera_chat.pending())
    assert "🚨 Dringend: " in alert
    assert formatting.distance(distance, "de") in alert
    assert "Wo: 52224 Stolberg" in alert
    assert fritz_chat.pending() == ""

    # and her search around home finds it; Fritz's doesn't
    reply = squash(vera_chat.say("/suche"))
    assert need.title in reply
    assert need.title not in squash(fritz_chat.say("/suche"))


def test_suche_nach_postleitzahl_findet_ueber_die_grenze(engine: DialogueEngine) -> None:
    owner = seed.person(engine.database, "tafel", home=seed.STOLBERG, municipality="stolberg")
    seed.posting(
        engine.database,
        owner,
        title="Tafel Stolberg sucht Fahrer",
        category=Category.FOOD,
        start=datetime(2026, 11, 22, 10, 0, tzinfo=BERLIN),
        place=seed.STOLBERG,
    )
    # 52080 (Eilendorf, Haaren) lies about 6 km from Stolberg's centre
    assert GeoPoint(50.7860, 6.1450).distance_km(GeoPoint(*seed.STOLBERG[:2])) < 10
    seed.person(engine.database, "ines")
    chat = Chat(engine, "ines", language="de")
    reply = squash(chat.say("was gibt es in 52080"))
    assert "um 52080 Aachen" in reply
    assert "Tafel Stolberg sucht Fahrer" in reply
