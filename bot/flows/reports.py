"""Abuse reports: users report a posting or its poster ("melden"/"report"); editors resolve them.

User:   ⚠️ Report (under a posting) | "melden" while a posting is open | /report
          ─▶ about: the posting | the person who posted it ─▶ reason ─▶ filed, thanked
Editor: /reports ─▶ one message per open report, oldest first: ✅ resolved | 🗑 remove posting
        /resolve ID [note] ─▶ resolved, the reporter is thanked

Removing a posting or banning a user resolves the open reports about them. The reporter is never
named to the reported person."""

from __future__ import annotations

from collections.abc import Callable

from bot import formatting
from bot.context import Turn
from bot.flows import editorial
from bot.flows import framework as fw
from bot.flows.common import cancel_choice, main_menu, reason_answer
from bot.i18n import Translator
from bot.messages import Choice
from domain.editorial import AuditSubject, EditorialAction
from domain.errors import NotFound
from storage.records import Report

NAME = "report"
REPORTS_SHOWN = 5


# ---- users report -------------------------------------------------------------------------------


def report_command(turn: Turn) -> None:
    """/melden, /report, or the report_abuse intent: about the posting the user has open."""
    from bot.flows import search

    open_posting = search.open_posting(turn)
    if open_posting is None:
        turn.say(
            turn.t._(
                "To report a posting, open it (in the search or from a message I sent you) and "
                "tap “⚠️ Report”."
            )
        )
        return
    begin(turn, open_posting)


def begin(turn: Turn, posting_id: int) -> None:
    t = turn.t
    account = turn.account
    if account is None or account.id is None:
        turn.say(t._("To report something I need to know you first: type /start."))
        return
    try:
        posting = turn.uow.postings.get(posting_id)
    except NotFound:
        turn.say(t._("That posting is gone."))
        return
    if posting.owner.account_id == account.id:
        turn.say(t._("That's your own posting — you can change or withdraw it under /mine."))
        return
    fw.start(turn, FLOW, "about", {"posting": posting_id, "title": posting.title})


def _about_prompt(turn: Turn) -> None:
    t = turn.t
    turn.say(
        t._("What do you want to report about “{title}”?").format(title=fw.data(turn)["title"]),
        (
            Choice(t._("The posting"), "about:posting"),
            Choice(t._("The person who posted it"), "about:poster"),
            cancel_choice(turn),
        ),
    )


def _about_handle(turn: Turn) -> None:
    about = (turn.incoming.choice or "").removeprefix("about:")
    if about not in ("posting", "poster"):
        fw.reprompt(turn, turn.t._("Please tap one of the options."))
        return
    fw.data(turn)["about"] = about
    fw.goto(turn, "reason")


def _reason_prompt(turn: Turn) -> None:
    t = turn.t
    turn.say(
        t._(
            "What is wrong? Please describe it in a sentence. The editors read it; the person "
            "you report is not told who you are."
        ),
        (cancel_choice(turn),),
    )


def _reason_handle(turn: Turn) -> None:
    t = turn.t
    reason = reason_answer(turn)
    if reason is None:
        return
    answers = fw.data(turn)
    fw.finish(turn)
    account = turn.account
    assert account is not None
    assert account.id is not None
    try:
        posting = turn.uow.postings.get(int(answers["posting"]))
    except NotFound:
        turn.say(t._("That posting is gone."), main_menu(turn))
        return
    about_poster = answers["about"] == "poster"
    subject = {
        "posting_id": None if about_poster else posting.id,
        "account_id": posting.owner.account_id if about_poster else None,
    }
    municipality = turn.settings.municipality(posting.municipality_key)
    if turn.uow.reports.already_open(account.id, **subject):
        turn.say(t._("You've already reported this; the editors will look at it."), main_menu(turn))
        return
    turn.uow.reports.file(account.id, reason, municipality_key=posting.municipality_key, **subject)
    turn.say(
        t._("Thank you. The editors of {municipality} will look at it.").format(
            municipality=municipality.name
        ),
        main_menu(turn),
    )


FLOW = fw.register(
    fw.Flow(
        NAME,
        {
            "about": fw.Step(_about_prompt, _about_handle, takes_text=False),
            "reason": fw.Step(_reason_prompt, _reason_handle),
        },
    )
)


# ---- editors resolve ----------------------------------------------------------------------------


def open_reports(turn: Turn) -> None:
    """/reports: the open reports of my municipalities, oldest first."""
    authority = turn.authority
    if not authority.is_editor:
        return editorial.refuse(turn)
    t = turn.t
    reports, total = turn.uow.reports.open_reports(authority.moderated, limit=REPORTS_SHOWN)
    if not reports:
        turn.say(t._("No open reports. 🎉"))
        return
    turn.say(t.n_("{n} open report, oldest first:", "{n} open reports, oldest first:", total))
    for report in reports:
        text, choices = _report_entry(turn, report)
        turn.say(text, choices)
    if total > len(reports):
        turn.say(
            t._("{n} more after these: /reports again once you have resolved these.").format(
                n=total - len(reports)
            )
        )


def _report_entry(turn: Turn, report: Report) -> tuple[str, tuple[Choice, ...]]:
    t = turn.t
    when = formatting.moment(report.created_at, t, turn.time_zone)
    choices = [
        Choice(t._("✅ Resolved #{number}").format(number=report.id), f"mod:resolve:{report.id}")
    ]
    if report.posting_id is not None:
        posting = turn.uow.postings.get(report.posting_id)
        about = t._("posting #{number} “{title}” by user {user}").format(
            number=posting.id, title=posting.title, user=posting.owner.account_id
        )
        choices.append(
            Choice(t._("🗑 Remove #{number}").format(number=posting.id), f"mod:remove:{posting.id}")
        )
    else:
        assert report.account_id is not None
        person = turn.uow.accounts.get(report.account_id)
        about = t._("user {user} ({name}); to ban: /ban {user} reason").format(
            user=person.id, name=person.display_name
        )
    text = "\n".join(
        [
            t._("Report {number} · {when} · from user {user}").format(
                number=report.id, when=when, user=report.reporter_account_id
            ),
            t._("About: {about}").format(about=about),
            t._("Reason: {reason}").format(reason=report.reason),
        ]
    )
    return text, tuple(choices)


def resolve(turn: Turn) -> None:
    """/resolve 3 [note]"""
    if not turn.authority.is_editor:
        return editorial.refuse(turn)
    _, argument = editorial.command(turn)
    first, _, note = argument.strip().partition(" ")
    _resolve(turn, editorial.number(first), note.strip())


def resolve_choice(turn: Turn, payload: str) -> None:
    if not turn.authority.is_editor:
        return editorial.refuse(turn)
    _resolve(turn, editorial.number(payload), "")


def _resolve(turn: Turn, report_id: int | None, note: str) -> None:
    t = turn.t
    if report_id is None:
        turn.say(
            t._("Please give the report's number, e.g. {example}.").format(example="/resolve 3")
        )
        return
    try:
        report = turn.uow.reports.get(report_id)
    except NotFound:
        turn.say(t._("There is no report {number}.").format(number=report_id))
        return
    if not turn.authority.may_moderate(report.municipality_key):
        return editorial.another_municipality(
            turn,
            "report",
            report_id,
            t._("Report {number} belongs to another municipality.").format(number=report_id),
        )
    if not _close(turn, report, note or None):
        turn.say(t._("Report {number} is already resolved.").format(number=report_id))
        return
    turn.say(t._("✅ Report {number} is resolved.").format(number=report_id))


def _close(turn: Turn, report: Report, resolution: str | None) -> bool:
    if not turn.uow.reports.resolve(report.id, turn.incoming.identity, resolution, turn.now):
        return False
    editorial.record(
        turn,
        EditorialAction.RESOLVE_REPORT,
        AuditSubject.REPORT,
        report.id,
        municipality_key=report.municipality_key,
        reason=resolution,
        details={"posting": report.posting_id, "account": report.account_id},
    )
    turn.notify(report.reporter_account_id, _thanked(_subject_title(turn, report)))
    return True


def resolve_about(
    turn: Turn,
    *,
    posting_id: int | None = None,
    account_id: int | None = None,
    resolution: str,
) -> None:
    """A removal or a ban settles the open reports about that posting or user."""
    for report in turn.uow.reports.open_about(posting_id=posting_id, account_id=account_id):
        _close(turn, report, resolution)


def _subject_title(turn: Turn, report: Report) -> str | None:
    if report.posting_id is None:
        return None
    return turn.uow.postings.get(report.posting_id).title


def _thanked(title: str | None) -> Callable[[Translator], str]:
    def words(t: Translator) -> str:
        if title:
            return t._(
                "The editors have dealt with your report about “{title}”. Thank you!"
            ).format(title=title)
        return t._("The editors have dealt with your report. Thank you!")

    return words
