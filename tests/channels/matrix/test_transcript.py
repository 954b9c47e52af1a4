"""The whole way through a real Synapse: the bot's MatrixChannel syncs, users chat with it from
real nio clients in direct rooms, answering numbered lists by number, text or reaction.

A club signs up and posts an urgent need in one sentence; a volunteer shares an m.location
nearby, gets the alert, and says yes with the number emoji."""

from __future__ import annotations

from pathlib import Path

from bot.channels.matrix.events import number_emoji, parse_geo_uri
from bot.engine import DialogueEngine
from domain.actors import Platform, PlatformIdentity
from tests.bot.chat import squash
from tests.channels.editors import verify_organisations_of
from tests.channels.matrix.live import MatrixUser, bot_options, register, run, running
from tests.channels.matrix.synapse import Homeserver

EILENDORF = (50.7815, 6.1545)


def test_a_club_posts_an_urgent_need_and_a_volunteer_nearby_says_yes(
    engine: DialogueEngine, homeserver: Homeserver, tmp_path: Path
) -> None:
    bot = register(homeserver, "Ehrenamt")
    erik_account = register(homeserver, "Erik")
    vera_account = register(homeserver, "Vera")

    async def scenario() -> None:
        async with (
            running(engine, bot_options(homeserver, bot, tmp_path / "bot")),
            MatrixUser(homeserver, erik_account, bot.user_id, engine) as erik,
            MatrixUser(homeserver, vera_account, bot.user_id, engine) as vera,
        ):
            # the club opens a direct chat: the bot joins and greets
            greeting = await erik.open_chat()
            assert "Willkommen bei der Ehrenamtsbörse Aachen!" in greeting
            assert "1️⃣ Deutsch" in greeting
            # answered with the option's text, then with numbers
            assert "Bist du einverstanden?" in await erik.say("Deutsch")
            assert "Wie heißt deine Organisation?" in await erik.choose("Einverstanden") + (
                await erik.choose("Verein")
            )
            assert "Wo bist du meistens?" in await erik.say("Tierschutzverein Aachen e.V.")
            await erik.say("Eilendorf")
            await erik.choose("10 km")
            await erik.say("Tiere")
            await erik.choose("Fertig")
            await erik.choose("Nichts davon")
            await erik.choose("Werktags abends")
            assert "Willkommen an Bord!" in await erik.choose("Fertig")
            verify_organisations_of(engine, PlatformIdentity(Platform.MATRIX, erik.user_id))

            # the volunteer answers the language question with a reaction
            await vera.open_chat()
            language_question = vera.events[-1]
            assert "Welche Sprache" in language_question["content"]["body"]
            reply = await vera.react(language_question["event_id"], number_emoji(1))
            assert "Bist du einverstanden?" in reply
            await vera.say("ja klar")
            await vera.say("Privatperson")
            await vera.say("burtscheid")
            await vera.say("5 km")
            await vera.say("Tiere und Umwelt")
            await vera.say("Führerschein und erste hilfe")
            await vera.choose("Am Wochenende")
            await vera.choose("Spontan")
            await vera.choose("Fertig")
            # she is free now, and shares where she is as an m.location
            assert "Wo bist du?" in await vera.say("ich habe jetzt 4 stunden zeit")
            reply = await vera.share_location(*EILENDORF)
            assert "Notiert: Du bist frei bis" in reply
            assert "Eilendorf" in reply

            # the club's urgent need, in one sentence; published by number
            reply = await erik.say(
                "dringend: brauchen heute abend 2 leute zum gassi gehen im tierheim in eilendorf"
            )
            assert "Dringend: ja" in reply
            assert "Veröffentlicht!" in await erik.choose("Veröffentlichen")

            alert_text = squash(await vera.wait_for_messages())
            assert "gassi" in alert_text.lower()
            assert "🙋 Ich helfe" in alert_text
            alert = vera.last_event()
            # HTML body with the text escaped, and the numbered list in both bodies
            assert alert["content"]["format"] == "org.matrix.custom.html"
            assert "🙋 Ich helfe" in alert["content"]["formatted_body"]

            reply = await vera.say(vera.number_of("Ich helfe"))
            assert "Danke!" in reply
            # the place of the need as an m.location with a geo: URI and a map link
            place = vera.last_event("m.location")
            point = parse_geo_uri(place["content"]["geo_uri"])
            assert point is not None
            assert abs(point.lat - 50.78) < 0.05
            assert "https://www.openstreetmap.org/" in place["content"]["body"]
            assert "Vera hilft bei" in squash(await erik.wait_for_messages())

    run(scenario(), timeout_s=240)
