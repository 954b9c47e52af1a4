from __future__ import annotations

import pytest

from bot.channels.telegram.callbacks import MAX_CALLBACK_DATA_BYTES, CallbackSigner

SIGNER = CallbackSigner.for_token("123456:TEST")


def test_signed_data_fits_telegrams_64_bytes_and_round_trips() -> None:
    payload = "x" * 55
    data = SIGNER.sign("42", payload)
    assert len(data.encode()) == MAX_CALLBACK_DATA_BYTES
    assert SIGNER.verify("42", data) == payload
    with pytest.raises(ValueError, match="56 bytes"):
        SIGNER.sign("42", "x" * 56)


@pytest.mark.parametrize("data", ["", "|", "alert:help:1", "alert:help:1|", "|abcdefgh"])
def test_malformed_data_is_refused(data: str) -> None:
    assert SIGNER.verify("42", data) is None


def test_a_payload_may_itself_contain_the_separator() -> None:
    data = SIGNER.sign("42", "pick:a|b")
    assert SIGNER.verify("42", data) == "pick:a|b"
