"""SHACL validation of a build a document at a time, in time linear in the corpus.

:func:`kg.rdf.shacl.validate` runs pyshacl over one graph; on a whole corpus that graph, and its
cost, grow with the corpus. A build validates instead:

- each document's named graph, as it is written (:meth:`DocumentValidator.add`), with the
  descriptions of the entities it refers to but does not describe (so that ``sh:class`` sees
  their types), several documents per pyshacl run (a run costs about 10 ms before any triple),
  and pyshacl only on a batch the pre-filter flags (:mod:`kg.rdf.shacl_prefilter`: a sound,
  cheap test of which shapes a graph may violate; a batch it does not flag has no result);
- then, as SPARQL over the store (the union of its graphs, as pyshacl would see the whole
  ``graph.trig``), the constraints whose outcome depends on values that several documents may each
  state about one node: ``sh:maxCount``, ``sh:disjoint``, ``sh:lessThan`` and
  ``sh:lessThanOrEquals`` (:func:`store_results`). In ``ontology/shapes.ttl`` these are the shapes
  on entities (one ``rdfs:label``, an ``skos:altLabel`` that is not the label, at most one
  ``kg:date``/``kg:endDate``, the date not after the end date), on posts (one ``org:member``,
  ``org:role``, at most one ``org:organization``) and on roles (one label). Shapes that target
  the nodes of provenance (:data:`LOCAL_CLASSES`: statements, derivations, source files) are left
  to the first step: each such node lives in one document's graph, its IRI made from the document.

The report is the one :func:`~kg.rdf.shacl.validate` gives for the union of the graphs: the same
results, each once, in the same order and text.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, SH

from kg.ontology.namespaces import KG_NAMESPACE

from kg.rdf.serialize import rdflib_term
from kg.rdf.shacl import _PUBLIC, ShaclReport, _prepare, _report, _term, _validate
from kg.rdf.shacl_prefilter import Prefilter

__all__ = ["DocumentValidator", "store_results", "LOCAL_CLASSES", "BATCH_TRIPLES"]

#: Triples validated in one pyshacl run (some documents' graphs together).
BATCH_TRIPLES = 20_000

#: Classes whose nodes are each described in one document's graph only (their IRIs are made from
#: the document): shapes that target them need no check across documents.
LOCAL_CLASSES = frozenset({RDF.Statement, PROV.Derivation, URIRef(KG_NAMESPACE + "SourceFile")})

_TYPE = str(RDF.type)
_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
_SUBCLASS = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"


class DocumentValidator:
    """Collects documents' graphs and validates them a batch at a time, then across documents.

    ``describe(iri)`` gives the triples that describe a node a document refers to without describing
    it (at build time: an entity's type, labels and dates); ``batch`` is the number of triples
    validated in one pyshacl run (default :data:`BATCH_TRIPLES`).
    """

    def __init__(self, ontology: str | os.PathLike | None = None, shapes=None,
                 describe: Callable[[URIRef], Iterable[tuple]] | None = None, batch: int | None = None,
                 known: dict[str, list[dict]] | None = None) -> None:
        self.prepared = _prepare(shapes, ontology)
        self.prefilter = Prefilter(self.prepared.shapes)
        self._axioms = list(self.prepared.axioms)
        self.describe = describe
        self.batch = batch or BATCH_TRIPLES
        self.known = known or {}
        self.found: dict[tuple, dict] = {}
        self.conforms = True
        self.documents = 0
        self.reused = 0
        #: key of each document's graph -> its results, for the next build (:attr:`known`)
        self.record: dict[str, list[dict]] = {}
        #: batches validated (each through the pre-filter) and pyshacl runs (on the flagged ones)
        self.batches = 0
        self.runs = 0
        self._pending: list[tuple] = []  # the batch's triples (those of an entity two documents describe: twice)
        self._pending_docs: list[tuple[str, int, int]] = []  # key of each document, where its triples are in the batch

    def add(self, triples: list[tuple], key: str | None = None) -> str | None:
        """One document's graph. With a ``key`` (a hash of the graph's text), a graph validated by an
        earlier build with the same key and the same descriptions of what it refers to is not
        validated again: its results are taken from :attr:`known`. Returns the key its results are
        recorded by (:attr:`record`; for :meth:`reuse`), None without a ``key``."""
        self.documents += 1
        closure: list[tuple] = []
        if self.describe is not None:
            # (as plain strings: rdflib hashes and compares its terms in Python)
            described = {str(s) for s, p, _ in triples if str(p) == _TYPE}
            for o in sorted({str(o) for _, _, o in triples if _is_iri(o)} - described):
                closure.extend(self.describe(URIRef(o)))
        if key is not None:
            h = hashlib.sha256(key.encode())
            for t in sorted(" ".join(x.n3() for x in t) for t in closure):
                h.update(t.encode())
            key = h.hexdigest()
            if key in self.known:
                self.record[key] = self.known[key]
                self._keep(self.known[key])
                self.reused += 1
                return key
        start = len(self._pending)
        self._pending += triples
        if key is not None:
            self._pending_docs.append((key, start, len(self._pending)))
        self._pending += closure
        if len(self._pending) >= self.batch:
            self.flush()
        return key

    def reuse(self, key: str) -> bool:
        """A document's graph that :meth:`add` returned ``key`` for in an earlier build, unchanged
        since with everything that key covers (the graph's text and the descriptions added to it):
        counted with its results from :attr:`known`, without its triples. False (nothing counted)
        when they are not known: the caller then gives the graph to :meth:`add`."""
        found = self.known.get(key)
        if found is None:
            return False
        self.documents += 1
        self.record[key] = found
        self._keep(found)
        self.reused += 1
        return True

    def flush(self) -> None:
        triples, self._pending = self._pending, []
        docs, self._pending_docs = self._pending_docs, []
        if not triples:
            return
        found = _batch_results(self, triples)
        self._keep(found)
        for key, start, end in docs:  # a result goes with every document of the batch that names its focus node
            nodes = _nodes(triples[start:end]) if found else set()
            self.record[key] = [r for r in found if _focus_key(r["focus"]) in nodes]

    def start_share(self) -> None:
        """(:class:`kg.forked.Shared`) In a copy of the build that validates some documents' graphs
        (:meth:`kg.rdf.write.DocumentGraphs.spread`): from here on, keep only its own results and counts."""
        self.found, self.record, self.conforms = {}, {}, True
        self.documents = self.reused = self.batches = self.runs = 0
        self._pending, self._pending_docs = [], []

    def share(self) -> dict:
        """The copy's results (its last batch validated first), records and counts."""
        self.flush()
        return {"found": list(self.found.values()), "record": self.record, "conforms": self.conforms,
                "counts": (self.documents, self.reused, self.batches, self.runs)}

    def merge(self, share: dict) -> None:
        """Add a copy's results and counts: the report is the same as if this validator had seen its graphs."""
        self._keep(share["found"])
        self.record.update(share["record"])
        self.conforms = self.conforms and share["conforms"]
        counts = zip((self.documents, self.reused, self.batches, self.runs), share["counts"])
        self.documents, self.reused, self.batches, self.runs = (a + b for a, b in counts)

    def _keep(self, found: list[dict]) -> None:
        for r in found:
            self.found.setdefault(tuple(r[k] for k in (*_PUBLIC, "component", "shape")), r)
            if r["severity"] == "Violation":
                self.conforms = False

    def finish(self, store=None) -> ShaclReport:
        """The report: the batches left, then the checks across documents over ``store`` (a
        pyoxigraph Store holding the documents' graphs, as ``kg build`` loads ``graph.trig``)."""
        self.flush()
        if store is not None:
            self._keep(store_results(store, self.prepared.shapes))
        return _report(self.conforms, list(self.found.values()))


def _is_iri(x) -> bool:
    t = type(x)  # (isinstance with rdflib's abstract classes is slow: the exact type first)
    return t is URIRef or (t is not Literal and t is not BNode and isinstance(x, URIRef))


def _is_node(x) -> bool:
    t = type(x)
    return t is URIRef or t is BNode or (t is not Literal and isinstance(x, (URIRef, BNode)))


def _nodes(triples: list[tuple]) -> set[str]:
    """The IRIs and blank nodes of a document's graph, as strings."""
    nodes = {str(s) for s, _, _ in triples if _is_node(s)}
    nodes.update([str(o) for _, _, o in triples if _is_node(o)])
    return nodes


def _batch_results(validator: DocumentValidator, triples: list[tuple]) -> list[dict]:
    """The results of one batch: none when the pre-filter flags no shape on it (with the ontology's
    axioms, as pyshacl sees it), else pyshacl's on the batch."""
    validator.batches += 1
    if not validator.prefilter.flagged(triples + validator._axioms):
        return []
    validator.runs += 1
    g = Graph()
    for t in triples:
        g.add(t)
    return _validate(g, validator.prepared, own=True)[1]


def _focus_key(focus: str | None) -> str | None:
    """The node of a result's focus as :meth:`DocumentValidator.add` records the nodes of a document
    (an IRI as is, a blank node without its ``_:``)."""
    return focus[2:] if focus and focus.startswith("_:") else focus


def _n3(node) -> str:
    return f"<{node}>" if isinstance(node, URIRef) else node.n3()


def _focus_parts(shapes: Graph, shape) -> list[str]:
    """The graph patterns that bind ``?focus`` to the shape's targets, one a kind of target."""
    parts = []
    for c in shapes.objects(shape, SH.targetClass):
        parts.append(f"?focus {_SUBCLASS} {_n3(c)} .")
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        parts.append(f"?focus {_n3(p)} [] .")
    for p in shapes.objects(shape, SH.targetObjectsOf):
        parts.append(f"[] {_n3(p)} ?focus .")
    for n in shapes.objects(shape, SH.targetNode):
        parts.append(f"VALUES ?focus {{ {_n3(n)} }}")
    return parts


def _targeted(store, parts: list[str], nodes: Iterable) -> set:
    """Those of ``nodes`` (pyoxigraph terms) that the patterns ``parts`` (:func:`_focus_parts`) bind to
    ``?focus`` in ``store``'s union of graphs, asked :data:`_TARGETED_BATCH` nodes at a time. Asked of a
    few nodes, not of the shape's whole target (every entity: the targets of a class, made apart and
    joined with the values, held a table of 110 to 150 MB at 10,000 documents)."""
    from pyoxigraph import NamedNode

    nodes = list(dict.fromkeys(nodes))
    targets = " UNION ".join(f"{{ {p} }}" for p in parts)
    if any(not isinstance(n, NamedNode) for n in nodes):  # (a blank node cannot be named in a query)
        query = f"SELECT DISTINCT ?focus WHERE {{ {targets} }}"
        return {row["focus"] for row in store.query(query, use_default_graph_as_union=True)} & set(nodes)
    found = set()
    for i in range(0, len(nodes), _TARGETED_BATCH):
        known = " ".join(str(n) for n in nodes[i:i + _TARGETED_BATCH])
        query = f"SELECT DISTINCT ?focus WHERE {{ VALUES ?focus {{ {known} }} {targets} }}"
        found.update(row["focus"] for row in store.query(query, use_default_graph_as_union=True))
    return found


_TARGETED_BATCH = 500


def store_results(store, shapes: Graph, local_classes=LOCAL_CLASSES) -> list[dict]:
    """The results of the constraints that span documents (see the module doc), as SPARQL over the
    union of the graphs of ``store`` (a pyoxigraph Store); each as :func:`kg.rdf.shacl.validate`
    words it. Shapes whose only targets are ``local_classes`` are skipped."""
    from kg.rdf.shacl import _declared_datatypes

    declared = _declared_datatypes(shapes)
    out: list[dict] = []
    for shape in sorted({s for p in _TARGETS for s in shapes.subjects(p, None)}, key=str):
        path = shapes.value(shape, SH.path)
        if not isinstance(path, URIRef) or shapes.value(shape, SH.deactivated) == Literal(True):
            continue
        targets = [(p, o) for p in _TARGETS for o in shapes.objects(shape, p)]
        if all(p == SH.targetClass and o in local_classes for p, o in targets):
            continue
        # each query is asked of every node with a value, and its rows kept for the nodes the shape targets
        # (:func:`_targeted`, unless it targets the subjects of its own path only: each such node is one)
        parts = [] if targets == [(SH.targetSubjectsOf, path)] else _focus_parts(shapes, shape)
        severity = shapes.value(shape, SH.severity)
        base = {"path": str(path), "message": str(shapes.value(shape, SH.message) or ""),
                "severity": str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
                "shape": str(shape) if isinstance(shape, URIRef) else ""}
        queries = []
        for n in shapes.objects(shape, SH.maxCount):
            queries.append(("MaxCountConstraintComponent", False,
                            f"SELECT ?focus WHERE {{ ?focus {_n3(path)} ?v }} "
                            f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?v) > {int(n)})"))
        # each (focus, value) once before the other property is joined: every document's graph repeats the
        # description of the entities it names, and joining the repeats took 5.7 s at 10,000 documents (0.9 s)
        values = f"{{ SELECT DISTINCT ?focus ?v WHERE {{ ?focus {_n3(path)} ?v }} }}"
        for other in shapes.objects(shape, SH.disjoint):
            queries.append(("DisjointConstraintComponent", True,
                            f"SELECT DISTINCT ?focus ?v WHERE {{ {values} ?focus {_n3(other)} ?v }}"))
        for component, op, pred in (("LessThanConstraintComponent", "<", SH.lessThan),
                                    ("LessThanOrEqualsConstraintComponent", "<=", SH.lessThanOrEquals)):
            for other in shapes.objects(shape, pred):
                typed = [declared[p] for p in (path, other) if p in declared]
                common = set.intersection(*typed) if typed else None
                only = (f"FILTER(DATATYPE(?v) IN ({', '.join(map(_n3, sorted(common)))}) && "
                        f"DATATYPE(?w) IN ({', '.join(map(_n3, sorted(common)))}))") if common else ""
                queries.append((component, True,
                                f"SELECT DISTINCT ?focus ?v WHERE {{ {values} "
                                f"?focus {_n3(other)} ?w . {only} FILTER(!(?v {op} ?w)) }}"))
        for component, has_value, query in queries:
            rows = [(row["focus"], row["v"] if has_value else None)
                    for row in store.query(query, use_default_graph_as_union=True)]
            targeted = _targeted(store, parts, (f for f, _ in rows)) if parts and rows else None
            for node, v in rows:
                if targeted is None or node in targeted:
                    out.append({**base, "focus": _term(rdflib_term(node)),
                                "value": _term(rdflib_term(v)) if has_value else None, "component": component})
    return out
