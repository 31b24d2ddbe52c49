"""What resolution keeps of a document's extraction while a corpus is read: :func:`compact`.

A build holds one record per document until every document is read (resolution is across the
corpus); the record keeps what resolution reads (names, types, keys, document ids, offsets, dates,
extractors, confidences) and drops the relations' evidence sentences, the largest part, which the
graph writer reads back from the cache a document at a time (:func:`kg.rdf.write.write_graphs`).
Repeated strings are shared (:func:`sys.intern`): document ids, types and extractors, and the names
(surface forms, keys, an argument's text), which recur in a document and across the corpus: the
same bodies and people are named again and again. So are the numbers (:func:`_shared`): offsets,
which run over the same few thousand values in every document, and confidences, of which there are
few: at 10,000 documents, 1.7M offsets and 0.8M confidences, each an object of its own (32 and 24
bytes) where a few thousand serve. And the arguments of a document's relations: the same mention is
the argument of several (an event hosted, guided and attended), 2.7 arguments an argument at 10,000
documents.

>>> from kg.records import Arg, DocumentExtraction, RelationMention
>>> rm = RelationMention("d", Arg("工信部", "GovernmentBody", 0, 3), "hosted", Arg("论坛", "Event", 5, 7),
...                      0, 0, "工信部主办论坛。", 0, 8, "主办", "agent:主办", 0.8)
>>> small = compact(DocumentExtraction("d", "d.txt", "ab", None, None, [], [], [rm]))
>>> small.relations[0].sentence_text, small.relations[0].start, small.relations[0].end
('', 0, 8)
>>> attended = RelationMention("d", Arg("某某", "Person", 9, 11), "attended", Arg("论坛", "Event", 5, 7),
...                            1, 0, "某某出席论坛。", 9, 16, "出席", "agent:出席", 0.8)
>>> two = compact(DocumentExtraction("d", "d.txt", "ab", None, None, [], [], [rm, attended])).relations
>>> two[0].object is two[1].object
True
"""

from __future__ import annotations

from dataclasses import replace
from sys import intern

from kg.records import Arg, DocumentExtraction

__all__ = ["compact"]


#: The numbers :func:`_shared` gives out, by type (``1 == 1.0``: a float is never given an int's object).
_NUMBERS: dict[type, dict] = {int: {}, float: {}}
#: How many of each type it keeps: a corpus' offsets and confidences, with room to spare.
NUMBERS_KEPT = 200_000


def _shared(x: int | float) -> int | float:
    """The one object of this value and type that records share (``x`` itself, the first time).

    >>> _shared(int("1234")) is _shared(int("1234")), type(_shared(1.0)), type(_shared(1))
    (True, <class 'float'>, <class 'int'>)
    """
    kept = _NUMBERS.get(type(x))
    if kept is None or not x:  # another type of number, or a zero (0.0 == -0.0: each keeps its own)
        return x
    got = kept.get(x)
    if got is not None:
        return got
    if len(kept) < NUMBERS_KEPT:
        kept[x] = x
    return x


def _arg(a: Arg) -> Arg:
    return Arg(intern(a.text), intern(a.type), _shared(a.start), _shared(a.end))


def _name(s: str | None) -> str | None:
    return None if s is None else intern(s)


def compact(ex: DocumentExtraction) -> DocumentExtraction:
    """``ex`` without its relations' sentences (``sentence_text`` is ``""``), strings and numbers
    shared, each argument of its relations one object."""
    doc = intern(ex.doc_id)
    args: dict[Arg, Arg] = {}

    def arg(a: Arg) -> Arg:
        got = args.get(a)
        if got is None:
            got = args[a] = _arg(a)
        return got

    mentions = [replace(m, doc_id=doc, type=intern(m.type), extractor=intern(m.extractor), text=intern(m.text),
                        key=intern(m.key), canonical=_name(m.canonical), parent=_name(m.parent),
                        start=_shared(m.start), end=_shared(m.end), confidence=_shared(m.confidence))
                for m in ex.mentions]
    positions = [replace(p, doc_id=doc, extractor=intern(p.extractor), title=intern(p.title), person=intern(p.person),
                         organization=_name(p.organization), start=_shared(p.start), end=_shared(p.end),
                         confidence=_shared(p.confidence)) for p in ex.positions]
    relations = [replace(r, doc_id=doc, subject=arg(r.subject), object=arg(r.object), sentence_text="",
                         predicate=intern(r.predicate), extractor=intern(r.extractor), trigger=intern(r.trigger),
                         start=_shared(r.start), end=_shared(r.end), confidence=_shared(r.confidence))
                 for r in ex.relations]
    return replace(ex, doc_id=doc, mentions=mentions, positions=positions, relations=relations)
