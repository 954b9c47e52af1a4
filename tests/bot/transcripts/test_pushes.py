"""Pushes as the people involved see them: a club's urgent need alerting volunteers in waves,
"free now, here", answers to alerts, and what happens when a need is filled or withdrawn."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import pushes
from bot.engine import DialogueEngine
from bot.messages import Incoming, SharedLocation
from domain.actors import Platform, PlatformIdentity, QuietHours
from domain.categories import Category
from domain.lifecycle import PostingStatus
from domain.places import GeoPoint
from tests.bot.chat import NOW, Chat, squash
from tests.bot.transcripts import seed

BERLIN = ZoneInfo("Europe/Berlin")
EILENDORF = (50.7810, 6.1560, "Aachen-Eilendorf")
ROTHE_ERDE = (50.7705, 6.1150, "Aachen-Rothe Erde")
ESCHWEILER = (50.8176, 6.2717, "Eschweiler")
WAVE_GAP = timedelta(minutes=16)  # a little more than the default 15-minute wave timeout


def _account_id(engine: DialogueEngine, user: str) -> int:
    with engine.database.unit_of_work() as uow:
        account = uow.accounts.find_by_identity(PlatformIdentity(Platform.CONSOLE, user))
        assert account is not None
        assert account.id is not None
        return account.id


def _alerted(engine: DialogueEngine, posting_id: int) -> dict[int, str | None]:
    with engine.database.unit_of_work() as uow:
        return {a.account_id: a.answer for a in uow.pushes.alerts_for(posting_id)}


def _club_posts_urgent_need(engine: DialogueEngine) -> tuple[Chat, int]:
    erik = seed.person(engine.database, "erik", name="Erik")
    seed.club(engine.database, erik, "Tierschutzverein Aachen e.V.", verified=True)
    chat = Chat(engine, "erik", language="de")
    reply = chat.say(
        "dringend: brauchen heute abend 2 leute zum gassi gehen im tierheim in eilendorf"
    )
    assert "Dringend: ja" in reply
    reply = chat.tap("Veröffentlichen")
    assert "Veröffentlicht!" in reply
    with engine.database.unit_of_work() as uow:
        (need,) = uow.postings.by_owner(erik)
    assert need.id is not None
    return chat, need.id


def test_dringendes_gesuch_alarmiert_in_wellen_und_stoppt_bei_zusage(
    engine: DialogueEngine,
) -> None:
    vera = seed.person(engine.database, "vera", name="Vera", home=EILENDORF)
    paul = seed.person(engine.database, "paul", name="Paul", home=ROTHE_ERDE)
    fenja = seed.person(engine.database, "fenja", name="Fenja", home=ESCHWEILER)
    erik_chat, need = _club_posts_urgent_need(engine)
    # wave 1: 2 km around Eilendorf reaches Vera only
    assert "Ich habe 1 Freiwillige*n in der Nähe alarmiert" in squash(erik_chat.seen[-1])
    assert _alerted(engine, need) == {vera: None}
    vera_chat, paul_chat, fenja_chat = (
        Chat(engine, "vera"),
        Chat(engine, "paul"),
        Chat(engine, "fenja"),
    )
    alert = vera_chat.pending()
    assert "🚨 Dringend:" in alert
    assert "Gesuchte Helfer*innen: 2" in alert
    assert vera_chat.choice_labels == ["🙋 Ich helfe", "Nicht jetzt"]
    assert paul_chat.pending() == ""

    # nobody answered within the timeout: wave 2 widens to 5 km and reaches Paul
    assert pushes.run_due_waves(engine.database, NOW + WAVE_GAP, engine.settings.pushes) == 1
    assert _alerted(engine, need) == {vera: None, paul: None}
    assert "🚨 Dringend:" in paul_chat.pending()

    # Paul helps: he gets the details, Erik is told; one of two helpers found
    reply = paul_chat.tap("Ich helfe")
    assert "Danke!" in reply
    assert "📍" in reply
    assert "Paul hilft bei" in squash(erik_chat.pending())

    # wave 3 widens to 10 km and reaches Fenja in Eschweiler
    assert pushes.run_due_waves(engine.database, NOW + 2 * WAVE_GAP, engine.settings.pushes) == 1
    assert "🚨 Dringend:" in fenja_chat.pending()

    # Vera says yes too: that makes two, the alerting stops, Fenja's alert is followed up
    assert "Danke!" in vera_chat.tap("Ich helfe")
    assert "Vera hilft bei" in squash(erik_chat.pending())
    assert "Schon erledigt" in fenja_chat.pending()
    assert pushes.run_due_waves(engine.database, NOW + 4 * WAVE_GAP, engine.settings.pushes) == 0
    with engine.database.unit_of_work() as uow:
        campaign = uow.pushes.campaign(need)
    assert campaign is not None
    assert campaign.finish_reason == "enough"
    # a late "yes" from Fenja is thanked, not counted
    assert "Schon erledigt" in fenja_chat.tap("Ich helfe")
    assert _alerted(engine, need) == {vera: "help", paul: "help", fenja: None}


def test_nicht_jetzt_und_absage(engine: DialogueEngine) -> None:
    vera = seed.person(engine.database, "vera", name="Vera", home=EILENDORF)
    seed.person(engine.database, "paul", name="Paul", home=EILENDORF)
    erik_chat, need = _club_posts_urgent_need(engine)
    vera_chat, paul_chat = Chat(engine, "vera"), Chat(engine, "paul")
    assert "🚨" in vera_chat.pending()
    assert "🚨" in paul_chat.pending()
    assert "nicht mehr" in vera_chat.tap("Nicht jetzt")
    assert _alerted(engine, need)[vera] == "not_now"
    # Erik withdraws the need: Paul (unanswered) hears it is cancelled, Vera said "not now"
    erik_chat.say("/meine")
    erik_chat.tap("gassi")
    erik_chat.tap("Zurückziehen")
    assert "Abgesagt" in paul_chat.pending()
    assert vera_chat.pending() == ""


def test_ruhezeiten_und_tageslimit(engine: DialogueEngine) -> None:
    sleepy = seed.person(engine.database, "sleepy", home=EILENDORF)
    busy = seed.person(engine.database, "busy", home=EILENDORF)
    keen = seed.person(engine.database, "keen", home=EILENDORF)
    other = seed.person(engine.database, "other")
    earlier = [
        seed.posting(
            engine.database,
            other,
            title=f"Frühere Hilfe {n}",
            category=Category.ANIMALS,
            start=NOW + timedelta(days=1),
        )
        for n in range(4)
    ]
    with engine.database.unit_of_work() as uow:
        # 15:00 in Aachen lies inside Sleepy's quiet hours 14:00–16:00
        quiet = QuietHours(time(14, 0), time(16, 0))
        uow.accounts.update(dataclasses.replace(uow.accounts.get(sleepy), quiet_hours=quiet))
        # Busy had three urgent alerts today (the cap), one more yesterday doesn't count
        for n, posting_id in enumerate(earlier[:3]):
            uow.pushes.record_alert(posting_id, busy, "urgent", 1.0, NOW - timedelta(hours=n + 1))
        uow.pushes.record_alert(earlier[3], keen, "urgent", 1.0, NOW - timedelta(hours=30))
        uow.commit()
    _, need = _club_posts_urgent_need(engine)
    assert set(_alerted(engine, need)) == {keen}


def _publish(engine: DialogueEngine, posting_id: int) -> None:
    with engine.database.unit_of_work() as uow:
        pushes.status_changed(uow, uow.postings.get(posting_id), NOW, engine.settings.pushes)
        uow.commit()


def test_ich_habe_jetzt_zeit_in_burtscheid(engine: DialogueEngine) -> None:
    tafel = seed.person(engine.database, "tafel")
    soon = datetime(2026, 11, 21, 15, 30, tzinfo=BERLIN)
    seed.posting(
        engine.database,
        tafel,
        title="Tafel braucht Hilfe beim Sortieren",
        category=Category.FOOD,
        start=soon,
    )
    seed.posting(
        engine.database,
        tafel,
        title="Vorlesen im Seniorenheim",
        category=Category.SENIORS,
        start=soon + timedelta(days=3),
    )
    seed.posting(
        engine.database,
        tafel,
        title="Umzugshilfe in Eschweiler",
        category=Category.NEIGHBOURHOOD_HELP,
        start=soon,
        place=ESCHWEILER,
    )
    lena = seed.person(engine.database, "lena", name="Lena", home=ROTHE_ERDE)
    chat = Chat(engine, "lena", language="de")
    reply = chat.say("ich habe jetzt 2 Stunden Zeit")
    assert "Wo bist du?" in reply
    reply = squash(chat.say("Burtscheid"))
    assert "frei bis 17:00" in reply
    assert "Tafel braucht Hilfe beim Sortieren — 0 m" in reply or "Tafel braucht Hilfe" in reply
    assert " km" in reply or " m ·" in reply
    assert "Vorlesen" not in reply
    assert "Umzugshilfe" not in reply
    with engine.database.unit_of_work() as uow:
        window = uow.pushes.window(lena, NOW)
    assert window is not None
    assert window.end == NOW + timedelta(hours=2)

    # a need published nearby while the window is open is pushed at once
    fest = seed.posting(
        engine.database,
        tafel,
        title="Tische tragen fürs Nachbarschaftsfest",
        category=Category.NEIGHBOURHOOD_HELP,
        start=soon,
        status=PostingStatus.PUBLISHED,
    )
    _publish(engine, fest)
    pushed = chat.pending()
    assert "🆕 Neu in deiner Nähe: Tische tragen" in pushed
    assert "Ich helfe" in " ".join(chat.choice_labels)

    # her live location follows her, silently
    engine.handle(
        Incoming(
            platform=Platform.CONSOLE,
            update_id="live-1",
            user_id="lena",
            chat_id="lena",
            location=SharedLocation(GeoPoint(50.7705, 6.1150), live=True),
        )
    )
    assert chat.pending() == ""
    with engine.database.unit_of_work() as uow:
        moved = uow.pushes.window(lena, NOW)
    assert moved is not None
    assert moved.point == GeoPoint(50.7705, 6.1150)

    # when the time is up the location is deleted, and she is told
    assert pushes.close_expired_windows(engine.database, NOW + timedelta(minutes=121)) == 1
    assert "gelöscht" in chat.pending()
    with engine.database.unit_of_work() as uow:
        assert uow.pushes.window_record(lena) is None


def test_zeitfenster_selbst_beenden(engine: DialogueEngine) -> None:
    lena = seed.person(engine.database, "lena", home=ROTHE_ERDE)
    chat = Chat(engine, "lena", language="de")
    assert "Wie viel Zeit hast du?" in chat.say("/jetzt")
    assert "Wo bist du?" in chat.tap("1 Stunde")
    reply = chat.tap("Zuhause")
    assert "frei bis 16:00" in squash(reply)
    assert "Gerade ist in deiner Nähe nichts offen" in reply
    assert "gelöscht" in chat.tap("beenden")
    with engine.database.unit_of_work() as uow:
        assert uow.pushes.window_record(lena) is None
    assert "nicht gesagt" in chat.say("/ende")
