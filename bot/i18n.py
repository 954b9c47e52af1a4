"""Translations from gettext catalogs (bot/locale/<lang>/LC_MESSAGES/messages.po) via babel.

Message ids are the English texts; German comes from the catalog. The .po files are compiled in
memory at first use, so there is no build step and no stale .mo file to forget."""

from __future__ import annotations

import gettext
import io
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from domain.categories import SUPPORTED_LANGUAGES

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"


class Translator:
    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self._translations = translations

    def _(self, message: str, **values: Any) -> str:
        """The message in this language, with {placeholders} filled in."""
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def n_(self, singular: str, plural: str, n: int, **values: Any) -> str:
        text = self._translations.ngettext(singular, plural, n)
        return text.format(n=n, **values)

    def datetime(self, value: datetime, time_zone: str, pattern: str = "medium") -> str:
        return format_datetime(value, pattern, tzinfo=_zone(time_zone), locale=self.language)


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translator(language: str) -> Translator:
    if language not in SUPPORTED_LANGUAGES:
        language = SUPPORTED_LANGUAGES[0]
    path = catalog_path(language)
    if not path.exists():  # English is the source language: its ids are its texts
        return Translator(language, gettext.NullTranslations())
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translator(language, gettext.GNUTranslations(buffer))
