from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from domain.actors import Owner
from domain.categories import Category
from domain.errors import NotFound
from domain.lifecycle import PostingEvent, PostingStatus
from domain.places import GeoPoint, Place, box_around, geo_band
from domain.postings import Posting, PostingKind, PostingType, Urgency
from domain.qualifications import Qualification
from domain.search import PostingFilter
from domain.timewindow import (
    OneOff,
    OpenEnded,
    TimeWindow,
    TimeWindowKind,
    Weekly,
    WeeklySlot,
)
from storage.models import (
    PostingInterestRow,
    PostingQualificationRow,
    PostingRow,
    PostingWeeklySlotRow,
    utcnow,
)
from storage.types import clock_of, minutes_of


def _time_window(row: PostingRow) -> TimeWindow:
    return time_window_of(
        row.time_kind,
        row.time_zone,
        row.starts_at,
        row.ends_at,
        [
            WeeklySlot(s.weekday, clock_of(s.start_minute), clock_of(s.end_minute))
            for s in row.weekly_slots
        ],
    )


def time_window_of(
    time_kind: str,
    time_zone: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    slots: list[WeeklySlot],
) -> TimeWindow:
    kind = TimeWindowKind(time_kind)
    if kind is TimeWindowKind.ONE_OFF:
        if starts_at is None or ends_at is None:
            raise ValueError("one-off time window without start or end")
        return OneOff(starts_at, ends_at)
    if kind is TimeWindowKind.OPEN:
        return OpenEnded(starts_at, ends_at)
    # a weekly window's validity dates are its bounds read back in its own zone
    zone = ZoneInfo(time_zone)
    return Weekly(
        slots=tuple(slots),
        time_zone=time_zone,
        valid_from=starts_at.astimezone(zone).date() if starts_at else None,
        valid_until=(ends_at.astimezone(zone) - timedelta(days=1)).date() if ends_at else None,
    )


def posting_of(row: PostingRow) -> Posting:
    return Posting(
        id=row.id,
        kind=PostingKind(row.kind),
        type=PostingType(row.type),
        category=Category(row.category),
        title=row.title,
        description=row.description,
        time_window=_time_window(row),
        place=Place(GeoPoint(row.lat, row.lon), row.place_label, row.radius_km),
        owner=Owner(row.owner_account_id, row.organisation_id),
        municipality_key=row.municipality_key,
        qualifications=frozenset(Qualification(q.qualification) for q in row.qualifications),
        quantity=row.quantity,
        urgency=Urgency(row.urgency),
        status=PostingStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        hidden=row.hidden,
    )


def _fill(row: PostingRow, posting: Posting) -> None:
    row.kind = posting.kind.value
    row.type = posting.type.value
    row.category = posting.category.value
    row.title = posting.title
    row.description = posting.description
    window = posting.time_window
    row.time_kind = window.kind.value
    row.time_zone = window.time_zone if isinstance(window, Weekly) else "UTC"
    row.starts_at, row.ends_at = window.bounds()
    row.lat, row.lon = posting.place.lat, posting.place.lon
    row.geo_band = geo_band(posting.place.lat)
    row.place_label = posting.place.label
    row.radius_km = posting.place.radius_km
    row.quantity = posting.quantity
    row.urgency = posting.urgency.value
    if row.status != posting.status.value:
        row.status_changed_at = utcnow()
    row.status = posting.status.value
    row.owner_account_id = posting.owner.account_id
    row.organisation_id = posting.owner.organisation_id
    row.municipality_key = posting.municipality_key
    row.qualifications = [
        PostingQualificationRow(qualification=q.key) for q in sorted(posting.qualifications)
    ]
    slots = window.slots if isinstance(window, Weekly) else ()
    row.weekly_slots = [
        PostingWeeklySlotRow(
            weekday=s.weekday, start_minute=minutes_of(s.start), end_minute=minutes_of(s.end)
        )
        for s in slots
    ]


class PostingRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, posting: Posting) -> Posting:
        row = PostingRow()
        _fill(row, posting)
        if posting.created_at is not None:
            row.created_at = posting.created_at
        self._session.add(row)
        self._session.flush()
        return posting_of(row)

    def _get_row(self, posting_id: int) -> PostingRow:
        row = self._session.get(PostingRow, posting_id)
        if row is None:
            raise NotFound(f"no posting {posting_id}", posting_id=posting_id)
        return row

    def get(self, posting_id: int) -> Posting:
        return posting_of(self._get_row(posting_id))

    def update(self, posting: Posting) -> Posting:
        if posting.id is None:
            raise NotFound("posting has no id")
        row = self._get_row(posting.id)
        # the lifecycle is guarded by transition(): an edit must not smuggle a status change in
        if row.status != posting.status.value:
            raise ValueError("use transition() to change a posting's status")
        _fill(row, posting)
        self._session.flush()
        return posting_of(row)

    def transition(self, posting_id: int, event: PostingEvent) -> Posting:
        """Apply a lifecycle event; an illegal one raises before anything is written."""
        row = self._get_row(posting_id)
        changed = posting_of(row).apply(event)
        row.status = changed.status.value
        row.status_changed_at = utcnow()
        self._session.flush()
        return posting_of(row)

    def by_owner(self, account_id: int) -> list[Posting]:
        rows = self._session.scalars(
            select(PostingRow)
            .where(PostingRow.owner_account_id == account_id)
            .order_by(PostingRow.created_at.desc(), PostingRow.id.desc())
        )
        return [posting_of(r) for r in rows]

    def set_hidden_for_owner(self, account_id: int, hidden: bool) -> int:
        """Hide (a ban) or show again (unban) every posting of the account; how many."""
        rows = self._session.scalars(
            select(PostingRow).where(
                PostingRow.owner_account_id == account_id, PostingRow.hidden.is_(not hidden)
            )
        ).all()
        for row in rows:
            row.hidden = hidden
        self._session.flush()
        return len(rows)

    def pending_review(
        self, municipality_keys: Iterable[str] | None, limit: int = 10
    ) -> tuple[list[Posting], int]:
        """The oldest postings waiting for review (of these municipalities; None: all) and how
        many wait in all."""
        waiting = PostingRow.status == PostingStatus.PENDING_REVIEW.value
        if municipality_keys is not None:
            waiting = waiting & PostingRow.municipality_key.in_(list(municipality_keys))
        total = int(self._session.scalar(select(func.count(PostingRow.id)).where(waiting)) or 0)
        rows = self._session.scalars(
            select(PostingRow)
            .where(waiting)
            .order_by(PostingRow.status_changed_at, PostingRow.id)
            .limit(limit)
        )
        return [posting_of(r) for r in rows], total

    def count(self) -> int:
        return int(self._session.scalar(select(func.count(PostingRow.id))) or 0)

    def count_by_status(self) -> Counter[PostingStatus]:
        rows = self._session.execute(
            select(PostingRow.status, func.count(PostingRow.id)).group_by(PostingRow.status)
        )
        return Counter({PostingStatus(status): int(n) for status, n in rows})

    def search(self, wanted: PostingFilter) -> list[tuple[Posting, float | None]]:
        """Postings matching the filter, each with its distance in km from the filter's centre.

        SQL narrows by status, category, kind, time bounds and a bounding box on the indexed
        coordinates; the exact distance and weekly slots are checked here. Ordered and limited."""
        statement = select(PostingRow).where(
            PostingRow.status.in_([s.value for s in wanted.statuses]),
            PostingRow.hidden.is_(False),
        )
        if wanted.categories:
            statement = statement.where(
                PostingRow.category.in_([c.value for c in wanted.categories])
            )
        if wanted.kinds:
            statement = statement.where(PostingRow.kind.in_([k.value for k in wanted.kinds]))
        if wanted.exclude_owner_id is not None:
            statement = statement.where(PostingRow.owner_account_id != wanted.exclude_owner_id)
        if wanted.time_from is not None:
            statement = statement.where(
                PostingRow.ends_at.is_(None) | (PostingRow.ends_at > wanted.time_from)
            )
        if wanted.time_to is not None:
            statement = statement.where(
                PostingRow.starts_at.is_(None) | (PostingRow.starts_at < wanted.time_to)
            )
        if wanted.qualifications:
            statement = statement.where(
                exists().where(
                    PostingQualificationRow.posting_id == PostingRow.id,
                    PostingQualificationRow.qualification.in_(
                        [q.key for q in wanted.qualifications]
                    ),
                )
            )
        centre, radius = wanted.centre, wanted.radius_km
        if centre is not None and radius is not None:
            box = box_around(centre, radius)
            statement = statement.where(
                PostingRow.geo_band.in_(box.bands),
                PostingRow.lon.between(box.lon_min, box.lon_max),
            )
        statement = statement.order_by(PostingRow.starts_at, PostingRow.id).limit(wanted.limit)
        found: list[tuple[Posting, float | None]] = []
        for row in self._session.scalars(statement):
            posting = posting_of(row)
            distance = None
            if centre is not None and radius is not None:
                distance = centre.distance_km(posting.place.point)
                if distance > radius:
                    continue
            if isinstance(posting.time_window, Weekly) and not _weekly_fits(posting, wanted):
                continue
            found.append((posting, distance))
        return found

    def ended(self, now: datetime, limit: int = 500) -> list[int]:
        """Open postings (in review, published, paused) whose time window is over."""
        return list(
            self._session.scalars(
                select(PostingRow.id)
                .where(
                    PostingRow.status.in_(
                        [
                            PostingStatus.PENDING_REVIEW.value,
                            PostingStatus.PUBLISHED.value,
                            PostingStatus.PAUSED.value,
                        ]
                    ),
                    PostingRow.ends_at.is_not(None),
                    PostingRow.ends_at <= now,
                )
                .order_by(PostingRow.ends_at, PostingRow.id)
                .limit(limit)
            )
        )

    def record_interest(self, posting_id: int, account_id: int) -> bool:
        """True when this is the account's first interest in the posting."""
        if self._session.get(PostingInterestRow, (posting_id, account_id)) is not None:
            return False
        self._session.add(PostingInterestRow(posting_id=posting_id, account_id=account_id))
        self._session.flush()
        return True

    def interested_count(self, posting_id: int) -> int:
        return int(
            self._session.scalar(
                select(func.count()).where(PostingInterestRow.posting_id == posting_id)
            )
            or 0
        )


def _weekly_fits(posting: Posting, wanted: PostingFilter) -> bool:
    start = wanted.time_from or datetime.now(UTC)
    end = wanted.time_to or start + timedelta(days=28)
    return bool(posting.time_window.intervals(start, end))
