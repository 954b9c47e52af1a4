"""/broadcast: an editor's urgent call to every opted-in volunteer of a municipality, confirmed
first, limited per local day, delivered through the outbox and written to the audit log.
Sabine edits Aachen, Thomas edits Stolberg, Anna is a user (config.yml)."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import update

from bot.pushes import PushSettings
from domain.actors import Account, Platform, PlatformIdentity, QuietHours
from domain.editorial import AuditSubject, EditorialAction
from matching.targeting import PushPolicy
from storage.models import AccountRow
from storage.records import AuditEntry
from storage.repositories.audit import MUNICIPALITY_ID
from storage.unit_of_work import Database
from tests.bot.chat import NOW, SETTINGS, Chat, make_engine, squash

UNKNOWN = "Diesen Befehl kenne ich nicht."
CALL = "Hochwasser an der Wurm: Wir brauchen ab 16 Uhr Hilfe beim Sandsäcke-Füllen am Rathaus."
HEADING = "📣 Aufruf der Redaktion Aachen:"
CONSENT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ROOT = PlatformIdentity(Platform.CONSOLE, "root")


def volunteer(
    database: Database,
    key: str,
    *,
    municipality: str = "aachen",
    language: str = "de",
    notifications: bool = True,
    consent: bool = True,
    quiet: QuietHours | None = None,
) -> int:
    with database.unit_of_work() as uow:
        account = uow.accounts.add(
            Account(
                display_name=key.title(),
                language=language,
                municipality_key=municipality,
                consent_at=CONSENT if consent else None,
                identities=(PlatformIdentity(Platform.CONSOLE, key),),
                notifications_enabled=notifications,
                quiet_hours=quiet,
            )
        )
        uow.commit()
    assert account.id is not None
    return account.id


def ban(database: Database, account_id: int) -> None:
    with database.engine.begin() as connection:
        connection.execute(
            update(AccountRow).where(AccountRow.id == account_id).values(banned_at=NOW)
        )


def broadcasts(database: Database) -> list[AuditEntry]:
    with database.unit_of_work() as uow:
        return uow.audit.history(AuditSubject.MUNICIPALITY, MUNICIPALITY_ID)


def outbox_of(database: Database, key: str) -> int:
    with database.unit_of_work() as uow:
        return len(uow.outbox.for_chat(Platform.CONSOLE.value, key))


def test_the_call_reaches_the_opted_in_volunteers_of_her_municipality_only(
    database: Database,
) -> None:
    engine = make_engine(database)
    volunteer(database, "anna")
    volunteer(database, "ben", language="en")
    volunteer(database, "carla", notifications=False)
    volunteer(database, "vera", consent=False)
    ban(database, volunteer(database, "dirk"))
    volunteer(database, "emil", municipality="stolberg")
    sabine = Chat(engine, "sabine", language="de")

    preview = squash(sabine.say(f"/broadcast {CALL}"))
    assert preview.startswith(f"So sieht dein Aufruf aus: {HEADING} {CALL}")
    assert "Er geht an 2 Freiwillige in Aachen." in preview
    assert sabine.choice_labels == ["📣 Senden", "✏️ Text ändern", "✖ Abbrechen"]
    assert broadcasts(database) == []  # nothing is written before the confirmation

    assert squash(sabine.tap("Senden")) == "📣 An 2 Freiwillige in Aachen verschickt."
    assert squash(Chat(engine, "anna", language="de").pending()) == f"{HEADING} {CALL}"
    # each in their own language; the editor's text as written
    assert squash(Chat(engine, "ben").pending()) == f"📣 Call from the editors of Aachen: {CALL}"
    for left_out in ("carla", "vera", "dirk", "emil"):
        assert Chat(engine, left_out).pending() == ""
        assert outbox_of(database, left_out) == 0

    [entry] = broadcasts(database)
    assert (entry.actor, entry.action, entry.municipality_key) == (
        "console:sabine",
        EditorialAction.BROADCAST.value,
        "aachen",
    )
    assert entry.at == NOW
    assert entry.details == {"text": CALL, "recipients": 2, "after_quiet_hours": 0}


def test_a_second_tap_on_send_sends_nothing_more(sqlite_database: Database) -> None:
    engine = make_engine(sqlite_database)
    volunteer(sqlite_database, "anna")
    sabine = Chat(engine, "sabine", language="de")
    sabine.say(f"/rundruf {CALL}")
    send = sabine.session.to_incoming("1")  # the first choice: Senden
    assert engine.handle(send)
    assert not engine.handle(send)  # the same update again: the inbox drops it
    # the button tapped once more: the conversation has moved on
    assert "Das habe ich leider nicht verstanden" in sabine.say("1")
    assert len(broadcasts(sqlite_database)) == 1
    assert outbox_of(sqlite_database, "anna") == 1


def test_cancel_at_the_preview_sends_and_records_nothing(sqlite_database: Database) -> None:
    engine = make_engine(sqlite_database)
    volunteer(sqlite_database, "anna")
    sabine = Chat(engine, "sabine", language="de")
    sabine.say(f"/broadcast aachen {CALL}")
    assert "Abgebrochen" in sabine.tap("Abbrechen")
    sabine.say(f"/broadcast {CALL}")
    assert "Abgebrochen" in sabine.say("abbrechen")
    assert broadcasts(sqlite_database) == []
    assert outbox_of(sqlite_database, "anna") == 0


def test_the_text_is_asked_for_checked_and_can_be_changed(sqlite_database: Database) -> None:
    engine = make_engine(sqlite_database)
    volunteer(sqlite_database, "anna")
    sabine = Chat(engine, "sabine", language="de")
    assert "Was soll im Aufruf an alle Freiwilligen in Aachen stehen?" in squash(
        sabine.say("/broadcast aachen")
    )
    too_long = squash(sabine.say("x" * 1001))
    assert "Dein Aufruf hat 1001 Zeichen, höchstens 1000 passen." in too_long
    assert "Was soll im Aufruf" in too_long  # asked again
    assert "So sieht dein Aufruf aus" in sabine.say("Heute Sandsäcke füllen")
    assert "Was soll im Aufruf" in squash(sabine.tap("Text ändern"))
    assert CALL in squash(sabine.say(CALL))
    sabine.tap("Senden")
    assert squash(Chat(engine, "anna").pending()) == f"{HEADING} {CALL}"
    assert broadcasts(sqlite_database)[0].details["text"] == CALL


def test_the_daily_limit_counts_the_municipalitys_calls_since_local_midnight(
    sqlite_database: Database,
) -> None:
    engine = make_engine(sqlite_database)
    volunteer(sqlite_database, "anna")
    volunteer(sqlite_database, "emil", municipality="stolberg")
    with sqlite_database.unit_of_work() as uow:
        for at in (
            datetime(2026, 11, 20, 22, 59, tzinfo=UTC),  # 23:59 in Aachen: yesterday
            datetime(2026, 11, 20, 23, 1, tzinfo=UTC),  # 00:01 in Aachen: today
        ):
            uow.audit.record(
                ROOT,
                EditorialAction.BROADCAST,
                AuditSubject.MUNICIPALITY,
                MUNICIPALITY_ID,
                municipality_key="aachen",
                at=at,
            )
        uow.commit()
    sabine = Chat(engine, "sabine", language="de")
    sabine.say("/broadcast Der zweite Aufruf heute")
    assert "verschickt" in sabine.tap("Senden")

    refused = squash(sabine.say("/broadcast Der dritte Aufruf heute"))
    assert refused == (
        "Aachen hatte heute schon 2 Aufrufe – mehr sind an einem Tag nicht möglich. "
        "Der nächste kann morgen rausgehen."
    )
    assert len(broadcasts(sqlite_database)) == 3
    assert squash(Chat(engine, "anna").pending()) == f"{HEADING} Der zweite Aufruf heute"
    # Stolberg's calls are counted apart
    thomas = Chat(engine, "thomas", language="de")
    assert "Er geht an 1 Freiwillige*n in Stolberg." in squash(thomas.say("/broadcast Hallo"))
    assert "verschickt" in thomas.tap("Senden")


def test_the_limit_is_checked_again_on_send(sqlite_database: Database) -> None:
    """Another editor used up the day's call while the preview was open."""
    settings = dataclasses.replace(
        SETTINGS, superadmins=(ROOT,), pushes=PushSettings(broadcasts_per_day=1)
    )
    engine = make_engine(sqlite_database, bot_settings=settings)
    volunteer(sqlite_database, "anna")
    sabine = Chat(engine, "sabine", language="de")
    sabine.say("/broadcast Sabines Aufruf")
    root = Chat(engine, "root", language="de")
    root.say("/broadcast aachen Der Aufruf der Betreiber")
    root.tap("Senden")
    assert "hatte heute schon 1 Aufruf –" in squash(sabine.tap("Senden"))
    assert len(broadcasts(sqlite_database)) == 1
    assert outbox_of(sqlite_database, "anna") == 1


def test_a_call_reaches_volunteers_in_their_quiet_hours_when_those_end(
    sqlite_database: Database,
) -> None:
    # 15:00 in Aachen: Gerda keeps 14–16 quiet; Hans named none, so the default (14–18) holds
    policy = PushPolicy(default_quiet_hours=QuietHours(time(14), time(18)))
    settings = dataclasses.replace(SETTINGS, pushes=PushSettings(policy=policy))
    engine = make_engine(sqlite_database, bot_settings=settings)
    volunteer(sqlite_database, "gerda", quiet=QuietHours(time(14), time(16)))
    volunteer(sqlite_database, "hans")
    volunteer(sqlite_database, "ida", quiet=QuietHours(time(22), time(7)))
    sabine = Chat(engine, "sabine", language="de")
    preview = squash(sabine.say(f"/broadcast {CALL}"))
    assert "Er geht an 3 Freiwillige in Aachen. 2 davon haben gerade Ruhezeit" in preview
    sabine.tap("Senden")
    with sqlite_database.unit_of_work() as uow:
        due = {
            key: uow.outbox.for_chat(Platform.CONSOLE.value, key)[0].not_before
            for key in ("gerda", "hans", "ida")
        }
    assert due["gerda"] == datetime(2026, 11, 21, 15, 0, tzinfo=UTC)  # 16:00 in Aachen
    assert due["hans"] == datetime(2026, 11, 21, 17, 0, tzinfo=UTC)  # 18:00 in Aachen
    assert due["ida"] <= datetime.now(UTC)  # at once
    assert broadcasts(sqlite_database)[0].details["after_quiet_hours"] == 2


def test_a_user_who_is_no_editor_gets_the_unknown_command_answer(
    sqlite_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(sqlite_database)
    volunteer(sqlite_database, "anna")
    volunteer(sqlite_database, "ben")
    anna = Chat(engine, "anna", language="de")
    with caplog.at_level(logging.WARNING, logger="bot.flows.editorial"):
        assert UNKNOWN in anna.say("/broadcast aachen Geheime Nachricht")
        assert UNKNOWN in anna.say("/rundruf")
    assert "Senden" not in anna.choice_labels
    refusals = [r.getMessage() for r in caplog.records]
    assert len(refusals) == 2
    assert all("console:anna" in line for line in refusals)
    assert not any("Geheime" in line for line in refusals)  # the text is not logged
    assert broadcasts(sqlite_database) == []
    assert Chat(engine, "ben").pending() == ""


def test_stolbergs_editor_cannot_call_aachens_volunteers(sqlite_database: Database) -> None:
    engine = make_engine(sqlite_database)
    volunteer(sqlite_database, "anna")
    thomas = Chat(engine, "thomas", language="de")
    reply = squash(thomas.say(f"/broadcast aachen {CALL}"))
    assert "Aachen" in reply
    assert "So sieht dein Aufruf aus" not in reply
    assert thomas.choice_labels == []
    assert broadcasts(sqlite_database) == []
    assert Chat(engine, "anna").pending() == ""


def test_without_anybody_to_reach_nothing_is_offered(sqlite_database: Database) -> None:
    engine = make_engine(sqlite_database)
    volunteer(sqlite_database, "carla", notifications=False)
    sabine = Chat(engine, "sabine", language="de")
    reply = squash(sabine.say(f"/broadcast {CALL}"))
    assert "Gerade kann niemand in Aachen einen Aufruf empfangen" in reply
    assert "Senden" not in sabine.choice_labels
    assert broadcasts(sqlite_database) == []


def test_broadcasts_switched_off(sqlite_database: Database) -> None:
    settings = dataclasses.replace(SETTINGS, pushes=PushSettings(broadcasts_per_day=0))
    engine = make_engine(sqlite_database, bot_settings=settings)
    volunteer(sqlite_database, "anna")
    sabine = Chat(engine, "sabine", language="de")
    assert "Aufrufe an alle Freiwilligen sind hier abgeschaltet." in sabine.say(
        f"/broadcast {CALL}"
    )
    assert broadcasts(sqlite_database) == []
