"""Start-up phases, timed in the log at INFO ("start-up: database opened in 0.012 s"), where an
operator sees what a slow start spent its time on and `python -m tools.bench.startup` reads
them. nlu.loading writes its own lines in the same form."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


@contextmanager
def phase(what: str) -> Iterator[None]:
    """Logs how long the block took, when it ends without an exception."""
    started = time.perf_counter()
    yield
    log.info("start-up: %s in %.3f s", what, time.perf_counter() - started)
