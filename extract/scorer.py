"""The ``kg_event_scorer`` and ``kg_relation_scorer`` components: a model trained on the
development gold decides which candidates stand.

``kg_event_scorer`` replaces the rule's choice among ``doc.spans["event_candidates"]`` with the
event model's (``extract/models/events.json``); ``kg_relation_scorer`` keeps the relation
candidates (``doc._.relation_candidates``: what the rules read and what else a sentence or an
article offers) that the relation model (``extract/models/relations.json``) scores at or above its
threshold. The confidence each keeps is the model's probability, which the graph carries. Without
the model files (or with ``kg build --no-model``) the pipeline has no scorer and the rules decide.
Train the models with ``kg train`` (:mod:`extract.train`).
"""

from __future__ import annotations

from dataclasses import replace

from spacy.language import Language
from spacy.tokens import Doc, SpanGroup

from .model import LinearModel, model_path
from .spans import info_of


class EventScorer:
    def __init__(self, nlp: Language, name: str, model: str | None = None):
        self.name = name
        self.model = LinearModel.load(model or model_path("events"))

    def __call__(self, doc: Doc) -> Doc:
        kept = []
        for c in doc.spans.get("event_candidates", []):
            info = info_of(c)
            p = self.model.score(info.features)
            if p >= self.model.threshold:
                info.confidence = round(p, 3)
                kept.append(c)
        doc.spans["events"] = SpanGroup(doc, name="events", spans=kept)
        return doc


class RelationScorer:
    def __init__(self, nlp: Language, name: str, model: str | None = None):
        self.name = name
        self.model = LinearModel.load(model or model_path("relations"))

    def __call__(self, doc: Doc) -> Doc:
        kept = []
        for c in doc._.relation_candidates:
            p = self.model.relation_score(c.predicate, c.features)
            if p >= self.model.threshold_for(c.predicate):
                kept.append(replace(c, confidence=round(p, 3)))
        doc._.relations = tuple(kept)
        return doc


@Language.factory("kg_event_scorer", default_config={"model": None}, assigns=["doc.spans"], requires=["doc.spans"])
def make_event_scorer(nlp: Language, name: str, model: str | None) -> EventScorer:
    return EventScorer(nlp, name, model)


@Language.factory("kg_relation_scorer", default_config={"model": None},
                  assigns=["doc._.relations"], requires=["doc._.relation_candidates"])
def make_relation_scorer(nlp: Language, name: str, model: str | None) -> RelationScorer:
    return RelationScorer(nlp, name, model)
