"""One run at a time per database: cron may start a run while the previous one is still going."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dedupe.errors import CrosspostError


class RunLocked(CrosspostError):
    """Another crosspost run holds the database's lock."""


@contextmanager
def run_lock(db: str | os.PathLike) -> Iterator[Path]:
    """Hold DB.lock for the duration; the kernel releases it even if the process is killed."""
    path = Path(f"{db}.lock")
    try:
        handle = open(path, "a+")  # noqa: SIM115 (held open for the lock's lifetime)
    except OSError as err:
        raise CrosspostError(f"cannot create lock file {path}: {err.strerror}") from err
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunLocked(
                f"another run is using {db} (pid {holder}); this one stops without doing anything"
            ) from err
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield path
    finally:
        handle.close()
