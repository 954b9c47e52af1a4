"""The query interfaces of matching/ (CandidateSource, TargetSource), answered with SQL.

Each prefilter is a few indexed range reads: equality on status and kind (and topic), the
latitude bands of a ring's parts as lists, the longitude as ranges — see ring_parts and the
indexes in storage/models.py. Only plain columns are read here; whole postings only for the
few that the matching layer asks for, and the homes' profiles only for the page returned.

The statements are built once per shape with bound parameters and kept (a rule a query doesn't
have is switched off by a parameter): matching asks a handful of small questions per request,
and building and compiling a statement anew cost more than the database took to answer it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    SmallInteger,
    String,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from domain.actors import Availability, Owner
from domain.categories import Category
from domain.lifecycle import PostingStatus
from domain.places import GeoBox, GeoPoint, Place, box_around, geo_band
from domain.postings import Posting, PostingKind, PostingType, Urgency
from domain.qualifications import Qualification
from domain.timewindow import TimeWindowKind, WeeklySlot
from domain.trusted import rebuild
from matching.retrieval import MAX_SPANS, CandidateQuery, PostingSketch, Rect
from matching.scoring import FreeNow, VolunteerProfile
from matching.targeting import VolunteerPage, VolunteerQuery, VolunteerSketch, WindowPlace
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
# sketches are read by the hundred
_KINDS = {kind.value: kind for kind in PostingKind}
_TYPES = {kind.value: kind for kind in PostingType}
_CATEGORIES = {category.value: category for category in Category}
_URGENCIES = {urgency.value: urgency for urgency in Urgency}
_STATUSES = {status.value: status for status in PostingStatus}
_AVAILABILITY = {pattern.value: pattern for pattern in Availability}
_PUBLISHED = PostingStatus.PUBLISHED.value
_WEEKLY = TimeWindowKind.WEEKLY.value
_NO_SPAN = (-1, 0, 0)  # fills the spans a query doesn't use: no slot is on weekday -1


def free_now_window(
    row: Any,
    interests: Mapping[int, set[Category]],
    skills: Mapping[int, set[Qualification]],
) -> FreeNow:
    """A free-now window row (account_id, lat, lon, radius_km, starts_at, ends_at) with the
    person's topics and skills; the benchmark's naive scan builds its windows with it too."""
    return FreeNow(
        account_id=row.account_id,
        point=GeoPoint(row.lat, row.lon),
        radius_km=row.radius_km,
        start=row.starts_at,
        end=row.ends_at,
        interests=frozenset(interests.get(row.account_id, ())),
        qualifications=frozenset(skills.get(row.account_id, ())),
    )


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


def _param(name: str) -> BindParameter[Any]:
    return bindparam(name)


def _values(name: str) -> BindParameter[Any]:
    """A list, expanded into as many parameters as it has values when the statement runs."""
    return bindparam(name, expanding=True)


def _first(*conditions: ColumnElement[bool]) -> Any:
    """1 if some row meets the conditions, else NULL: a correlated lookup that both databases
    run per candidate row (see SqlCandidates._sketches)."""
    return select(literal(1)).where(*conditions).limit(1).scalar_subquery()


# ---- rings ---------------------------------------------------------------------------------------

RingShape = bool  # whether a ring leaves out an inner rectangle


def ring_shape(skip: Rect | None) -> RingShape:
    return skip is not None


def ring_parts(band: Any, lat: Any, lon: Any, skips: RingShape) -> list[ColumnElement[bool]]:
    """In the rectangle but not in the (smaller, nested) skip rectangle: the strips below and
    above it (one part: their bands), and left and right of it. Each part is a list of bands
    and a range of longitudes, as the grid index answers them, and the latitudes within those
    bands that count. The parts are disjoint; a query reads each with a SELECT of its own
    (UNION ALL), which lets SQLite filter on the index alone, where an OR of them would read
    every row of the table."""

    def part(bands: str, lats: ColumnElement[bool], lons: ColumnElement[bool]) -> Any:
        return and_(band.in_(_values(bands)), lons, lats)

    lons = lon.between(_param("lon_min"), _param("lon_max"))
    if not skips:
        return [part("bands", lat.between(_param("lat_min"), _param("lat_max")), lons)]
    below = and_(lat >= _param("lat_min"), lat < _param("skip_lat_min"))
    above = and_(lat > _param("skip_lat_max"), lat <= _param("lat_max"))
    beside = lat.between(_param("skip_lat_min"), _param("skip_lat_max"))
    return [
        part("across", or_(below, above), lons),
        part("beside", beside, and_(lon >= _param("lon_min"), lon < _param("skip_lon_min"))),
        part("beside", beside, and_(lon > _param("skip_lon_max"), lon <= _param("lon_max"))),
    ]


def _bands(lat_min: float, lat_max: float) -> list[int]:
    return list(range(geo_band(lat_min), geo_band(lat_max) + 1))


def ring_values(rect: Rect, skip: Rect | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "lat_min": rect.lat_min,
        "lat_max": rect.lat_max,
        "lon_min": rect.lon_min,
        "lon_max": rect.lon_max,
    }
    if skip is None:
        values["bands"] = _bands(rect.lat_min, rect.lat_max)
        return values
    values.update(
        skip_lat_min=skip.lat_min,
        skip_lat_max=skip.lat_max,
        skip_lon_min=skip.lon_min,
        skip_lon_max=skip.lon_max,
        across=sorted({*_bands(rect.lat_min, skip.lat_min), *_bands(skip.lat_max, rect.lat_max)}),
        beside=_bands(skip.lat_min, skip.lat_max),
    )
    return values


# ---- statements of a fixed shape ---------------------------------------------------------------

_P, _W, _Q = PostingRow, PostingWeeklySlotRow, PostingQualificationRow

_POSTINGS_BY_ID = select(
    _P.id, _P.kind, _P.type, _P.category, _P.title, _P.description, _P.time_kind, _P.time_zone,
    _P.starts_at, _P.ends_at, _P.lat, _P.lon, _P.place_label, _P.radius_km, _P.owner_account_id,
    _P.organisation_id, _P.municipality_key, _P.quantity, _P.urgency, _P.status, _P.created_at,
    _P.updated_at,
).where(_P.id.in_(_values("ids")), _P.status == _PUBLISHED, _P.hidden.is_(False))  # fmt: skip

# a posting's qualifications (weekday NULL) and weekly slots (qualification NULL) in one go
_EXTRAS_BY_ID = union_all(
    select(
        _Q.posting_id,
        _Q.qualification,
        cast(null(), SmallInteger).label("weekday"),
        cast(null(), SmallInteger).label("start_minute"),
        cast(null(), SmallInteger).label("end_minute"),
    ).where(_Q.posting_id.in_(_values("ids"))),
    select(
        _W.posting_id,
        cast(null(), String).label("qualification"),
        _W.weekday,
        _W.start_minute,
        _W.end_minute,
    ).where(_W.posting_id.in_(_values("ids"))),
)

_A, _I, _S = AccountRow, AccountInterestRow, AccountQualificationRow

_PROFILES_BY_ID = select(
    _A.id, _A.home_lat, _A.home_lon, _A.home_radius_km, _A.time_zone, _A.availability
).where(_A.id.in_(_values("ids")), _A.home_lat.is_not(None))

# an account's topics (kind "i") and skills (kind "q") in one go
_TOPICS_AND_SKILLS = union_all(
    select(_I.account_id, literal("i").label("kind"), _I.category.label("key")).where(
        _I.account_id.in_(_values("ids"))
    ),
    select(_S.account_id, literal("q").label("kind"), _S.qualification.label("key")).where(
        _S.account_id.in_(_values("ids"))
    ),
)

_ALERTED = select(PushAlertRow.account_id).where(PushAlertRow.posting_id == _param("posting_id"))

_URGENT_ALERTS = (
    select(PushAlertRow.account_id, func.count())
    .where(
        PushAlertRow.account_id.in_(_values("ids")),
        PushAlertRow.reason == "urgent",
        PushAlertRow.created_at >= _param("since"),
    )
    .group_by(PushAlertRow.account_id)
)


class SqlCandidates:
    """CandidateSource and TargetSource on one session.

    The spatial prefilter of each table is one method (`_near_*`): the benchmark's PostGIS
    variant overrides only those, so every other rule is the same in both. For postings and
    homes they are the parts of a ring as conditions on bound parameters (built once per
    shape: `_near_*`) and the values of those parameters for a query (`_near_*_values`)."""

    # statements by (class, what they ask, shape); a class's own near_* makes its own
    _statements: ClassVar[dict[tuple[object, ...], Any]] = {}

    def __init__(self, session: Session) -> None:
        self._session = session

    def _near_posting(self, shape: RingShape) -> list[ColumnElement[bool]]:
        p = PostingRow
        return ring_parts(p.geo_band, p.lat, p.lon, shape)

    def _near_posting_values(self, query: CandidateQuery) -> dict[str, Any]:
        return ring_values(query.rect, query.skip_rect)

    def _near_home(self, shape: RingShape) -> list[ColumnElement[bool]]:
        a = AccountRow
        return ring_parts(a.home_band, a.home_lat, a.home_lon, shape)

    def _near_home_values(self, query: VolunteerQuery) -> dict[str, Any]:
        return ring_values(query.rect, query.skip_rect)

    def _near_window(self, box: GeoBox) -> ColumnElement[bool]:
        w = FreeNowWindowRow
        return and_(w.geo_band.in_(box.bands), w.lon.between(box.lon_min, box.lon_max))

    def _near_window_circle(self, centre: GeoPoint, radius_km: float) -> ColumnElement[bool]:
        return self._near_window(box_around(centre, radius_km))

    def _statement(self, key: tuple[object, ...], build: Callable[[], Any]) -> Any:
        key = (type(self), *key)
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = build()
        return statement

    # ---- postings --------------------------------------------------------------------------

    def posting_sketches(self, query: CandidateQuery) -> list[PostingSketch]:
        shape = ring_shape(query.skip_rect)
        # topics named: their index; else every topic but some (a list the index can't use)
        named = bool(query.categories)
        statement = self._statement(
            ("sketches", shape, named), lambda: self._sketches(shape, named)
        )
        values = self._near_posting_values(query)
        categories = query.categories - query.other_categories if named else query.other_categories
        slot_rule = query.slot_spans is not None and len(query.slot_spans) <= MAX_SPANS
        spans = list(query.slot_spans or ()) if slot_rule else []
        spans += [_NO_SPAN] * (MAX_SPANS - len(spans))
        values.update(
            kinds=sorted(k.value for k in query.kinds),
            categories=sorted(c.value for c in categories),
            time_from=query.time_from,
            time_to=query.time_to,
            owner=-1 if query.exclude_owner_id is None else query.exclude_owner_id,
            with_all=sorted(k.key for k in query.with_all),
            with_all_count=len(query.with_all),
            slot_rule=int(slot_rule),
            slot_zone=query.slot_zone,
            only_rule=0 if query.only_from is None else 1,
            only_from=sorted(k.key for k in query.only_from or ()),
            limit=query.limit,
        )
        for n, (day, first, last) in enumerate(spans):
            values[f"day_{n}"], values[f"first_{n}"], values[f"last_{n}"] = day, first, last
        rows = self._session.execute(statement, values)
        return [
            PostingSketch(
                _id,
                _KINDS[kind],
                _CATEGORIES[category],
                lat,
                lon,
                radius_km,
                _URGENCIES[urgency],
                created_at,
                owner_account_id,
                starts_at,
                ends_at,
            )
            for (
                _id,
                kind,
                category,
                lat,
                lon,
                radius_km,
                urgency,
                created_at,
                owner_account_id,
                starts_at,
                ends_at,
            ) in rows
        ]

    def _sketches(self, ring: RingShape, named: bool) -> Any:
        """The statement: the parts of the ring read by the index (a SELECT each), and every
        rule once around them; the rules a query doesn't have are switched off by a parameter
        (`…_rule = 0`, tested first), so that one statement serves every query — SQLAlchemy
        compiles a statement once per shape, at several ms a time, and psycopg parses only
        statements under 4 kB once."""
        p, q, w = PostingRow, PostingQualificationRow, PostingWeeklySlotRow
        columns = (
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
            p.time_kind,
            p.time_zone,
        )
        found = [
            select(*columns).where(
                # a constant in the SQL, not a parameter: an index limited to published
                # postings (the benchmark's PostGIS one) then matches on generic plans, too
                p.status == literal(_PUBLISHED, literal_execute=True),
                p.kind.in_(_values("kinds")),
                (p.category.in_ if named else p.category.not_in)(_values("categories")),
                part,
            )
            for part in self._near_posting(ring)
        ]
        r = (found[0] if len(found) == 1 else union_all(*found)).subquery("ring").c
        fits = or_(
            *(
                and_(
                    w.weekday == _param(f"day_{n}"),
                    w.start_minute < _param(f"last_{n}"),
                    w.end_minute > _param(f"first_{n}"),
                )
                for n in range(MAX_SPANS)
            )
        )
        # lookups in other tables are scalar subqueries, not EXISTS: PostgreSQL would plan an
        # EXISTS as a join, and on a misestimated row count (ST_DWithin's, say) pick a hash of
        # every posting holding the qualification, or a nested loop rescanning the whole table
        # per candidate; these look up each candidate's own rows by primary key (an EXISTS
        # under OR would become a hash of every slot of a weekday: a scan of the whole table)
        held = (
            select(func.count())
            .where(q.posting_id == r.id, q.qualification.in_(_values("with_all")))
            .scalar_subquery()
        )
        outside = _first(q.posting_id == r.id, q.qualification.not_in(_values("only_from")))
        return (
            select(
                r.id,
                r.kind,
                r.category,
                r.lat,
                r.lon,
                r.radius_km,
                r.urgency,
                r.created_at,
                r.owner_account_id,
                r.starts_at,
                r.ends_at,
            )
            .where(
                or_(r.ends_at.is_(None), r.ends_at > _param("time_from")),
                or_(r.starts_at.is_(None), r.starts_at < _param("time_to")),
                r.owner_account_id != _param("owner"),
                or_(_param("with_all_count") == 0, held == _param("with_all_count")),
                or_(
                    _param("slot_rule") == 0,
                    r.time_kind != _WEEKLY,
                    r.time_zone != _param("slot_zone"),
                    _first(w.posting_id == r.id, fits).is_not(None),
                ),
                or_(_param("only_rule") == 0, outside.is_(None)),
            )
            .limit(_param("limit"))
        )

    def postings(self, ids: Sequence[int]) -> list[Posting]:
        """Published postings by id, read with plain queries and rebuilt without validating
        them again (they were validated when stored): matching reads many."""
        if not ids:
            return []
        wanted = {"ids": list(ids)}
        rows = self._session.execute(_POSTINGS_BY_ID, wanted).all()
        if not rows:
            return []
        qualifications: dict[int, set[Qualification]] = defaultdict(set)
        slots: dict[int, list[WeeklySlot]] = defaultdict(list)
        for posting_id, key, weekday, start, end in self._session.execute(_EXTRAS_BY_ID, wanted):
            if key is not None:
                qualifications[posting_id].add(rebuild(Qualification, key=key))
            else:
                slots[posting_id].append(WeeklySlot(weekday, clock_of(start), clock_of(end)))
        return [
            rebuild(
                Posting,
                id=row.id,
                kind=_KINDS[row.kind],
                type=_TYPES[row.type],
                category=_CATEGORIES[row.category],
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
                urgency=_URGENCIES[row.urgency],
                status=_STATUSES[row.status],
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
            for row in rows
        ]

    # ---- volunteers ------------------------------------------------------------------------

    def nearest_volunteers(
        self, query: VolunteerQuery, limit: int, after: tuple[float, int] | None = None
    ) -> VolunteerPage:
        """The next `limit` homes in the query's ring, nearest first, by the rules of their own
        row (and qualifications, the rule that leaves fewest); the planar distance is plain
        arithmetic both databases evaluate on the rows of the ring, so only `limit` rows come
        back. The rules that need a lookup per account (reachable, topics), the profile and the
        alerts are read for those rows only, and the exclusions applied here: a list of a few
        hundred ids costs PostgreSQL more to plan than the lookups it would save."""
        shape = (
            ring_shape(query.skip_rect),
            query.alerts_since is not None,
            query.windows_at is not None,
        )
        statement = self._statement(("homes", *shape), lambda: self._homes(*shape))
        values = self._near_home_values(query)
        # the list is stored as JSON text; a quoted name can only match that entry
        named: list[str | None] = [f'%"{p.value}"%' for p in sorted(query.availability or ())]
        named += [None] * (len(Availability) - len(named))  # LIKE NULL: no match, no scan
        last_order, last_id = after if after is not None else (-1.0, 0)
        values.update(
            centre_lat=query.centre.lat,
            centre_lon=query.centre.lon,
            lon_scale=query.lon_scale,
            availability_rule=0 if query.availability is None else 1,
            zone=query.availability_zone,
            last_order=last_order,
            last_id=last_id,
            skills=sorted(k.key for k in query.qualifications),
            skills_count=len(query.qualifications),
            limit=limit,
        )
        for n, pattern in enumerate(named):
            values[f"pattern_{n}"] = pattern
        if query.alerts_since is not None:
            values["since"] = query.alerts_since
        if query.windows_at is not None:
            values["now"] = query.windows_at
        rows = self._session.execute(statement, values).all()
        sketches = []
        category = query.category
        for row in rows:
            if not row.reachable or row.id in query.exclude:
                continue
            interests = (
                frozenset(_CATEGORIES[c] for c in row.interests.split(","))
                if row.interests
                else frozenset()
            )
            if category is not None and interests and category not in interests:
                continue
            skills = (
                frozenset(rebuild(Qualification, key=key) for key in row.skills.split(","))
                if row.skills
                else frozenset()
            )
            reach = row.home_radius_km or DEFAULT_REACH_KM
            profile = VolunteerProfile(
                account_id=row.id,
                home=rebuild(GeoPoint, lat=row.home_lat, lon=row.home_lon),
                reach_km=reach,
                time_zone=row.time_zone,
                interests=interests,
                qualifications=skills,
                availability=frozenset(_AVAILABILITY[v] for v in row.availability or ()),
            )
            sketches.append(
                VolunteerSketch(
                    account_id=row.id,
                    lat=row.home_lat,
                    lon=row.home_lon,
                    reach_km=reach,
                    time_zone=row.time_zone,
                    quiet_hours=quiet_hours_of(row.quiet_start_minute, row.quiet_end_minute),
                    order=row.nearness,
                    profile=profile,
                    urgent_alerts=row.alerts or 0,
                    free_now_at=(
                        None
                        if row.window_lat is None
                        else rebuild(GeoPoint, lat=row.window_lat, lon=row.window_lon)
                    ),
                )
            )
        last = (rows[-1].nearness, rows[-1].id) if len(rows) >= limit else None
        return VolunteerPage(sketches, last, len(rows))

    def _homes(self, ring: RingShape, alerts: bool, windows: bool) -> Any:
        """The statement (rules switched off by parameters, as in _sketches)."""
        a, q = AccountRow, AccountQualificationRow
        dy = a.home_lat - _param("centre_lat")
        dx = (a.home_lon - _param("centre_lon")) * _param("lon_scale")
        order = (dy * dy + dx * dx).label("nearness")
        named = cast(a.availability, String)
        held = (
            select(func.count())
            .where(q.account_id == a.id, q.qualification.in_(_values("skills")))
            .scalar_subquery()
        )
        last = _param("last_order")
        conditions: list[ColumnElement[bool]] = [
            a.notifications_enabled.is_(True),
            a.consent_at.is_not(None),
            or_(
                _param("availability_rule") == 0,
                named == "[]",
                a.time_zone != _param("zone"),
                *(named.like(_param(f"pattern_{n}")) for n in range(len(Availability))),
            ),
            or_(order > last, and_(order == last, a.id > _param("last_id"))),
            or_(_param("skills_count") == 0, held == _param("skills_count")),
        ]
        columns = (
            a.id,
            a.home_lat,
            a.home_lon,
            a.home_radius_km,
            a.time_zone,
            a.quiet_start_minute,
            a.quiet_end_minute,
            a.availability,
            order,
        )
        parts = [select(*columns).where(part, *conditions) for part in self._near_home(ring)]
        nearest: Any = parts[0] if len(parts) == 1 else union_all(*parts)
        near = (
            nearest.order_by(literal_column("nearness"), literal_column("id"))
            .limit(_param("limit"))
            .subquery("near")
        )
        i, s = AccountInterestRow, AccountQualificationRow
        reachable = exists().where(
            IdentityRow.account_id == near.c.id, IdentityRow.unreachable_at.is_(None)
        )
        interests = select(func.aggregate_strings(i.category, ",")).where(i.account_id == near.c.id)
        skills = select(func.aggregate_strings(s.qualification, ",")).where(
            s.account_id == near.c.id
        )
        alert_count: Any = literal(0)
        if alerts:
            alert_count = (
                select(func.count())
                .where(
                    PushAlertRow.account_id == near.c.id,
                    PushAlertRow.reason == "urgent",
                    PushAlertRow.created_at >= _param("since"),
                )
                .scalar_subquery()
            )
        window_lat: Any = null()
        window_lon: Any = null()
        if windows:
            w = FreeNowWindowRow
            open_window = (
                w.account_id == near.c.id,
                w.starts_at <= _param("now"),
                w.ends_at > _param("now"),
            )
            window_lat = select(w.lat).where(*open_window).scalar_subquery()
            window_lon = select(w.lon).where(*open_window).scalar_subquery()
        return select(
            *near.c,
            reachable.label("reachable"),
            interests.scalar_subquery().label("interests"),
            skills.scalar_subquery().label("skills"),
            alert_count.label("alerts"),
            window_lat.label("window_lat"),
            window_lon.label("window_lon"),
        ).order_by(near.c.nearness, near.c.id)

    def _topics_and_skills(
        self, account_ids: Sequence[int]
    ) -> tuple[dict[int, set[Category]], dict[int, set[Qualification]]]:
        interests: dict[int, set[Category]] = defaultdict(set)
        skills: dict[int, set[Qualification]] = defaultdict(set)
        if account_ids:
            for account_id, kind, key in self._session.execute(
                _TOPICS_AND_SKILLS, {"ids": list(account_ids)}
            ):
                if kind == "i":
                    interests[account_id].add(_CATEGORIES[key])
                else:
                    skills[account_id].add(rebuild(Qualification, key=key))
        return interests, skills

    def volunteer_profiles(self, account_ids: Sequence[int]) -> dict[int, VolunteerProfile]:
        if not account_ids:
            return {}
        rows = self._session.execute(_PROFILES_BY_ID, {"ids": list(account_ids)}).all()
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

    def _open_windows(self, now: datetime) -> list[ColumnElement[bool]]:
        w = FreeNowWindowRow
        # an alert nobody can receive would still take a place in the wave and under the cap
        reachable = exists().where(
            IdentityRow.account_id == w.account_id, IdentityRow.unreachable_at.is_(None)
        )
        consenting = exists().where(
            AccountRow.id == w.account_id, AccountRow.consent_at.is_not(None)
        )
        return [w.starts_at <= now, w.ends_at > now, consenting, reachable]

    def free_now_windows(self, box: GeoBox, now: datetime) -> list[FreeNow]:
        w = FreeNowWindowRow
        rows = self._session.execute(
            select(w.account_id, w.lat, w.lon, w.radius_km, w.starts_at, w.ends_at).where(
                self._near_window(box), *self._open_windows(now)
            )
        ).all()
        return self._windows(rows)

    def free_now_places(
        self, centre: GeoPoint, radius_km: float, now: datetime, ends_after: datetime
    ) -> list[WindowPlace]:
        w = FreeNowWindowRow
        rows = self._session.execute(
            select(w.account_id, w.lat, w.lon, w.radius_km, w.starts_at, w.ends_at).where(
                self._near_window_circle(centre, radius_km),
                w.ends_at > ends_after,
                *self._open_windows(now),
            )
        )
        return [WindowPlace(*row) for row in rows]

    def free_now_of(self, account_ids: Sequence[int], now: datetime) -> list[FreeNow]:
        if not account_ids:
            return []
        w = FreeNowWindowRow
        rows = self._session.execute(
            select(w.account_id, w.lat, w.lon, w.radius_km, w.starts_at, w.ends_at).where(
                w.account_id.in_(list(account_ids)), *self._open_windows(now)
            )
        ).all()
        return self._windows(rows)

    def _windows(self, rows: Sequence[Any]) -> list[FreeNow]:
        interests, skills = self._topics_and_skills([row.account_id for row in rows])
        return [free_now_window(row, interests, skills) for row in rows]

    def alerted_for(self, posting_id: int) -> set[int]:
        return set(self._session.scalars(_ALERTED, {"posting_id": posting_id}))

    def urgent_alerts_since(self, account_ids: Sequence[int], since: datetime) -> dict[int, int]:
        if not account_ids:
            return {}
        rows = self._session.execute(_URGENT_ALERTS, {"ids": list(account_ids), "since": since})
        return {account_id: int(n) for account_id, n in rows}
