"""Signed callback data: what a tapped inline button sends back is checked, never trusted.

Telegram returns a button's callback_data verbatim, but any client can send any bytes as a
callback query. Each payload therefore travels with a short HMAC over the chat and the payload:
a forged or altered payload, or one copied from another chat, fails verification and is
answered as an expired button. The key is derived from the bot token, so nothing else needs
configuring; a new token makes old buttons expire, which is what a revoked token should do."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Final

MAX_CALLBACK_DATA_BYTES: Final = 64
SEPARATOR: Final = "|"
MAC_CHARS: Final = 8  # base64url: 48 bits, plenty against guessing within Telegram's rate limits
MAX_PAYLOAD_BYTES: Final = MAX_CALLBACK_DATA_BYTES - len(SEPARATOR) - MAC_CHARS
_KEY_CONTEXT: Final = b"ehrenamt-bot telegram callback data v1"


class CallbackSigner:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a callback signing key needs at least 16 bytes")
        self._key = key

    @classmethod
    def for_token(cls, token: str) -> CallbackSigner:
        return cls(hmac.new(token.encode("utf-8"), _KEY_CONTEXT, hashlib.sha256).digest())

    def _mac(self, chat_id: str, payload: str) -> str:
        digest = hmac.new(
            self._key, f"{chat_id}\n{payload}".encode("utf-8", "surrogatepass"), hashlib.sha256
        ).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii")[:MAC_CHARS]

    def sign(self, chat_id: str, payload: str) -> str:
        """callback_data for a button in `chat_id`; ValueError if it would not fit 64 bytes."""
        size = len(payload.encode("utf-8"))
        if not 1 <= size <= MAX_PAYLOAD_BYTES:
            raise ValueError(
                f"choice payload is {size} bytes; signed callback data leaves room for 1 to "
                f"{MAX_PAYLOAD_BYTES}"
            )
        return f"{payload}{SEPARATOR}{self._mac(chat_id, payload)}"

    def verify(self, chat_id: str, data: str) -> str | None:
        """The payload when `data` was signed by us for this chat, else None."""
        payload, separator, mac = data.rpartition(SEPARATOR)
        if not separator or not payload or len(mac) != MAC_CHARS:
            return None
        # compared as bytes: compare_digest raises on str with non-ASCII characters, and the
        # data is whatever a client chose to send
        given = mac.encode("utf-8", "surrogatepass")
        if not hmac.compare_digest(given, self._mac(chat_id, payload).encode("ascii")):
            return None
        return payload
