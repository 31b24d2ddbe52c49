"""Reading and writing RDF files: sorted Turtle, TriG in a stable order, any graph file as an rdflib Dataset.

The same dataset always gives the same bytes, so a build is deterministic.
"""

from __future__ import annotations

import os
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD

__all__ = ["serialize_turtle", "serialize_trig", "read_dataset"]


def serialize_turtle(g: Graph) -> bytes:
    """Turtle, subjects sorted (rdflib's writer)."""
    data = g.serialize(format="turtle")
    return data.encode("utf-8") if isinstance(data, str) else data


def serialize_trig(ds: Dataset) -> bytes:
    """TriG with the named graphs in IRI order (rdflib's writer orders them by hash), each graph
    written by the sorted Turtle writer, so the same dataset always gives the same bytes."""
    prefixes: set[str] = set()
    blocks = []
    for g in sorted(ds.graphs(), key=lambda g: str(g.identifier)):
        if len(g) == 0:
            continue
        part = Graph()
        for prefix, ns in ds.namespaces():
            part.bind(prefix, ns)
        for t in g:
            part.add(t)
        lines = serialize_turtle(part).decode("utf-8").splitlines()
        body = []
        for line in lines:
            if line.startswith("@prefix"):
                prefixes.add(line)
            elif line.strip():
                body.append("    " + line)
            elif body and body[-1]:
                body.append("")
        while body and not body[-1]:
            body.pop()
        blocks.append(f"<{g.identifier}> {{\n" + "\n".join(body) + "\n}\n")
    return ("\n".join(sorted(prefixes)) + "\n\n" + "\n".join(blocks)).encode("utf-8")


def rdflib_term(t):
    """A pyoxigraph term as rdflib's (a plain ``xsd:string`` literal as rdflib's parsers give it)."""
    import pyoxigraph as ox
    from rdflib import BNode

    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if t.language:
        return Literal(t.value, lang=t.language)
    if t.datatype.value == str(XSD.string):
        return Literal(t.value)
    return Literal(t.value, datatype=URIRef(t.datatype.value))


def read_dataset(path: str | os.PathLike) -> Dataset:
    """A TriG, N-Quads or Turtle file (by its suffix) as an rdflib :class:`~rdflib.Dataset` whose default graph is the union
    of the named graphs.

    The file is parsed with pyoxigraph: rdflib's own TriG parser warns on every call in rdflib 7.6
    (it builds a deprecated ``ConjunctiveGraph``), and is slower.
    """
    import pyoxigraph as ox

    term = rdflib_term

    path = Path(path)
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) or ox.RdfFormat.TURTLE
    ds = Dataset(default_union=True)
    graphs: dict = {}
    with path.open("rb") as f:
        parser = ox.parse(f, format=fmt)
        for q in parser:
            name = q.graph_name
            key = None if isinstance(name, ox.DefaultGraph) else name.value
            g = graphs.get(key)
            if g is None:
                g = graphs[key] = ds.default_graph if key is None else ds.graph(URIRef(key))
            g.add((term(q.subject), term(q.predicate), term(q.object)))
        for prefix, ns in parser.prefixes.items():
            ds.bind(prefix, ns, override=True)
    return ds
