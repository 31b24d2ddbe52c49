"""Run ingest -> extraction -> resolution -> graph over a corpus.

The spaCy pipeline is imported only when extraction runs (``kg`` itself never imports spaCy).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from kg.graph import build_graph, serialize_turtle, write_atomic
from kg.ingest import iter_documents
from kg.ingest.readers import DEFAULT_MAX_BYTES
from kg.records import Document, DocumentExtraction, IngestFailure, Relation
from kg.relations import resolve_relations
from kg.resolve import Resolution, resolve, resolve_positions


def _default_extractor(ontology: str | None):
    from extract.pipeline import extract_documents

    return lambda docs: extract_documents(docs, ontology)


def extract_corpus(
    paths: Iterable[str],
    ontology: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_document: Callable[[Document], None] | None = None,
) -> Iterator[DocumentExtraction | IngestFailure]:
    """Extract each document as it is read; failures are yielded, not raised."""
    extractor = _default_extractor(ontology)
    for item in iter_documents(paths, max_bytes=max_bytes):
        if isinstance(item, IngestFailure):
            yield item
            continue
        if on_document:
            on_document(item)
        yield from extractor([item])


@dataclass
class Resolved:
    """The corpus after resolution: entities, positions and relations between entities."""

    resolution: Resolution
    positions: list[dict]
    relations: list[Relation]


def resolve_corpus(extractions: list[DocumentExtraction], ontology: str | None = None) -> Resolved:
    mentions = [m for ex in extractions for m in ex.mentions]
    res = resolve(mentions, ontology)
    positions = resolve_positions([p for ex in extractions for p in ex.positions], mentions, res, ontology)
    relations = resolve_relations([r for ex in extractions for r in ex.relations], mentions, res, ontology)
    return Resolved(res, positions, relations)


@dataclass
class BuildResult:
    extractions: list[DocumentExtraction]
    failures: list[IngestFailure]
    resolved: Resolved
    outputs: dict[str, Path] = field(default_factory=dict)

    @property
    def resolution(self) -> Resolution:
        return self.resolved.resolution

    @property
    def positions(self) -> list[dict]:
        return self.resolved.positions

    @property
    def relations(self) -> list[Relation]:
        return self.resolved.relations

    def summary(self) -> dict:
        types: dict[str, int] = {}
        for e in self.resolution.entities:
            types[e.type] = types.get(e.type, 0) + 1
        preds: dict[str, int] = {}
        for r in self.relations:
            preds[r.predicate] = preds.get(r.predicate, 0) + 1
        return {
            "documents": len(self.extractions),
            "failed": [str(f) for f in self.failures],
            "entities": dict(sorted(types.items())),
            "relations": dict(sorted(preds.items())),
            "positions": len(self.positions),
            "outputs": {k: str(v) for k, v in self.outputs.items()},
        }


def build(paths: Iterable[str], out_dir: str | Path = "out", ontology: str | None = None,
          max_bytes: int = DEFAULT_MAX_BYTES,
          on_document: Callable[[Document], None] | None = None,
          on_failure: Callable[[IngestFailure], None] | None = None) -> BuildResult:
    """Build ``OUT/graph.ttl`` (and ``OUT/entities.jsonl``) from the documents under ``paths``."""
    extractions: list[DocumentExtraction] = []
    failures: list[IngestFailure] = []
    for item in extract_corpus(paths, ontology, max_bytes, on_document):
        if isinstance(item, IngestFailure):
            failures.append(item)
            if on_failure:
                on_failure(item)
        else:
            extractions.append(item)
    resolved = resolve_corpus(extractions, ontology)
    res = resolved.resolution
    out = Path(out_dir)
    graph = build_graph(res.entities, resolved.positions, ontology, resolved.relations)
    result = BuildResult(extractions, failures, resolved)
    ttl = out / "graph.ttl"
    write_atomic(ttl, serialize_turtle(graph))
    ents = out / "entities.jsonl"
    write_atomic(ents, "".join(json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for e in res.entities).encode("utf-8"))
    result.outputs = {"graph.ttl": ttl, "entities.jsonl": ents}
    return result
