"""Group chats subscribed to urgent needs, and which needs each was sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from domain.categories import Category
from domain.groups import GroupSubscription
from domain.places import GeoPoint, Place
from storage.models import GroupAlertRow, GroupSubscriptionRow
from storage.repositories.dialect import insert_for


def _subscription(row: GroupSubscriptionRow) -> GroupSubscription:
    return GroupSubscription(
        platform=row.platform,
        chat_id=row.chat_id,
        area=Place(GeoPoint(row.lat, row.lon), row.place_label, row.radius_km),
        categories=frozenset(Category(key) for key in row.categories),
        language=row.language,
        title=row.title,
        front_end=row.front_end,
        id=row.id,
    )


class GroupRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _row(self, platform: str, chat_id: str) -> GroupSubscriptionRow | None:
        return self._session.scalars(
            select(GroupSubscriptionRow).where(
                GroupSubscriptionRow.platform == platform, GroupSubscriptionRow.chat_id == chat_id
            )
        ).one_or_none()

    def subscription(self, platform: str, chat_id: str) -> GroupSubscription | None:
        row = self._row(platform, chat_id)
        return None if row is None else _subscription(row)

    def subscribe(
        self, subscription: GroupSubscription, by_identity_id: int | None
    ) -> GroupSubscription:
        """Create the group's subscription, or replace what it asks for; `by_identity_id` is the
        admin who asked, when they have an identity (None: they never wrote to the bot)."""
        row = self._row(subscription.platform, subscription.chat_id)
        if row is None:
            row = GroupSubscriptionRow(platform=subscription.platform, chat_id=subscription.chat_id)
            self._session.add(row)
        row.title = subscription.title
        row.front_end = subscription.front_end
        row.lat, row.lon = subscription.area.point.lat, subscription.area.point.lon
        row.place_label = subscription.area.label
        row.radius_km = subscription.area.radius_km
        row.categories = sorted(category.value for category in subscription.categories)
        row.language = subscription.language
        row.subscribed_by_identity_id = by_identity_id
        self._session.flush()
        return _subscription(row)

    def unsubscribe(self, platform: str, chat_id: str) -> bool:
        result = self._session.execute(
            delete(GroupSubscriptionRow).where(
                GroupSubscriptionRow.platform == platform, GroupSubscriptionRow.chat_id == chat_id
            )
        )
        return bool(getattr(result, "rowcount", 0))

    def all(self) -> list[GroupSubscription]:
        # a few per municipality: reading them all beats any index
        rows = self._session.scalars(select(GroupSubscriptionRow).order_by(GroupSubscriptionRow.id))
        return [_subscription(row) for row in rows]

    def record_alert(self, subscription_id: int, posting_id: int, at: datetime) -> bool:
        """True when this need had not been sent to this group before."""
        statement = (
            insert_for(self._session, GroupAlertRow)
            .values(subscription_id=subscription_id, posting_id=posting_id, created_at=at)
            .on_conflict_do_nothing(index_elements=["subscription_id", "posting_id"])
            .returning(GroupAlertRow.posting_id)
        )
        return self._session.execute(statement).scalar_one_or_none() is not None

    def open_alerts(self, posting_id: int) -> list[GroupSubscription]:
        """The groups this need was sent to and not yet followed up."""
        rows = self._session.scalars(
            select(GroupSubscriptionRow)
            .join(GroupAlertRow, GroupAlertRow.subscription_id == GroupSubscriptionRow.id)
            .where(GroupAlertRow.posting_id == posting_id, GroupAlertRow.closed_as.is_(None))
            .order_by(GroupSubscriptionRow.id)
        )
        return [_subscription(row) for row in rows]

    def close_alerts(self, posting_id: int, closed_as: str) -> None:
        self._session.execute(
            update(GroupAlertRow)
            .where(GroupAlertRow.posting_id == posting_id, GroupAlertRow.closed_as.is_(None))
            .values(closed_as=closed_as)
        )
