"""Run ingest -> extraction -> resolution -> graph over a corpus.

The spaCy pipeline is imported only when extraction runs (``kg`` itself never imports spaCy).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from kg.cache import ExtractionCache, fingerprint
from kg.graph import build_dataset, build_graph, serialize_trig, serialize_turtle, write_atomic
from kg.ingest import NoDocuments, iter_documents
from kg.ingest.readers import DEFAULT_MAX_BYTES
from kg.records import Document, DocumentExtraction, IngestFailure, Relation
from kg.relations import resolve_relations
from kg.resolve import Resolution, resolve, resolve_positions
from kg.shacl import ShaclReport, validate
from kg.store import load_store


def _default_extractor(ontology: str | None):
    from extract.pipeline import extract_documents

    return lambda docs: extract_documents(docs, ontology)


def extract_corpus(
    paths: Iterable[str],
    ontology: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_document: Callable[[Document], None] | None = None,
    cache: ExtractionCache | None = None,
) -> Iterator[DocumentExtraction | IngestFailure]:
    """Extract each document as it is read; failures are yielded, not raised.

    With a ``cache``, a document whose name and content were extracted before (by the same code
    and data) is taken from it, and the spaCy pipeline is loaded only if some document is new.
    """
    extractor = None
    for item in iter_documents(paths, max_bytes=max_bytes):
        if isinstance(item, IngestFailure):
            yield item
            continue
        if on_document:
            on_document(item)
        cached = cache.get(item.doc_id, item.sha256) if cache else None
        if cached is not None:
            yield cached
            continue
        if extractor is None:
            extractor = _default_extractor(ontology)
        for ex in extractor([item]):
            if cache:
                cache.put(ex)
            yield ex


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
    shacl: ShaclReport | None = None
    cached: int = 0  # documents whose extraction came from the cache

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
            "extracted": len(self.extractions) - self.cached,
            "from_cache": self.cached,
            "failed": [str(f) for f in self.failures],
            "shacl": None if self.shacl is None else {
                "conforms": self.shacl.conforms, "violations": len(self.shacl.violations)},
            "entities": dict(sorted(types.items())),
            "relations": dict(sorted(preds.items())),
            "positions": len(self.positions),
            "outputs": {k: str(v) for k, v in self.outputs.items()},
        }


def build(paths: Iterable[str], out_dir: str | Path = "out", ontology: str | None = None,
          max_bytes: int = DEFAULT_MAX_BYTES,
          on_document: Callable[[Document], None] | None = None,
          on_failure: Callable[[IngestFailure], None] | None = None,
          incremental: bool = True) -> BuildResult:
    """Build the graph of the documents under ``paths`` into ``out_dir``.

    Writes ``graph.ttl`` (all facts as plain triples, with the ontology's subClassOf axioms),
    ``graph.trig`` (one named graph per source document, with the provenance of every relation),
    ``entities.jsonl``, the interactive page ``graph.html`` (:mod:`kg.viz`), the embedded SPARQL
    store ``store/`` (loaded from ``graph.trig``) and, when the graph breaks a SHACL shape,
    ``shacl-report.txt``. Every file is written to a temporary file and renamed. With
    ``incremental`` (the default), extractions are cached under ``OUT/.cache/`` by content hash,
    so only new or changed documents are extracted again; entries of documents no longer in the
    corpus are removed.
    """
    out = Path(out_dir)
    cache = ExtractionCache(out, fingerprint(ontology)) if incremental else None
    extractions: list[DocumentExtraction] = []
    failures: list[IngestFailure] = []
    for item in extract_corpus(paths, ontology, max_bytes, on_document, cache):
        if isinstance(item, IngestFailure):
            failures.append(item)
            if on_failure:
                on_failure(item)
        else:
            extractions.append(item)
    resolved = resolve_corpus(extractions, ontology)
    res = resolved.resolution
    graph = build_graph(res.entities, resolved.positions, ontology, resolved.relations)
    dataset = build_dataset(extractions, res.entities, resolved.positions, resolved.relations, ontology)
    shacl = validate(dataset, ontology=ontology)  # the union of the named graphs, provenance included
    result = BuildResult(extractions, failures, resolved, shacl=shacl,
                         cached=cache.hits if cache else 0)
    outputs = {
        "graph.ttl": (out / "graph.ttl", serialize_turtle(graph)),
        "graph.trig": (out / "graph.trig", serialize_trig(dataset)),
        "entities.jsonl": (out / "entities.jsonl", "".join(
            json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for e in res.entities).encode("utf-8")),
    }
    report = out / "shacl-report.txt"
    if not shacl.conforms:
        outputs["shacl-report.txt"] = (report, shacl.text.encode("utf-8"))
    else:
        report.unlink(missing_ok=True)
    for name, (path, data) in outputs.items():
        write_atomic(path, data)
        result.outputs[name] = path
    result.outputs["graph.html"] = _write_page(out, ontology)
    result.outputs["store"] = load_store(out)  # the embedded SPARQL store kg query reads
    if cache:
        cache.prune({(ex.doc_id, ex.sha256) for ex in extractions})
    return result


def _write_page(out: Path, ontology: str | None) -> Path:
    """``OUT/graph.html`` from the ``graph.trig`` just written: the same bytes as ``kg viz --graph OUT``."""
    from kg.viz import write_html  # pyvis (and IPython) only when a page is made

    return write_html(out, out / "graph.html", ontology=ontology)


def format_summary(summary: dict) -> str:
    """The one-screen summary ``kg build`` prints."""
    lines = [f"documents: {summary['documents']} read ({summary['extracted']} extracted, "
             f"{summary['from_cache']} unchanged from the cache), {len(summary['failed'])} failed"]
    lines += [f"  failed: {f}" for f in summary["failed"]]
    for key in ("entities", "relations"):
        counts = summary[key]
        lines.append(f"{key}: {sum(counts.values())}")
        lines.append("  " + ", ".join(f"{k} {v}" for k, v in counts.items()) if counts else "  none")
    lines.append(f"positions: {summary['positions']}")
    shacl = summary.get("shacl")
    if shacl is not None:
        lines.append("SHACL: conforms" if shacl["conforms"] else
                     f"SHACL: {shacl['violations']} violation(s), see {summary['outputs'].get('shacl-report.txt')}")
    lines.append("wrote: " + ", ".join(summary["outputs"].values()))
    return "\n".join(lines)
