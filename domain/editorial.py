"""Who may moderate what, and the editorial actions the audit log records (pure).

Roles: a superadmin (global, from config), an editor (of the municipalities whose config names
their platform id), a verified organisation, a user. Authority comes from the platform id alone,
never from a display name or username, which anyone can choose."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.actors import PlatformIdentity
from domain.municipalities import Municipality


class EditorialAction(StrEnum):
    # a posting's trail starts with its owner's submission (actor "account:<id>")
    SUBMIT = "submit"
    PUBLISH = "publish"  # a verified organisation's posting, published without review
    APPROVE = "approve"
    REJECT = "reject"
    EDIT = "edit"
    REMOVE = "remove"
    VERIFY = "verify"
    UNVERIFY = "unverify"
    BAN = "ban"
    UNBAN = "unban"
    BROADCAST = "broadcast"
    RESOLVE_REPORT = "resolve_report"


class AuditSubject(StrEnum):
    """The kinds of object an editorial action is about."""

    POSTING = "posting"
    ORGANISATION = "organisation"
    ACCOUNT = "account"
    REPORT = "report"
    MUNICIPALITY = "municipality"


@dataclass(frozen=True, slots=True)
class Authority:
    """What one platform identity may moderate."""

    superadmin: bool = False
    municipalities: frozenset[str] = frozenset()  # keys of the municipalities it edits

    @property
    def is_editor(self) -> bool:
        return self.superadmin or bool(self.municipalities)

    @property
    def moderated(self) -> frozenset[str] | None:
        """The keys of the municipalities it moderates; None for all of them (a superadmin),
        as the repositories' filters take it."""
        return None if self.superadmin else self.municipalities

    def may_moderate(self, municipality_key: str | None) -> bool:
        """Objects without a municipality are the superadmins' alone."""
        if self.superadmin:
            return True
        return municipality_key is not None and municipality_key in self.municipalities


def authority_of(
    identity: PlatformIdentity,
    municipalities: Iterable[Municipality],
    superadmins: Iterable[PlatformIdentity] = (),
) -> Authority:
    return Authority(
        superadmin=identity in set(superadmins),
        municipalities=frozenset(m.key for m in municipalities if m.is_editor(identity)),
    )
