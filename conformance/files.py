"""Files that several processes share: written whole or not at all, and locked while built.

The standard library only, and nothing else of the project, so that every layer can use it
(the mock and the image fixtures included).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no lock; atomic writes still keep every file whole
    fcntl = None  # type: ignore[assignment]

# Temporary files end so; a directory's leftovers of a writer that died match `.*.tmp`.
TEMPORARY_SUFFIX = ".tmp"


def write_atomically(path: str | os.PathLike[str], content: str | bytes, *,
                     mode: int = 0o644) -> Path:
    """Write `content` (text as UTF-8) to `path` so that a reader never sees part of it:
    into a temporary file beside it, renamed over it. Returns the resolved path.

    `mode` is the file's permissions (0o600 for a file that holds secrets).
    """
    target = Path(path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=TEMPORARY_SUFFIX)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return target


@contextlib.contextmanager
def file_lock(path: str | os.PathLike[str]) -> Iterator[None]:
    """An exclusive lock between the processes of this machine (xdist workers, say), held
    for the block; `path` is created if missing and left in place."""
    with open(path, "a") as handle:
        if fcntl is None:
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
