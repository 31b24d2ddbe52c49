"""SHACL validation of a built graph against ``ontology/shapes.ttl``.

>>> from rdflib import Graph
>>> g = Graph().parse(format="turtle", data='''
...     @prefix kg: <https://example.org/cnqkg/ontology#> .
...     @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...     <https://example.org/cnqkg/id/org/中机质协> a kg:Association ; rdfs:label "中国机械工业质量管理协会"@zh .
...     <https://example.org/cnqkg/id/person/姜卫东> a kg:Person ; rdfs:label "姜卫东" .
... ''')
>>> report = validate(g)
>>> report.conforms
False
>>> [(v["focus"].rsplit("/", 1)[1], v["message"]) for v in report.violations]
[('姜卫东', "An entity's rdfs:label is tagged @zh.")]

The shapes use SHACL Core only. ``sh:class`` follows ``rdfs:subClassOf`` in the data graph, so
the ontology's subClassOf axioms must be there (a build writes them into ``graph.ttl``); when
some are missing they are mixed into a copy of the data, never into ``data`` itself.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH

from kg.ontology import load_ontology, load_shapes

__all__ = ["ShaclReport", "validate"]


@dataclass
class ShaclReport:
    """The outcome of a validation.

    ``violations`` are plain dicts ``{"focus", "path", "message", "severity", "value"}``, sorted:
    ``focus``/``path`` are IRIs (a blank node or a complex path in Turtle form), ``value`` is the
    offending value in N-Triples form, ``path``/``value`` are None where the result has none,
    ``severity`` is ``Violation``, ``Warning`` or ``Info``. ``text`` is a readable report that
    also names the constraint component and the shape.
    """

    conforms: bool
    violations: list[dict] = field(default_factory=list)
    text: str = ""


def _as_graph(g: Graph | str | os.PathLike) -> Graph:
    if isinstance(g, Graph):
        return g
    return Graph().parse(Path(g), format="turtle")


def _flatten(data: Graph) -> Graph:
    """The union of a dataset's graphs (pyshacl would validate each named graph on its own)."""
    if not data.context_aware:  # a Dataset (rdflib's ConjunctiveGraph is deprecated)
        return data
    flat = Graph()
    for s, p, o, _ in data.quads((None, None, None, None)):
        flat.add((s, p, o))
    return flat


def _axioms(onto: Graph) -> Graph:
    """What SHACL needs of the ontology: the subclass axioms between named classes."""
    g = Graph()
    for s, o in onto.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            g.add((s, RDFS.subClassOf, o))
    return g


def _term(node) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, (BNode, Literal)):
        return node.n3()
    return str(node)


def _path(results: Graph, node) -> str | None:
    """A result path: an IRI, or a SHACL path expression in Turtle-ish form."""
    if node is None or isinstance(node, URIRef):
        return _term(node)
    inverse = results.value(node, SH.inversePath)
    if inverse is not None:
        return "^" + (_path(results, inverse) or "?")
    return node.n3()


_PUBLIC = ("focus", "path", "message", "severity", "value")
_ORDER = (SH.lessThan, SH.lessThanOrEquals)
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")
_ORDER_COMPONENTS = {SH.LessThanConstraintComponent, SH.LessThanOrEqualsConstraintComponent}


def _results(results: Graph, components: set | None = None) -> list[dict]:
    """The results of a pyshacl report graph (only those of ``components`` when given)."""
    out = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        component = results.value(r, SH.sourceConstraintComponent)
        if components is not None and component not in components:
            continue
        severity = results.value(r, SH.resultSeverity)
        shape = results.value(r, SH.sourceShape)
        out.append({
            "focus": _term(results.value(r, SH.focusNode)),
            "path": _path(results, results.value(r, SH.resultPath)),
            "message": str(results.value(r, SH.resultMessage) or ""),
            "severity": str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            "value": _term(results.value(r, SH.value)),
            "component": str(component).rsplit("#", 1)[-1] if component is not None else "",
            "shape": str(shape) if isinstance(shape, URIRef) else "",
        })
    return out


def _text(conforms: bool, results: list[dict]) -> str:
    lines = ["Validation Report", f"Conforms: {conforms}"]
    if results:
        lines.append(f"Results ({len(results)}):")
    for r in results:
        lines.append(f"{r['severity']}: {r['message']}")
        lines.append(f"    focus: {r['focus']}")
        for key in ("path", "value", "component", "shape"):
            if r[key]:
                lines.append(f"    {key}: {r[key]}")
    return "\n".join(lines) + "\n"


def _order_shapes(shapes: Graph) -> dict:
    """Property shapes holding an order constraint -> the properties whose values they compare."""
    out: dict = {}
    for p in _ORDER:
        for ps, other in shapes.subject_objects(p):
            preds = out.setdefault(ps, set())
            preds.add(other)
            path = shapes.value(ps, SH.path)
            if isinstance(path, URIRef):
                preds.add(path)
    return out


def _declared_datatypes(shapes: Graph) -> dict:
    """Property -> the datatypes the shapes allow it: ``sh:datatype`` of a shape with that
    ``sh:path``, or of the members of its ``sh:or``."""
    declared: dict = {}
    for ps, path in shapes.subject_objects(SH.path):
        if not isinstance(path, URIRef):
            continue
        types = set(shapes.objects(ps, SH.datatype))
        for alternatives in shapes.objects(ps, SH["or"]):
            for member in shapes.items(alternatives):
                types.update(shapes.objects(member, SH.datatype))
        if types:
            declared.setdefault(path, set()).update(types)
    return declared


def _uncomparable(data: Graph, shapes: Graph, order: dict) -> list:
    """Triples whose value an order check (``order``: shape -> the properties it compares) must not
    see: ill-typed literals (pyshacl fails on them), and values other than the datatypes the shapes
    allow every property that check compares (``"2020-09-12"`` as a plain string is reported as not
    an xsd:date, not as later than every date; a month, ``"2020-09"^^xsd:gYearMonth``, is not
    compared with days)."""
    declared = _declared_datatypes(shapes)
    out: dict = {}
    for compared in order.values():
        typed = [declared[p] for p in compared if p in declared]
        common = set.intersection(*typed) if typed else None
        for p in sorted(compared):
            types = common if p in declared else None
            for s, o in data.subject_objects(p):
                if isinstance(o, Literal):
                    if o.ill_typed or (types is not None and (o.datatype or XSD_STRING) not in types):
                        out[(s, p, o)] = None
                elif types is not None:
                    out[(s, p, o)] = None
    return list(out)


def _run(data: Graph, shapes: Graph, axioms: Graph) -> tuple[bool, Graph]:
    import pyshacl  # imported here: it takes a moment and only validation needs it

    missing = any(t not in data for t in axioms)
    conforms, results, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=axioms if missing else None,
        inference="none", abort_on_first=False, allow_warnings=True, advanced=False,
        meta_shacl=False, do_owl_imports=False, js=False,
    )
    return bool(conforms), results


def _copy(g: Graph, without=()) -> Graph:
    out = Graph()
    for prefix, ns in g.namespace_manager.namespaces():
        out.bind(prefix, ns, override=True)
    drop = set(without)
    for t in g:
        if t not in drop:
            out.add(t)
    return out


class _Prepared:
    """The shapes and what validation derives from them, made once for many validations."""

    def __init__(self, shapes_graph: Graph, onto: Graph) -> None:
        self.shapes = shapes_graph
        self.axioms = _axioms(onto)
        self.order = _order_shapes(shapes_graph)
        # what the order checks read: the properties they compare and those of their targets
        self.order_predicates = {p for compared in self.order.values() for p in compared}
        for shape in self.order:
            self.order_predicates.update(shapes_graph.objects(shape, SH.targetSubjectsOf))
            self.order_predicates.update(shapes_graph.objects(shape, SH.targetObjectsOf))
            if (shape, SH.targetClass, None) in shapes_graph:
                self.order_predicates.add(RDF.type)
        self._without_order: Graph | None = None
        self._order_only: Graph | None = None

    def without_order(self) -> Graph:
        """All shapes but the order checks."""
        if self._without_order is None:
            self._without_order = _copy(self.shapes)
            for ps in self.order:
                self._without_order.add((ps, SH.deactivated, Literal(True)))
        return self._without_order

    def order_only(self) -> Graph:
        """The order checks alone (every other shape with a target deactivated)."""
        if self._order_only is None:
            g = self._order_only = _copy(self.shapes)
            targeted = {s for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
                        for s in self.shapes.subjects(p, None)}
            for shape in targeted - set(self.order):
                g.add((shape, SH.deactivated, Literal(True)))
        return self._order_only


def _prepare(shapes, ontology) -> _Prepared:
    if isinstance(ontology, Graph):
        onto = ontology
        shapes_graph = _as_graph(shapes) if shapes is not None else load_shapes()
    else:
        onto = load_ontology(ontology)
        shapes_graph = _as_graph(shapes) if shapes is not None else load_shapes(ontology)
    return _Prepared(shapes_graph, onto)


def _validate(data: Graph, prepared: _Prepared, own: bool = False) -> tuple[bool, list[dict]]:
    """(conforms, results with their component and shape) of the plain graph ``data``.

    With ``own``, ``data`` is the caller's to change: the ontology's axioms are added to it rather
    than to a copy pyshacl would make."""
    if own:
        for t in prepared.axioms:
            data.add(t)
    uncomparable = _uncomparable(data, prepared.shapes, prepared.order)
    if not uncomparable:
        conforms, results = _run(data, prepared.shapes, prepared.axioms)
        return conforms, _results(results)
    conforms_a, results_a = _run(data, prepared.without_order(), prepared.axioms)
    # the order checks alone, on what they read, without the values they cannot compare
    drop = set(uncomparable)
    compared = Graph()
    for p in prepared.order_predicates:
        for t in data.triples((None, p, None)):
            if t not in drop:
                compared.add(t)
    for t in prepared.axioms:
        compared.add(t)
    _, results_b = _run(compared, prepared.order_only(), prepared.axioms)
    found = _results(results_a) + _results(results_b, _ORDER_COMPONENTS)
    return conforms_a and not any(r["severity"] == "Violation" for r in found), found


def _report(conforms: bool, found: list[dict]) -> ShaclReport:
    found.sort(key=lambda r: tuple(r[k] or "" for k in (*_PUBLIC, "component", "shape")))
    return ShaclReport(conforms=conforms, violations=[{k: r[k] for k in _PUBLIC} for r in found],
                       text=_text(conforms, found))


def validate(data: Graph, shapes: Graph | str | os.PathLike | None = None,
             ontology: str | os.PathLike | Graph | None = None) -> ShaclReport:
    """Validate ``data`` against the shapes (default: ``shapes.ttl`` of the ontology folder).

    ``ontology`` is the ontology folder (as ``--ontology DIR`` elsewhere; default ``KG_ONTOLOGY``
    or the packaged ``ontology/``) or an already loaded ontology graph. A Dataset (``graph.trig``)
    is validated as the union of its graphs. ``data`` is never modified.

    pyshacl cannot compare an ill-typed literal (``"2020-13-45"^^xsd:date``) in ``sh:lessThan``
    or ``sh:lessThanOrEquals``, and a value of the wrong datatype would be reported as out of
    order too. When the data has such a value among the compared ones, the shapes run twice: all
    but the order checks on the data as is (which reports the bad value), and the order checks
    alone on a copy without the bad values.

    A build validates its graph a document at a time instead (:class:`kg.rdf.shacl_documents.DocumentValidator`).
    """
    conforms, found = _validate(_flatten(data), _prepare(shapes, ontology))
    return _report(conforms, found)


def main(argv: list[str] | None = None) -> int:
    """``python -m kg.rdf.shacl GRAPH.ttl|GRAPH.trig [ONTOLOGY_DIR]``: print the report, exit 1 if it fails."""
    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2:
        print("usage: python -m kg.rdf.shacl GRAPH.ttl|GRAPH.trig [ONTOLOGY_DIR]", file=sys.stderr)
        return 2
    path = Path(args[0])
    from kg.rdf.serialize import read_dataset

    data = read_dataset(path)
    report = validate(data, ontology=args[1] if len(args) > 1 else None)
    print(report.text, end="")
    return 0 if report.conforms else 1


if __name__ == "__main__":
    sys.exit(main())
