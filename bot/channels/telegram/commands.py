"""The command menus Telegram shows (setMyCommands): German and English, private and group chats.

German is the default for users whose app language is neither; the router understands both
spellings everywhere, the menu only offers the ones of the user's language."""

from __future__ import annotations

from typing import Final

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
)

from bot.i18n import Translator, translator

# (English command, German command): the router understands both everywhere
PRIVATE_COMMANDS: Final = (
    ("start", "start"),
    ("offer", "anbieten"),
    ("need", "gesuch"),
    ("search", "suche"),
    ("now", "jetzt"),
    ("mine", "meine"),
    ("settings", "einstellungen"),
    ("language", "sprache"),
    ("help", "hilfe"),
    ("cancel", "abbrechen"),
)
GROUP_COMMANDS: Final = (
    ("subscribe", "abonnieren"),
    ("unsubscribe", "abbestellen"),
    ("help", "hilfe"),
)


def _descriptions(t: Translator, group: bool) -> dict[str, str]:
    if group:
        return {
            "subscribe": t._("Urgent needs for this group (admins)"),
            "unsubscribe": t._("No more urgent needs here (admins)"),
            "help": t._("What I do in a group"),
        }
    return {
        "start": t._("Welcome and sign-up"),
        "offer": t._("Offer your help"),
        "need": t._("Post a need"),
        "search": t._("Find offers and needs"),
        "now": t._("I have time now"),
        "mine": t._("Your postings"),
        "settings": t._("Profile and notifications"),
        "language": t._("Deutsch or English"),
        "help": t._("What I can do"),
        "cancel": t._("Stop what we're doing"),
    }


def command_menu(group: bool, language: str) -> list[BotCommand]:
    descriptions = _descriptions(translator(language), group)
    commands = GROUP_COMMANDS if group else PRIVATE_COMMANDS
    return [
        BotCommand(german if language == "de" else english, descriptions[english])
        for english, german in commands
    ]


async def register_commands(bot: Bot) -> None:
    scopes: tuple[tuple[BotCommandScope, bool], ...] = (
        (BotCommandScopeAllPrivateChats(), False),
        (BotCommandScopeAllGroupChats(), True),
    )
    for scope, group in scopes:
        # no language_code: everyone whose app language has no menu of its own gets German
        await bot.set_my_commands(command_menu(group, "de"), scope=scope)
        for language in ("de", "en"):
            await bot.set_my_commands(
                command_menu(group, language), scope=scope, language_code=language
            )
