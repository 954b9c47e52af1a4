"""Files the NLU derives from shipped data and keeps between starts (data/nlu-cache/): the fitted
model (nlu.embedded) and the folded town table (nlu.entities.place). Each file's name carries a
key of everything it was derived from, so a change there makes a new file instead of a stale
answer. Several bot processes may share the directory."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

# relative to the working directory, like the SQLite file
DEFAULT_CACHE_DIR = Path("data/nlu-cache")


def content_key(parts: Iterable[bytes]) -> str:
    """A short digest of what a cached file is derived from."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))  # ("ab", "c") and ("a", "bc") differ
        digest.update(part)
    return digest.hexdigest()[:24]


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """`write` fills a temporary file beside `path`, which then replaces `path` in one step:
    another bot process may be loading the same path right now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        # mkstemp makes it 0600; the file is no secret, and another user's bot may read it
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def prune(current: Path, pattern: str, keep: int) -> None:
    """Drop all but the `keep` newest files matching `pattern` beside `current` (which stays):
    old versions would pile up with every edit of what they are derived from."""
    stale = sorted(
        (p for p in current.parent.glob(pattern) if p != current),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in stale[keep - 1 :]:
        old.unlink(missing_ok=True)
