"""What resolution keeps of a document's extraction while a corpus is read: :func:`compact`.

A build holds one record per document until every document is read (resolution is across the
corpus); the record keeps what resolution reads (names, types, keys, document ids, offsets, dates,
extractors, confidences) and drops the relations' evidence sentences, the largest part, which the
graph writer reads back from the cache a document at a time (:func:`kg.rdf.write.write_graphs`).
Repeated strings are shared (:func:`sys.intern`): document ids, types and extractors, and the names
(surface forms, keys, an argument's text), which recur in a document and across the corpus: the
same bodies and people are named again and again.

>>> from kg.records import Arg, DocumentExtraction, RelationMention
>>> rm = RelationMention("d", Arg("工信部", "GovernmentBody", 0, 3), "hosted", Arg("论坛", "Event", 5, 7),
...                      0, 0, "工信部主办论坛。", 0, 8, "主办", "agent:主办", 0.8)
>>> small = compact(DocumentExtraction("d", "d.txt", "ab", None, None, [], [], [rm]))
>>> small.relations[0].sentence_text, small.relations[0].start, small.relations[0].end
('', 0, 8)
"""

from __future__ import annotations

from dataclasses import replace
from sys import intern

from kg.records import Arg, DocumentExtraction

__all__ = ["compact"]


def _arg(a: Arg) -> Arg:
    return Arg(intern(a.text), intern(a.type), a.start, a.end)


def _name(s: str | None) -> str | None:
    return None if s is None else intern(s)


def compact(ex: DocumentExtraction) -> DocumentExtraction:
    """``ex`` without its relations' sentences (``sentence_text`` is ``""``), strings interned."""
    doc = intern(ex.doc_id)
    mentions = [replace(m, doc_id=doc, type=intern(m.type), extractor=intern(m.extractor), text=intern(m.text),
                        key=intern(m.key), canonical=_name(m.canonical), parent=_name(m.parent)) for m in ex.mentions]
    positions = [replace(p, doc_id=doc, extractor=intern(p.extractor), title=intern(p.title), person=intern(p.person),
                         organization=_name(p.organization)) for p in ex.positions]
    relations = [replace(r, doc_id=doc, subject=_arg(r.subject), object=_arg(r.object), sentence_text="",
                         predicate=intern(r.predicate), extractor=intern(r.extractor), trigger=intern(r.trigger))
                 for r in ex.relations]
    return replace(ex, doc_id=doc, mentions=mentions, positions=positions, relations=relations)
