"""One transaction around one piece of work: a handled message commits its state change, its
domain writes and its outgoing messages together, or none of them."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, make_session_factory
from storage.leadership import Leadership, leadership_for
from storage.repositories.accounts import AccountRepository, OrganisationRepository
from storage.repositories.audit import AuditRepository
from storage.repositories.candidates import SqlCandidates
from storage.repositories.conversations import ConversationRepository
from storage.repositories.cursors import ChannelCursorRepository
from storage.repositories.dead_letters import DeadLetterRepository
from storage.repositories.groups import GroupRepository
from storage.repositories.identities import IdentityRepository
from storage.repositories.inbox import InboxRepository
from storage.repositories.municipalities import MunicipalityRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.postings import PostingRepository
from storage.repositories.pushes import PushRepository
from storage.repositories.reports import ReportRepository
from storage.repositories.stats import StatsRepository


class UnitOfWork:
    accounts: AccountRepository
    organisations: OrganisationRepository
    identities: IdentityRepository
    postings: PostingRepository
    municipalities: MunicipalityRepository
    conversations: ConversationRepository
    inbox: InboxRepository
    outbox: OutboxRepository
    pushes: PushRepository
    candidates: SqlCandidates
    groups: GroupRepository

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        session = self._session = self._sessions()
        self.accounts = AccountRepository(session)
        self.organisations = OrganisationRepository(session)
        self.identities = IdentityRepository(session)
        self.postings = PostingRepository(session)
        self.municipalities = MunicipalityRepository(session)
        self.conversations = ConversationRepository(session)
        self.inbox = InboxRepository(session)
        self.outbox = OutboxRepository(session)
        self.pushes = PushRepository(session)
        self.candidates = SqlCandidates(session)
        self.groups = GroupRepository(session)
        self.cursors = ChannelCursorRepository(session)
        self.audit = AuditRepository(session)
        self.stats = StatsRepository(session)
        self.reports = ReportRepository(session)
        self.dead_letters = DeadLetterRepository(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            if exc_type is not None:
                self._session.rollback()
        finally:
            self._session.close()
            self._session = None

    def commit(self) -> None:
        assert self._session is not None, "commit() outside `with`"
        self._session.commit()

    def rollback(self) -> None:
        assert self._session is not None, "rollback() outside `with`"
        self._session.rollback()


class Database:
    """The engine and a factory of units of work; one per process."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self._sessions = make_session_factory(self.engine)
        self._leadership: Leadership | None = None

    @property
    def leadership(self) -> Leadership:
        """Which bots this process serves (see storage/leadership.py); one per database."""
        if self._leadership is None:
            self._leadership = leadership_for(self.engine)
        return self._leadership

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._sessions)

    def dispose(self) -> None:
        if self._leadership is not None:
            self._leadership.close()
            self._leadership = None
        self.engine.dispose()
