from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from storage.models import ConversationStateRow
from storage.records import ConversationState


class StaleConversation(Exception):
    """Another worker changed this conversation since it was loaded: handle the message again."""


class ConversationRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def load(self, identity_id: int, *, lock: bool = False) -> ConversationState:
        """The state; with `lock` on PostgreSQL the row stays locked until commit, so two
        processes never handle one user's messages at once."""
        row: ConversationStateRow | None
        if lock and self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(
                postgresql.insert(ConversationStateRow)
                .values(identity_id=identity_id, slots={}, version=0)
                .on_conflict_do_nothing(index_elements=["identity_id"])
            )
            row = self._session.scalars(
                select(ConversationStateRow)
                .where(ConversationStateRow.identity_id == identity_id)
                .with_for_update()
            ).one()
        else:
            row = self._session.get(ConversationStateRow, identity_id)
        if row is None:
            return ConversationState(identity_id=identity_id)
        return ConversationState(
            identity_id=identity_id,
            language=row.language,
            flow=row.flow,
            step=row.step,
            slots=dict(row.slots or {}),
            version=row.version,
        )

    def save(self, state: ConversationState) -> None:
        """Write the state if nobody else did since it was loaded (else StaleConversation)."""
        values = {
            "language": state.language,
            "flow": state.flow,
            "step": state.step,
            "slots": dict(state.slots),
            "version": state.version + 1,
        }
        row = self._session.get(ConversationStateRow, state.identity_id)
        if row is None:
            self._session.add(ConversationStateRow(identity_id=state.identity_id, **values))
            self._session.flush()
        else:
            result = self._session.execute(
                update(ConversationStateRow)
                .where(
                    ConversationStateRow.identity_id == state.identity_id,
                    ConversationStateRow.version == state.version,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise StaleConversation(state.identity_id)
            self._session.expire(row)
        state.version += 1
