"""StatsRepository on both databases: the editors' figures of a municipality for a period, exact,
with the period's bounds ([since, until)) and without the neighbouring municipality's data."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, update

from domain.actors import Account, Platform, PlatformIdentity
from domain.categories import Category
from domain.lifecycle import PostingStatus
from domain.places import GeoPoint, Place
from domain.postings import Posting, Urgency
from storage.models import Base, InboxRow, PostingInterestRow, PostingRow
from storage.unit_of_work import Database, UnitOfWork
from tests.matching.builders import NOW, add_volunteer, need, offer
from tests.storage.helpers import seed_municipalities

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MONTH_AGO = NOW - 30 * DAY


@dataclass(frozen=True)
class World:
    filled_in_2h: int
    open_urgent: int
    stolberg_need: int
    old_need: int


def _posting(
    uow: UnitOfWork, posting: Posting, created: datetime, *, campaign: datetime | None = None
) -> int:
    stored = uow.postings.add(dataclasses.replace(posting, created_at=created))
    assert stored.id is not None
    if campaign is not None:
        assert uow.pushes.start_campaign(stored.id, 2.0, campaign)
    return stored.id


def _stolberger(uow: UnitOfWork) -> int:
    account = uow.accounts.add(
        Account(
            display_name="Stefan",
            identities=(PlatformIdentity(Platform.TELEGRAM, "7001"),),
            municipality_key="stolberg",
            home=Place(GeoPoint(50.7706, 6.2278), "Stolberg", 10.0),
            consent_at=NOW - 60 * DAY,
        )
    )
    assert account.id is not None
    return account.id


def _alert(
    uow: UnitOfWork, posting_id: int, account_id: int, sent: datetime, answer: str | None = None
) -> None:
    assert uow.pushes.record_alert(posting_id, account_id, "urgent", 1.0, sent, wave=0)
    if answer is not None:
        assert uow.pushes.answer_alert(posting_id, account_id, answer, sent + HOUR)


def _set(
    database: Database, model: type[Base], where: ColumnElement[bool], **values: object
) -> None:
    """Stamp a moment the repositories take from the wall clock with the one of the story."""
    with database.engine.begin() as connection:
        connection.execute(update(model).where(where).values(**values))


def _message(uow: UnitOfWork, database: Database, account_id: int, at: datetime) -> None:
    identity = uow.identities.for_account(account_id)[0]
    entry = uow.inbox.record(
        platform=identity.platform,
        update_id=f"{account_id}-{at.isoformat()}",
        chat_id=identity.external_id,
        identity_id=identity.id,
        payload=None,
    )
    uow.commit()
    _set(database, InboxRow, InboxRow.id == entry, received_at=at)


def _world(database: Database) -> World:
    """Aachen's month, and a Stolberg need answered by an Aachen volunteer (and vice versa)."""
    with database.unit_of_work() as uow:
        seed_municipalities(uow)
        club = add_volunteer(uow, name="Tafel")
        v1, v2, v3, v4, v5, v6, v7 = (add_volunteer(uow, name=f"V{i}") for i in range(1, 8))
        stefan = _stolberger(uow)
        urgent = {"urgency": Urgency.URGENT, "owner": club}
        filled = {**urgent, "status": PostingStatus.FILLED}
        # urgent needs of the month: three filled (after 2 h, 4 h, 30 min), one open
        filled_in_2h = _posting(uow, need(**filled), NOW - 10 * DAY, campaign=NOW - 10 * DAY)
        open_urgent = _posting(
            uow,
            need(category=Category.SENIORS, **urgent),
            NOW - 5 * DAY,
            campaign=NOW - 5 * DAY,
        )
        filled_in_4h = _posting(uow, need(**filled), NOW - 3 * DAY, campaign=NOW - 3 * DAY)
        filled_in_30m = _posting(uow, need(**filled), NOW - 2 * DAY, campaign=NOW - 2 * DAY)
        # a draft offer hidden because its owner is banned; an expired one on the first instant
        drafted = _posting(
            uow,
            offer(category=Category.EDUCATION, status=PostingStatus.DRAFT, owner=v7),
            NOW - DAY,
        )
        _posting(
            uow,
            offer(category=Category.CULTURE, status=PostingStatus.EXPIRED, owner=v7),
            MONTH_AGO,
        )
        # before the month (filled within it) and on the first instant after it: not counted
        old_need = _posting(uow, need(**filled), NOW - 40 * DAY, campaign=NOW - 40 * DAY)
        _posting(uow, need(**urgent), NOW, campaign=NOW)
        stolberg_need = _posting(
            uow,
            dataclasses.replace(need(**filled), municipality_key="stolberg"),
            NOW - 5 * DAY,
            campaign=NOW - 5 * DAY,
        )

        # alerts of the month about Aachen's open need: help, not now, no answer, and a
        # Stolberg volunteer's help (it counts for Aachen, where the need is)
        _alert(uow, open_urgent, v1, NOW - 5 * DAY, "help")
        _alert(uow, open_urgent, v2, NOW - 5 * DAY, "not_now")
        _alert(uow, open_urgent, v3, NOW - 5 * DAY)
        _alert(uow, open_urgent, stefan, NOW - 4 * DAY - HOUR, "help")  # answered at -4 d
        # sent before the month, answered "help" within it: a match, not an alert of the month
        _alert(uow, old_need, v4, NOW - 31 * DAY)
        assert uow.pushes.answer_alert(old_need, v4, "help", NOW - 29 * DAY)
        _alert(uow, old_need, v6, NOW - 40 * DAY, "help")
        # Stolberg's need, answered by an Aachen volunteer: Stolberg's figures
        _alert(uow, stolberg_need, v1, NOW - 5 * DAY, "help")
        uow.commit()

        interests = [
            (open_urgent, v1, NOW - 5 * DAY + HOUR),  # with the "help": one match
            (open_urgent, stefan, NOW - 4 * DAY),
            (old_need, v4, NOW - 29 * DAY),
            (filled_in_2h, v5, NOW - 9 * DAY),
            (filled_in_2h, v6, NOW + HOUR),  # after the month
            (stolberg_need, v1, NOW - 5 * DAY + HOUR),
        ]
        for posting_id, account_id, _ in interests:
            uow.postings.record_interest(posting_id, account_id)
        uow.commit()
        _message(uow, database, v3, NOW - 31 * DAY)  # before the month
        _message(uow, database, v6, NOW)  # the first instant after it
        _message(uow, database, v7, NOW - 2 * DAY)
        _message(uow, database, stefan, NOW - 2 * DAY)

    for posting_id, account_id, at in interests:
        _set(
            database,
            PostingInterestRow,
            (PostingInterestRow.posting_id == posting_id)
            & (PostingInterestRow.account_id == account_id),
            created_at=at,
        )
    for posting_id, campaign_start, took in [
        (filled_in_2h, NOW - 10 * DAY, 2 * HOUR),
        (filled_in_4h, NOW - 3 * DAY, 4 * HOUR),
        (filled_in_30m, NOW - 2 * DAY, HOUR / 2),
        (old_need, NOW - 40 * DAY, 30 * DAY),
        (stolberg_need, NOW - 5 * DAY, 6 * HOUR),
    ]:
        _set(
            database,
            PostingRow,
            PostingRow.id == posting_id,
            status_changed_at=campaign_start + took,
        )
    _set(database, PostingRow, PostingRow.id == drafted, hidden=True)
    return World(filled_in_2h, open_urgent, stolberg_need, old_need)


def test_the_month_of_a_municipality_figure_by_figure(database: Database) -> None:
    _world(database)
    with database.unit_of_work() as uow:
        stats = uow.stats.of_municipality("aachen", MONTH_AGO, NOW)
    assert (stats.municipality_key, stats.since, stats.until) == ("aachen", MONTH_AGO, NOW)
    assert dict(stats.postings_by_status) == {
        PostingStatus.FILLED: 3,
        PostingStatus.PUBLISHED: 1,
        PostingStatus.DRAFT: 1,
        PostingStatus.EXPIRED: 1,
    }
    assert dict(stats.postings_by_category) == {
        Category.FOOD: 3,
        Category.SENIORS: 1,
        Category.EDUCATION: 1,
        Category.CULTURE: 1,
    }
    assert stats.postings == 6
    assert stats.postings_hidden == 1
    # (open, v1) help + interest once, (open, Stefan), (old, v4) help + interest, (2h, v5)
    assert stats.matches == 4
    assert (stats.alerts_sent, stats.alerts_helped, stats.alerts_declined) == (4, 2, 1)
    assert stats.alerts_answered == 3
    assert (stats.urgent_needs, stats.urgent_filled) == (4, 3)
    assert stats.fill_rate == 0.75
    assert stats.median_time_to_fill == 2 * HOUR  # of 30 min, 2 h, 4 h
    # v1, v2 (answers), v4 (late help), v5 (interest), v7 (a message); not v3, v6, the club, Stefan
    assert stats.active_volunteers == 5


def test_a_neighbouring_municipality_sees_only_its_own(database: Database) -> None:
    _world(database)
    with database.unit_of_work() as uow:
        stats = uow.stats.of_municipality("stolberg", MONTH_AGO, NOW)
    assert dict(stats.postings_by_status) == {PostingStatus.FILLED: 1}
    assert dict(stats.postings_by_category) == {Category.FOOD: 1}
    assert stats.postings_hidden == 0
    assert stats.matches == 1  # Aachen's v1 helping there
    assert (stats.alerts_sent, stats.alerts_helped, stats.alerts_declined) == (1, 1, 0)
    assert (stats.urgent_needs, stats.urgent_filled) == (1, 1)
    assert stats.median_time_to_fill == 6 * HOUR
    assert stats.active_volunteers == 1  # Stefan, who helped in Aachen and wrote to the bot


def test_a_shorter_period_starts_on_its_first_instant(database: Database) -> None:
    _world(database)
    with database.unit_of_work() as uow:
        stats = uow.stats.of_municipality("aachen", NOW - 4 * DAY, NOW)
    assert dict(stats.postings_by_status) == {
        PostingStatus.FILLED: 2,
        PostingStatus.DRAFT: 1,
    }
    assert stats.matches == 1  # Stefan's help, answered on the period's first instant
    assert (stats.alerts_sent, stats.alerts_helped, stats.alerts_declined) == (0, 0, 0)
    assert (stats.urgent_needs, stats.urgent_filled) == (2, 2)
    assert stats.median_time_to_fill == timedelta(hours=2, minutes=15)  # 30 min and 4 h
    assert stats.active_volunteers == 1  # v7's message


def test_an_empty_period_has_zeros_and_no_rates(database: Database) -> None:
    _world(database)
    with database.unit_of_work() as uow:
        stats = uow.stats.of_municipality("aachen", NOW + DAY, NOW + 2 * DAY)
    assert stats.postings == 0
    assert dict(stats.postings_by_category) == {}
    assert (stats.matches, stats.alerts_sent, stats.urgent_needs, stats.active_volunteers) == (
        0,
        0,
        0,
        0,
    )
    assert stats.fill_rate is None
    assert stats.median_time_to_fill is None
