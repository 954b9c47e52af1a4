"""The command menus Telegram shows (setMyCommands): German and English, private and group chats.

German is the default for users whose app language is neither; the router understands both
spellings everywhere, the menu only offers the ones of the user's language. Editors get their
commands in their own private chat's menu (a chat scope); nobody else sees them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import Final

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError

from bot.i18n import Translator, translator
from domain.actors import Platform, PlatformIdentity

log = logging.getLogger(__name__)

MENUS_AT_ONCE: Final = 6  # setMyCommands calls in flight at start (the six general menus)

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
# the editors' commands that need no argument to start (the others are explained by /help)
EDITOR_COMMANDS: Final = (
    ("queue", "warteschlange"),
    ("reports", "meldungen"),
    ("stats", "statistik"),
    ("broadcast", "rundruf"),
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


def _editor_descriptions(t: Translator) -> dict[str, str]:
    return {
        "queue": t._("Postings waiting for review"),
        "reports": t._("Reports from users"),
        "stats": t._("Figures of your municipality"),
        "broadcast": t._("Urgent call to volunteers"),
    }


def editor_menu(language: str) -> list[BotCommand]:
    """The private menu plus the editors' commands."""
    descriptions = _editor_descriptions(translator(language))
    return command_menu(False, language) + _menu(EDITOR_COMMANDS, descriptions, language)


def editor_chats(editors: Iterable[PlatformIdentity]) -> list[int]:
    """The private chats (= Telegram user ids) of the editors who are on Telegram."""
    return sorted(
        {
            int(editor.external_id)
            for editor in editors
            if editor.platform is Platform.TELEGRAM and not editor.external_id.startswith("-")
        }
    )


def command_menu(group: bool, language: str) -> list[BotCommand]:
    descriptions = _descriptions(translator(language), group)
    return _menu(GROUP_COMMANDS if group else PRIVATE_COMMANDS, descriptions, language)


def _menu(
    commands: Iterable[tuple[str, str]], descriptions: dict[str, str], language: str
) -> list[BotCommand]:
    """The commands spelt in the menu's language, described by their English name's entry."""
    return [
        BotCommand(german if language == "de" else english, descriptions[english])
        for english, german in commands
    ]


async def register_commands(bot: Bot, editors: Iterable[int] = ()) -> None:
    """The menus are set side by side rather than one after the other: they do not depend on
    each other, and the bot starts taking messages only after this (six round trips to Telegram,
    three more per editor, would otherwise come one by one). At most MENUS_AT_ONCE are in
    flight, so many editors do not make a burst. The first error, in the order of the menus, is
    raised once all have been tried."""
    scopes: tuple[tuple[BotCommandScope, bool], ...] = (
        (BotCommandScopeAllPrivateChats(), False),
        (BotCommandScopeAllGroupChats(), True),
    )
    calls: list[Callable[[], Awaitable[object]]] = []
    for scope, group in scopes:
        # no language_code: everyone whose app language has no menu of its own gets German
        calls.append(partial(bot.set_my_commands, command_menu(group, "de"), scope=scope))
        for language in ("de", "en"):
            menu = command_menu(group, language)
            calls.append(partial(bot.set_my_commands, menu, scope=scope, language_code=language))
    calls.extend(partial(_register_editor_menu, bot, chat_id) for chat_id in editors)
    gate = asyncio.Semaphore(MENUS_AT_ONCE)

    async def bounded(call: Callable[[], Awaitable[object]]) -> object:
        async with gate:
            return await call()

    for outcome in await asyncio.gather(*map(bounded, calls), return_exceptions=True):
        if isinstance(outcome, BaseException):
            raise outcome


async def _register_editor_menu(bot: Bot, chat_id: int) -> None:
    scope = BotCommandScopeChat(chat_id)
    try:
        await bot.set_my_commands(editor_menu("de"), scope=scope)
        for language in ("de", "en"):
            await bot.set_my_commands(editor_menu(language), scope=scope, language_code=language)
    except TelegramError as error:
        # e.g. "chat not found" until the editor has started the bot; the commands work anyway
        log.info("no editor menu for telegram chat %s yet: %s", chat_id, error)
