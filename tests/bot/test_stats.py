"""/stats: an editor reads her municipality's figures for a period. Sabine edits Aachen, Thomas
edits Stolberg, Anna is a user (config.yml); the chat's clock stands at NOW."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bot.flows.stats import period_start
from domain.actors import Platform, PlatformIdentity
from domain.categories import Category
from domain.lifecycle import PostingStatus
from domain.postings import Urgency
from storage.models import PostingRow
from storage.unit_of_work import Database
from tests.bot.chat import NOW, SETTINGS, Chat, make_engine, squash
from tests.bot.transcripts.seed import person
from tests.matching.builders import need, offer

UNKNOWN = "Diesen Befehl kenne ich nicht."
DAY = timedelta(days=1)
BERLIN = "Europe/Berlin"


def _posting(database: Database, owner: int, created: datetime, **changes: object) -> int:
    municipality = str(changes.pop("municipality", "aachen"))
    kind = changes.pop("kind", need)
    posting = kind(owner=owner, created_at=created, **changes)  # type: ignore[operator]
    with database.unit_of_work() as uow:
        stored = uow.postings.add(dataclasses.replace(posting, municipality_key=municipality))
        assert stored.id is not None
        if stored.urgency is Urgency.URGENT:
            uow.pushes.start_campaign(stored.id, 2.0, created)
        uow.commit()
    return stored.id


def _month(database: Database) -> None:
    """Aachen: two urgent needs (one filled after 2 h, answered once "help", once "not now")
    and an offer of last week; Stolberg: one need, not Aachen's business."""
    erik = person(database, "erik", name="Erik")
    hanna, paul = person(database, "hanna"), person(database, "paul")
    urgent = {"urgency": Urgency.URGENT}
    filled = _posting(database, erik, NOW - 20 * DAY, status=PostingStatus.FILLED, **urgent)
    open_need = _posting(database, erik, NOW - 3 * DAY, category=Category.SENIORS, **urgent)
    _posting(database, erik, NOW - 40 * DAY, **urgent)  # before the month
    _posting(database, hanna, NOW - 2 * DAY, kind=offer, category=Category.DIGITAL)
    _posting(database, erik, NOW - 2 * DAY, municipality="stolberg", **urgent)
    with database.unit_of_work() as uow:
        # updates set aside: by the shared bot and Aachen's own (counted), Stolberg's bot, and
        # one before the month (not counted)
        for key, front_end, at in (
            ("1", "", NOW - DAY),
            ("2", "aachen", NOW - DAY),
            ("3", "stolberg", NOW - DAY),
            ("4", "", NOW - 40 * DAY),
        ):
            uow.dead_letters.record(
                platform="telegram", front_end=front_end, update_key=key, reason="x", at=at
            )
        for helper, answer in ((hanna, "help"), (paul, "not_now")):
            uow.pushes.record_alert(open_need, helper, "urgent", 1.5, NOW - 3 * DAY, wave=0)
            uow.pushes.answer_alert(open_need, helper, answer, NOW - 3 * DAY + timedelta(hours=1))
        uow.commit()
    # filling stamps the wall clock; the story's moment is two hours after publication
    with database.engine.begin() as connection:
        connection.execute(
            update(PostingRow)
            .where(PostingRow.id == filled)
            .values(status_changed_at=NOW - 20 * DAY + timedelta(hours=2))
        )


def test_an_editor_reads_her_municipalitys_month_in_german(sqlite_database: Database) -> None:
    engine = make_engine(sqlite_database)
    _month(sqlite_database)
    sabine = Chat(engine, "sabine", language="de")
    reply = squash(sabine.say("/statistik"))
    assert reply == squash(
        """📊 Zahlen für Aachen, 22. Okt. – 21. Nov. 2026
        📝 Neue Beiträge: 3
           nach Status: veröffentlicht: 2, besetzt: 1
           nach Thema: Digitales & Technik: 1, Lebensmittel & Tafel: 1, Senioren: 1
        🤝 Vermittlungen (Interesse bekundet oder „Ich helfe“): 1
        🚨 Alarme gesendet: 2, beantwortet: 2 (1 × „Ich helfe“, 1 × „Nicht jetzt“)
        ⚡ Dringende Gesuche veröffentlicht: 2
           davon besetzt: 1 (50 %)
           Median bis besetzt: 2 Std.
        👥 Aktive Freiwillige: 2
        🧯 Unlesbare Nachrichten beiseitegelegt (nicht beantwortet): 2"""
    )


def test_a_shorter_period_in_english(sqlite_database: Database) -> None:
    engine = make_engine(sqlite_database)
    _month(sqlite_database)
    sabine = Chat(engine, "sabine", language="en")
    reply = sabine.say("/stats 7d")
    assert "📊 Figures for Aachen, Nov 14" in reply
    assert "📝 New postings: 2" in reply
    assert "⚡ Urgent needs published: 1" in reply
    assert "filled: 0 (0%)" in squash(reply)
    assert "median" not in reply  # nothing filled yet
    for words in ("heute", "woche", "monat", "jahr", "90 tage", "today", "year"):
        assert "📊 Figures for Aachen" in sabine.say(f"/stats {words}")


def test_a_user_who_is_no_editor_gets_the_unknown_command_answer_and_is_logged(
    sqlite_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(sqlite_database)
    _month(sqlite_database)
    anna = Chat(engine, "anna", language="de")
    with caplog.at_level(logging.WARNING, logger="bot.flows.editorial"):
        first = anna.say("/stats aachen 7d")
        second = anna.say("/statistik")
    for reply in (first, second):
        assert UNKNOWN in reply
        assert "Aachen" not in reply
        assert "Zahlen" not in reply
    refusals = [r.getMessage() for r in caplog.records]
    assert refusals == [
        "refused editorial command /stats from console:anna",
        "refused editorial command /statistik from console:anna",
    ]


def test_an_editor_sees_her_own_municipality_only(sqlite_database: Database) -> None:
    engine = make_engine(sqlite_database)
    _month(sqlite_database)
    thomas = Chat(engine, "thomas", language="de")
    assert thomas.say("/stats aachen") == "Du bist nicht in der Redaktion von Aachen."
    own = squash(thomas.say("/stats"))
    assert "📊 Zahlen für Stolberg" in own
    assert "📝 Neue Beiträge: 1" in own
    assert "Alarme gesendet: 0" in own


def test_a_period_that_is_not_understood_gets_a_hint_and_nothing_else(
    sqlite_database: Database,
) -> None:
    engine = make_engine(sqlite_database)
    sabine = Chat(engine, "sabine", language="de")
    for words in ("bald", "0d", "7 wochen", "aachen gestern"):
        reply = squash(sabine.say(f"/statistik {words}"))
        assert reply == (
            "Diesen Zeitraum verstehe ich leider nicht. Versuch es zum Beispiel mit "
            "/statistik 7d oder mit 7d, 90d, heute, woche, monat, jahr. Ohne Angabe zeige ich "
            "die letzten 30 Tage."
        )


def test_a_superadmin_names_the_municipality(sqlite_database: Database) -> None:
    root = PlatformIdentity(Platform.CONSOLE, "root")
    engine = make_engine(
        sqlite_database, bot_settings=dataclasses.replace(SETTINGS, superadmins=(root,))
    )
    _month(sqlite_database)
    admin = Chat(engine, "root", language="en")
    assert admin.say("/stats 7d").startswith("Which municipality? For example /stats aachen.")
    reply = admin.say("/stats stolberg week")
    assert "📊 Figures for Stolberg" in reply
    assert "Nov 16" in reply  # since Monday
    assert "📝 New postings: 1" in reply


def test_periods_end_now_and_start_in_the_editors_time_zone() -> None:
    berlin = ZoneInfo(BERLIN)
    # NOW is Saturday 21 November 2026, 15:00 in Berlin
    assert period_start("", NOW, BERLIN) == NOW - 30 * DAY
    assert period_start("7d", NOW, BERLIN) == NOW - 7 * DAY
    assert period_start("90 Tage", NOW, BERLIN) == NOW - 90 * DAY
    assert period_start("14T", NOW, BERLIN) == NOW - 14 * DAY
    assert period_start("heute", NOW, BERLIN) == datetime(2026, 11, 21, tzinfo=berlin)
    assert period_start("Woche", NOW, BERLIN) == datetime(2026, 11, 16, tzinfo=berlin)
    assert period_start("month", NOW, BERLIN) == datetime(2026, 11, 1, tzinfo=berlin)
    assert period_start("jahr", NOW, BERLIN) == datetime(2026, 1, 1, tzinfo=berlin)
    for nonsense in ("0d", "bald", "7 wochen", "99999d"):
        assert period_start(nonsense, NOW, BERLIN) is None
