"""Writes the demo data set into the database (the data set itself is pure: bot/demo_data.py)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.demo_data import DemoDataset, build_demo_dataset
from domain.actors import MemberRole, Owner
from domain.municipalities import Municipality
from storage.unit_of_work import Database


@dataclass(frozen=True)
class DemoSummary:
    organisations: int
    people: int
    postings: int
    by_status: dict[str, int]
    skipped: bool = False


def _remove_previous(database: Database, dataset: DemoDataset) -> None:
    with database.unit_of_work() as uow:
        for person in dataset.people:
            for identity in person.account.identities:
                account = uow.accounts.find_by_identity(identity)
                if account is not None and account.id is not None:
                    uow.accounts.delete(account.id)
        names = {o.organisation.name for o in dataset.organisations}
        uow.organisations.delete_by_names(names)
        uow.commit()


def load_demo_data(
    database: Database,
    municipalities: Sequence[Municipality],
    now: datetime,
    *,
    replace: bool = False,
    seed: int = 2026,
) -> DemoSummary:
    """Load the Aachen-region demo set. An existing demo set is kept unless `replace`; then it is
    removed first (only the demo's own accounts and organisations, nothing else)."""
    dataset = build_demo_dataset(now, municipalities, seed)
    with database.unit_of_work() as uow:
        already = any(
            uow.accounts.find_by_identity(identity) is not None
            for person in dataset.people
            for identity in person.account.identities
        )
    if already and not replace:
        return DemoSummary(0, 0, 0, {}, skipped=True)
    if already:
        _remove_previous(database, dataset)

    with database.unit_of_work() as uow:
        organisation_ids: dict[str, int] = {}
        for demo_org in dataset.organisations:
            stored_org = uow.organisations.add(demo_org.organisation)
            assert stored_org.id is not None
            organisation_ids[demo_org.key] = stored_org.id
        account_ids: dict[str, int] = {}
        for person in dataset.people:
            stored = uow.accounts.add(person.account)
            assert stored.id is not None
            account_ids[person.key] = stored.id
            uow.accounts.set_interests(stored.id, person.interests)
            uow.accounts.set_qualifications(stored.id, person.qualifications)
            for org_key in person.organisation_keys:
                uow.organisations.add_member(organisation_ids[org_key], stored.id, MemberRole.ADMIN)
        statuses: Counter[str] = Counter()
        for demo_posting in dataset.postings:
            owner = Owner(
                account_ids[demo_posting.owner_key],
                organisation_ids[demo_posting.organisation_key]
                if demo_posting.organisation_key
                else None,
            )
            uow.postings.add(dataclasses.replace(demo_posting.posting, owner=owner))
            statuses[demo_posting.posting.status.value] += 1
        uow.commit()
    return DemoSummary(
        organisations=len(dataset.organisations),
        people=len(dataset.people),
        postings=len(dataset.postings),
        by_status=dict(statuses),
    )
