"""Matrix intake before anyone talked to the bot: a message in a room that is not the sender's
direct chat with the bot leaves no trace. (No homeserver needed: the channel's database side.)"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.channels.matrix.channel import MatrixChannel, MatrixOptions
from bot.channels.matrix.events import RoomMessage
from bot.delivery import DeliveryOptions, RateLimits
from bot.engine import DialogueEngine
from domain.actors import Platform, PlatformIdentity
from storage.models import IdentityRow, InboxRow

LENA = "@lena:example.org"


def _channel(engine: DialogueEngine) -> MatrixChannel:
    options = MatrixOptions(
        homeserver="http://127.0.0.1:9", user_id="@ehrenamt:example.org", access_token="unused"
    )
    return MatrixChannel(engine, options, DeliveryOptions(RateLimits(1, 1, 20)))


def _count(engine: DialogueEngine, model: type[IdentityRow] | type[InboxRow]) -> int:
    with engine.database.unit_of_work() as uow:
        return int(uow._session.scalar(select(func.count()).select_from(model)) or 0)


def _message(room_id: str, event_id: str, text: str) -> RoomMessage:
    return RoomMessage(event_id=event_id, sender=LENA, room_id=room_id, timestamp_ms=0, text=text)


def test_a_message_in_a_room_that_is_no_direct_chat_stores_nothing(
    engine: DialogueEngine,
) -> None:
    channel = _channel(engine)
    for joined in (3, 12, 0):  # a group room, or one the bot no longer knows
        entry = channel._record_message(
            _message("!club:example.org", f"$e{joined}", "/report"), joined, "Lena"
        )
        assert entry is None
    assert _count(engine, IdentityRow) == 0
    assert _count(engine, InboxRow) == 0


def test_a_two_person_room_is_the_senders_direct_chat(engine: DialogueEngine) -> None:
    # the bot joins only rooms it was invited to as a direct chat: with two members, it is one
    # (e.g. after the database was restored from before the invite)
    channel = _channel(engine)
    assert channel._record_message(_message("!dm:example.org", "$dm", "hallo"), 2, "Lena")
    with engine.database.unit_of_work() as uow:
        identity = uow.identities.find(PlatformIdentity(Platform.MATRIX, LENA))
    assert identity is not None
    assert identity.direct_chat_id == "!dm:example.org"
    # her messages in another, bigger room are still not recorded
    assert channel._record_message(_message("!club:example.org", "$c", "/report"), 5, None) is None
    assert _count(engine, InboxRow) == 1
