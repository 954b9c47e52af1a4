from __future__ import annotations

from sqlalchemy.orm import Session

from storage.models import ConversationStateRow
from storage.records import ConversationState


class ConversationRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def load(self, identity_id: int) -> ConversationState:
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
        row = self._session.get(ConversationStateRow, state.identity_id)
        if row is None:
            row = ConversationStateRow(identity_id=state.identity_id, version=0)
            self._session.add(row)
        row.language = state.language
        row.flow = state.flow
        row.step = state.step
        row.slots = dict(state.slots)  # a new dict, so the JSON column sees the change
        row.version = (row.version or 0) + 1
        state.version = row.version
        self._session.flush()
