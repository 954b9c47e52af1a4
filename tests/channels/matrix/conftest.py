"""One real Synapse on loopback for the whole test session (tests/channels/matrix/synapse.py).

Where Synapse cannot be installed (no network for pip) or started, its tests skip with the reason;
with REQUIRE_SYNAPSE=1 (CI sets it) they fail instead, so CI cannot pass without running them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import NoReturn

import pytest

from tests.channels.matrix.synapse import Homeserver, SynapseUnavailable, ensure_synapse_venv

REQUIRE_VARIABLE = "REQUIRE_SYNAPSE"


def _unavailable(reason: str) -> NoReturn:
    message = f"Synapse unavailable: {reason}"
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{message}\n({REQUIRE_VARIABLE}=1: the Matrix tests must run)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def homeserver() -> Iterator[Homeserver]:
    try:
        server = Homeserver(ensure_synapse_venv()).start()
    except SynapseUnavailable as exc:
        _unavailable(exc.reason)
    try:
        yield server
    finally:
        server.stop()
