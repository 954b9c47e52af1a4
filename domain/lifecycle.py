"""The posting lifecycle as an explicit state machine.

    draft ──submit──▶ pending_review ──approve──▶ published ──fill──▶ filled
      │                 │      ▲                    │  ▲ │ ├─expire──▶ expired
      │                 │      └─(resubmit: submit) │  │ │ ├─withdraw─▶ withdrawn
      │                 └─reject──▶ draft           │  │ │ └─remove──▶ removed
      └──publish (verified organisations)──────────▶│  │ │
                                                  pause resume
                                                    ▼  │
                                                   paused

A rejected posting goes back to draft so its owner can correct and resubmit it; filled, expired,
withdrawn and removed are final. Who may trigger which event is authorisation, not this module.
"""

from __future__ import annotations

from enum import StrEnum

from domain.errors import IllegalTransition


class PostingStatus(StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    PAUSED = "paused"
    FILLED = "filled"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    REMOVED = "removed"


class PostingEvent(StrEnum):
    SUBMIT = "submit"
    PUBLISH = "publish"
    APPROVE = "approve"
    REJECT = "reject"
    PAUSE = "pause"
    RESUME = "resume"
    FILL = "fill"
    EXPIRE = "expire"
    WITHDRAW = "withdraw"
    REMOVE = "remove"


S, E = PostingStatus, PostingEvent

TRANSITIONS: dict[tuple[PostingStatus, PostingEvent], PostingStatus] = {
    (S.DRAFT, E.SUBMIT): S.PENDING_REVIEW,
    (S.DRAFT, E.PUBLISH): S.PUBLISHED,
    (S.DRAFT, E.WITHDRAW): S.WITHDRAWN,
    (S.PENDING_REVIEW, E.APPROVE): S.PUBLISHED,
    (S.PENDING_REVIEW, E.REJECT): S.DRAFT,
    (S.PENDING_REVIEW, E.WITHDRAW): S.WITHDRAWN,
    (S.PENDING_REVIEW, E.REMOVE): S.REMOVED,
    (S.PENDING_REVIEW, E.EXPIRE): S.EXPIRED,
    (S.PUBLISHED, E.PAUSE): S.PAUSED,
    (S.PUBLISHED, E.FILL): S.FILLED,
    (S.PUBLISHED, E.EXPIRE): S.EXPIRED,
    (S.PUBLISHED, E.WITHDRAW): S.WITHDRAWN,
    (S.PUBLISHED, E.REMOVE): S.REMOVED,
    (S.PAUSED, E.RESUME): S.PUBLISHED,
    (S.PAUSED, E.FILL): S.FILLED,
    (S.PAUSED, E.EXPIRE): S.EXPIRED,
    (S.PAUSED, E.WITHDRAW): S.WITHDRAWN,
    (S.PAUSED, E.REMOVE): S.REMOVED,
}

FINAL_STATUSES = frozenset({S.FILLED, S.EXPIRED, S.WITHDRAWN, S.REMOVED})
VISIBLE_STATUSES = frozenset({S.PUBLISHED})


def next_status(status: PostingStatus, event: PostingEvent) -> PostingStatus:
    """The status after `event`, or IllegalTransition: never a silent no-op."""
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise IllegalTransition(status.value, event.value) from None


def allowed_events(status: PostingStatus) -> list[PostingEvent]:
    return [event for (source, event) in TRANSITIONS if source is status]
