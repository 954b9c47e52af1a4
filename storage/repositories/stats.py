"""The editors' figures of one municipality for a period, each aggregated in SQL.

A period is half-open, [since, until). A posting belongs to the municipality it was posted in;
matching crosses municipal borders, so an alert or an interest counts for the municipality of the
posting it is about, whoever answered it. What each figure counts:

- postings: the municipality's postings created in the period, by their status now and by
  category; all of them, drafts and removed ones too (the status says which). `postings_hidden`:
  how many of them are hidden now because their owner is banned.
- matches: the distinct (posting, person) pairs of the municipality's postings where the person
  clicked "I'm interested" or answered an alert "I'll help" in the period. An "I'll help" records
  an interest too; a pair counts once.
- alerts: the pushes (urgent waves and free-now pushes) about the municipality's postings sent in
  the period, and how many of those were answered "help" or "not now" (whenever that was).
- urgent needs: the municipality's urgent needs whose alert campaign started in the period. The
  campaign starts when a need is first published and not again (a resumed need continues it),
  so its start is when the need went public. Filled: their status is filled now. Time to fill:
  the moment a need became filled (its status change, which is final) minus its campaign's
  start; the median over the filled ones.
- active volunteers: the accounts of the municipality (their home municipality) that in the
  period sent the bot a message (the inbox keeps one row per update, without the text), answered
  an alert or showed interest in a posting (so the figure holds even for updates the inbox never
  saw, such as imported data).

The figures are read from what is stored now, not from a log: an erased account takes its
postings, alerts, interests and messages along (GDPR), so a past period's figures can shrink."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, union
from sqlalchemy.orm import InstrumentedAttribute, Session

from domain.categories import Category
from domain.lifecycle import PostingStatus
from domain.postings import PostingKind, Urgency
from domain.statistics import MunicipalityStats
from storage.models import (
    AccountRow,
    DeadLetterRow,
    IdentityRow,
    InboxRow,
    PostingInterestRow,
    PostingRow,
    PushAlertRow,
    PushCampaignRow,
)

HELP, NOT_NOW = "help", "not_now"  # PushAlertRow.answer


def _within(
    column: InstrumentedAttribute[Any], since: datetime, until: datetime
) -> ColumnElement[bool]:
    return (column >= since) & (column < until)


class StatsRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def of_municipality(self, key: str, since: datetime, until: datetime) -> MunicipalityStats:
        """The figures defined in this module's docstring, for [since, until)."""
        by_status, by_category, hidden = self._postings(key, since, until)
        sent, helped, declined = self._alerts(key, since, until)
        urgent, filled = self._urgent_needs(key, since, until)
        return MunicipalityStats(
            municipality_key=key,
            since=since,
            until=until,
            postings_by_status=by_status,
            postings_by_category=by_category,
            postings_hidden=hidden,
            matches=self._matches(key, since, until),
            alerts_sent=sent,
            alerts_helped=helped,
            alerts_declined=declined,
            urgent_needs=urgent,
            urgent_filled=filled,
            median_time_to_fill=self._median_time_to_fill(key, since, until),
            active_volunteers=self._active_volunteers(key, since, until),
            set_aside=self._set_aside(key, since, until),
        )

    def _set_aside(self, key: str, since: datetime, until: datetime) -> int:
        """Dead letters of the municipality's own bot and of the shared bot it also serves."""
        query = select(func.count()).where(
            DeadLetterRow.front_end.in_((key, "")), _within(DeadLetterRow.at, since, until)
        )
        return int(self._session.scalar(query) or 0)

    def _postings(
        self, key: str, since: datetime, until: datetime
    ) -> tuple[Counter[PostingStatus], Counter[Category], int]:
        # one grouped query: at most statuses × categories × 2 rows, summed up here
        rows = self._session.execute(
            select(PostingRow.status, PostingRow.category, PostingRow.hidden, func.count())
            .where(
                PostingRow.municipality_key == key,
                _within(PostingRow.created_at, since, until),
            )
            .group_by(PostingRow.status, PostingRow.category, PostingRow.hidden)
        )
        by_status: Counter[PostingStatus] = Counter()
        by_category: Counter[Category] = Counter()
        hidden = 0
        for status, category, is_hidden, n in rows:
            by_status[PostingStatus(status)] += n
            by_category[Category(category)] += n
            hidden += n if is_hidden else 0
        return by_status, by_category, hidden

    def _matches(self, key: str, since: datetime, until: datetime) -> int:
        pairs = union(
            select(PostingInterestRow.posting_id, PostingInterestRow.account_id).where(
                _within(PostingInterestRow.created_at, since, until)
            ),
            select(PushAlertRow.posting_id, PushAlertRow.account_id).where(
                PushAlertRow.answer == HELP, _within(PushAlertRow.answered_at, since, until)
            ),
        ).subquery()
        return self._count(
            select(func.count())
            .select_from(pairs)
            .join(PostingRow, PostingRow.id == pairs.c.posting_id)
            .where(PostingRow.municipality_key == key)
        )

    def _alerts(self, key: str, since: datetime, until: datetime) -> tuple[int, int, int]:
        row = self._session.execute(
            select(
                func.count(),
                func.count().filter(PushAlertRow.answer == HELP),
                func.count().filter(PushAlertRow.answer == NOT_NOW),
            )
            .select_from(PushAlertRow)
            .join(PostingRow, PostingRow.id == PushAlertRow.posting_id)
            .where(
                PostingRow.municipality_key == key,
                _within(PushAlertRow.created_at, since, until),
            )
        ).one()
        return int(row[0]), int(row[1]), int(row[2])

    def _urgent_needs_of(
        self, key: str, since: datetime, until: datetime
    ) -> Select[str, datetime, datetime]:
        """The municipality's urgent needs that went public in the period, with their campaign."""
        return (
            select(PostingRow.status, PostingRow.status_changed_at, PushCampaignRow.started_at)
            .select_from(PostingRow)
            .join(PushCampaignRow, PushCampaignRow.posting_id == PostingRow.id)
            .where(
                PostingRow.municipality_key == key,
                PostingRow.kind == PostingKind.NEED.value,
                PostingRow.urgency == Urgency.URGENT.value,
                _within(PushCampaignRow.started_at, since, until),
            )
        )

    def _urgent_needs(self, key: str, since: datetime, until: datetime) -> tuple[int, int]:
        needs = self._urgent_needs_of(key, since, until).subquery()
        row = self._session.execute(
            select(
                func.count(), func.count().filter(needs.c.status == PostingStatus.FILLED.value)
            ).select_from(needs)
        ).one()
        return int(row[0]), int(row[1])

    def _median_time_to_fill(self, key: str, since: datetime, until: datetime) -> timedelta | None:
        seconds = self._seconds_between(PostingRow.status_changed_at, PushCampaignRow.started_at)
        # the median by rank, the same on both databases (SQLite has no percentile_cont): the
        # middle one, or the mean of the middle two
        ranked = (
            self._urgent_needs_of(key, since, until)
            .where(PostingRow.status == PostingStatus.FILLED.value)
            .with_only_columns(
                seconds.label("seconds"),
                func.row_number().over(order_by=seconds).label("rank"),
                func.count().over().label("n"),
            )
            .subquery()
        )
        middle = self._session.scalar(
            select(func.avg(ranked.c.seconds)).where(
                or_(ranked.c.rank == (ranked.c.n + 1) // 2, ranked.c.rank == (ranked.c.n + 2) // 2)
            )
        )
        return None if middle is None else timedelta(seconds=round(float(middle)))

    def _seconds_between(
        self, later: InstrumentedAttribute[datetime], earlier: InstrumentedAttribute[datetime]
    ) -> ColumnElement[Any]:
        if self._session.get_bind().dialect.name == "postgresql":
            return func.extract("epoch", later - earlier)
        # SQLite keeps naive UTC text; julianday reads it (to well under a second here)
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0

    def _active_volunteers(self, key: str, since: datetime, until: datetime) -> int:
        active = union(
            select(IdentityRow.account_id)
            .join(InboxRow, InboxRow.identity_id == IdentityRow.id)
            .where(_within(InboxRow.received_at, since, until)),
            select(PushAlertRow.account_id).where(_within(PushAlertRow.answered_at, since, until)),
            select(PostingInterestRow.account_id).where(
                _within(PostingInterestRow.created_at, since, until)
            ),
        ).subquery()
        return self._count(
            select(func.count())
            .select_from(AccountRow)
            .where(
                AccountRow.municipality_key == key, AccountRow.id.in_(select(active.c.account_id))
            )
        )

    def _count(self, statement: Any) -> int:
        return int(self._session.scalar(statement) or 0)
