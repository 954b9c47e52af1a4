from __future__ import annotations

from sqlalchemy import func, select

from domain.actors import ActorKind, MemberRole, Organisation, Platform, PlatformIdentity
from domain.categories import Category
from domain.qualifications import Qualification
from storage.models import (
    InboxRow,
    OutboxRow,
    PostingQualificationRow,
    PostingRow,
)
from storage.unit_of_work import Database
from tests.storage.helpers import add_person, seed_municipalities, tafel_need


def test_account_with_identity_home_and_profile(database: Database) -> None:
    with database.unit_of_work() as uow:
        seed_municipalities(uow)
        anna = add_person(uow)
        assert anna.id is not None
        uow.accounts.set_interests(anna.id, [Category.FOOD, Category.ANIMALS])
        uow.accounts.set_qualifications(anna.id, [Qualification("driving_licence")])
        uow.commit()
    with database.unit_of_work() as uow:
        found = uow.accounts.find_by_identity(PlatformIdentity(Platform.TELEGRAM, "4711"))
        assert found is not None
        assert found.id == anna.id
        assert found.home is not None
        assert found.home.label == "Aachen-Burtscheid"
        assert found.consent_at is not None
        assert found.consent_at.utcoffset() is not None
        assert uow.accounts.interests(anna.id) == {Category.FOOD, Category.ANIMALS}
        assert uow.accounts.qualifications(anna.id) == {Qualification("driving_licence")}


def test_identity_exists_before_account(database: Database) -> None:
    with database.unit_of_work() as uow:
        first = uow.identities.get_or_create(PlatformIdentity(Platform.MATRIX, "@ben:example.org"))
        again = uow.identities.get_or_create(PlatformIdentity(Platform.MATRIX, "@ben:example.org"))
        uow.commit()
    assert first.id == again.id
    assert first.account_id is None


def test_person_acts_for_an_organisation(database: Database) -> None:
    with database.unit_of_work() as uow:
        seed_municipalities(uow)
        anna = add_person(uow)
        club = uow.organisations.add(
            Organisation(ActorKind.CLUB, "Tafel Aachen-Ost e.V.", "aachen", verified=True)
        )
        assert anna.id is not None
        assert club.id is not None
        uow.organisations.add_member(club.id, anna.id, MemberRole.ADMIN)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.accounts.get(anna.id).acts_for(club.id)
        assert uow.organisations.get(club.id).verified


def test_deleting_an_account_erases_everything_hanging_off_it(database: Database) -> None:
    with database.unit_of_work() as uow:
        seed_municipalities(uow)
        anna = add_person(uow)
        ben = add_person(uow, "Ben", "4712")
        assert anna.id is not None
        assert ben.id is not None
        uow.postings.add(tafel_need(anna.id))
        uow.postings.add(tafel_need(ben.id))
        identity = uow.identities.get_or_create(PlatformIdentity(Platform.TELEGRAM, "4711"))
        uow.inbox.record(
            platform="telegram",
            update_id="1",
            chat_id="4711",
            identity_id=identity.id,
            payload={"text": "hallo"},
        )
        uow.outbox.enqueue(
            idempotency_key="k1",
            platform="telegram",
            chat_id="4711",
            identity_id=identity.id,
            payload={"text": "Hallo Anna"},
        )
        uow.accounts.set_interests(anna.id, [Category.FOOD])
        uow.commit()
    with database.unit_of_work() as uow:
        uow.accounts.delete(anna.id)
        uow.commit()
    with database.engine.connect() as connection:

        def count(model: type) -> int:
            return int(connection.execute(select(func.count()).select_from(model)).scalar_one())

        assert count(PostingRow) == 1  # only Ben's
        assert count(PostingQualificationRow) == 2
        assert count(InboxRow) == 0
        assert count(OutboxRow) == 0
    with database.unit_of_work() as uow:
        assert uow.accounts.find_by_identity(PlatformIdentity(Platform.TELEGRAM, "4711")) is None
        assert uow.accounts.count() == 1
