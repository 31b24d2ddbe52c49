"""Ingestion: decode files, repair conversion damage with an exact offset map, segment.

>>> from kg.ingest import ingest_text
>>> doc = ingest_text("2020年 9月 12日，中国机械工业质量管理\\n\\n协会召开座谈会。会议由王建和主持。", doc_id="x.txt")
>>> [s.text for s in doc.sentences]
['2020年9月12日，中国机械工业质量管理协会召开座谈会。', '会议由王建和主持。']
>>> s = list(doc.sentences)[0]
>>> doc.source_text[s.start:s.end]
'2020年 9月 12日，中国机械工业质量管理\\n\\n协会召开座谈会。'
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

from kg.errors import BadInput
from kg.records import Document, IngestFailure

from .clean import clean
from .readers import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, IngestError, RawText, read_file
from .segment import DEFAULT_MAX_SENTENCE, segment

T = TypeVar("T")

__all__ = [
    "IngestError",
    "NoDocuments",
    "ingest_file",
    "ingest_text",
    "iter_documents",
    "iter_inputs",
    "iter_paths",
    "SUPPORTED_SUFFIXES",
]


class NoDocuments(BadInput):
    """Not one document could be read; ``failures`` say why, path by path.

    >>> str(NoDocuments([IngestFailure("seed", "no such file or folder")], out="out"))
    'no document could be read (seed: no such file or folder); nothing was written to out'
    """

    def __init__(self, failures: Iterable[IngestFailure], out: str | os.PathLike | None = None):
        self.failures = list(failures)
        shown = "; ".join(str(f) for f in self.failures[:3]) or "no path given"
        more = f"; and {len(self.failures) - 3} more" if len(self.failures) > 3 else ""
        where = f"; nothing was written to {out}" if out is not None else ""
        super().__init__(f"no document could be read ({shown}{more}){where}")


def ingest_text(
    text: str,
    doc_id: str = "text",
    path: str | None = None,
    fmt: str = "txt",
    encoding: str = "utf-8",
    title: str | None = None,
    max_sentence: int = DEFAULT_MAX_SENTENCE,
) -> Document:
    """Repair and segment already-decoded text."""
    mapped, paragraphs = clean(text, fmt)
    seg = segment(mapped, paragraphs, max_sentence)
    warnings = []
    if seg.long_sentences:
        warnings.append(
            f"{seg.long_sentences} passage(s) without sentence punctuation longer than {max_sentence} "
            f"characters (longest {seg.longest}); split at commas or every {max_sentence} characters"
        )
    if not any(a.headline or a.paragraphs for a in seg.articles):
        warnings.append("no text after cleaning")
    return Document(
        path=path or doc_id,
        doc_id=doc_id,
        source_text=text,
        text=mapped.text,
        offsets=mapped.offsets,
        articles=seg.articles,
        encoding=encoding,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        format=fmt,
        title=title or seg.title,
        date=seg.date,
        warnings=warnings,
    )


def ingest_file(path: str | os.PathLike, max_bytes: int = DEFAULT_MAX_BYTES, max_sentence: int = DEFAULT_MAX_SENTENCE,
                doc_id: str | None = None) -> Document:
    """Read, repair and segment one file (``doc_id`` defaults to its name). Raises IngestError with the reason."""
    p = Path(path)
    raw: RawText = read_file(p, max_bytes)
    if not raw.text.strip():
        raise IngestError("no text in file")
    doc = ingest_text(raw.text, doc_id=doc_id or p.name, path=str(p), fmt=raw.format, encoding=raw.encoding,
                      title=None, max_sentence=max_sentence)
    if raw.title and not any(a.headline for a in doc.articles):
        doc.title = raw.title  # the container's title beats the first line of the body
    if not any(True for _ in doc.sentences):
        raise IngestError("no text after cleaning (only markup or whitespace)")
    return doc


def iter_paths(paths: Iterable[str | os.PathLike]) -> Iterator[tuple[Path, str | None]]:
    """Expand folders recursively (sorted, supported types only, hidden files skipped; a file met
    twice is read once).

    Yields (path, None) for files to read and (path, reason) for arguments that cannot be.
    """
    for path, _, problem in iter_inputs(paths):
        yield path, problem


def iter_inputs(paths: Iterable[str | os.PathLike]) -> list[tuple[Path, str | None, str | None]]:
    """(path, document id, None) for each file to read and (path, None, reason) for each argument
    that cannot be read, in the order of :func:`iter_paths`.

    A document's id is its path relative to the folder given for it, with ``/`` between folders
    (``sub/通知.docx``); a file given by itself is its name. Ids that would be the same for two
    files (``a/x.txt`` and ``b/x.txt`` from ``a/`` and ``b/``) are qualified by the names of the
    folders they were given in, as many as it takes (``a/x.txt``, ``b/x.txt``); the others stay as
    they are. Ids depend only on the set of files, not on the order of the arguments.
    """
    entries: list[tuple[Path, str | None, str | None]] = []
    homes: list[tuple[tuple[str, ...], str]] = []  # per file: (parts of its folder, path relative to it)
    at: list[int] = []  # index in entries of each file
    seen: set[Path] = set()
    for arg in paths:
        p = Path(arg)
        if p.is_dir():
            found = False
            real = p.resolve()  # once: a file's real path is this and its path in the folder
            home = _parts(p)
            for sub in sorted(p.rglob("*")):
                rel = sub.relative_to(p)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if sub.is_file() and sub.suffix.lower() in SUPPORTED_SUFFIXES:
                    found = True
                    # rglob does not go down linked folders: only a linked file is elsewhere
                    if _first_time(sub.resolve() if sub.is_symlink() else real / rel, seen):
                        at.append(len(entries))
                        homes.append((home, rel.as_posix()))
                        entries.append((sub, None, None))
            if not found:
                entries.append((p, None, "folder holds no supported files (" + ", ".join(sorted(SUPPORTED_SUFFIXES)) + ")"))
        elif p.exists():
            if _first_time(p.resolve(), seen):
                at.append(len(entries))
                homes.append((_parts(p.parent), p.name))
                entries.append((p, None, None))
        else:
            entries.append((p, None, "no such file or folder"))
    for i, doc_id in zip(at, _doc_ids(homes)):
        entries[i] = (entries[i][0], doc_id, None)
    return entries


def _first_time(real: Path, seen: set[Path]) -> bool:
    """Whether the file at the real path ``real`` is seen for the first time (noting it)."""
    if real in seen:
        return False
    seen.add(real)
    return True


def _parts(folder: Path) -> tuple[str, ...]:
    return folder.resolve().parts[1:]  # without the root ("/", "C:\\")


def _doc_ids(homes: list[tuple[tuple[str, ...], str]]) -> list[str]:
    """Each file's path relative to its folder, prefixed with as many of the folder's own names as
    it takes to tell apart files whose ids would otherwise be the same.

    >>> _doc_ids([(("x", "a"), "n.txt"), (("x", "b"), "n.txt"), (("x", "b"), "m.txt")])
    ['a/n.txt', 'b/n.txt', 'm.txt']
    """
    level = [0] * len(homes)

    def candidate(i: int) -> str:
        parts, rel = homes[i]
        return "/".join((*parts[len(parts) - level[i]:], rel)) if level[i] else rel

    while True:
        ids = [candidate(i) for i in range(len(homes))]
        groups: dict[str, list[int]] = defaultdict(list)
        for i, doc_id in enumerate(ids):
            groups[doc_id].append(i)
        more = False
        for members in groups.values():
            if len(members) > 1:
                for i in members:
                    if level[i] < len(homes[i][0]):
                        level[i] += 1
                        more = True
        if not more:
            break
    # the same path twice (through a link): tell them apart by their order, deterministically
    count: dict[str, int] = defaultdict(int)
    out = []
    for doc_id in ids:
        count[doc_id] += 1
        out.append(doc_id if count[doc_id] == 1 else f"{doc_id}~{count[doc_id]}")
    return out


def iter_documents(
    paths: Iterable[str | os.PathLike],
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_sentence: int = DEFAULT_MAX_SENTENCE,
    known: Callable[[Path, str], T | None] | None = None,
) -> Iterator[Document | IngestFailure | T]:
    """Stream documents one at a time; a bad file yields an IngestFailure and the rest go on.

    Each document's id is its path relative to the inputs (see :func:`iter_inputs`). ``known(path,
    doc_id)`` may answer for a file without reading it (a build's cache of files it read before and
    that have not changed since): what it returns is yielded instead of the document, unless None.
    """
    for p, doc_id, problem in iter_inputs(paths):
        if problem:
            yield IngestFailure(str(p), problem)
            continue
        if known is not None and (answer := known(p, doc_id)) is not None:
            yield answer
            continue
        try:
            yield ingest_file(p, max_bytes, max_sentence, doc_id=doc_id)
        except IngestError as e:
            yield IngestFailure(str(p), str(e))
        except MemoryError:
            yield IngestFailure(str(p), "out of memory while reading")
