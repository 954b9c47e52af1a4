"""Every message the bot can say has a German translation, and no translation is stale."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import catalog_path, translator

ROOT = Path(__file__).resolve().parents[2]


def _singular(message_id: str | tuple[str, ...]) -> str:
    """A plural entry's id is (singular, plural); the singular names it."""
    return message_id if isinstance(message_id, str) else message_id[0]


def _source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "bot"), keywords={"_": None, "n_": (1, 2)}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_a_german_translation() -> None:
    with catalog_path("de").open("rb") as handle:
        catalog = read_po(handle)
    translated = {_singular(m.id) for m in catalog if m.id and m.string and not m.fuzzy}
    missing = _source_messages() - translated
    assert missing == set()


def test_catalog_has_no_stale_messages() -> None:
    with catalog_path("de").open("rb") as handle:
        catalog = read_po(handle)
    stale = {_singular(m.id) for m in catalog if m.id} - _source_messages()
    assert stale == set()


def test_placeholders_survive_translation() -> None:
    text = translator("de")._(
        "📍 Got it: near {place}. I use your location only for this answer and don't store it.",
        place="Burtscheid",
    )
    assert "Burtscheid" in text
    assert "{" not in text


def test_unknown_language_falls_back_to_german() -> None:
    assert translator("fr")._("Help") == "Hilfe"
