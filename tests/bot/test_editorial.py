"""Editors verify organisations and read an object's audit trail, by chat command. Authority is
the platform id in config.yml: Sabine edits Aachen, Thomas edits Stolberg, Anna is a user."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from domain.actors import Platform, PlatformIdentity
from domain.editorial import AuditSubject
from storage.unit_of_work import Database
from tests.bot.chat import SETTINGS, Chat, make_engine, squash
from tests.bot.transcripts.seed import club, person

UNKNOWN = "Diesen Befehl kenne ich nicht."


def _club(database: Database, *, verified: bool = False) -> tuple[int, int]:
    erik = person(database, "erik", name="Erik")
    return erik, club(database, erik, "Tierschutzverein Aachen", verified=verified)


def _verified(database: Database, organisation_id: int) -> bool:
    with database.unit_of_work() as uow:
        return uow.organisations.get(organisation_id).verified


def _trail(database: Database, organisation_id: int) -> list[tuple[str, str, str | None]]:
    with database.unit_of_work() as uow:
        entries = uow.audit.history(AuditSubject.ORGANISATION, organisation_id)
    return [(e.actor, e.action, e.reason) for e in entries]


def test_an_editor_verifies_a_club_of_her_municipality_and_the_club_is_told(
    sqlite_database: Database,
) -> None:
    engine = make_engine(sqlite_database)
    _, organisation = _club(sqlite_database)
    sabine = Chat(engine, "sabine", language="de")
    reply = squash(sabine.say(f"/verifizieren {organisation}"))
    assert "✅ Tierschutzverein Aachen ist jetzt verifiziert" in reply
    assert _verified(sqlite_database, organisation)
    assert _trail(sqlite_database, organisation) == [("console:sabine", "verify", None)]
    erik = Chat(engine, "erik", language="de")
    assert "Die Redaktion hat Tierschutzverein Aachen verifiziert" in squash(erik.pending())
    # twice changes nothing more
    assert "bereits verifiziert" in sabine.say(f"/verify {organisation}")
    assert len(_trail(sqlite_database, organisation)) == 1


def test_a_user_who_is_no_editor_gets_the_unknown_command_answer_and_is_logged(
    sqlite_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(sqlite_database)
    _, organisation = _club(sqlite_database)
    anna = Chat(engine, "anna", language="de")
    with caplog.at_level(logging.WARNING, logger="bot.flows.editorial"):
        for command in (f"/verify {organisation}", f"/unverify {organisation} weil", "/audit 1"):
            assert UNKNOWN in anna.say(command)
    assert not _verified(sqlite_database, organisation)
    assert _trail(sqlite_database, organisation) == []
    refusals = [r.getMessage() for r in caplog.records]
    assert len(refusals) == 3
    assert all("console:anna" in line for line in refusals)
    assert not any("weil" in line for line in refusals)  # arguments are not logged


def test_an_editor_of_another_municipality_cannot_verify_and_a_superadmin_can(
    sqlite_database: Database,
) -> None:
    engine = make_engine(sqlite_database)
    _, organisation = _club(sqlite_database)
    thomas = Chat(engine, "thomas", language="de")  # Stolberg's editor
    reply = squash(thomas.say(f"/verify {organisation}"))
    assert "gehört zu einer anderen Kommune" in reply
    assert not _verified(sqlite_database, organisation)
    assert _trail(sqlite_database, organisation) == []

    root = PlatformIdentity(Platform.CONSOLE, "root")
    admin_engine = make_engine(
        sqlite_database, bot_settings=dataclasses.replace(SETTINGS, superadmins=(root,))
    )
    assert "ist jetzt verifiziert" in Chat(admin_engine, "root", language="de").say(
        f"/verify {organisation}"
    )
    assert _trail(sqlite_database, organisation) == [("console:root", "verify", None)]


def test_unverify_with_a_reason_and_the_audit_trail(sqlite_database: Database) -> None:
    engine = make_engine(sqlite_database)
    _, organisation = _club(sqlite_database, verified=True)
    sabine = Chat(engine, "sabine", language="de")
    reply = sabine.say(f"/entverifizieren {organisation} Vorstand hat gewechselt")
    assert "nicht mehr verifiziert" in reply
    assert not _verified(sqlite_database, organisation)
    assert _trail(sqlite_database, organisation) == [
        ("console:sabine", "unverify", "Vorstand hat gewechselt")
    ]
    sabine.say(f"/verify {organisation}")
    history = sabine.say(f"/verlauf org {organisation}")
    assert f"Verlauf von {organisation}:" in history
    lines = history.splitlines()[1:]
    assert len(lines) == 2
    assert "unverify · console:sabine · Vorstand hat gewechselt" in lines[0]
    assert "verify · console:sabine" in lines[1]
    # Stolberg's editor sees nothing of Aachen's trail
    thomas = Chat(engine, "thomas", language="de")
    assert "nichts verzeichnet" in thomas.say(f"/audit org {organisation}")


def test_bad_input_gets_a_clear_answer_and_changes_nothing(sqlite_database: Database) -> None:
    engine = make_engine(sqlite_database)
    _, organisation = _club(sqlite_database)
    sabine = Chat(engine, "sabine", language="en")
    assert "give the organisation's number, e.g. /verify 12" in sabine.say("/verify tierschutz")
    assert "There is no organisation 999." in sabine.say("/verify 999")
    assert "Which object?" in sabine.say("/audit")
    assert "Nothing has been recorded for 999." in sabine.say("/audit 999")
    assert not _verified(sqlite_database, organisation)
