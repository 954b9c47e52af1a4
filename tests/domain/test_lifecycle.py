"""The posting state machine."""

from __future__ import annotations

import contextlib
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError, IllegalTransition
from domain.lifecycle import (
    FINAL_STATUSES,
    TRANSITIONS,
    VISIBLE_STATUSES,
    PostingEvent,
    PostingStatus,
    allowed_events,
    next_status,
)

S, E = PostingStatus, PostingEvent

ALL_PAIRS = list(itertools.product(PostingStatus, PostingEvent))
ILLEGAL_PAIRS = [pair for pair in ALL_PAIRS if pair not in TRANSITIONS]

EXPECTED_TRANSITIONS = {
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


def test_transition_table_is_the_documented_one() -> None:
    assert TRANSITIONS == EXPECTED_TRANSITIONS


def test_statuses_and_events() -> None:
    assert [s.value for s in PostingStatus] == [
        "draft",
        "pending_review",
        "published",
        "paused",
        "filled",
        "expired",
        "withdrawn",
        "removed",
    ]
    assert [e.value for e in PostingEvent] == [
        "submit",
        "publish",
        "approve",
        "reject",
        "pause",
        "resume",
        "fill",
        "expire",
        "withdraw",
        "remove",
    ]


def test_final_and_visible_statuses() -> None:
    assert frozenset({S.FILLED, S.EXPIRED, S.WITHDRAWN, S.REMOVED}) == FINAL_STATUSES
    assert frozenset({S.PUBLISHED}) == VISIBLE_STATUSES


@pytest.mark.parametrize(("pair", "target"), sorted(TRANSITIONS.items()))
def test_every_transition_gives_its_target(
    pair: tuple[PostingStatus, PostingEvent], target: PostingStatus
) -> None:
    status, event = pair
    assert next_status(status, event) is target


def test_illegal_pairs_are_enumerated() -> None:
    assert len(ALL_PAIRS) == 80
    assert len(ILLEGAL_PAIRS) == 80 - 18


@pytest.mark.parametrize(("status", "event"), ILLEGAL_PAIRS)
def test_every_other_pair_is_illegal(status: PostingStatus, event: PostingEvent) -> None:
    with pytest.raises(IllegalTransition) as info:
        next_status(status, event)
    error = info.value
    assert isinstance(error, DomainError)
    assert error.code == "illegal_transition"
    assert error.status == status.value
    assert error.event == event.value
    assert error.params == {"status": status.value, "event": event.value}
    assert error.message == f"a posting in status {status.value!r} cannot {event.value}"


@pytest.mark.parametrize("status", sorted(FINAL_STATUSES))
def test_final_statuses_allow_no_events(status: PostingStatus) -> None:
    assert allowed_events(status) == []
    for event in PostingEvent:
        with pytest.raises(IllegalTransition):
            next_status(status, event)


@pytest.mark.parametrize("status", list(PostingStatus))
def test_allowed_events_match_the_table(status: PostingStatus) -> None:
    expected = [event for (source, event) in EXPECTED_TRANSITIONS if source is status]
    assert allowed_events(status) == expected


def test_allowed_events_examples() -> None:
    assert allowed_events(S.DRAFT) == [E.SUBMIT, E.PUBLISH, E.WITHDRAW]
    assert allowed_events(S.PAUSED) == [E.RESUME, E.FILL, E.EXPIRE, E.WITHDRAW, E.REMOVE]


def test_non_final_statuses_can_always_leave() -> None:
    for status in set(PostingStatus) - FINAL_STATUSES:
        assert allowed_events(status), status


def test_every_status_is_reachable_from_draft() -> None:
    reached = {S.DRAFT}
    frontier = [S.DRAFT]
    while frontier:
        status = frontier.pop()
        for event in allowed_events(status):
            target = next_status(status, event)
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(PostingStatus)


def test_published_paused_round_trip() -> None:
    status = next_status(S.PUBLISHED, E.PAUSE)
    assert status is S.PAUSED
    status = next_status(status, E.RESUME)
    assert status is S.PUBLISHED
    assert next_status(next_status(status, E.PAUSE), E.RESUME) is S.PUBLISHED


def test_pause_twice_and_resume_published_are_illegal() -> None:
    with pytest.raises(IllegalTransition):
        next_status(S.PAUSED, E.PAUSE)
    with pytest.raises(IllegalTransition):
        next_status(S.PUBLISHED, E.RESUME)


def test_rejected_goes_back_to_draft_and_can_be_resubmitted() -> None:
    status = next_status(S.DRAFT, E.SUBMIT)
    status = next_status(status, E.REJECT)
    assert status is S.DRAFT
    status = next_status(status, E.SUBMIT)
    assert status is S.PENDING_REVIEW
    assert next_status(status, E.APPROVE) is S.PUBLISHED


def test_approving_a_withdrawn_posting_is_illegal() -> None:
    with pytest.raises(IllegalTransition) as info:
        next_status(S.WITHDRAWN, E.APPROVE)
    assert str(info.value) == "a posting in status 'withdrawn' cannot approve"


def test_a_draft_cannot_be_filled_or_approved() -> None:
    for event in (E.FILL, E.APPROVE, E.REJECT, E.PAUSE, E.RESUME, E.REMOVE, E.EXPIRE):
        with pytest.raises(IllegalTransition):
            next_status(S.DRAFT, event)


@given(
    start=st.sampled_from(list(PostingStatus)),
    events=st.lists(st.sampled_from(list(PostingEvent)), max_size=40),
)
def test_random_event_sequences_follow_the_table(
    start: PostingStatus, events: list[PostingEvent]
) -> None:
    status = start
    for event in events:
        was_final = status in FINAL_STATUSES
        if (status, event) in TRANSITIONS:
            assert not was_final
            new = next_status(status, event)
            assert new is TRANSITIONS[(status, event)]
            assert event in allowed_events(status)
            status = new
        else:
            with pytest.raises(IllegalTransition) as info:
                next_status(status, event)
            assert (info.value.status, info.value.event) == (status.value, event.value)
            assert event not in allowed_events(status)
        if was_final:
            assert status in FINAL_STATUSES
    assert status in set(PostingStatus)


@given(events=st.lists(st.sampled_from(list(PostingEvent)), max_size=60))
def test_once_final_always_final(events: list[PostingEvent]) -> None:
    status = S.DRAFT
    final_seen: PostingStatus | None = None
    for event in events:
        with contextlib.suppress(IllegalTransition):
            status = next_status(status, event)
        if final_seen is not None:
            assert status is final_seen
        elif status in FINAL_STATUSES:
            final_seen = status
