"""Free-now windows, alert campaigns of urgent needs, alerts and digest items.

Every step the scheduler takes is derived from these rows, and each one is guarded so that two
processes (or a restart halfway) cannot do it twice: an alert is unique per need and volunteer,
a campaign advances only from the wave it was read at (a version check), a digest item is sent
once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from domain.places import GeoPoint, geo_band
from storage.models import (
    AccountRow,
    DigestItemRow,
    FreeNowWindowRow,
    PushAlertRow,
    PushCampaignRow,
    utcnow,
)


@dataclass(frozen=True, slots=True)
class FreeNowRecord:
    account_id: int
    point: GeoPoint
    label: str | None
    radius_km: float
    start: datetime
    end: datetime
    live: bool


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    posting_id: int
    wave: int
    radius_km: float
    next_wave_at: datetime | None
    started_at: datetime
    finished_at: datetime | None
    finish_reason: str | None
    version: int


@dataclass(frozen=True, slots=True)
class AlertRecord:
    posting_id: int
    account_id: int
    reason: str
    wave: int | None
    distance_km: float
    answer: str | None
    closed_as: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DigestItem:
    posting_id: int
    score: float


def _window(row: FreeNowWindowRow) -> FreeNowRecord:
    return FreeNowRecord(
        account_id=row.account_id,
        point=GeoPoint(row.lat, row.lon),
        label=row.label,
        radius_km=row.radius_km,
        start=row.starts_at,
        end=row.ends_at,
        live=row.live,
    )


def _campaign(row: PushCampaignRow) -> CampaignRecord:
    return CampaignRecord(
        posting_id=row.posting_id,
        wave=row.wave,
        radius_km=row.radius_km,
        next_wave_at=row.next_wave_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        finish_reason=row.finish_reason,
        version=row.version,
    )


def _alert(row: PushAlertRow) -> AlertRecord:
    return AlertRecord(
        posting_id=row.posting_id,
        account_id=row.account_id,
        reason=row.reason,
        wave=row.wave,
        distance_km=row.distance_km,
        answer=row.answer,
        closed_as=row.closed_as,
        created_at=row.created_at,
    )


class PushRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # ---- free now --------------------------------------------------------------------------

    def open_window(
        self,
        account_id: int,
        point: GeoPoint,
        label: str | None,
        radius_km: float,
        start: datetime,
        end: datetime,
        *,
        live: bool = False,
    ) -> FreeNowRecord:
        """Open (or replace) the account's window: one at a time."""
        row = self._session.get(FreeNowWindowRow, account_id)
        if row is None:
            row = FreeNowWindowRow(account_id=account_id)
            self._session.add(row)
        row.lat, row.lon, row.geo_band = point.lat, point.lon, geo_band(point.lat)
        row.label, row.radius_km = label, radius_km
        row.starts_at, row.ends_at, row.live = start, end, live
        self._session.flush()
        return _window(row)

    def move_window(self, account_id: int, point: GeoPoint, now: datetime) -> bool:
        """A live-location update: the open window follows; False when none is open."""
        row = self._session.get(FreeNowWindowRow, account_id)
        if row is None or row.ends_at <= now:
            return False
        row.lat, row.lon, row.geo_band = point.lat, point.lon, geo_band(point.lat)
        row.live = True
        self._session.flush()
        return True

    def window(self, account_id: int, now: datetime) -> FreeNowRecord | None:
        row = self._session.get(FreeNowWindowRow, account_id)
        return _window(row) if row is not None and row.ends_at > now else None

    def window_record(self, account_id: int) -> FreeNowRecord | None:
        """The window whether or not it is still open (for closing it)."""
        row = self._session.get(FreeNowWindowRow, account_id)
        return _window(row) if row is not None else None

    def close_window(self, account_id: int) -> bool:
        """Delete the window and with it the precise location."""
        result = self._session.execute(
            delete(FreeNowWindowRow).where(FreeNowWindowRow.account_id == account_id)
        )
        self._session.flush()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def expired_windows(self, now: datetime, limit: int = 500) -> list[int]:
        return list(
            self._session.scalars(
                select(FreeNowWindowRow.account_id)
                .where(FreeNowWindowRow.ends_at <= now)
                .order_by(FreeNowWindowRow.ends_at)
                .limit(limit)
            )
        )

    # ---- campaigns -------------------------------------------------------------------------

    def start_campaign(self, posting_id: int, radius_km: float, now: datetime) -> bool:
        """True when a new campaign starts; a need is campaigned for once."""
        if self._session.get(PushCampaignRow, posting_id) is not None:
            return False
        self._session.add(
            PushCampaignRow(
                posting_id=posting_id, wave=0, radius_km=radius_km, next_wave_at=now, started_at=now
            )
        )
        self._session.flush()
        return True

    def campaign(self, posting_id: int) -> CampaignRecord | None:
        row = self._session.get(PushCampaignRow, posting_id)
        return _campaign(row) if row is not None else None

    def due_campaigns(self, now: datetime, limit: int = 100) -> list[CampaignRecord]:
        rows = self._session.scalars(
            select(PushCampaignRow)
            .where(
                PushCampaignRow.finished_at.is_(None),
                PushCampaignRow.next_wave_at.is_not(None),
                PushCampaignRow.next_wave_at <= now,
            )
            .order_by(PushCampaignRow.next_wave_at, PushCampaignRow.posting_id)
            .limit(limit)
        )
        return [_campaign(row) for row in rows]

    def advance_campaign(
        self, campaign: CampaignRecord, wave: int, radius_km: float, next_wave_at: datetime | None
    ) -> bool:
        """Move to the next wave, only if nobody else did since `campaign` was read."""
        result = self._session.execute(
            update(PushCampaignRow)
            .where(
                PushCampaignRow.posting_id == campaign.posting_id,
                PushCampaignRow.version == campaign.version,
                PushCampaignRow.finished_at.is_(None),
            )
            .values(
                wave=wave,
                radius_km=radius_km,
                next_wave_at=next_wave_at,
                version=campaign.version + 1,
            )
        )
        self._session.flush()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def finish_campaign(self, posting_id: int, reason: str, now: datetime) -> bool:
        result = self._session.execute(
            update(PushCampaignRow)
            .where(PushCampaignRow.posting_id == posting_id, PushCampaignRow.finished_at.is_(None))
            .values(
                finished_at=now,
                finish_reason=reason,
                next_wave_at=None,
                version=PushCampaignRow.version + 1,
            )
        )
        self._session.flush()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def reopen_campaign(self, posting_id: int, now: datetime) -> bool:
        """A paused need published again continues its campaign (not an exhausted one)."""
        result = self._session.execute(
            update(PushCampaignRow)
            .where(
                PushCampaignRow.posting_id == posting_id,
                PushCampaignRow.finish_reason == "closed",
            )
            .values(
                finished_at=None,
                finish_reason=None,
                next_wave_at=now,
                version=PushCampaignRow.version + 1,
            )
        )
        self._session.flush()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # ---- alerts ----------------------------------------------------------------------------

    def record_alert(
        self,
        posting_id: int,
        account_id: int,
        reason: str,
        distance_km: float,
        now: datetime,
        wave: int | None = None,
    ) -> bool:
        """True when this is the first alert about the posting to this account."""
        exists = self._session.scalar(
            select(PushAlertRow.id).where(
                PushAlertRow.posting_id == posting_id, PushAlertRow.account_id == account_id
            )
        )
        if exists is not None:
            return False
        self._session.add(
            PushAlertRow(
                posting_id=posting_id,
                account_id=account_id,
                reason=reason,
                wave=wave,
                distance_km=distance_km,
                created_at=now,
            )
        )
        self._session.flush()
        return True

    def alert(self, posting_id: int, account_id: int) -> AlertRecord | None:
        row = self._alert_row(posting_id, account_id)
        return _alert(row) if row is not None else None

    def _alert_row(self, posting_id: int, account_id: int) -> PushAlertRow | None:
        return self._session.scalars(
            select(PushAlertRow).where(
                PushAlertRow.posting_id == posting_id, PushAlertRow.account_id == account_id
            )
        ).one_or_none()

    def answer_alert(self, posting_id: int, account_id: int, answer: str, now: datetime) -> bool:
        """Record the volunteer's answer; False when there was no alert or it was answered."""
        row = self._alert_row(posting_id, account_id)
        if row is None or row.answer is not None:
            return False
        row.answer, row.answered_at = answer, now
        self._session.flush()
        return True

    def alerts_for(self, posting_id: int) -> list[AlertRecord]:
        rows = self._session.scalars(
            select(PushAlertRow)
            .where(PushAlertRow.posting_id == posting_id)
            .order_by(PushAlertRow.id)
        )
        return [_alert(row) for row in rows]

    def count_alerts(self, posting_id: int, answer: str | None = None) -> int:
        statement = select(func.count()).where(PushAlertRow.posting_id == posting_id)
        if answer is not None:
            statement = statement.where(PushAlertRow.answer == answer)
        return int(self._session.scalar(statement) or 0)

    def mark_alert_closed(self, posting_id: int, account_id: int, closed_as: str) -> None:
        row = self._alert_row(posting_id, account_id)
        if row is not None:
            row.closed_as = closed_as
            self._session.flush()

    def free_now_pushes(self, account_id: int, since: datetime) -> int:
        """How many needs were pushed to someone's free-now window since it opened."""
        return int(
            self._session.scalar(
                select(func.count()).where(
                    PushAlertRow.account_id == account_id,
                    PushAlertRow.reason == "free_now",
                    PushAlertRow.created_at >= since,
                )
            )
            or 0
        )

    # ---- digest ----------------------------------------------------------------------------

    def add_digest_item(
        self, account_id: int, posting_id: int, score: float, now: datetime
    ) -> bool:
        if self._session.get(DigestItemRow, (account_id, posting_id)) is not None:
            return False
        self._session.add(
            DigestItemRow(account_id=account_id, posting_id=posting_id, score=score, created_at=now)
        )
        self._session.flush()
        return True

    def accounts_with_digest_items(self, limit: int = 1000) -> list[int]:
        return list(
            self._session.scalars(
                select(DigestItemRow.account_id)
                .where(DigestItemRow.sent_at.is_(None))
                .group_by(DigestItemRow.account_id)
                .order_by(DigestItemRow.account_id)
                .limit(limit)
            )
        )

    def pending_digest(self, account_id: int) -> list[DigestItem]:
        rows = self._session.execute(
            select(DigestItemRow.posting_id, DigestItemRow.score)
            .where(DigestItemRow.account_id == account_id, DigestItemRow.sent_at.is_(None))
            .order_by(DigestItemRow.score.desc(), DigestItemRow.posting_id)
        )
        return [DigestItem(posting_id, score) for posting_id, score in rows]

    def mark_digest_sent(self, account_id: int, now: datetime) -> bool:
        """Close the account's pending items and note the digest; False if another process
        sent today's digest in the meantime (then nothing changes)."""
        # the lock makes a second process wait for the first; populate_existing reads what the
        # first one committed even when this session has the account loaded already
        account = self._session.get(
            AccountRow, account_id, with_for_update=True, populate_existing=True
        )
        if account is None:
            return False
        zone = ZoneInfo(account.time_zone)
        last = account.last_digest_at
        if last is not None and last.astimezone(zone).date() >= now.astimezone(zone).date():
            return False
        self._session.execute(
            update(DigestItemRow)
            .where(DigestItemRow.account_id == account_id, DigestItemRow.sent_at.is_(None))
            .values(sent_at=now)
        )
        account.last_digest_at = now
        account.updated_at = utcnow()
        self._session.flush()
        return True

    def last_digest_at(self, account_id: int) -> datetime | None:
        return self._session.scalar(
            select(AccountRow.last_digest_at).where(AccountRow.id == account_id)
        )

    def forget_digest_item(self, posting_id: int) -> None:
        """A posting that closed leaves every pending digest."""
        self._session.execute(
            delete(DigestItemRow).where(
                DigestItemRow.posting_id == posting_id, DigestItemRow.sent_at.is_(None)
            )
        )
        self._session.flush()
