"""Every table holding personal data must be reachable from an account, so that export and
erasure can be complete. A new table fails here until it is linked or declared not personal."""

from __future__ import annotations

from storage.models import NOT_PERSONAL, PERSONAL_DATA_ROOTS, Base


def _reaches_root(table_name: str, seen: frozenset[str] = frozenset()) -> bool:
    if table_name in PERSONAL_DATA_ROOTS:
        return True
    table = Base.metadata.tables[table_name]
    for fk in table.foreign_keys:
        target = fk.column.table.name
        cascades = fk.ondelete == "CASCADE"
        if target not in seen and cascades and _reaches_root(target, seen | {table_name}):
            return True
    return False


def test_every_personal_table_cascades_from_an_account() -> None:
    unlinked = [
        name
        for name in Base.metadata.tables
        if name not in NOT_PERSONAL and not _reaches_root(name)
    ]
    assert unlinked == []


def test_identities_cascade_from_accounts() -> None:
    fks = Base.metadata.tables["platform_identities"].foreign_keys
    assert {(fk.column.table.name, fk.ondelete) for fk in fks} == {("accounts", "CASCADE")}
