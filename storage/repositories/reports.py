"""Abuse reports users file with "melden"/"report", and their resolution by an editor."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from domain.actors import PlatformIdentity
from domain.errors import NotFound
from storage.models import ReportRow
from storage.records import Report

REASON_MAX = 500


def _report(row: ReportRow) -> Report:
    return Report(
        id=row.id,
        created_at=row.created_at,
        reporter_account_id=row.reporter_account_id,
        posting_id=row.posting_id,
        account_id=row.account_id,
        municipality_key=row.municipality_key,
        reason=row.reason,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        resolution=row.resolution,
    )


class ReportRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def file(
        self,
        reporter_account_id: int,
        reason: str,
        *,
        posting_id: int | None = None,
        account_id: int | None = None,
        municipality_key: str | None = None,
    ) -> Report:
        if posting_id is None and account_id is None:
            raise ValueError("a report is about a posting or a user")
        row = ReportRow(
            reporter_account_id=reporter_account_id,
            posting_id=posting_id,
            account_id=account_id,
            municipality_key=municipality_key,
            reason=reason[:REASON_MAX],
        )
        self._session.add(row)
        self._session.flush()
        return _report(row)

    def get(self, report_id: int) -> Report:
        row = self._session.get(ReportRow, report_id)
        if row is None:
            raise NotFound(f"no report {report_id}", report_id=report_id)
        return _report(row)

    def open_reports(
        self, municipality_keys: Iterable[str] | None, limit: int = 10
    ) -> tuple[list[Report], int]:
        """The oldest unresolved reports (of these municipalities; None: all) and how many are
        open in all."""
        unresolved: ColumnElement[bool] = ReportRow.resolved_at.is_(None)
        if municipality_keys is not None:
            unresolved = unresolved & ReportRow.municipality_key.in_(list(municipality_keys))
        total = int(self._session.scalar(select(func.count(ReportRow.id)).where(unresolved)) or 0)
        rows = self._session.scalars(
            select(ReportRow).where(unresolved).order_by(ReportRow.id).limit(limit)
        )
        return [_report(r) for r in rows], total

    def already_open(
        self, reporter_account_id: int, *, posting_id: int | None, account_id: int | None
    ) -> bool:
        """Whether this reporter has an unresolved report about the same thing (one is enough)."""
        found = self._session.scalar(
            select(func.count(ReportRow.id)).where(
                ReportRow.reporter_account_id == reporter_account_id,
                ReportRow.resolved_at.is_(None),
                ReportRow.posting_id.is_(None)
                if posting_id is None
                else ReportRow.posting_id == posting_id,
                ReportRow.account_id.is_(None)
                if account_id is None
                else ReportRow.account_id == account_id,
            )
        )
        return bool(found)

    def open_about(
        self, *, posting_id: int | None = None, account_id: int | None = None
    ) -> list[Report]:
        """The unresolved reports about this posting or this user."""
        about = (
            ReportRow.posting_id == posting_id
            if posting_id is not None
            else ReportRow.account_id == account_id
        )
        rows = self._session.scalars(
            select(ReportRow).where(about, ReportRow.resolved_at.is_(None)).order_by(ReportRow.id)
        )
        return [_report(r) for r in rows]

    def resolve(
        self, report_id: int, editor: PlatformIdentity, resolution: str | None, now: datetime
    ) -> bool:
        """Mark resolved; False when it already was (a second editor, a replayed tap)."""
        row = self._session.get(ReportRow, report_id)
        if row is None:
            raise NotFound(f"no report {report_id}", report_id=report_id)
        if row.resolved_at is not None:
            return False
        row.resolved_at = now
        row.resolved_by = str(editor)
        row.resolution = resolution[:REASON_MAX] if resolution else None
        self._session.flush()
        return True
