"""Editors' commands: verifying organisations, and the audit trail of an object.

Who may use them is decided by the platform id alone (config: a municipality's editors, the
superadmins). Anyone else gets the same answer as for an unknown command — the commands are not
advertised to them — and the attempt is logged with platform ids only. An editor acts on the
objects of their own municipalities; every action is written to the audit log in the same
transaction as the action itself."""

from __future__ import annotations

import logging
import re
from typing import Any

from bot import formatting
from bot.context import Notification, Turn
from bot.flows import basics
from bot.i18n import Translator
from bot.notify import Words
from domain.editorial import AuditSubject, EditorialAction
from domain.errors import NotFound
from domain.municipalities import Municipality, fold
from storage.records import AuditEntry

log = logging.getLogger(__name__)

_NUMBER = re.compile(r"^#?(\d{1,9})$")
_SUBJECT_WORDS = {
    "org": AuditSubject.ORGANISATION,
    "organisation": AuditSubject.ORGANISATION,
    "organization": AuditSubject.ORGANISATION,
    "verein": AuditSubject.ORGANISATION,
    "posting": AuditSubject.POSTING,
    "beitrag": AuditSubject.POSTING,
    "account": AuditSubject.ACCOUNT,
    "user": AuditSubject.ACCOUNT,
    "nutzer": AuditSubject.ACCOUNT,
    "report": AuditSubject.REPORT,
    "meldung": AuditSubject.REPORT,
}
AUDIT_LINES = 20  # the newest; older entries stay in the database


def command(turn: Turn) -> tuple[str, str]:
    """The command's name and the rest of the line."""
    return turn.incoming.command or ("", "")


def refuse(turn: Turn) -> None:
    """The answer to a non-editor: as if the command did not exist; logged without arguments."""
    name, _ = command(turn)
    # platform id and command only: the arguments may name people
    log.warning("refused editorial command %s from %s", name, turn.incoming.identity)
    basics.unknown_command(turn)


def record(
    turn: Turn,
    action: EditorialAction,
    subject: AuditSubject,
    subject_id: int,
    *,
    municipality_key: str | None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    actor: str | None = None,
) -> AuditEntry:
    """Write the action to the audit log, in the turn's transaction and at the turn's time: by
    this editor's platform id, unless `actor` names someone else (a poster's submission)."""
    return turn.uow.audit.record(
        actor or turn.incoming.identity,
        action,
        subject,
        subject_id,
        municipality_key=municipality_key,
        reason=reason or None,
        details=details,
        at=turn.now,
    )


def another_municipality(turn: Turn, kind: str, object_id: object, answer: str) -> None:
    """An editor reached for an object of a municipality they don't edit: say so, and log it
    (platform id, kind and id only)."""
    log.warning(
        "editor %s refused: %s %s is another municipality's",
        turn.incoming.identity,
        kind,
        object_id,
    )
    turn.say(answer)


def number(word: str) -> int | None:
    """An object's id as an editor types it: 12 or #12."""
    match = _NUMBER.match(word)
    return int(match.group(1)) if match else None


def municipality_of(turn: Turn, words: list[str]) -> Municipality | None:
    """The municipality an editor means: named by the first word (key or name, which is then
    taken off `words`), else the only one they edit. Asks back (and returns None) when that is
    not clear or names one they don't edit."""
    authority = turn.authority
    t = turn.t
    if words:
        wanted = fold(words[0])
        for municipality in turn.settings.municipalities:
            if wanted in (municipality.key, fold(municipality.name)):
                if not authority.may_moderate(municipality.key):
                    turn.say(
                        t._("You are not an editor of {municipality}.").format(
                            municipality=municipality.name
                        )
                    )
                    return None
                words.pop(0)
                return municipality
    edited = [m for m in turn.settings.municipalities if authority.may_moderate(m.key)]
    if len(edited) == 1:
        return edited[0]
    name, _ = command(turn)
    turn.say(
        t._("Which municipality? For example {example}. You edit: {keys}").format(
            example=f"{name} {edited[0].key}" if edited else name,
            keys=", ".join(m.key for m in edited),
        )
    )
    return None


def verify(turn: Turn) -> None:
    _set_verified(turn, verified=True)


def unverify(turn: Turn) -> None:
    _set_verified(turn, verified=False)


def _set_verified(turn: Turn, *, verified: bool) -> None:
    authority = turn.authority
    if not authority.is_editor:
        return refuse(turn)
    t = turn.t
    name, argument = command(turn)
    first, _, reason = argument.partition(" ")
    organisation_id = number(first)
    if organisation_id is None:
        turn.say(
            t._("Please give the organisation's number, e.g. {example}.").format(
                example=f"{name} 12"
            )
        )
        return
    try:
        organisation = turn.uow.organisations.get(organisation_id)
    except NotFound:
        turn.say(t._("There is no organisation {number}.").format(number=organisation_id))
        return
    if not authority.may_moderate(organisation.municipality_key):
        return another_municipality(
            turn,
            "organisation",
            organisation_id,
            t._("{name} belongs to another municipality; its editors decide.").format(
                name=organisation.name
            ),
        )
    if organisation.verified == verified:
        text = t._("{name} is already verified.") if verified else t._("{name} is not verified.")
        turn.say(text.format(name=organisation.name))
        return
    turn.uow.organisations.set_verified(organisation_id, turn.now if verified else None)
    record(
        turn,
        EditorialAction.VERIFY if verified else EditorialAction.UNVERIFY,
        AuditSubject.ORGANISATION,
        organisation_id,
        municipality_key=organisation.municipality_key,
        reason=reason.strip(),
    )
    if verified:
        turn.say(
            t._("✅ {name} is verified now: its postings are published without review.").format(
                name=organisation.name
            )
        )
    else:
        turn.say(
            t._("{name} is no longer verified: its new postings go to review.").format(
                name=organisation.name
            )
        )
    for account_id in turn.uow.organisations.member_accounts(organisation_id):
        turn.notifications.append(
            Notification(account_id, _told_verified(organisation.name, verified))
        )


def _told_verified(name: str, verified: bool) -> Words:
    def words(t: Translator) -> str:
        if verified:
            return t._(
                "✅ The editors verified {name}: your postings are published right away now."
            ).format(name=name)
        return t._(
            "The editors withdrew the verification of {name}: new postings are checked "
            "before they appear."
        ).format(name=name)

    return words


def audit(turn: Turn) -> None:
    """/audit 12 (a posting), /audit org 5, /audit user 7: what editors did to it."""
    authority = turn.authority
    if not authority.is_editor:
        return refuse(turn)
    t = turn.t
    _, argument = command(turn)
    words = argument.split()
    subject = AuditSubject.POSTING
    if words and words[0].lower() in _SUBJECT_WORDS:
        subject = _SUBJECT_WORDS[words.pop(0).lower()]
    subject_id = number(words[0]) if len(words) == 1 else None
    if subject_id is None:
        turn.say(t._("Which object? For example /audit 12 (a posting) or /audit org 5."))
        return
    entries = turn.uow.audit.history(subject, subject_id)
    visible = [e for e in entries if authority.may_moderate(e.municipality_key)]
    if not visible:
        turn.say(t._("Nothing has been recorded for {number}.").format(number=subject_id))
        return
    lines = [
        " · ".join(
            part
            for part in (
                formatting.moment(entry.at, t, turn.time_zone),
                entry.action,
                entry.actor,
                entry.reason or "",
            )
            if part
        )
        for entry in visible[-AUDIT_LINES:]
    ]
    turn.say("\n".join([t._("History of {number}:").format(number=subject_id), *lines]))
