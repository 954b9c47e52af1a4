"""The whole way through Telegram's HTTP API: the real python-telegram-bot talks to the local
Bot API stand-in, updates come by long polling, replies leave through the outbox worker.

A club signs up and posts an urgent need in one sentence; a volunteer who shared her live
location nearby gets the alert and taps "🙋 Ich helfe"."""

from __future__ import annotations

from bot.engine import DialogueEngine
from domain.actors import Platform, PlatformIdentity
from tests.bot.chat import squash
from tests.channels.editors import verify_organisations_of
from tests.channels.telegram.live import TelegramUser, running
from tests.channels.telegram.support import TOKEN, run
from tools.telegram_standin import TelegramStandin

ERIK, VERA = 5001, 5002
EILENDORF = (50.7815, 6.1545)


def test_a_club_posts_an_urgent_need_and_a_volunteer_nearby_says_yes(
    engine: DialogueEngine,
) -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(engine, api):
            erik = TelegramUser(api, engine, ERIK, "Erik")
            vera = TelegramUser(api, engine, VERA, "Vera")

            # the club signs up
            reply = await erik.say("/start")
            assert "Willkommen bei der Ehrenamtsbörse Aachen!" in reply
            assert "Bist du einverstanden?" in await erik.tap("Deutsch")
            await erik.tap("Einverstanden")
            assert "Wie heißt deine Organisation?" in await erik.tap("Verein")
            assert "Wo bist du meistens?" in await erik.say("Tierschutzverein Aachen e.V.")
            await erik.say("Eilendorf")
            await erik.tap("10 km")
            await erik.tap("Tiere")
            await erik.tap("Fertig")
            await erik.tap("Nichts davon")
            await erik.tap("Werktags abends")
            assert "Willkommen an Bord!" in await erik.tap("Fertig")
            verify_organisations_of(engine, PlatformIdentity(Platform.TELEGRAM, str(ERIK)))

            # the volunteer signs up and shares her live location: she is free now, nearby
            await vera.say("/start")
            await vera.tap("Deutsch")
            await vera.say("ja klar")
            await vera.tap("Privatperson")
            await vera.say("burtscheid")
            await vera.say("5 km")
            await vera.say("Tiere und Umwelt")
            await vera.say("Führerschein und erste hilfe")
            await vera.tap("Am Wochenende")
            await vera.tap("Spontan")
            await vera.tap("Fertig")
            assert "Wie viel Zeit hast du?" in await vera.share_location(
                *EILENDORF, live_period=3600
            )
            reply = await vera.tap("4 Stunden")
            assert "Standort" in reply or "Gesuche" in reply

            # the club's urgent need, in one sentence
            reply = await erik.say(
                "dringend: brauchen heute abend 2 leute zum gassi gehen im tierheim in eilendorf"
            )
            assert "Dringend: ja" in reply
            assert "Veröffentlicht!" in await erik.tap("Veröffentlichen")

            alert = squash(await vera.pending())
            assert "gassi" in alert.lower()
            labels = [label for _, label, _ in vera.buttons()]
            assert "🙋 Ich helfe" in labels

            reply = await vera.tap("Ich helfe")
            assert "Danke!" in reply
            assert "Vera hilft bei" in squash(await erik.pending())
            # the place of the need comes as a venue after the thanks
            venues = api.calls("sendVenue", chat_id=VERA)
            assert venues
            assert abs(venues[-1].params["latitude"] - 50.78) < 0.05
            # every tap was acknowledged, so no spinner keeps turning
            taps = api.calls("answerCallbackQuery")
            assert taps
            assert all(call.status == 200 for call in taps)

    run(scenario(), timeout_s=120)
