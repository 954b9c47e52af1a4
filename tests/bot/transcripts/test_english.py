"""Conversations in English, typed turn by turn as a user would (platform locale "en")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.engine import DialogueEngine
from domain.actors import Platform, PlatformIdentity
from domain.categories import Category
from domain.lifecycle import PostingStatus
from domain.postings import PostingKind
from tests.bot.chat import Chat, squash
from tests.bot.transcripts import seed

BERLIN = ZoneInfo("Europe/Berlin")


def test_onboarding_as_a_private_person(engine: DialogueEngine) -> None:
    chat = Chat(engine, "emma", language="en", name="Emma")
    reply = chat.say("/start")
    assert "Which language shall we use?" in reply
    assert "Do you agree?" in chat.tap("English")
    assert "private person, or for an organisation?" in chat.say("yes")
    assert "Where are you usually?" in chat.tap("Private person")
    assert "How far would you go to help?" in chat.say("Burtscheid")
    assert "What are you interested in?" in chat.tap("5 km")
    reply = chat.say("animals and environment")
    assert "Which of these do you have?" in reply
    reply = chat.say("driving licence")
    assert "When do you usually have time?" in reply
    chat.tap("Weekends")
    reply = chat.tap("Done")
    assert "Welcome aboard! 🎉" in reply
    assert "Aachen-Burtscheid" in reply

    with engine.database.unit_of_work() as uow:
        account = uow.accounts.find_by_identity(PlatformIdentity(Platform.CONSOLE, "emma"))
        assert account is not None
        assert account.id is not None
        assert account.language == "en"
        assert account.home is not None
        assert account.home.radius_km == 5.0
        assert uow.accounts.interests(account.id) == {Category.ANIMALS, Category.ENVIRONMENT}
        assert {q.key for q in uow.accounts.qualifications(account.id)} == {"driving_licence"}


def test_posting_an_offer_from_one_sentence(engine: DialogueEngine) -> None:
    seed.person(engine.database, "james", language="en")
    chat = Chat(engine, "james", language="en")
    reply = chat.say("I can help with maths tutoring tomorrow evening in Burtscheid")
    assert "Please check:" in reply
    assert "Offer · Education & tutoring" in reply
    assert "Where: Aachen-Burtscheid" in reply
    reply = chat.tap("Publish")
    assert "The editors of Aachen will check your posting" in squash(reply)
    with engine.database.unit_of_work() as uow:
        (posting,) = uow.postings.by_owner(
            uow.accounts.find_by_identity(PlatformIdentity(Platform.CONSOLE, "james")).id  # type: ignore[union-attr,arg-type]
        )
    assert posting.kind is PostingKind.OFFER
    assert posting.category is Category.EDUCATION
    assert posting.status is PostingStatus.PENDING_REVIEW


def test_search_at_the_weekend_and_show_interest(engine: DialogueEngine) -> None:
    owner = seed.person(engine.database, "tierfreunde")
    seed.posting(
        engine.database,
        owner,
        title="Walking dogs from the shelter",
        category=Category.ANIMALS,
        start=datetime(2026, 11, 22, 10, 0, tzinfo=BERLIN),
        place=seed.BURTSCHEID,
    )
    seed.posting(
        engine.database,
        owner,
        title="Tree planting in Stolberg",
        category=Category.ENVIRONMENT,
        start=datetime(2026, 11, 28, 10, 0, tzinfo=BERLIN),
        place=seed.STOLBERG,
    )
    seed.person(engine.database, "priya", language="en")
    chat = Chat(engine, "priya", language="en")
    reply = chat.say("what's on at the weekend in Burtscheid")
    assert "1 result for" in reply
    assert "Walking dogs from the shelter" in reply
    assert "Tree planting" not in reply
    reply = chat.tap("Walking dogs")
    assert "When: Sun, Nov 22, 10:00 AM – 12:00 PM" in squash(reply)
    assert "📍 Aachen-Burtscheid" in reply
    reply = chat.tap("I'm interested")
    assert "I've told the people behind “Walking dogs from the shelter”" in reply
    with engine.database.unit_of_work() as uow:
        to_owner = uow.outbox.for_chat("console", "tierfreunde")
    assert len(to_owner) == 1
    assert (
        "is interested in your posting" in to_owner[0].payload["text"]
        or "interessiert" in (to_owner[0].payload["text"])
    )


def test_managing_my_postings(engine: DialogueEngine) -> None:
    me = seed.person(engine.database, "olivia", language="en")
    seed.posting(
        engine.database,
        me,
        title="Helpers for the Christmas market stall",
        category=Category.EVENTS,
        start=datetime(2026, 12, 5, 14, 0, tzinfo=BERLIN),
    )
    chat = Chat(engine, "olivia", language="en")
    assert "Your postings" in chat.say("/mine")
    reply = chat.tap("Christmas market")
    assert "Status: published" in reply
    assert "Paused" in chat.tap("Pause")
    chat.tap("Christmas market")
    assert "It's visible again." in chat.tap("Resume")
    chat.tap("Christmas market")
    assert "Marked as filled" in chat.tap("Mark as filled")
    with engine.database.unit_of_work() as uow:
        (posting,) = uow.postings.by_owner(me)
    assert posting.status is PostingStatus.FILLED


def test_settings_radius_and_notifications(engine: DialogueEngine) -> None:
    me = seed.person(engine.database, "noah", language="en")
    chat = Chat(engine, "noah", language="en")
    assert "Your settings:" in chat.say("/settings")
    assert "How far would you go" in chat.tap("Radius")
    assert "Saved." in chat.say("25 km")
    assert "Saved." in chat.tap("Notifications off")
    chat.tap("Quiet hours")
    assert "Saved." in chat.tap("22:00–07:00")
    with engine.database.unit_of_work() as uow:
        account = uow.accounts.get(me)
    assert account.home is not None
    assert account.home.radius_km == 25.0
    assert account.notifications_enabled is False
    assert account.quiet_hours is not None
    assert f"{account.quiet_hours.start:%H:%M}" == "22:00"


def test_cancel_back_and_garbage_while_posting(engine: DialogueEngine) -> None:
    seed.person(engine.database, "liam", language="en")
    chat = Chat(engine, "liam", language="en")
    assert chat.say("/new").startswith("Do you want to offer help, or are you looking for help?")
    assert chat.say("maybe").startswith("Please tap “I offer help” or “We need help”.")
    assert chat.tap("We need help").startswith("Describe it in a sentence or two")
    assert chat.say("zzzz").startswith("Which topic fits best?")
    assert chat.say("back").startswith("Describe it in a sentence or two")
    # the description names the topic, so the next question is the time
    assert chat.say("Moving boxes for an elderly neighbour").startswith("When?")
    assert chat.say("purple").startswith("I couldn't read a time from that.")
    assert chat.say("cancel").startswith("Cancelled — nothing was saved.")
    with engine.database.unit_of_work() as uow:
        assert uow.postings.count() == 0
    assert chat.say("🦄🦄🦄").startswith("Sorry, I didn't understand that.")
    assert chat.say("back").startswith("There's nothing to go back to.")


def test_free_now_shows_what_is_open_in_the_next_hours(engine: DialogueEngine) -> None:
    owner = seed.person(engine.database, "repaircafe")
    seed.posting(
        engine.database,
        owner,
        title="Repair café needs a hand",
        category=Category.CRAFTS_REPAIR,
        start=datetime(2026, 11, 21, 16, 0, tzinfo=BERLIN),
    )
    seed.posting(
        engine.database,
        owner,
        title="Sorting donations next week",
        category=Category.INTEGRATION,
        start=datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN),
    )
    seed.person(engine.database, "zara", language="en")
    chat = Chat(engine, "zara", language="en")
    assert "How long do you have?" in chat.say("i'm free right now")
    assert "Where are you?" in chat.tap("2 hours")
    reply = chat.tap("Near my home area")
    assert "you're free until 5:00" in squash(reply)
    assert "Repair café needs a hand" in reply
    assert "Sorting donations" not in reply
