"""Text rules shared by every user-written field."""

from __future__ import annotations

import unicodedata

from domain.errors import ValidationError


def check_text(field: str, value: str, *, min_len: int, max_len: int) -> str:
    """Normalised (NFC, trimmed) text within its length bounds, or a ValidationError naming them."""
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    text = unicodedata.normalize("NFC", value).strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise ValidationError(field, "must not contain control characters")
    if len(text) < min_len:
        if min_len == 1:
            raise ValidationError(field, "must not be empty", min=min_len)
        raise ValidationError(field, f"must be at least {min_len} characters", min=min_len)
    if len(text) > max_len:
        raise ValidationError(field, f"must be at most {max_len} characters", max=max_len)
    return text
