"""The query interfaces of matching/ (CandidateSource, TargetSource), answered with SQL.

Each prefilter is one indexed lookup: equality on status and kind (and topic), the latitude bands
of the box as a list, the longitude as a range — see domain.places.box_around and the indexes in
storage/models.py. Only plain columns are read here; whole postings only for the few that the
matching layer asks for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from domain.actors import Availability, Owner
from domain.categories import Category
from domain.lifecycle import PostingStatus
from domain.places import GeoBox, GeoPoint, Place
from domain.postings import Posting, PostingKind, PostingType, Urgency
from domain.qualifications import Qualification
from domain.timewindow import TimeWindowKind, WeeklySlot
from domain.trusted import rebuild
from matching.retrieval import CandidateQuery, PostingSketch
from matching.scoring import FreeNow, VolunteerProfile
from matching.targeting import VolunteerQuery, VolunteerSketch
from storage.models import (
    AccountInterestRow,
    AccountQualificationRow,
    AccountRow,
    FreeNowWindowRow,
    IdentityRow,
    PostingQualificationRow,
    PostingRow,
    PostingWeeklySlotRow,
    PushAlertRow,
)
from storage.repositories.postings import time_window_of
from storage.types import clock_of, quiet_hours_of

DEFAULT_REACH_KM = 5.0
# enum members by value: a dict lookup is several times cheaper than calling the enum, and
# sketches are read by the thousand
_KINDS = {kind.value: kind for kind in PostingKind}
_CATEGORIES = {category.value: category for category in Category}
_URGENCIES = {urgency.value: urgency for urgency in Urgency}


def volunteer_sketch(row: Any) -> VolunteerSketch:
    """From a row with the accounts' home, reach, zone and quiet-hour columns (and `order`,
    when the query ordered by distance)."""
    return VolunteerSketch(
        account_id=row.id,
        lat=row.home_lat,
        lon=row.home_lon,
        reach_km=row.home_radius_km or DEFAULT_REACH_KM,
        time_zone=row.time_zone,
        quiet_hours=quiet_hours_of(row.quiet_start_minute, row.quiet_end_minute),
        order=getattr(row, "order", 0.0),
    )


class SqlCandidates:
    """CandidateSource and TargetSource on one session.

    The spatial prefilter of each table is one method (`_near_*`): the benchmark's PostGIS
    variant overrides only those, so every other rule is the same in both."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _near_posting(self, box: GeoBox) -> ColumnElement[bool]:
        p = PostingRow
        return and_(p.geo_band.in_(box.bands), p.lon.between(box.lon_min, box.lon_max))

    def _near_home(self, query: VolunteerQuery) -> ColumnElement[bool]:
        a, box = AccountRow, query.box
        return and_(a.home_band.in_(box.bands), a.home_lon.between(box.lon_min, box.lon_max))

    def _near_window(self, box: GeoBox) -> ColumnElement[bool]:
        w = FreeNowWindowRow
        return and_(w.geo_band.in_(box.bands), w.lon.between(box.lon_min, box.lon_max))

    # ---- postings --------------------------------------------------------------------------

    def posting_sketches(self, query: CandidateQuery) -> list[PostingSketch]:
        p = PostingRow
        conditions = [
            p.status == PostingStatus.PUBLISHED.value,
            p.kind.in_(sorted(k.value for k in query.kinds)),
            self._near_posting(query.box),
            or_(p.ends_at.is_(None), p.ends_at > query.time_from),
            or_(p.starts_at.is_(None), p.starts_at < query.time_to),
        ]
        if query.categories:
            conditions.append(p.category.in_(sorted(c.value for c in query.categories)))
        if query.exclude_owner_id is not None:
            conditions.append(p.owner_account_id != query.exclude_owner_id)
        q = PostingQualificationRow
        for qualification in sorted(query.with_all):
            conditions.append(
                exists().where(q.posting_id == p.id, q.qualification == qualification.key)
            )
        if query.slot_spans is not None:
            w = PostingWeeklySlotRow
            fits = or_(
                *(
                    and_(w.weekday == day, w.start_minute < last, w.end_minute > first)
                    for day, first, last in query.slot_spans
                )
            )
            conditions.append(
                or_(
                    p.time_kind != TimeWindowKind.WEEKLY.value,
                    p.time_zone != query.slot_zone,
                    exists().where(w.posting_id == p.id, fits),
                )
            )
        if query.only_from is not None:
            outside = exists().where(q.posting_id == p.id)
            if query.only_from:
                outside = outside.where(
                    q.qualification.not_in(sorted(k.key for k in query.only_from))
                )
            conditions.append(~outside)
        rows = self._session.execute(
            select(
                p.id,
                p.kind,
                p.category,
                p.lat,
                p.lon,
                p.radius_km,
                p.urgency,
                p.created_at,
                p.owner_account_id,
                p.starts_at,
                p.ends_at,
            )
            .where(*conditions)
            .limit(query.limit)
        )
        return [
            PostingSketch(
                id=row.id,
                kind=_KINDS[row.kind],
                category=_CATEGORIES[row.category],
                lat=row.lat,
                lon=row.lon,
                radius_km=row.radius_km,
                urgency=_URGENCIES[row.urgency],
                created_at=row.created_at,
                owner_account_id=row.owner_account_id,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
            )
            for row in rows
        ]

    def postings(self, ids: Sequence[int]) -> list[Posting]:
        """Published postings by id, read with plain queries and rebuilt without validating
        them again (they were validated when stored): matching reads many."""
        if not ids:
            return []
        wanted = list(ids)
        qualifications: dict[int, set[Qualification]] = defaultdict(set)
        q = PostingQualificationRow
        for posting_id, key in self._session.execute(
            select(q.posting_id, q.qualification).where(q.posting_id.in_(wanted))
        ):
            qualifications[posting_id].add(rebuild(Qualification, key=key))
        p = PostingRow
        rows = self._session.execute(
            select(
                p.id, p.kind, p.type, p.category, p.title, p.description, p.time_kind,
                p.time_zone, p.starts_at, p.ends_at, p.lat, p.lon, p.place_label, p.radius_km,
                p.owner_account_id, p.organisation_id, p.municipality_key, p.quantity,
                p.urgency, p.status, p.created_at, p.updated_at,
            ).where(p.id.in_(wanted), p.status == PostingStatus.PUBLISHED.value)
        ).all()  # fmt: skip
        weekly = [row.id for row in rows if row.time_kind == TimeWindowKind.WEEKLY.value]
        slots: dict[int, list[WeeklySlot]] = defaultdict(list)
        if weekly:
            w = PostingWeeklySlotRow
            for posting_id, weekday, start, end in self._session.execute(
                select(w.posting_id, w.weekday, w.start_minute, w.end_minute).where(
                    w.posting_id.in_(weekly)
                )
            ):
                slots[posting_id].append(WeeklySlot(weekday, clock_of(start), clock_of(end)))
        return [
            rebuild(
                Posting,
                id=row.id,
                kind=PostingKind(row.kind),
                type=PostingType(row.type),
                category=Category(row.category),
                title=row.title,
                description=row.description,
                time_window=time_window_of(
                    row.time_kind, row.time_zone, row.starts_at, row.ends_at, slots[row.id]
                ),
                place=rebuild(
                    Place,
                    point=rebuild(GeoPoint, lat=row.lat, lon=row.lon),
                    label=row.place_label,
                    radius_km=row.radius_km,
                ),
                owner=Owner(row.owner_account_id, row.organisation_id),
                municipality_key=row.municipality_key,
                qualifications=frozenset(qualifications.get(row.id, ())),
                quantity=row.quantity,
                urgency=Urgency(row.urgency),
                status=PostingStatus(row.status),
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
            for row in rows
        ]

    # ---- volunteers ------------------------------------------------------------------------

    def nearest_volunteers(
        self, query: VolunteerQuery, limit: int, after: tuple[float, int] | None = None
    ) -> list[VolunteerSketch]:
        """Volunteers at home in the query's box, nearest first: the planar distance is plain
        arithmetic both databases evaluate on the rows of the box, so only `limit` rows come
        back, and a page continues after the last one's (order, id)."""
        a = AccountRow
        dy = a.home_lat - query.centre.lat
        dx = (a.home_lon - query.centre.lon) * query.lon_scale
        order = (dy * dy + dx * dx).label("order")
        conditions = [
            self._near_home(query),
            a.notifications_enabled.is_(True),
            a.consent_at.is_not(None),
            exists().where(IdentityRow.account_id == a.id, IdentityRow.unreachable_at.is_(None)),
        ]
        if query.exclude:
            conditions.append(a.id.not_in(sorted(query.exclude)))
        if query.category is not None:
            i = AccountInterestRow
            conditions.append(
                or_(
                    ~exists().where(i.account_id == a.id),
                    exists().where(i.account_id == a.id, i.category == query.category.value),
                )
            )
        for qualification in sorted(query.qualifications):
            q = AccountQualificationRow
            conditions.append(
                exists().where(q.account_id == a.id, q.qualification == qualification.key)
            )
        if query.availability is not None:
            # the list is stored as JSON text; a quoted name can only match that entry
            named = cast(a.availability, String)
            conditions.append(
                or_(
                    named == "[]",
                    a.time_zone != query.availability_zone,
                    *(named.like(f'%"{pattern.value}"%') for pattern in sorted(query.availability)),
                )
            )
        if after is not None:
            last_order, last_id = after
            conditions.append(or_(order > last_order, and_(order == last_order, a.id > last_id)))
        rows = self._session.execute(
            select(
                a.id,
                a.home_lat,
                a.home_lon,
                a.home_radius_km,
                a.time_zone,
                a.quiet_start_minute,
                a.quiet_end_minute,
                order,
            )
            .where(*conditions)
            .order_by(order, a.id)
            .limit(limit)
        )
        return [volunteer_sketch(row) for row in rows]

    def _topics_and_skills(
        self, account_ids: Sequence[int]
    ) -> tuple[dict[int, set[Category]], dict[int, set[Qualification]]]:
        interests: dict[int, set[Category]] = defaultdict(set)
        skills: dict[int, set[Qualification]] = defaultdict(set)
        ids = list(account_ids)
        for account_id, category in self._session.execute(
            select(AccountInterestRow.account_id, AccountInterestRow.category).where(
                AccountInterestRow.account_id.in_(ids)
            )
        ):
            interests[account_id].add(Category(category))
        for account_id, key in self._session.execute(
            select(AccountQualificationRow.account_id, AccountQualificationRow.qualification).where(
                AccountQualificationRow.account_id.in_(ids)
            )
        ):
            skills[account_id].add(Qualification(key))
        return interests, skills

    def volunteer_profiles(self, account_ids: Sequence[int]) -> dict[int, VolunteerProfile]:
        if not account_ids:
            return {}
        a = AccountRow
        rows = self._session.execute(
            select(
                a.id, a.home_lat, a.home_lon, a.home_radius_km, a.time_zone, a.availability
            ).where(a.id.in_(list(account_ids)), a.home_lat.is_not(None))
        ).all()
        interests, skills = self._topics_and_skills([row.id for row in rows])
        return {
            row.id: VolunteerProfile(
                account_id=row.id,
                home=GeoPoint(row.home_lat, row.home_lon),
                reach_km=row.home_radius_km or DEFAULT_REACH_KM,
                time_zone=row.time_zone,
                interests=frozenset(interests.get(row.id, ())),
                qualifications=frozenset(skills.get(row.id, ())),
                availability=frozenset(Availability(v) for v in row.availability or ()),
            )
            for row in rows
        }

    def free_now_windows(self, box: GeoBox, now: datetime) -> list[FreeNow]:
        w = FreeNowWindowRow
        # an alert nobody can receive would still take a place in the wave and under the cap
        reachable = exists().where(
            IdentityRow.account_id == w.account_id, IdentityRow.unreachable_at.is_(None)
        )
        rows = self._session.execute(
            select(w.account_id, w.lat, w.lon, w.radius_km, w.starts_at, w.ends_at)
            .join(AccountRow, AccountRow.id == w.account_id)
            .where(
                self._near_window(box),
                w.starts_at <= now,
                w.ends_at > now,
                AccountRow.consent_at.is_not(None),
                reachable,
            )
        ).all()
        interests, skills = self._topics_and_skills([row.account_id for row in rows])
        return [
            FreeNow(
                account_id=row.account_id,
                point=GeoPoint(row.lat, row.lon),
                radius_km=row.radius_km,
                start=row.starts_at,
                end=row.ends_at,
                interests=frozenset(interests.get(row.account_id, ())),
                qualifications=frozenset(skills.get(row.account_id, ())),
            )
            for row in rows
        ]

    def alerted_for(self, posting_id: int) -> set[int]:
        return set(
            self._session.scalars(
                select(PushAlertRow.account_id).where(PushAlertRow.posting_id == posting_id)
            )
        )

    def urgent_alerts_since(self, account_ids: Sequence[int], since: datetime) -> dict[int, int]:
        if not account_ids:
            return {}
        rows = self._session.execute(
            select(PushAlertRow.account_id, func.count())
            .where(
                and_(
                    PushAlertRow.account_id.in_(list(account_ids)),
                    PushAlertRow.reason == "urgent",
                    PushAlertRow.created_at >= since,
                )
            )
            .group_by(PushAlertRow.account_id)
        )
        return {account_id: int(n) for account_id, n in rows}
