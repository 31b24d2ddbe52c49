"""Plain typed records passed between pipeline stages.

Every record that comes from a document carries provenance: the document id, offsets into
the *original* text of the file (code points of the decoded file for ``.txt``/``.md``; of the
text the reader extracted for ``.docx``/``.html``/``.pdf``), and for extracted facts the
extractor that produced them and a confidence.

These records are deliberately free of spaCy objects: ``kg`` never imports spaCy.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Iterator


def _with_set(d: dict, **optional) -> dict:
    """``d`` and, in the order given, the ``optional`` items that are set (JSON leaves the others out).

    >>> _with_set({"id": 1}, parent=None, date="2020-09", names=[])
    {'id': 1, 'date': '2020-09'}
    """
    d.update((k, v) for k, v in optional.items() if v)
    return d


def _pickled_by_fields(cls):
    """Give a frozen slotted dataclass a pickled state that costs no call of ``dataclasses.fields``.

    The state dataclasses give such a class calls ``fields()`` for every instance pickled and
    unpickled: most of the time it takes to save and read the build's records of 10,000 documents
    (1.4M mentions and arguments). The state is the same tuple of field values, in field order.
    """
    names = tuple(f.name for f in fields(cls))
    get = attrgetter(*names) if len(names) > 1 else (lambda obj, n=names[0]: (getattr(obj, n),))
    setattr_ = object.__setattr__

    def __getstate__(self):
        return get(self)

    def __setstate__(self, state):
        for name, value in zip(names, state):
            setattr_(self, name, value)

    cls.__getstate__, cls.__setstate__ = __getstate__, __setstate__
    return cls


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of clean text with its place in the clean and in the original text."""

    text: str
    start: int  # offset in the original text (inclusive)
    end: int  # offset in the original text (exclusive)
    clean_start: int  # offset in Document.text
    clean_end: int

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass(slots=True)
class Paragraph:
    sentences: list[Sentence]


@dataclass(slots=True)
class Article:
    """A news item or notice: an optional headline and the paragraphs under it."""

    index: int
    headline: Sentence | None
    paragraphs: list[Paragraph]
    date: str | None = None  # ISO date (YYYY, YYYY-MM or YYYY-MM-DD) the article states first

    @property
    def sentences(self) -> Iterator[Sentence]:
        for p in self.paragraphs:
            yield from p.sentences

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "headline": self.headline.to_dict() if self.headline else None,
            "date": self.date,
            "paragraphs": [[s.to_dict() for s in p.sentences] for p in self.paragraphs],
        }


@dataclass(slots=True)
class Document:
    """A decoded, repaired and segmented source document.

    ``text`` is the repaired text; ``offsets[i]`` is the position in ``source_text`` of the
    character ``text[i]``. ``source_text`` is the decoded original (kept so that any fact can be
    checked against the exact characters it came from).
    """

    path: str
    doc_id: str
    source_text: str
    text: str
    offsets: array
    articles: list[Article]
    encoding: str
    sha256: str
    format: str
    title: str | None = None
    date: str | None = None
    warnings: list[str] = field(default_factory=list)

    def original_span(self, clean_start: int, clean_end: int) -> tuple[int, int]:
        """Map a span of ``text`` to the span of ``source_text`` it came from."""
        if clean_end <= clean_start:
            pos = self.offsets[clean_start] if clean_start < len(self.offsets) else len(self.source_text)
            return pos, pos
        return self.offsets[clean_start], self.offsets[clean_end - 1] + 1

    @property
    def sentences(self) -> Iterator[Sentence]:
        for a in self.articles:
            if a.headline is not None:
                yield a.headline
            yield from a.sentences

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "doc_id": self.doc_id,
            "format": self.format,
            "encoding": self.encoding,
            "sha256": self.sha256,
            "title": self.title,
            "date": self.date,
            "chars": len(self.source_text),
            "warnings": list(self.warnings),
            "articles": [a.to_dict() for a in self.articles],
        }


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class IngestFailure:
    """A file that could not be ingested, and why (one line, names the file)."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class ExtractionFailure(IngestFailure):
    """A document that was read but whose extraction raised, and why (one line, names the file).

    Reported and counted as an :class:`IngestFailure` (the rest of the batch goes on; exit status 1)."""


# --- extraction records -----------------------------------------------------------------------

# The names of kg.ttl's classes and relations that records use (tests/test_ontology.py holds them to it).
#: The kinds of organization: the subclasses of ``kg:Organization``.
ORGANIZATION_TYPES = ("GovernmentBody", "Association", "Company", "ResearchInstitute")
#: The types of entity a mention or an entity has.
ENTITY_TYPES = ("Person", *ORGANIZATION_TYPES, "Event", "Document", "Award", "Place")
#: The types of a mention of an organization (``"Organization"``: the kind of body is unknown).
ORG_TYPES = (*ORGANIZATION_TYPES, "Organization")
#: The relations between entities: the object properties of ``kg.ttl``.
RELATION_TYPES = (
    "hosted", "coHosted", "guided", "supported", "attended", "chaired", "spokeAt",
    "issued", "awarded", "receivedAward", "subOrganizationOf", "heldIn",
)


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Mention:
    """A span of a document that names an entity."""

    doc_id: str
    text: str  # the surface form as it stands in the clean text
    type: str  # one of ENTITY_TYPES, or "Organization" when the kind of body is unknown
    start: int  # offsets in the original text
    end: int
    sentence: int  # index of the sentence in Document.sentences
    article: int  # index of the article
    extractor: str  # which rule or model found it
    confidence: float
    key: str  # normalised name used to resolve mentions to entities
    canonical: str | None = None  # canonical name when a gazetteer knows it
    parent: str | None = None  # for chained names (…司质量处): the surface form of the parent body
    names: tuple[str, ...] = ()  # further names this mention gives (a document's number beside its title)
    date: str | None = None  # events: the day, month or year (ISO: 2020-09-12, 2020-09, 2020) the sentence dates it to
    end_date: str | None = None  # events: the last day of a range (10月12-14日)

    def to_dict(self) -> dict:
        return _with_set({
            "text": self.text, "type": self.type, "start": self.start, "end": self.end,
            "sentence": self.sentence, "extractor": self.extractor, "confidence": round(self.confidence, 3),
        }, date=self.date, end_date=self.end_date, canonical=self.canonical, parent=self.parent, names=list(self.names))


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class PositionMention:
    """A person holding a post: (person, title as written, organization or None)."""

    doc_id: str
    person: str  # surface form of the person's name
    title: str
    organization: str | None  # surface form of the organization, when the text gives one
    start: int  # original offsets of the whole phrase
    end: int
    sentence: int
    extractor: str
    confidence: float

    def to_dict(self) -> dict:
        return {
            "person": self.person, "title": self.title, "organization": self.organization,
            "start": self.start, "end": self.end, "extractor": self.extractor,
            "confidence": round(self.confidence, 3),
        }


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Arg:
    """One argument of a relation mention: a mention, identified by its type and original offsets
    (for an event referred to as 会议 or left implicit, the mention of the event it stands for)."""

    text: str
    type: str
    start: int
    end: int

    def to_dict(self) -> dict:
        return {"text": self.text, "type": self.type, "start": self.start, "end": self.end}


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class RelationMention:
    """A relation stated in one sentence, with its evidence."""

    doc_id: str
    subject: Arg
    predicate: str  # one of RELATION_TYPES
    object: Arg
    sentence: int  # index of the sentence in Document.sentences
    article: int
    sentence_text: str
    start: int  # original offsets of the evidence sentence
    end: int
    trigger: str  # the words that state the relation (主办, 出席并讲话, 印发 …)
    extractor: str
    confidence: float

    def to_dict(self) -> dict:
        return {
            "subject": self.subject.to_dict(), "predicate": self.predicate, "object": self.object.to_dict(),
            "trigger": self.trigger, "sentence": self.sentence_text, "start": self.start, "end": self.end,
            "extractor": self.extractor, "confidence": round(self.confidence, 3),
        }


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a fact was read: document, sentence and its original offsets, extractor, confidence."""

    doc_id: str
    sentence: str
    start: int
    end: int
    extractor: str
    confidence: float
    trigger: str = ""

    def to_dict(self) -> dict:
        return _with_set({"doc": self.doc_id, "sentence": self.sentence, "start": self.start, "end": self.end,
                          "extractor": self.extractor, "confidence": round(self.confidence, 3)}, trigger=self.trigger)


@dataclass(slots=True)
class Relation:
    """A resolved fact between two entities, with every piece of evidence for it."""

    subject: str  # entity id
    predicate: str
    object: str  # entity id
    evidence: list[Evidence]
    confidence: float

    def to_dict(self) -> dict:
        return {"subject": self.subject, "predicate": self.predicate, "object": self.object,
                "confidence": round(self.confidence, 3), "evidence": [e.to_dict() for e in self.evidence]}


@dataclass(slots=True)
class Position:
    """A post held, resolved: a person entity's title in an organization entity (None when the text
    names none), with every mention of it (its document, the phrase's original offsets, the extractor,
    the mention's confidence; no sentence) and the highest confidence."""

    person: str  # entity id
    title: str
    organization: str | None  # entity id
    evidence: list[Evidence]
    confidence: float

    def to_dict(self) -> dict:
        return {"person": self.person, "title": self.title, "organization": self.organization,
                "evidence": [{"doc": e.doc_id, "start": e.start, "end": e.end, "extractor": e.extractor}
                             for e in self.evidence], "confidence": self.confidence}


@dataclass(slots=True)
class DocumentExtraction:
    """Everything extracted from one document, before cross-document resolution."""

    doc_id: str
    path: str
    sha256: str
    title: str | None
    date: str | None
    mentions: list[Mention]
    positions: list[PositionMention]
    relations: list[RelationMention] = field(default_factory=list)


@dataclass(slots=True)
class Entity:
    """One real-world entity: a canonical label and every surface form seen."""

    id: str  # stable local id, e.g. "org/中国机械工业质量管理协会"
    type: str
    label: str
    aliases: list[str]
    mentions: int
    docs: list[str]
    parent: str | None = None  # id of the parent organization
    confidence: float = 0.0
    date: str | None = None  # events: ISO day, month or year (the most precise one read)
    end_date: str | None = None

    def to_dict(self) -> dict:
        return _with_set({"id": self.id, "type": self.type, "label": self.label, "aliases": self.aliases,
                          "mentions": self.mentions, "docs": self.docs, "confidence": round(self.confidence, 3)},
                         parent=self.parent, date=self.date, end_date=self.end_date)


# --- values a query returns -----------------------------------------------------------------------


class IRI(str):
    """An IRI in a query result (a ``str``; result cells keep IRIs apart from string literals)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"IRI({str.__repr__(self)})"


class BNode(str):
    """A blank node in a query result, as ``_:id``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"BNode({str.__repr__(self)})"
