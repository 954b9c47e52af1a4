"""The channel tests talk to the real dialogue engine with the real NLU (tests/bot/conftest.py)."""

from tests.bot.conftest import engine, gazetteer, nlu

__all__ = ["engine", "gazetteer", "nlu"]
