"""Vor der Einwilligung / before consent: nothing is stored but what the answer needs right now.

People who never started the bot share a location, search with a place or say they are free now;
what the database holds afterwards is checked as closely as what they see."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.engine import DialogueEngine
from bot.messages import Incoming, SharedLocation
from domain.actors import Platform, PlatformIdentity
from domain.categories import Category
from domain.places import GeoPoint
from tests.bot.chat import Chat, squash
from tests.bot.transcripts import seed

BERLIN = ZoneInfo("Europe/Berlin")
DOM = "50.7753, 6.0839"


def _stored(engine: DialogueEngine, user: str) -> str:
    """Everything the database keeps of the user's conversation, as text to search in."""
    with engine.database.unit_of_work() as uow:
        identity = uow.identities.find(PlatformIdentity(Platform.CONSOLE, user))
        assert identity is not None
        assert identity.account_id is None
        state = uow.conversations.load(identity.id)
    return json.dumps(
        {"flow": state.flow, "step": state.step, "slots": state.slots}, ensure_ascii=False
    )


def _no_place_in(stored: str) -> None:
    for trace in ("50.77", "6.08", "50.76", "6.09", "Burtscheid", "centre", "lat"):
        assert trace not in stored, f"{trace!r} kept before consent: {stored}"


def _dogs(engine: DialogueEngine) -> None:
    owner = seed.person(engine.database, "tierheim")
    seed.posting(
        engine.database,
        owner,
        title="Hunde ausführen im Tierheim",
        category=Category.ANIMALS,
        start=datetime(2026, 11, 22, 10, 0, tzinfo=BERLIN),
    )


def test_ein_standort_vor_dem_start_wird_weder_gesucht_noch_gespeichert(
    engine: DialogueEngine,
) -> None:
    _dogs(engine)
    chat = Chat(engine, "lotte", language="de")
    reply = squash(chat.say(DOM))
    assert reply == (
        "📍 Bevor ich einen Standort nutzen kann, starte bitte mit /start – ich frage dich "
        "zuerst, ob du einverstanden bist. Den Standort, den du geschickt hast, habe ich nicht "
        "gespeichert."
    )
    assert "Hunde" not in reply
    _no_place_in(_stored(engine, "lotte"))
    # the sign-up still takes a location for the home area: that is the consent dialogue
    chat.say("/start")
    chat.tap("Deutsch")
    chat.tap("Einverstanden")
    assert "Wo bist du meistens?" in chat.tap("Privatperson")
    assert "Wie weit würdest du fahren" in chat.say(DOM)


def test_suche_mit_ort_vor_der_einwilligung_merkt_sich_den_ort_nicht(
    engine: DialogueEngine,
) -> None:
    _dogs(engine)
    chat = Chat(engine, "mia", language="de")
    reply = squash(chat.say("was gibt es am Wochenende in Burtscheid"))
    assert "1 Treffer: Sa., 21. – So., 22. Nov. · im Umkreis von 10 km um Aachen-Burtscheid" in (
        reply
    )
    assert "Hunde ausführen im Tierheim · So., 22. Nov., 10:00–12:00 Uhr" in reply
    assert "10:00–12:00 Uhr ·" not in reply  # no distance from the place after the time
    assert "Den Ort habe ich nicht gespeichert." in reply
    _no_place_in(_stored(engine, "mia"))
    # a result still opens, from what is kept: the posting's number
    detail = chat.tap("Hunde ausführen")
    assert "📍 Aachen-Burtscheid" in detail  # the posting's own place, not the searched one
    _no_place_in(_stored(engine, "mia"))

    reply = squash(chat.say("/suche Tiere in Burtscheid"))
    assert "1 Treffer" in reply
    _no_place_in(_stored(engine, "mia"))


def test_suche_ohne_ort_fragt_nach_einem_getippten_ort(engine: DialogueEngine) -> None:
    _dogs(engine)
    chat = Chat(engine, "nele", language="de")
    reply = chat.say("/suche")
    assert reply.startswith("Wo soll ich suchen? Schreib einen Ort, z. B. „Burtscheid“.")
    assert "Standort" not in reply  # no location is asked for before consent
    assert "Den Standort, den du geschickt hast" in chat.say(DOM)
    _no_place_in(_stored(engine, "nele"))
    reply = squash(chat.say("Burtscheid"))
    assert "1 Treffer" in reply
    assert "Hunde ausführen im Tierheim" in reply
    _no_place_in(_stored(engine, "nele"))


def test_ein_gesuch_vor_der_einwilligung_fragt_nach_einem_getippten_ort(
    engine: DialogueEngine,
) -> None:
    chat = Chat(engine, "sven", language="de")
    assert "Möchtest du Hilfe anbieten" in chat.say("/neu")
    assert "Beschreib es" in chat.tap("Ich biete Hilfe an")
    assert "Wann?" in chat.say("Ich kann Fahrräder reparieren")
    reply = chat.say("Samstag um 10 Uhr")
    assert "Wo? Schreib einen Ort oder Stadtteil, z. B. „Burtscheid“." in reply
    assert "teile einen Standort" not in reply
    assert "Den Standort, den du geschickt hast" in chat.say(DOM)
    assert "50.77" not in _stored(engine, "sven")
    assert "Bitte prüf noch einmal:" in chat.say("Eilendorf")  # a typed place is the answer


def test_jetzt_zeit_vor_der_einwilligung_fuehrt_zur_anmeldung_ohne_ort(
    engine: DialogueEngine,
) -> None:
    chat = Chat(engine, "olaf", language="de")
    reply = chat.say("ich habe jetzt 2 Stunden Zeit in Burtscheid")
    assert "muss ich dich erst ein bisschen kennenlernen" in reply
    assert "Welche Sprache sollen wir nutzen?" in reply
    _no_place_in(_stored(engine, "olaf"))
    other = Chat(engine, "pia", language="de")
    assert "kennenlernen" in other.say("/jetzt Burtscheid")
    _no_place_in(_stored(engine, "pia"))


def test_before_start_a_location_is_refused_in_english_and_a_search_keeps_no_place(
    engine: DialogueEngine,
) -> None:
    _dogs(engine)
    chat = Chat(engine, "quinn", language="en")
    reply = squash(chat.say(DOM))
    assert reply == (
        "📍 Before I can use a location, please start with /start – I'll ask for your consent "
        "first. I haven't kept the location you sent."
    )
    reply = squash(chat.say("what's on at the weekend in Burtscheid"))
    assert "1 result for" in reply
    assert "Pick one for details." in reply
    assert "I haven't kept the place." in reply
    _no_place_in(_stored(engine, "quinn"))


def test_a_live_location_before_start_is_answered_once_and_never_kept(
    engine: DialogueEngine,
) -> None:
    chat = Chat(engine, "rosa", language="de")

    def share(n: int, message: str, lat: float) -> str:
        before = len(chat.seen)
        engine.handle(
            Incoming(
                platform=Platform.CONSOLE,
                update_id=f"live-{n}",
                user_id="rosa",
                chat_id="rosa",
                location=SharedLocation(GeoPoint(lat, 6.0839), live=True),
                message_id=message,  # a live location's updates edit the message that began it
                language_hint="de",
            )
        )
        return chat.pending(before)

    assert "Den Standort, den du geschickt hast" in share(1, "m1", 50.7753)
    assert share(2, "m1", 50.7760) == ""  # its updates come every few seconds: answered once
    assert share(3, "m1", 50.7770) == ""
    _no_place_in(_stored(engine, "rosa"))
    assert "Den Standort, den du geschickt hast" in share(4, "m9", 50.7780)  # shared anew
    _no_place_in(_stored(engine, "rosa"))
