"""Intake records a batch in one go, recognises replays, stores no identity for a group command,
and sets aside what keeps failing while the database is there — never while it is away."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from bot.intake import Intake, IntakeStalled, MembershipChange
from bot.messages import GroupChat, Incoming
from domain.actors import Platform, PlatformIdentity
from storage.unit_of_work import Database


def _text(update: int, user: int, *, group: bool = False) -> Incoming:
    chat = str(-100 if group else user)
    return Incoming(
        Platform.TELEGRAM,
        f"7:{update}",
        str(user),
        chat,
        text="/hilfe",
        group=GroupChat(title="Verein") if group else None,
    )


def _poison(key: str = "7:99") -> MembershipChange:
    return MembershipChange(key, chat_id="5", user_id="5", group=False, present=False)


def test_a_batch_is_recorded_and_a_replay_recognised(database: Database) -> None:
    intake = Intake(database, Platform.TELEGRAM)
    batch = [_text(1, 11), _text(2, 12), _text(3, 11), _text(4, 13, group=True)]
    recorded = intake.record(batch)
    assert [chat for chat, _ in recorded.entries] == ["11", "12", "11", "-100"]
    assert intake.record(batch).entries == []  # the same updates again: nothing new
    with database.unit_of_work() as uow:
        assert uow.identities.find(PlatformIdentity(Platform.TELEGRAM, "11")) is not None
        # the group command's sender never talked to the bot privately: not stored
        assert uow.identities.find(PlatformIdentity(Platform.TELEGRAM, "13")) is None
        assert len(uow.inbox.unhandled("telegram")) == 4


def test_an_arrival_that_keeps_failing_is_set_aside_on_the_third_try(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    intake = Intake(database, Platform.TELEGRAM)

    def refused(*_arguments: object) -> None:
        raise RuntimeError("the database refuses this one")

    monkeypatch.setattr(intake, "_membership", refused)
    batch = [_text(1, 11), _poison(), _text(2, 12)]
    with pytest.raises(IntakeStalled) as first:
        intake.record(batch)
    # what came before the poison is in, to be handled all the same; the rest waits
    assert [chat for chat, _ in first.value.recorded.entries] == ["11"]
    with pytest.raises(IntakeStalled) as second:
        intake.record(batch)
    assert second.value.recorded.entries == []  # 11 is a replay now
    recorded = intake.record(batch)
    assert recorded.set_aside == 1
    assert [chat for chat, _ in recorded.entries] == ["12"]
    with database.unit_of_work() as uow:
        letters = uow.dead_letters.recent()
        assert [(d.update_key, d.reason) for d in letters] == [
            ("7:99", "could not be recorded (RuntimeError)")
        ]
        assert {e.chat_id for e in uow.inbox.unhandled("telegram")} == {"11", "12"}


def test_nothing_is_set_aside_while_the_database_is_away(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    intake = Intake(database, Platform.TELEGRAM)

    def away(*_arguments: object) -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(intake, "_membership", away)
    for _try in range(5):
        with pytest.raises(IntakeStalled):
            intake.record([_poison()])
    with database.unit_of_work() as uow:
        assert uow.dead_letters.recent() == []
