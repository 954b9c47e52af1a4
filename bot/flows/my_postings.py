"""My postings: list, view, edit, pause/resume, mark filled, withdraw.

list ─▶ detail (status, interested people) ─┬─ edit ─▶ the posting flow's summary
                                            ├─ pause | resume | filled | withdraw ─▶ list
                                            └─ back ─▶ list
"""

from __future__ import annotations

from bot import formatting, pushes
from bot.context import Turn
from bot.flows import bans, moderation
from bot.flows import framework as fw
from bot.flows import posting as posting_flow
from bot.flows.common import main_menu
from bot.i18n import Translator
from bot.messages import Choice
from domain.errors import IllegalTransition, NotFound
from domain.lifecycle import FINAL_STATUSES, PostingEvent, PostingStatus, allowed_events
from domain.postings import Posting

NAME = "my_postings"
OWNER_EVENTS = (
    PostingEvent.SUBMIT,  # again, after the editors sent it back
    PostingEvent.PAUSE,
    PostingEvent.RESUME,
    PostingEvent.FILL,
    PostingEvent.WITHDRAW,
)


def status_label(status: PostingStatus, t: Translator) -> str:
    labels = {
        PostingStatus.DRAFT: t._("draft"),
        PostingStatus.PENDING_REVIEW: t._("waiting for review"),
        PostingStatus.PUBLISHED: t._("published"),
        PostingStatus.PAUSED: t._("paused"),
        PostingStatus.FILLED: t._("filled"),
        PostingStatus.EXPIRED: t._("expired"),
        PostingStatus.WITHDRAWN: t._("withdrawn"),
        PostingStatus.REMOVED: t._("removed by the editors"),
    }
    return labels[status]


def _event_label(event: PostingEvent, t: Translator) -> str:
    labels = {
        PostingEvent.SUBMIT: t._("📨 Submit again"),
        PostingEvent.PAUSE: t._("⏸ Pause"),
        PostingEvent.RESUME: t._("▶ Resume"),
        PostingEvent.FILL: t._("✅ Mark as filled"),
        PostingEvent.WITHDRAW: t._("🗑 Withdraw"),
    }
    return labels[event]


def _done_message(event: PostingEvent, t: Translator) -> str:
    labels = {
        PostingEvent.SUBMIT: t._("📨 Submitted — the editors will check it and let you know."),
        PostingEvent.PAUSE: t._("Paused — nobody sees it until you resume it."),
        PostingEvent.RESUME: t._("It's visible again."),
        PostingEvent.FILL: t._("Marked as filled. Congratulations! 🎉"),
        PostingEvent.WITHDRAW: t._("Withdrawn."),
    }
    return labels[event]


def begin(turn: Turn) -> None:
    account = turn.account
    if account is None:
        from bot.flows import onboarding

        turn.say(turn.t._("You don't have any postings yet — let's get to know each other first."))
        onboarding.begin(turn)
        return
    fw.start(turn, FLOW, "list")


def _mine(turn: Turn) -> list[Posting]:
    account = turn.account
    assert account is not None
    assert account.id is not None
    return [
        p for p in turn.uow.postings.by_owner(account.id) if p.status is not PostingStatus.REMOVED
    ]


def _list_prompt(turn: Turn) -> None:
    t = turn.t
    postings = _mine(turn)
    if not postings:
        fw.finish(turn)
        turn.say(t._("You have no postings yet."), main_menu(turn))
        return
    choices = tuple(
        Choice(f"{p.title} · {status_label(p.status, t)}", f"open:{p.id}") for p in postings[:20]
    )
    turn.say(t._("Your postings — pick one:"), (*choices, Choice(t._("✖ Done"), "nav:cancel")))


def _list_handle(turn: Turn) -> None:
    choice = turn.incoming.choice or ""
    if choice.startswith("open:") and choice[5:].isdigit():
        fw.data(turn)["open"] = int(choice[5:])
        fw.goto(turn, "detail")
        return
    fw.reprompt(turn, turn.t._("Pick one of your postings by its number."))


def _owned(turn: Turn) -> Posting | None:
    account = turn.account
    try:
        posting = turn.uow.postings.get(int(fw.data(turn).get("open", 0)))
    except NotFound:
        return None
    if account is None or posting.owner.account_id != account.id:
        return None
    return posting


def _detail_prompt(turn: Turn) -> None:
    t = turn.t
    posting = _owned(turn)
    if posting is None or posting.id is None:
        fw.goto(turn, "list", remember=False)
        return
    interested = turn.uow.postings.interested_count(posting.id)
    text = "\n".join(
        [
            formatting.posting_detail(posting, t, turn.time_zone, None),
            "",
            t._("Status: {status}", status=status_label(posting.status, t)),
            t.n_("{n} person is interested.", "{n} people are interested.", interested),
        ]
    )
    allowed = set(allowed_events(posting.status))
    choices = [Choice(_event_label(e, t), f"event:{e.value}") for e in OWNER_EVENTS if e in allowed]
    if posting.status not in FINAL_STATUSES:
        choices.insert(0, Choice(t._("✏️ Edit"), "posting:edit"))
    choices.append(Choice(t._("◀ Back to the list"), "nav:back"))
    turn.say(text, tuple(choices))


def _detail_handle(turn: Turn) -> None:
    t = turn.t
    posting = _owned(turn)
    choice = turn.incoming.choice or ""
    if posting is None or posting.id is None:
        fw.goto(turn, "list", remember=False)
        return
    if choice == "posting:edit" and posting.status not in FINAL_STATUSES:
        posting_flow.begin_edit(turn, posting)
        return
    if choice.startswith("event:"):
        try:
            event = PostingEvent(choice.removeprefix("event:"))
            if event not in OWNER_EVENTS:
                raise ValueError(event)
            if event is PostingEvent.SUBMIT and bans.refuse_banned(turn):
                return
            changed = turn.uow.postings.transition(posting.id, event)
        except (ValueError, IllegalTransition):
            fw.reprompt(turn, t._("That isn't possible for this posting right now."))
            return
        if event is PostingEvent.SUBMIT:
            moderation.record_submission(turn, changed)
        pushes.status_changed(turn.uow, changed, turn.now, turn.settings.pushes)
        turn.say(_done_message(event, t))
        fw.goto(turn, "list", remember=False)
        return
    fw.reprompt(turn, t._("Tap one of the actions, or go back to the list."))


FLOW = fw.register(
    fw.Flow(
        NAME,
        {
            "list": fw.Step(_list_prompt, _list_handle, takes_text=False),
            "detail": fw.Step(_detail_prompt, _detail_handle, takes_text=False),
        },
    )
)
