"""Gespräche auf Deutsch, Zug um Zug getippt wie von echten Nutzer*innen."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.engine import DialogueEngine
from domain.actors import Availability, Platform, PlatformIdentity
from domain.categories import Category
from domain.lifecycle import PostingStatus
from domain.postings import PostingKind, Urgency
from storage.unit_of_work import Database
from tests.bot.chat import Chat, make_engine, squash
from tests.bot.transcripts import seed

BERLIN = ZoneInfo("Europe/Berlin")


def _account(engine: DialogueEngine, user: str):  # type: ignore[no-untyped-def]
    with engine.database.unit_of_work() as uow:
        return uow.accounts.find_by_identity(PlatformIdentity(Platform.CONSOLE, user))


def _postings(engine: DialogueEngine, owner_id: int):  # type: ignore[no-untyped-def]
    with engine.database.unit_of_work() as uow:
        return uow.postings.by_owner(owner_id)


def test_anmeldung_als_privatperson(engine: DialogueEngine) -> None:
    chat = Chat(engine, "anna", language="de", name="Anna")
    reply = chat.say("/start")
    assert "Willkommen bei der Ehrenamtsbörse Aachen!" in reply
    assert "Welche Sprache sollen wir nutzen?" in reply
    assert "Bist du einverstanden?" in chat.tap("Deutsch")
    assert "Bist du privat hier oder für eine Organisation?" in chat.say("ja klar")
    assert "Wo bist du meistens?" in chat.tap("Privatperson")
    assert "Wie weit würdest du fahren" in chat.say("burtscheid")
    assert "Wofür interessierst du dich?" in chat.say("5 km")
    assert "Was davon bringst du mit?" in chat.say("Tiere und Umwelt")
    assert "Wann hast du meistens Zeit?" in chat.say("Führerschein und erste hilfe")
    chat.tap("Am Wochenende")
    reply = chat.tap("Spontan")
    assert "✅ Spontan" in reply
    assert "✅ Am Wochenende" in reply
    reply = chat.tap("Fertig")
    assert reply.startswith("Willkommen an Bord! 🎉 Wohngegend: Aachen-Burtscheid (5 km).")

    account = _account(engine, "anna")
    assert account is not None
    assert account.display_name == "Anna"
    assert account.consent_at is not None
    assert account.availability == {Availability.WEEKENDS, Availability.SPONTANEOUS}
    with engine.database.unit_of_work() as uow:
        assert uow.accounts.interests(account.id) == {Category.ANIMALS, Category.ENVIRONMENT}
        assert {q.key for q in uow.accounts.qualifications(account.id)} == {
            "driving_licence",
            "first_aid",
        }


def test_ohne_einwilligung_wird_nichts_gespeichert(engine: DialogueEngine) -> None:
    chat = Chat(engine, "bernd", language="de")
    chat.say("/start")
    chat.tap("Deutsch")
    reply = chat.tap("Nein, danke")
    assert "nichts gespeichert" in reply
    assert _account(engine, "bernd") is None
    with engine.database.unit_of_work() as uow:
        identity = uow.identities.find(PlatformIdentity(Platform.CONSOLE, "bernd"))
        assert identity is not None
        assert identity.account_id is None
        state = uow.conversations.load(identity.id)
    assert state.flow is None
    assert state.slots.get("data") is None


def test_anmeldung_fuer_einen_verein(engine: DialogueEngine) -> None:
    chat = Chat(engine, "carla", language="de", name="Carla")
    chat.say("/start")
    chat.tap("Deutsch")
    chat.tap("Einverstanden")
    assert "Wie heißt deine Organisation?" in chat.tap("Verein")
    assert "Bitte gib den Namen ein (2 bis 120 Zeichen)." in chat.say("x")
    assert "Wo bist du meistens?" in chat.say("Tafel Aachen-Ost e.V.")
    chat.say("Rothe Erde")
    chat.tap("10 km")
    chat.tap("Lebensmittel")
    chat.tap("Fertig")
    chat.tap("Nichts davon")
    chat.tap("Werktags abends")
    assert "Willkommen an Bord!" in chat.tap("Fertig")
    account = _account(engine, "carla")
    assert account is not None
    (membership,) = account.memberships
    with engine.database.unit_of_work() as uow:
        club = uow.organisations.get(membership.organisation_id)
    assert club.name == "Tafel Aachen-Ost e.V."
    assert club.verified is False


def test_gesuch_aus_einem_satz_geht_in_die_pruefung(engine: DialogueEngine) -> None:
    me = seed.person(engine.database, "dora")
    seed.club(engine.database, me, "Tafel Aachen-Ost e.V.", verified=False)
    chat = Chat(engine, "dora", language="de")
    reply = chat.say("Wir suchen morgen früh 4 Helfer für die Tafel-Ausgabe in Aachen-Rothe Erde")
    assert "Bitte prüf noch einmal:" in reply
    assert "Gesuch · Lebensmittel & Tafel" in reply
    assert "Wann: So., 22. Nov., 08:00–12:00 Uhr" in squash(reply)
    assert "Wo: Aachen-Rothe Erde" in reply
    assert "Gesuchte Helfer*innen: 4" in reply
    reply = chat.tap("Veröffentlichen")
    assert "Die Redaktion von Aachen prüft deinen Eintrag" in reply
    (posting,) = _postings(engine, me)
    assert posting.kind is PostingKind.NEED
    assert posting.category is Category.FOOD
    assert posting.quantity == 4
    assert posting.status is PostingStatus.PENDING_REVIEW
    assert posting.time_window.bounds()[0] == datetime(2026, 11, 22, 8, 0, tzinfo=BERLIN)
    assert posting.owner.organisation_id is not None


def test_verifizierter_verein_veroeffentlicht_sofort(engine: DialogueEngine) -> None:
    me = seed.person(engine.database, "erik")
    seed.club(engine.database, me, "Tierschutzverein Aachen e.V.", verified=True)
    chat = Chat(engine, "erik", language="de")
    reply = chat.say(
        "dringend: brauchen heute abend 2 leute zum gassi gehen im tierheim in eilendorf"
    )
    assert "Gesuch · Tiere & Tierschutz" in reply
    assert "Dringend: ja" in reply
    assert "Veröffentlicht!" in chat.tap("Veröffentlichen")
    (posting,) = _postings(engine, me)
    assert posting.status is PostingStatus.PUBLISHED
    assert posting.urgency is Urgency.URGENT
    assert posting.quantity == 2


def test_fehlende_angaben_werden_nachgefragt_und_korrigiert(engine: DialogueEngine) -> None:
    me = seed.person(engine.database, "fritz")
    chat = Chat(engine, "fritz", language="de")
    assert "Möchtest du Hilfe anbieten" in chat.say("/neu")
    assert "Beschreib es" in chat.tap("Ich biete Hilfe an")
    reply = chat.say("Ich kann Fahrräder reparieren")
    assert "Wann?" in reply
    assert "Wo?" in chat.say("Samstag um 10 Uhr")
    assert "Bitte prüf noch einmal:" in chat.say("Eilendorf")
    assert "Wann?" in chat.tap("Zeit")
    reply = chat.say("am 3.12. um 14 uhr")
    assert "Wann: Do., 3. Dez., 14:00–16:00 Uhr" in squash(reply)
    assert "Wie viele" not in reply  # an offer has no number of helpers
    assert "Kurzen Titel" in chat.tap("Titel") or "Titel" in chat.seen[-1]
    reply = chat.say("Fahrrad-Reparatur für Nachbarn")
    assert reply.startswith("Bitte prüf noch einmal:")
    assert "Fahrrad-Reparatur für Nachbarn" in reply
    chat.tap("Veröffentlichen")
    (posting,) = _postings(engine, me)
    assert posting.title == "Fahrrad-Reparatur für Nachbarn"
    assert posting.kind is PostingKind.OFFER
    assert posting.category is Category.CRAFTS_REPAIR
    assert posting.place.label == "Aachen-Eilendorf"
    assert posting.time_window.bounds()[0] == datetime(2026, 12, 3, 14, 0, tzinfo=BERLIN)


def test_abbrechen_und_zurueck(engine: DialogueEngine) -> None:
    seed.person(engine.database, "gabi")
    chat = Chat(engine, "gabi", language="de")
    chat.say("/gesuch")
    assert "Beschreib es" in chat.seen[-1]
    assert "Welches Thema" in chat.say("Wir brauchen Hilfe beim Sortieren in der Kleiderkammer")
    assert "Beschreib es" in chat.say("zurück")
    assert "Welches Thema" in chat.say("Wir brauchen Hilfe beim Sortieren in der Kleiderkammer")
    assert "Wann?" in chat.tap("Nachbarschaftshilfe")
    assert "Wo?" in chat.say("morgen nachmittag")
    assert "Wann?" in chat.say("zurück")
    reply = chat.say("abbrechen")
    assert reply.startswith("Abgebrochen – nichts wurde gespeichert.")
    with engine.database.unit_of_work() as uow:
        assert uow.postings.count() == 0


def test_unsinn_wird_freundlich_beantwortet(engine: DialogueEngine) -> None:
    seed.person(engine.database, "hanna")
    chat = Chat(engine, "hanna", language="de")
    assert chat.say("asdfgh qwertz").startswith("Das habe ich leider nicht verstanden.")
    assert chat.say("/gibtsnicht").startswith("Diesen Befehl kenne ich nicht.")
    chat.say("/gesuch")
    chat.say("Wir brauchen Hilfe beim Sortieren in der Kleiderkammer")
    assert chat.say("blablubb").startswith("Bitte wähl ein Thema aus der Liste")
    chat.tap("Nachbarschaftshilfe")
    assert chat.say("blablubb").startswith("Daraus konnte ich keine Zeitangabe erkennen.")
    assert chat.say("🙈").startswith("Daraus konnte ich keine Zeitangabe erkennen.")
    # nothing was lost: the answers so far are still there
    assert chat.say("morgen um 10").startswith("Wo?")
    reply = chat.say("Forst")
    assert "Nachbarschaftshilfe" in reply
    assert "Wir brauchen Hilfe beim Sortieren in der Kleiderkammer" in reply


def test_suche_am_wochenende_in_burtscheid(engine: DialogueEngine) -> None:
    owner = seed.person(engine.database, "tierheim")
    seed.posting(
        engine.database,
        owner,
        title="Hunde ausführen im Tierheim",
        category=Category.ANIMALS,
        start=datetime(2026, 11, 22, 10, 0, tzinfo=BERLIN),
    )
    seed.posting(
        engine.database,
        owner,
        title="Katzen füttern",
        category=Category.ANIMALS,
        start=datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN),
    )
    seed.posting(
        engine.database,
        owner,
        title="Lesepaten in Eschweiler",
        category=Category.EDUCATION,
        start=datetime(2026, 11, 22, 10, 0, tzinfo=BERLIN),
        place=seed.ESCHWEILER,
    )
    seed.person(engine.database, "ines")
    chat = Chat(engine, "ines", language="de")
    reply = chat.say("was gibt es am Wochenende in Burtscheid")
    assert "1 Treffer: Sa., 21. – So., 22. Nov. · im Umkreis von 10 km um Aachen-Burtscheid" in (
        squash(reply)
    )
    assert "Hunde ausführen im Tierheim · So., 22. Nov., 10:00–12:00 Uhr" in squash(reply)
    assert "Katzen füttern" not in reply
    assert "Lesepaten" not in reply
    reply = chat.tap("Hunde ausführen")
    assert "📍 Aachen-Burtscheid" in reply
    reply = chat.tap("Ich bin interessiert")
    assert "Ich habe den Leuten hinter „Hunde ausführen im Tierheim“ Bescheid gesagt" in reply
    assert "Hunde ausführen" in chat.tap("Zurück zu den Treffern")
    reply = chat.tap("Hunde ausführen")
    assert "schon Interesse gezeigt" in chat.tap("Ich bin interessiert")
    with engine.database.unit_of_work() as uow:
        (note,) = uow.outbox.for_chat("console", "tierheim")
    assert (
        note.payload["text"]
        == "🙋 Ines interessiert sich für deinen Eintrag „Hunde ausführen im Tierheim“."
    )


def test_suche_blaettert_seitenweise(engine: DialogueEngine) -> None:
    owner = seed.person(engine.database, "sportverein")
    for day in range(7):
        seed.posting(
            engine.database,
            owner,
            title=f"Trainingshilfe Tag {day + 1}",
            category=Category.SPORTS,
            start=datetime(2026, 11, 23 + day, 17, 0, tzinfo=BERLIN),
        )
    seed.person(engine.database, "jan")
    chat = Chat(engine, "jan", language="de")
    reply = chat.say("zeig mir sport angebote nächste woche")
    assert "7 Treffer" in reply
    assert "Seite 1 von 2" in reply
    assert "Trainingshilfe Tag 1" in reply
    assert "Trainingshilfe Tag 6" not in reply
    reply = chat.tap("Nächste")
    assert "Seite 2 von 2" in reply
    assert "Trainingshilfe Tag 6" in reply
    assert "Seite 1 von 2" in chat.tap("Vorherige")


def test_meine_eintraege_verwalten(engine: DialogueEngine) -> None:
    me = seed.person(engine.database, "karl")
    seed.posting(
        engine.database,
        me,
        title="Helfer für den Weihnachtsmarkt-Stand",
        category=Category.EVENTS,
        start=datetime(2026, 12, 5, 14, 0, tzinfo=BERLIN),
    )
    chat = Chat(engine, "karl", language="de")
    assert "Deine Einträge" in chat.say("meine einträge")
    reply = chat.tap("Weihnachtsmarkt")
    assert "Status: veröffentlicht" in reply
    assert "Pausiert" in chat.tap("Pausieren")
    chat.tap("Weihnachtsmarkt")
    reply = chat.tap("Bearbeiten")
    assert reply.startswith("Bitte prüf noch einmal:")
    chat.tap("Anzahl")
    reply = chat.say("5")
    assert "Gesuchte Helfer*innen: 5" in reply
    assert "Gespeichert." in chat.tap("Speichern")
    chat.say("/meine")
    chat.tap("Weihnachtsmarkt")
    assert "wieder sichtbar" in chat.tap("Fortsetzen")
    chat.tap("Weihnachtsmarkt")
    chat.tap("Zurückziehen")
    (posting,) = _postings(engine, me)
    assert posting.status is PostingStatus.WITHDRAWN
    assert posting.quantity == 5


def test_einstellungen_aendern(engine: DialogueEngine) -> None:
    me = seed.person(engine.database, "lena", interests=(Category.SPORTS,))
    chat = Chat(engine, "lena", language="de")
    reply = chat.say("/einstellungen")
    assert "Deine Einstellungen:" in reply
    assert "Interessen: Sport" in reply
    chat.tap("Interessen")
    reply = chat.tap("Kultur")
    assert "✅ Kultur" in reply
    assert "✅ Sport" in reply
    assert "Gespeichert." in chat.tap("Fertig")
    chat.tap("Wohngegend")
    assert "Gespeichert." in chat.say("Stolberg")
    assert "Gespeichert." in chat.tap("Benachrichtigungen aus")
    reply = chat.tap("Fertig")
    with engine.database.unit_of_work() as uow:
        account = uow.accounts.get(me)
        interests = uow.accounts.interests(me)
    assert interests == {Category.SPORTS, Category.CULTURE}
    assert account.home is not None
    assert account.home.label == "Stolberg"
    assert account.municipality_key == "stolberg"
    assert account.notifications_enabled is False


def test_neustart_mitten_im_gespraech(sqlite_database: Database, engine: DialogueEngine) -> None:
    me = seed.person(engine.database, "mona")
    chat = Chat(engine, "mona", language="de")
    chat.say("/gesuch")
    chat.say("Wir brauchen Hilfe beim Sortieren in der Kleiderkammer")
    chat.tap("Nachbarschaftshilfe")
    # the process restarts: a new engine on the same database picks the conversation up
    restarted = make_engine(sqlite_database, engine.interpreter, engine.settings)
    again = Chat(restarted, "mona", language="de")
    assert "Wo?" in again.say("morgen um 15 uhr")
    assert "Bitte prüf noch einmal:" in again.say("Haaren")
    again.tap("Veröffentlichen")
    (posting,) = _postings(engine, me)
    assert posting.place.label == "Aachen-Haaren"
