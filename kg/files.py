"""Files written whole or not at all: a temporary file beside the target, renamed into place.

>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "sub" / "a.txt"
>>> write_atomic(p, "中机质协".encode("utf-8"))
>>> p.read_text(encoding="utf-8"), [f.name for f in p.parent.iterdir()]
('中机质协', ['a.txt'])
"""

from __future__ import annotations

import os
import tempfile
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
