"""Offers and needs: the rules a posting must keep."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.actors import Owner
from domain.categories import Category
from domain.errors import IllegalTransition, ValidationError
from domain.lifecycle import PostingEvent, PostingStatus
from domain.places import GeoPoint, Place
from domain.postings import (
    DESCRIPTION_MAX,
    MAX_QUALIFICATIONS,
    QUANTITY_MAX,
    QUANTITY_MIN,
    TITLE_MAX,
    TITLE_MIN,
    Posting,
    PostingKind,
    PostingType,
    Urgency,
)
from domain.qualifications import Qualification, known_qualification_keys, language_skill
from domain.timewindow import OneOff

DRIVING = Qualification("driving_licence")
FIRST_AID = Qualification("first_aid")


def make_posting(**overrides: Any) -> Posting:
    """A valid need of the Aachen food bank; override any field."""
    fields: dict[str, Any] = {
        "kind": PostingKind.NEED,
        "type": PostingType.TIME,
        "category": Category.FOOD,
        "title": "Helfer für die Tafel",
        "description": "Lebensmittel sortieren und ausgeben.",
        "time_window": OneOff(
            datetime(2026, 6, 13, 8, tzinfo=UTC), datetime(2026, 6, 13, 12, tzinfo=UTC)
        ),
        "place": Place(GeoPoint(50.7753, 6.0839), "Tafel Aachen"),
        "owner": Owner(account_id=1),
        "municipality_key": "aachen",
    }
    fields.update(overrides)
    return Posting(**fields)


def test_constants() -> None:
    assert (TITLE_MIN, TITLE_MAX) == (3, 120)
    assert DESCRIPTION_MAX == 2000
    assert (QUANTITY_MIN, QUANTITY_MAX) == (1, 500)
    assert MAX_QUALIFICATIONS == 10


def test_valid_need_and_defaults() -> None:
    posting = make_posting()
    assert posting.kind is PostingKind.NEED
    assert posting.title == "Helfer für die Tafel"
    assert posting.quantity == 1
    assert posting.urgency is Urgency.NORMAL
    assert posting.status is PostingStatus.DRAFT
    assert posting.qualifications == frozenset()
    assert posting.id is None
    assert posting.created_at is None


def test_title_and_description_are_trimmed() -> None:
    posting = make_posting(title="  Tafel  ", description="\n Kisten tragen \n")
    assert posting.title == "Tafel"
    assert posting.description == "Kisten tragen"


@pytest.mark.parametrize("title", ["abc", "a" * 120, "   abc   "])
def test_title_bounds_accepted(title: str) -> None:
    assert make_posting(title=title).title == title.strip()


@pytest.mark.parametrize("title", ["", "ab", "  ab  "])
def test_title_too_short(title: str) -> None:
    with pytest.raises(ValidationError) as info:
        make_posting(title=title)
    assert info.value.field == "title"
    assert info.value.message == "must be at least 3 characters"
    assert info.value.params == {"min": 3}


def test_title_too_long() -> None:
    with pytest.raises(ValidationError) as info:
        make_posting(title="a" * 121)
    assert info.value.field == "title"
    assert info.value.message == "must be at most 120 characters"
    assert info.value.params == {"max": 120}


def test_title_refuses_control_characters() -> None:
    with pytest.raises(ValidationError) as info:
        make_posting(title="Tafel\x1b[31m")
    assert info.value.field == "title"
    assert info.value.message == "must not contain control characters"


def test_description_may_be_empty_or_multiline() -> None:
    assert make_posting(description="").description == ""
    assert make_posting(description="Zeile 1\nZeile 2").description == "Zeile 1\nZeile 2"


def test_description_length() -> None:
    assert len(make_posting(description="x" * 2000).description) == 2000
    with pytest.raises(ValidationError) as info:
        make_posting(description="x" * 2001)
    assert info.value.field == "description"
    assert info.value.message == "must be at most 2000 characters"


@pytest.mark.parametrize("quantity", [1, 4, 500])
def test_quantity_accepted(quantity: int) -> None:
    assert make_posting(quantity=quantity).quantity == quantity


@pytest.mark.parametrize("quantity", [0, -1, 501, True, False, 2.5, 2.0, "3", None])
def test_quantity_refused(quantity: object) -> None:
    with pytest.raises(ValidationError) as info:
        make_posting(quantity=quantity)
    assert info.value.field == "quantity"
    assert info.value.message == "must be a whole number between 1 and 500"


def test_ten_qualifications_accepted_eleven_refused() -> None:
    keys = known_qualification_keys()
    ten = frozenset(Qualification(k) for k in keys[:10])
    assert len(make_posting(qualifications=ten).qualifications) == 10
    eleven = frozenset(Qualification(k) for k in keys[:11])
    with pytest.raises(ValidationError) as info:
        make_posting(qualifications=eleven)
    assert info.value.field == "qualifications"
    assert info.value.message == "at most 10"


def test_qualifications_become_a_frozenset() -> None:
    posting = make_posting(qualifications=[DRIVING, FIRST_AID])
    assert isinstance(posting.qualifications, frozenset)
    assert posting.qualifications == frozenset({DRIVING, FIRST_AID})


def test_urgent_need_is_allowed() -> None:
    assert make_posting(urgency=Urgency.URGENT).urgency is Urgency.URGENT


def test_urgent_offer_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        make_posting(kind=PostingKind.OFFER, urgency=Urgency.URGENT)
    assert info.value.field == "urgency"
    assert info.value.message == "only a need can be urgent"


def test_normal_offer_is_allowed() -> None:
    assert make_posting(kind=PostingKind.OFFER).kind is PostingKind.OFFER


@pytest.mark.parametrize("category", ["food", "kochen", None])
def test_category_must_be_a_category(category: object) -> None:
    with pytest.raises(ValidationError) as info:
        make_posting(category=category)
    assert info.value.field == "category"
    assert info.value.message == "must be one of the category keys"


def test_municipality_must_not_be_empty() -> None:
    with pytest.raises(ValidationError) as info:
        make_posting(municipality_key="")
    assert info.value.field == "municipality"
    assert info.value.message == "must not be empty"


def test_need_qualifications_are_required() -> None:
    posting = make_posting(qualifications=frozenset({DRIVING}))
    assert posting.required_qualifications == frozenset({DRIVING})
    assert posting.offered_qualifications == frozenset()


def test_offer_qualifications_are_offered() -> None:
    arabic = language_skill("ar")
    posting = make_posting(kind=PostingKind.OFFER, qualifications=frozenset({FIRST_AID, arabic}))
    assert posting.offered_qualifications == frozenset({FIRST_AID, arabic})
    assert posting.required_qualifications == frozenset()


def test_apply_submit_returns_a_new_posting() -> None:
    draft = make_posting(quantity=4)
    pending = draft.apply(PostingEvent.SUBMIT)
    assert pending is not draft
    assert pending.status is PostingStatus.PENDING_REVIEW
    assert draft.status is PostingStatus.DRAFT
    assert pending.title == draft.title
    assert pending.quantity == 4
    assert pending == make_posting(quantity=4, status=PostingStatus.PENDING_REVIEW)


def test_apply_chain_to_filled() -> None:
    posting = make_posting()
    for event in (PostingEvent.SUBMIT, PostingEvent.APPROVE, PostingEvent.PAUSE):
        posting = posting.apply(event)
    assert posting.status is PostingStatus.PAUSED
    assert posting.apply(PostingEvent.RESUME).status is PostingStatus.PUBLISHED
    assert posting.apply(PostingEvent.FILL).status is PostingStatus.FILLED


def test_illegal_apply_raises() -> None:
    draft = make_posting()
    with pytest.raises(IllegalTransition) as info:
        draft.apply(PostingEvent.APPROVE)
    assert info.value.status == "draft"
    assert info.value.event == "approve"
    assert draft.status is PostingStatus.DRAFT


def test_apply_on_a_final_posting_raises() -> None:
    filled = make_posting(status=PostingStatus.FILLED)
    with pytest.raises(IllegalTransition) as info:
        filled.apply(PostingEvent.RESUME)
    assert (info.value.status, info.value.event) == ("filled", "resume")


def test_changed_returns_a_validated_copy() -> None:
    posting = make_posting()
    edited = posting.changed(title="  Fahrer für die Tafel  ", quantity=2)
    assert edited.title == "Fahrer für die Tafel"
    assert edited.quantity == 2
    assert posting.title == "Helfer für die Tafel"
    assert posting.quantity == 1


def test_changed_revalidates_title() -> None:
    with pytest.raises(ValidationError) as info:
        make_posting().changed(title="x")
    assert info.value.field == "title"
    assert info.value.message == "must be at least 3 characters"


def test_changed_revalidates_cross_field_rules() -> None:
    urgent_need = make_posting(urgency=Urgency.URGENT)
    with pytest.raises(ValidationError) as info:
        urgent_need.changed(kind=PostingKind.OFFER)
    assert info.value.field == "urgency"


def test_changed_revalidates_quantity() -> None:
    with pytest.raises(ValidationError) as info:
        make_posting().changed(quantity=501)
    assert info.value.field == "quantity"


def test_posting_is_frozen() -> None:
    posting = make_posting()
    with pytest.raises(AttributeError):
        posting.title = "Neu"  # type: ignore[misc]
