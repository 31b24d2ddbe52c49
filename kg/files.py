"""Files written whole or not at all: a temporary file beside the target, renamed into place.

>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "sub" / "a.txt"
>>> write_atomic(p, "中机质协".encode("utf-8"))
>>> p.read_text(encoding="utf-8"), [f.name for f in p.parent.iterdir()]
('中机质协', ['a.txt'])
"""

from __future__ import annotations

import itertools
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["write_atomic", "umask"]


def umask() -> int:
    """The process' file mode creation mask (read without changing it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike, data: bytes | Callable[[BinaryIO], object]) -> None:
    """Write ``data`` to a temporary file beside ``path`` (folders made as needed) and rename it into
    place, with the permissions a plain new file would have; nothing is left behind if it fails.
    ``data`` may be a function that writes into the open file (what is too large to hold as bytes)."""
    path = Path(path)
    fd, tmp = _temporary(path)
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_made = itertools.count()


def _temporary(path: Path) -> tuple[int, str]:
    """A new file beside ``path``, open for writing, with a plain new file's permissions (the mode the
    umask leaves of 0o666), and its name: named by this process, thread and a count (a build writes a
    cache file or two a document: no random name to draw, no second call to set the mode), or drawn
    by :func:`tempfile.mkstemp` when that name is taken (a killed process's leftover)."""
    name = f"{path.parent}{os.sep}.{path.name}.{os.getpid()}-{threading.get_ident()}-{next(_made)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for attempt in range(2):
        try:
            return os.open(name, flags, 0o666), name
        except FileNotFoundError:
            if attempt:
                raise
            path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            break
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~umask())
    except BaseException:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    return fd, tmp
