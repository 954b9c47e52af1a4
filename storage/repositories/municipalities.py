from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.municipalities import Municipality
from storage.models import MunicipalityRow


class MunicipalityRepository:
    """Keeps the municipalities table in step with config.yml (which stays the source of truth)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def sync(self, municipalities: Iterable[Municipality]) -> None:
        existing = {row.key: row for row in self._session.scalars(select(MunicipalityRow))}
        for m in municipalities:
            row = existing.get(m.key) or MunicipalityRow(key=m.key)
            row.name = m.name
            row.centre_lat = m.centre.lat
            row.centre_lon = m.centre.lon
            row.default_radius_km = m.default_radius_km
            self._session.add(row)
        # a municipality removed from config.yml stays: its postings still reference it
        self._session.flush()

    def keys(self) -> list[str]:
        return list(
            self._session.scalars(select(MunicipalityRow.key).order_by(MunicipalityRow.key))
        )

    def lock(self, key: str) -> None:
        """Hold the municipality's row until the transaction ends, so two editors acting at
        once on something counted per municipality (the daily broadcasts) take turns. PostgreSQL
        locks the row; SQLite lets one transaction write at a time and ignores FOR UPDATE."""
        self._session.execute(
            select(MunicipalityRow.key).where(MunicipalityRow.key == key).with_for_update()
        ).all()
