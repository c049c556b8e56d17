"""One durable-write helper for every small file the kiosk must not lose or see half-written.

A file written with :func:`write_atomic` is either the old content or the new one after a crash or power cut at
any instant: the data goes to a temporary file created with the final ``mode`` (a secret is never briefly
world-readable), is fsync'd, renamed over the target, and then the *directory* is fsync'd so the rename itself
is on disk (without that last step ext4 may come back after a power cut with the old name, or none).
Keys, pinned central keys, operator PIN hashes and the PIN lockout state all go through here.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def fsync_dir(path: Path | str) -> None:
    """Flush a directory's entries (a new or renamed file in it) to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_private_dir(path: Path | str) -> None:
    """Create ``path`` (and parents) and make it mode 0700, whatever the umask."""
    path = Path(path)
    existed = path.is_dir()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    if not existed:
        fsync_dir(path.parent)


def write_atomic(path: Path | str, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` so that a crash at any instant leaves the old or the new content, never a
    mix or nothing. The parent directory must exist. Raises OSError (disk full, read-only, ...): the old
    content is then untouched."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)
