"""Rebuilding values that were validated when they were stored.

Validation runs where data enters (a user's message, the config, an import). Reading thousands
of stored postings back for matching would run it again for every one (about 60 µs each, mostly
text checks), so storage rebuilds them with `rebuild`, which sets the fields as they are."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def rebuild(cls: type[T], **values: Any) -> T:
    """An instance of the frozen dataclass `cls` with these field values (defaults for the rest),
    without running __post_init__: only for values read back from our own database."""
    instance = object.__new__(cls)
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name in values:
            value = values[field.name]
        elif field.default is not dataclasses.MISSING:
            value = field.default
        elif field.default_factory is not dataclasses.MISSING:
            value = field.default_factory()
        else:
            raise TypeError(f"{cls.__name__}: missing {field.name}")
        object.__setattr__(instance, field.name, value)
    return instance
