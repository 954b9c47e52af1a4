"""What an editor's /verify will do (the editors' issue); until then, straight in the database."""

from __future__ import annotations

from datetime import datetime

from bot.engine import DialogueEngine
from domain.actors import PlatformIdentity


def verify_organisations_of(engine: DialogueEngine, identity: PlatformIdentity) -> None:
    with engine.database.unit_of_work() as uow:
        account = uow.accounts.find_by_identity(identity)
        assert account is not None
        assert account.memberships
        for membership in account.memberships:
            uow.organisations.set_verified(membership.organisation_id, datetime.now().astimezone())
        uow.commit()
