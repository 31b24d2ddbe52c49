"""The extraction pipeline: a blank Chinese spaCy pipeline with the LAC tokenizer and the
project's components, run over whole documents, and the records it hands to ``kg``.

Steps (``nlp.pipe_names``; ``nlp.analyze_pipes()`` shows what each needs and provides):
``kg_lac_ner`` (names LAC recognizes) -> ``kg_orgs`` -> ``kg_people`` (and posts) ->
``kg_documents`` -> ``kg_awards`` -> ``kg_events`` (candidates and a rule's decision) ->
``kg_event_scorer`` (the trained model's decision, when a model is used) -> ``kg_articles``
(main events, references, dates) -> ``kg_relations`` -> ``kg_relation_scorer`` (model).

>>> from kg.ingest import ingest_text
>>> doc = ingest_text("中机质协副会长兼秘书长王建国出席会议。", doc_id="t.txt")
>>> ex = extract_document(doc)
>>> sorted((m.text, m.type) for m in ex.mentions)
[('中机质协', 'Association'), ('王建国', 'Person')]
>>> [(p.person, p.title, p.organization) for p in ex.positions]
[('王建国', '副会长兼秘书长', '中机质协')]
"""

from __future__ import annotations

import bisect
from collections import deque
from functools import lru_cache
from typing import Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.ontology.lexicon import name_key
from kg.records import Arg, Document, DocumentExtraction, Mention, PositionMention, RelationMention

from . import articles as _articles  # noqa: F401  (each module registers its factory)
from . import awards as _awards  # noqa: F401
from . import documents as _documents  # noqa: F401
from . import events as _events  # noqa: F401
from . import lac as _lac  # noqa: F401
from . import orgs as _orgs  # noqa: F401
from . import people as _people  # noqa: F401
from . import relations as _relations  # noqa: F401
from . import scorer as _scorer  # noqa: F401
from .document import make_docs
from .model import model_path
from .spans import info_of

PIPE_NAMES = ("kg_sections", "kg_lac_ner", "kg_orgs", "kg_people", "kg_documents", "kg_awards", "kg_events", "kg_articles",
              "kg_relations")
SCORERS = {"kg_events": "kg_event_scorer", "kg_relations": "kg_relation_scorer"}
_GROUPS = (("orgs", None), ("persons", "Person"), ("documents", "Document"), ("awards", "Award"),
           ("events", "Event"), ("places", "Place"))
_EXTRACTOR = {"orgs": "orgs", "persons": "people", "documents": "documents", "awards": "awards",
              "events": "events", "places": "events"}


def models_available(folder: str | None = None) -> bool:
    """Whether the trained scorers' model files are there (``extract/models/``)."""
    return all(model_path(n, folder).is_file() for n in ("events", "relations"))


def build_nlp(ontology: str | None = None, use_model: bool = True) -> Language:
    """A fresh pipeline. ``ontology`` points at a folder with the data files (default: ours);
    ``use_model`` adds the trained scorers (when their files exist), else the rules decide alone."""
    config = {"nlp": {"tokenizer": {"@tokenizers": "kg.LACTokenizer.v1", "ontology": ontology}}}
    nlp = spacy.blank("zh", config=config)
    nlp.add_pipe("kg_sections")
    nlp.add_pipe("kg_lac_ner")
    scored = use_model and models_available()
    for name in PIPE_NAMES[2:]:
        config = {"ontology": ontology}
        if name == "kg_relations":
            config["candidates"] = scored  # further candidates only for a scorer to judge
        nlp.add_pipe(name, config=config)
        if scored and name in SCORERS:
            nlp.add_pipe(SCORERS[name])
    return nlp


def get_nlp(ontology: str | None = None, use_model: bool = True) -> Language:
    """The pipeline for these settings, built once per process."""
    return _cached_nlp(ontology, use_model)


@lru_cache(maxsize=4)
def _cached_nlp(ontology: str | None, use_model: bool) -> Language:
    return build_nlp(ontology, use_model)


def extract_documents(docs: Iterable[Document], ontology: str | None = None, batch_size: int = 16,
                      use_model: bool = True) -> Iterator[DocumentExtraction]:
    """Run the pipeline over documents (streamed; LAC runs over several documents at once: about
    ``extract.lac.POOL_CHARS`` characters of them, whatever ``batch_size``, spaCy's ``nlp.pipe`` batch)."""
    nlp = get_nlp(ontology, use_model)
    read: deque[Document] = deque()  # documents make_docs has taken, not yet handed back

    def taken() -> Iterator[Document]:
        for document in docs:
            read.append(document)
            yield document

    for doc in nlp.pipe(make_docs(nlp, taken()), batch_size=batch_size):
        yield to_records(doc, read.popleft())


def extract_document(document: Document, ontology: str | None = None, use_model: bool = True) -> DocumentExtraction:
    return next(extract_documents([document], ontology, use_model=use_model))


# --- from the Doc to plain records ---------------------------------------------------------------


class _Locator:
    """Sentence and article indexes and original offsets of the Doc's spans."""

    def __init__(self, doc: Doc, document: Document):
        self.document = document
        self.sentences = list(document.sentences)
        self.starts = [s.clean_start for s in self.sentences]
        self.articles = [(a.span.start_char, a.index) for a in doc._.articles]
        self.article_starts = [s for s, _ in self.articles]

    def sentence(self, char: int) -> int:
        return max(0, bisect.bisect_right(self.starts, char) - 1)

    def article(self, char: int) -> int:
        k = bisect.bisect_right(self.article_starts, char) - 1
        return self.articles[k][1] if k >= 0 else 0

    def original(self, start: int, end: int) -> tuple[int, int]:
        return self.document.original_span(start, end)

    def text(self, span: Span) -> str:
        """The span as the document writes it (its own script, before any conversion)."""
        return self.document.text[span.start_char:span.end_char]


def _mention(loc: _Locator, doc_id: str, sp: Span, typ: str, extractor: str) -> Mention:
    info = info_of(sp)
    s, e = loc.original(sp.start_char, sp.end_char)
    text = loc.text(sp)
    view = sp.text  # what the extractor read (simplified characters, “” quotes)
    names = tuple(info.names) if info else ()
    if view != text:
        names += (view,)
    canonical = None
    key = name_key(view)
    if typ == "Event" and info and info.refers_to is not None:
        canonical = loc.text(info.refers_to)  # the longer name of the same event in the article
        key = name_key(info.refers_to.text)
    elif sp.kb_id_:
        canonical = sp.kb_id_
    parent = loc.document.text[info.parent[0]:info.parent[1]] if info and info.parent is not None else None
    date = info.date if info and typ == "Event" else None
    end_date = info.end_date if info and typ == "Event" else None
    return Mention(doc_id, text, typ, s, e, loc.sentence(sp.start_char), loc.article(sp.start_char),
                   f"{extractor}:{info.rule if info else 'lac'}", info.confidence if info else 0.6, key,
                   canonical, parent, names, date, end_date)


def _arg(loc: _Locator, sp: Span) -> Arg:
    s, e = loc.original(sp.start_char, sp.end_char)
    label = sp.label_ or "Organization"
    return Arg(loc.text(sp), label, s, e)


def to_records(doc: Doc, document: Document) -> DocumentExtraction:
    """The plain records of one processed document: mentions, posts and relations, with original
    offsets, the extractor that found each and its confidence."""
    loc = _Locator(doc, document)
    doc_id = document.doc_id
    mentions: list[Mention] = []
    for group, typ in _GROUPS:
        for sp in doc.spans.get(group, []):
            mentions.append(_mention(loc, doc_id, sp, typ or sp.label_, _EXTRACTOR[group]))
    positions = []
    for p in doc._.posts:
        s, e = loc.original(p.start, p.end)
        title = document.text[p.title_start:p.title_start + len(p.title)] if p.title_start >= 0 else p.title
        org = (info_of(p.org).refers_to or p.org) if p.org is not None and info_of(p.org) is not None else p.org
        positions.append(PositionMention(doc_id, loc.text(p.person), title, loc.text(org) if org is not None else None,
                                         s, e, loc.sentence(p.person.start_char), f"people:{p.rule}", p.confidence))
    relations = []
    for r in doc._.relations:
        k = loc.sentence(r.sentence.start_char)
        sent = loc.sentences[k]
        relations.append(RelationMention(doc_id, _arg(loc, r.subject), r.predicate, _arg(loc, r.object), k,
                                         loc.article(sent.clean_start), sent.text, sent.start, sent.end,
                                         document.text[r.trigger[0]:r.trigger[1]], f"relations:{r.rule}", r.confidence))
    return DocumentExtraction(document.doc_id, document.path, document.sha256, document.title, document.date,
                              mentions, positions, relations)
