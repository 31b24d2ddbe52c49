"""The extraction pipeline: a blank Chinese spaCy pipeline with the LAC tokenizer and the
project's components, and the conversion of its span groups into plain records.

>>> from kg.ingest import ingest_text
>>> from extract.pipeline import extract_document
>>> doc = ingest_text("中机质协副会长兼秘书长王建国出席会议。", doc_id="t.txt")
>>> ex = extract_document(doc)
>>> sorted((m.text, m.type) for m in ex.mentions)
[('中机质协', 'Association'), ('王建国', 'Person')]
>>> [(p.person, p.title, p.organization) for p in ex.positions]
[('王建国', '副会长兼秘书长', '中机质协')]
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Iterator

import spacy
from spacy.language import Language

from kg.lexicon import load_lexicon, name_key
from kg.records import Arg, Document, DocumentExtraction, Mention, PositionMention, RelationMention
from kg.relations import inherit_post_organizations, link_article_events

from . import components as _components  # noqa: F401  (registers the factories)
from . import lac as _lac  # noqa: F401
from . import relations as _relations  # noqa: F401

PIPE_NAMES = ("kg_lac_ner", "kg_orgs", "kg_people", "kg_events", "kg_relations")


def build_nlp(ontology: str | None = None) -> Language:
    """A fresh pipeline. ``ontology`` points at a folder with the data files (default: ours)."""
    config = {"nlp": {"tokenizer": {"@tokenizers": "kg.LACTokenizer.v1", "ontology": ontology}}}
    nlp = spacy.blank("zh", config=config)
    nlp.add_pipe("kg_lac_ner")
    for name in PIPE_NAMES[1:]:
        nlp.add_pipe(name, config={"ontology": ontology})
    return nlp


@lru_cache(maxsize=2)
def get_nlp(ontology: str | None = None) -> Language:
    return build_nlp(ontology)


def _sentence_units(doc: Document):
    """(sentence index, article index, Sentence) in reading order."""
    idx = 0
    for a in doc.articles:
        units = ([a.headline] if a.headline else []) + list(a.sentences)
        for s in units:
            yield idx, a.index, s
            idx += 1


def _mentions_from(sdoc, document: Document, sent_idx: int, art_idx: int, sent) -> tuple[list[Mention], list[PositionMention]]:
    base = sent.clean_start
    mentions: list[Mention] = []

    def orig(s: int, e: int) -> tuple[int, int]:
        return document.original_span(base + s, base + e)

    org_conf = sdoc.user_data.get("org_conf", {})
    for sp in sdoc.spans.get("orgs", []):
        s, e = orig(sp.start_char, sp.end_char)
        conf = org_conf.get((sp.start_char, sp.end_char), 0.6)
        mentions.append(Mention(document.doc_id, sp.text, sp.label_, s, e, sent_idx, art_idx,
                                f"orgs:{sp.id_ or 'lac'}", conf, name_key(sp.text),
                                sp.kb_id_ or None, sp._.parent))
    person_conf = sdoc.user_data.get("person_conf", {})
    for sp in sdoc.spans.get("persons", []):
        s, e = orig(sp.start_char, sp.end_char)
        conf, rule = person_conf.get((sp.start_char, sp.end_char), (0.8, "lac"))
        mentions.append(Mention(document.doc_id, sp.text, "Person", s, e, sent_idx, art_idx,
                                f"people:{rule}", conf, name_key(sp.text)))
    for label in ("Event", "Document", "Award", "Place"):
        meta = sdoc.user_data.get(f"{label.lower()}_meta", {})
        for sp in sdoc.spans.get(label.lower(), []):
            conf, rule, cs, ce = meta.get((sp.start_char, sp.end_char), (0.7, "rule", sp.start_char, sp.end_char))
            text = sdoc.text[cs:ce]
            s, e = orig(cs, ce)
            mentions.append(Mention(document.doc_id, text, label, s, e, sent_idx, art_idx,
                                    f"events:{rule}", conf, name_key(text), None, None, tuple(sp._.names)))
    positions = []
    for person, title, org, (ps, pe), conf, rule in sdoc._.positions or []:
        s, e = orig(ps, pe)
        positions.append(PositionMention(document.doc_id, person.text, title, org.text if org is not None else None,
                                         s, e, sent_idx, f"people:{rule}", conf))
    return mentions, positions


def _relations_from(sdoc, document: Document, sent_idx: int, art_idx: int, sent) -> tuple[list[RelationMention], list]:
    base = sent.clean_start

    def arg(it) -> Arg:
        s, e = document.original_span(base + it.start, base + it.end)
        return Arg(it.text, it.label, s, e)

    relations = [
        RelationMention(document.doc_id, arg(subj), pred, arg(obj), sent_idx, art_idx, sent.text, sent.start, sent.end,
                        sdoc.text[ts:te], f"relations:{rule}", conf)
        for subj, pred, obj, (ts, te), conf, rule in sdoc._.relations or []
    ]
    dates = [(arg(it), raw, art_idx) for it, raw in sdoc._.event_dates or []]
    return relations, dates


def extract_documents(docs: Iterable[Document], ontology: str | None = None, batch_size: int = 64) -> Iterator[DocumentExtraction]:
    """Run the pipeline over documents (streamed; sentences batched through ``nlp.pipe``)."""
    nlp = get_nlp(ontology)
    for document in docs:
        units = list(_sentence_units(document))
        mentions: list[Mention] = []
        positions: list[PositionMention] = []
        relations: list[RelationMention] = []
        event_dates: list = []
        # tokenize in batches (LAC runs batched), then run the components over the Docs
        sdocs = nlp.tokenizer.pipe((s.text for _, _, s in units), batch_size=batch_size)
        for sdoc, (i, a, s) in zip(nlp.pipe(sdocs, batch_size=batch_size), units):
            ms, ps = _mentions_from(sdoc, document, i, a, s)
            mentions.extend(ms)
            positions.extend(ps)
            rs, ds = _relations_from(sdoc, document, i, a, s)
            relations.extend(rs)
            event_dates.extend(ds)
        articles = {a.index: a for a in document.articles}
        headlines = {i for i, a, s in units if articles[a].headline is s}
        positions = inherit_post_organizations(positions, {i: a for i, a, _ in units},
                                               load_lexicon(ontology).inherited_titles)
        mentions, relations = link_article_events(
            mentions, relations, event_dates, headlines, {k: a.date for k, a in articles.items()}, document.date)
        yield DocumentExtraction(document.doc_id, document.path, document.sha256, document.title,
                                 document.date, mentions, positions, relations)


def extract_document(document: Document, ontology: str | None = None) -> DocumentExtraction:
    return next(extract_documents([document], ontology))
