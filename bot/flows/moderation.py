"""Editors moderate postings: the review queue, approve, reject, edit, remove.

    /queue ─▶ one message per waiting posting, oldest first: ✅ approve | ❌ reject | ✏️ edit
    /approve ID                      ─▶ published (pushes start), the poster is told
    /reject ID reason  | ❌ ─▶ reason ─▶ back to draft, the poster is told why
    /edit ID field value | ✏️ ─▶ field ─▶ value ─▶ changed, the poster is told what
    /remove ID reason  | 🗑 ─▶ reason ─▶ removed (alerts followed up), the poster is told why

Every action checks the editor's authority for the posting's municipality, writes the audit log
in the same transaction and tells the poster in their own language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot import formatting, pushes
from bot.context import Turn
from bot.flows import editorial
from bot.flows import framework as fw
from bot.flows.common import REASON_MAX, cancel_choice, reason_answer
from bot.i18n import Translator
from bot.messages import Choice
from domain.categories import Category, category_label
from domain.editorial import AuditSubject, EditorialAction
from domain.errors import IllegalTransition, NotFound, ValidationError
from domain.lifecycle import FINAL_STATUSES, PostingEvent, PostingStatus
from domain.municipalities import fold
from domain.postings import DESCRIPTION_MAX, QUANTITY_MAX, TITLE_MAX, TITLE_MIN, Posting

NAME = "moderation"
QUEUE_SHOWN = 5  # per /queue: each is a message with its own buttons


# ---- finding the posting ------------------------------------------------------------------------


def _posting(turn: Turn, posting_id: int | None) -> Posting | None:
    """The posting if this editor may moderate it; otherwise None, with the reason said."""
    t = turn.t
    if posting_id is None:
        name, _ = editorial.command(turn)
        turn.say(
            t._("Please give the posting's number, e.g. {example}.").format(
                example=f"{name or '/approve'} 12"
            )
        )
        return None
    try:
        posting = turn.uow.postings.get(posting_id)
    except NotFound:
        turn.say(t._("There is no posting {number}.").format(number=posting_id))
        return None
    if not turn.authority.may_moderate(posting.municipality_key):
        editorial.another_municipality(
            turn,
            "posting",
            posting_id,
            t._("Posting {number} belongs to another municipality; its editors decide.").format(
                number=posting_id
            ),
        )
        return None
    return posting


def _arguments(turn: Turn) -> tuple[int | None, str]:
    """`/reject 12 too vague` → (12, "too vague")."""
    _, argument = editorial.command(turn)
    first, _, rest = argument.strip().partition(" ")
    return editorial.number(first), rest.strip()


def _quoted(posting: Posting, t: Translator) -> str:
    return t._("#{number} “{title}”").format(number=posting.id, title=posting.title)


# ---- the queue ----------------------------------------------------------------------------------


def queue(turn: Turn) -> None:
    authority = turn.authority
    if not authority.is_editor:
        return editorial.refuse(turn)
    t = turn.t
    waiting, total = turn.uow.postings.pending_review(authority.moderated, limit=QUEUE_SHOWN)
    if not waiting:
        turn.say(t._("Nothing is waiting for review. 🎉"))
        return
    turn.say(
        t.n_(
            "{n} posting is waiting for review, oldest first:",
            "{n} postings are waiting for review, oldest first:",
            total,
        )
    )
    for posting in waiting:
        turn.say(_queue_entry(turn, posting), _review_choices(posting, t))
    if total > len(waiting):
        turn.say(
            t._("{n} more after these: /queue again once you have decided.").format(
                n=total - len(waiting)
            )
        )


def _queue_entry(turn: Turn, posting: Posting) -> str:
    t = turn.t
    owner = turn.uow.accounts.get(posting.owner.account_id)
    by = t._("by {name} (user {number})").format(
        name=owner.display_name, number=posting.owner.account_id
    )
    if posting.owner.organisation_id is not None:
        organisation = turn.uow.organisations.get(posting.owner.organisation_id)
        by = f"{by}, {organisation.name}"
    municipality = turn.settings.municipality(posting.municipality_key).name
    # the detail below starts with the title
    header = f"#{posting.id} · {municipality} · {by}"
    return "\n".join([header, formatting.posting_detail(posting, t, turn.time_zone, None)])


def _review_choices(posting: Posting, t: Translator) -> tuple[Choice, ...]:
    return (
        Choice(t._("✅ Approve #{number}").format(number=posting.id), f"mod:approve:{posting.id}"),
        Choice(t._("❌ Reject #{number}").format(number=posting.id), f"mod:reject:{posting.id}"),
        Choice(t._("✏️ Edit #{number}").format(number=posting.id), f"mod:edit:{posting.id}"),
    )


# ---- approve ------------------------------------------------------------------------------------


def approve(turn: Turn) -> None:
    if not turn.authority.is_editor:
        return editorial.refuse(turn)
    posting_id, _ = _arguments(turn)
    _approve(turn, posting_id)


def _approve(turn: Turn, posting_id: int | None) -> None:
    t = turn.t
    posting = _posting(turn, posting_id)
    if posting is None or posting.id is None:
        return
    if posting.status is not PostingStatus.PENDING_REVIEW:
        turn.say(_not_waiting(posting, t))
        return
    if turn.uow.accounts.get(posting.owner.account_id).banned:
        turn.say(
            t._("The poster of {posting} is banned: reject or remove it instead.").format(
                posting=_quoted(posting, t)
            )
        )
        return
    published = turn.uow.postings.transition(posting.id, PostingEvent.APPROVE)
    _record(turn, EditorialAction.APPROVE, published)
    pushes.status_changed(turn.uow, published, turn.now, turn.settings.pushes)
    turn.notify(posting.owner.account_id, _told(EditorialAction.APPROVE, posting.title))
    turn.say(t._("✅ {posting} is published.").format(posting=_quoted(posting, t)))


def _not_waiting(posting: Posting, t: Translator) -> str:
    from bot.flows.my_postings import status_label

    return t._("{posting} is not waiting for review (it is {status}).").format(
        posting=_quoted(posting, t), status=status_label(posting.status, t)
    )


# ---- reject and remove: both need a reason the poster will read ---------------------------------


def reject(turn: Turn) -> None:
    _with_reason(turn, EditorialAction.REJECT)


def remove(turn: Turn) -> None:
    _with_reason(turn, EditorialAction.REMOVE)


def _with_reason(turn: Turn, action: EditorialAction) -> None:
    if not turn.authority.is_editor:
        return editorial.refuse(turn)
    posting_id, reason = _arguments(turn)
    if posting_id is not None and not reason:
        name, _ = editorial.command(turn)
        turn.say(
            turn.t._("Please add the reason; the poster will read it: {example}").format(
                example=f"{name} {posting_id} …"
            )
        )
        return
    _decide(turn, action, posting_id, reason)


def _decide(turn: Turn, action: EditorialAction, posting_id: int | None, reason: str) -> None:
    t = turn.t
    posting = _posting(turn, posting_id)
    if posting is None or posting.id is None:
        return
    if action is EditorialAction.REJECT and posting.status is not PostingStatus.PENDING_REVIEW:
        turn.say(_not_waiting(posting, t))
        return
    reason = reason.strip()[:REASON_MAX]
    event = PostingEvent.REJECT if action is EditorialAction.REJECT else PostingEvent.REMOVE
    try:
        changed = turn.uow.postings.transition(posting.id, event)
    except IllegalTransition:
        from bot.flows.my_postings import status_label

        turn.say(
            t._("{posting} cannot be removed any more (it is {status}).").format(
                posting=_quoted(posting, t), status=status_label(posting.status, t)
            )
        )
        return
    _record(turn, action, changed, reason=reason)
    pushes.status_changed(turn.uow, changed, turn.now, turn.settings.pushes)
    turn.notify(posting.owner.account_id, _told(action, posting.title, reason))
    if action is EditorialAction.REMOVE:
        from bot.flows import reports

        reports.resolve_about(turn, posting_id=posting.id, resolution=f"removed: {reason}")
        turn.say(
            t._("🗑 {posting} is removed; the poster is told why.").format(
                posting=_quoted(posting, t)
            )
        )
    else:
        turn.say(
            t._("❌ {posting} is sent back to the poster with your reason.").format(
                posting=_quoted(posting, t)
            )
        )


# ---- edit ---------------------------------------------------------------------------------------

EDITABLE = ("title", "description", "quantity", "category")  # Posting's field names
EDIT_FIELDS: dict[str, str] = {
    "title": "title",
    "titel": "title",
    "description": "description",
    "beschreibung": "description",
    "text": "description",
    "quantity": "quantity",
    "anzahl": "quantity",
    "helpers": "quantity",
    "helfer": "quantity",
    "category": "category",
    "kategorie": "category",
    "topic": "category",
    "thema": "category",
}


def edit(turn: Turn) -> None:
    """/edit 12 title Better title"""
    if not turn.authority.is_editor:
        return editorial.refuse(turn)
    t = turn.t
    posting_id, rest = _arguments(turn)
    word, _, value = rest.partition(" ")
    field = EDIT_FIELDS.get(word.lower())
    if posting_id is None or field is None or not value.strip():
        turn.say(
            t._(
                "Please write /edit, the posting's number, the field and the new value, e.g. "
                "{example}. Fields: title, description, quantity, category."
            ).format(example="/edit 12 title Vorlesen im Seniorenheim")
        )
        return
    _apply_edit(turn, posting_id, field, value.strip())


def _apply_edit(turn: Turn, posting_id: int, field: str, value: str) -> bool:
    t = turn.t
    posting = _posting(turn, posting_id)
    if posting is None or posting.id is None:
        return True
    if posting.status in FINAL_STATUSES:
        turn.say(
            t._("{posting} is closed; there is nothing to edit.").format(
                posting=_quoted(posting, t)
            )
        )
        return True
    try:
        changed = posting.changed(**{field: _edited_value(field, value)})
    except (ValidationError, ValueError):
        turn.say(_edit_hint(turn, field))
        return False
    turn.uow.postings.update(changed)
    _record(turn, EditorialAction.EDIT, changed, details={"field": field})
    shown = _shown_value(changed, field, turn.t)
    turn.notify(posting.owner.account_id, _told_edited(posting.title, field, changed))
    turn.say(
        t._("✏️ {posting}: {field} is now “{value}”. The poster is told.").format(
            posting=_quoted(changed, t), field=_field_label(field, t), value=shown
        )
    )
    return True


def _edited_value(field: str, value: str) -> object:
    if field == "quantity":
        return int(value)
    if field == "category":
        wanted = fold(value)
        for category in Category:
            labels = {category.value, *(category_label(category, lang) for lang in ("de", "en"))}
            if wanted in {fold(label) for label in labels}:
                return category
        raise ValueError(value)
    return value


def _edit_hint(turn: Turn, field: str) -> str:
    t = turn.t
    if field == "quantity":
        return t._("The number of helpers must be a whole number from 1 to {max}.").format(
            max=QUANTITY_MAX
        )
    if field == "category":
        topics = ", ".join(category_label(c, t.language) for c in Category)
        return t._("Please name one of the topics: {topics}").format(topics=topics)
    if field == "title":
        return t._("A title needs {low} to {high} characters.").format(
            low=TITLE_MIN, high=TITLE_MAX
        )
    return t._("A description may have up to {max} characters.").format(max=DESCRIPTION_MAX)


def _field_label(field: str, t: Translator) -> str:
    labels = {
        "title": t._("title"),
        "description": t._("description"),
        "quantity": t._("number of helpers"),
        "category": t._("topic"),
    }
    return labels[field]


def _shown_value(posting: Posting, field: str, t: Translator) -> str:
    if field == "category":
        return formatting.category(posting.category, t)
    return str(getattr(posting, field))


# ---- the poster is told -------------------------------------------------------------------------


def _told(action: EditorialAction, title: str, reason: str = "") -> Callable[[Translator], str]:
    def words(t: Translator) -> str:
        if action is EditorialAction.APPROVE:
            return t._("✅ Your posting “{title}” is approved and visible now.").format(title=title)
        if action is EditorialAction.REJECT:
            return t._(
                "Your posting “{title}” was not published. The editors say: {reason}\n"
                "You can change it under /mine and submit it again."
            ).format(title=title, reason=reason)
        return t._("The editors removed your posting “{title}”. Their reason: {reason}").format(
            title=title, reason=reason
        )

    return words


def _told_edited(title: str, field: str, changed: Posting) -> Callable[[Translator], str]:
    def words(t: Translator) -> str:
        return t._(
            "✏️ The editors changed the {field} of your posting “{title}” to “{value}”."
        ).format(field=_field_label(field, t), title=title, value=_shown_value(changed, field, t))

    return words


def _record(
    turn: Turn,
    action: EditorialAction,
    posting: Posting,
    *,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    assert posting.id is not None
    editorial.record(
        turn,
        action,
        AuditSubject.POSTING,
        posting.id,
        municipality_key=posting.municipality_key,
        reason=reason,
        details=details,
    )


def record_submission(turn: Turn, posting: Posting) -> None:
    """The first line of a posting's trail: its owner submitted it (or, for a verified
    organisation, published it). The actor is the account number, not a platform id, so the
    trail names nobody once the account is erased."""
    assert posting.id is not None
    editorial.record(
        turn,
        EditorialAction.PUBLISH
        if posting.status is PostingStatus.PUBLISHED
        else EditorialAction.SUBMIT,
        AuditSubject.POSTING,
        posting.id,
        municipality_key=posting.municipality_key,
        actor=f"account:{posting.owner.account_id}",
    )


# ---- buttons: ✅ ❌ ✏️ 🗑 under a queued or reported posting -------------------------------------


def choice(turn: Turn, payload: str) -> None:
    """`approve:12`, `reject:12`, `edit:12`, `remove:12` from the buttons."""
    if not turn.authority.is_editor:
        return editorial.refuse(turn)
    action, _, number = payload.partition(":")
    posting_id = editorial.number(number)
    if action == "approve":
        return _approve(turn, posting_id)
    if posting_id is None or action not in ("reject", "edit", "remove"):
        turn.say(turn.t._("That button is no longer valid."))
        return
    posting = _posting(turn, posting_id)
    if posting is None:
        return
    step = "field" if action == "edit" else "reason"
    fw.start(turn, FLOW, step, {"action": action, "posting": posting_id})


def _reason_prompt(turn: Turn) -> None:
    t = turn.t
    answers = fw.data(turn)
    question = (
        t._("Why do you reject #{number}? The poster will read your reason.")
        if answers["action"] == "reject"
        else t._("Why do you remove #{number}? The poster will read your reason.")
    )
    turn.say(question.format(number=answers["posting"]), (cancel_choice(turn),))


def _reason_handle(turn: Turn) -> None:
    reason = reason_answer(turn)
    if reason is None:
        return
    answers = fw.data(turn)
    fw.finish(turn)
    action = EditorialAction.REJECT if answers["action"] == "reject" else EditorialAction.REMOVE
    _decide(turn, action, int(answers["posting"]), reason)


def _field_prompt(turn: Turn) -> None:
    t = turn.t
    turn.say(
        t._("What do you want to change in #{number}?").format(number=fw.data(turn)["posting"]),
        (
            *(Choice(_field_label(f, t).capitalize(), f"field:{f}") for f in EDITABLE),
            cancel_choice(turn),
        ),
    )


def _field_handle(turn: Turn) -> None:
    field = (turn.incoming.choice or "").removeprefix("field:")
    if field not in EDITABLE:
        fw.reprompt(turn, turn.t._("Please tap one of the options."))
        return
    fw.data(turn)["field"] = field
    fw.goto(turn, "value")


def _value_prompt(turn: Turn) -> None:
    t = turn.t
    answers = fw.data(turn)
    turn.say(
        t._("The new {field} for #{number}:").format(
            field=_field_label(answers["field"], t), number=answers["posting"]
        ),
        (cancel_choice(turn),),
    )


def _value_handle(turn: Turn) -> None:
    answers = fw.data(turn)
    value = (turn.incoming.text or "").strip()
    if not value:
        fw.reprompt(turn, _edit_hint(turn, answers["field"]))
        return
    if _apply_edit(turn, int(answers["posting"]), answers["field"], value):
        fw.finish(turn)
    else:
        step = fw.current_step(turn)
        if step is not None:
            step.prompt(turn)


FLOW = fw.register(
    fw.Flow(
        NAME,
        {
            "reason": fw.Step(_reason_prompt, _reason_handle),
            "field": fw.Step(_field_prompt, _field_handle, takes_text=False),
            "value": fw.Step(_value_prompt, _value_handle),
        },
    )
)
