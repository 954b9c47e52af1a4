"""Editors ban and unban users.

    /ban USER reason ─▶ the account may not post, its postings are hidden, it is told why
    /unban USER [reason] ─▶ posting allowed again, its postings visible again, it is told

USER is the user number the queue and the reports show, or a platform id (telegram:123456).
An editor bans users of their own municipalities; a superadmin anyone. Editors and superadmins
themselves cannot be banned by chat: their authority comes from config.yml."""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Turn
from bot.flows import editorial
from bot.flows.common import REASON_MAX
from bot.i18n import Translator
from domain.actors import Account, PlatformIdentity
from domain.editorial import AuditSubject, EditorialAction, authority_of
from domain.errors import NotFound, ValidationError


def ban(turn: Turn) -> None:
    _set_banned(turn, banned=True)


def unban(turn: Turn) -> None:
    _set_banned(turn, banned=False)


def _set_banned(turn: Turn, *, banned: bool) -> None:
    if not turn.authority.is_editor:
        return editorial.refuse(turn)
    t = turn.t
    name, argument = editorial.command(turn)
    first, _, reason = argument.strip().partition(" ")
    reason = reason.strip()[:REASON_MAX]
    if not first or (banned and not reason):
        turn.say(
            t._("Please give the user's number and the reason, e.g. {example}.").format(
                example=f"{name} 7 …"
            )
        )
        return
    account = _account(turn, first)
    if account is None or account.id is None:
        return
    if banned == account.banned:
        text = (
            t._("User {number} is already banned.")
            if banned
            else t._("User {number} is not banned.")
        )
        turn.say(text.format(number=account.id))
        return
    if banned and _is_staff(turn, account):
        turn.say(t._("Editors can't be banned here; their rights come from the configuration."))
        return
    turn.uow.accounts.set_banned(account.id, turn.now if banned else None)
    postings = turn.uow.postings.set_hidden_for_owner(account.id, banned)
    editorial.record(
        turn,
        EditorialAction.BAN if banned else EditorialAction.UNBAN,
        AuditSubject.ACCOUNT,
        account.id,
        municipality_key=account.municipality_key,
        reason=reason,
        details={"postings": postings},
    )
    contact = turn.settings.municipality(account.municipality_key).contact
    turn.notify(account.id, _told(banned, reason, contact))
    if banned:
        from bot.flows import reports

        reports.resolve_about(turn, account_id=account.id, resolution=f"banned: {reason}")
        turn.say(
            t.n_(
                "🚫 User {number} ({name}) is banned; {n} posting is hidden.",
                "🚫 User {number} ({name}) is banned; {n} postings are hidden.",
                postings,
                number=account.id,
                name=account.display_name,
            )
        )
    else:
        turn.say(
            t.n_(
                "User {number} ({name}) may post again; {n} posting is visible again.",
                "User {number} ({name}) may post again; {n} postings are visible again.",
                postings,
                number=account.id,
                name=account.display_name,
            )
        )


def _account(turn: Turn, word: str) -> Account | None:
    """The account an editor names, if they may act on it; otherwise None, with the reason."""
    t = turn.t
    account: Account | None = None
    account_id = editorial.number(word)
    try:
        if account_id is not None:
            account = turn.uow.accounts.get(account_id)
        else:
            account = turn.uow.accounts.find_by_identity(PlatformIdentity.parse(word))
    except (NotFound, ValidationError):
        account = None
    if account is None:
        turn.say(t._("There is no user {user}.").format(user=word))
        return None
    if not turn.authority.may_moderate(account.municipality_key):
        editorial.another_municipality(
            turn,
            "account",
            account.id,
            t._("User {number} belongs to another municipality; its editors decide.").format(
                number=account.id
            ),
        )
        return None
    return account


def _is_staff(turn: Turn, account: Account) -> bool:
    settings = turn.settings
    return any(
        authority_of(identity, settings.municipalities, settings.superadmins).is_editor
        for identity in account.identities
    )


def _told(banned: bool, reason: str, contact: str) -> Callable[[Translator], str]:
    def words(t: Translator) -> str:
        if banned:
            return t._(
                "🚫 The editors have blocked your account: {reason}\nYou can't post any more, "
                "and your postings are hidden. Questions: {contact}"
            ).format(reason=reason, contact=contact or "–")
        return t._(
            "Your account is unblocked: you can post again, and your postings are visible again."
        )

    return words


def refuse_banned(turn: Turn) -> bool:
    """Tell a banned user they can't post; True when they are banned."""
    account = turn.account
    if account is None or not account.banned:
        return False
    contact = turn.settings.municipality(account.municipality_key).contact
    turn.say(
        turn.t._(
            "Your account is blocked by the editors, so you can't post. Questions: {contact}"
        ).format(contact=contact or "–")
    )
    return True
