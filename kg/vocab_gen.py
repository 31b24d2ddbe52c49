"""Generate ``kg/vocab.py`` (the ``KG`` DefinedNamespace) from ``ontology/kg.ttl``.

    python -m kg.vocab_gen            # rewrite kg/vocab.py
    python -m kg.vocab_gen --check    # exit 1 if kg/vocab.py is not what kg.ttl gives

The output depends only on kg.ttl (terms sorted by kind, then name; no dates), so the test suite
can check that the committed file is up to date. It always reads the packaged ontology, not a
``KG_ONTOLOGY`` copy: the Python view is of the contract vocabulary.
"""

from __future__ import annotations

import keyword
import textwrap
import sys
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kg.lexicon import DEFAULT_ONTOLOGY_DIR

NAMESPACE = "https://example.org/cnqkg/ontology#"
ONTOLOGY_IRI = URIRef("https://example.org/cnqkg/ontology")
SOURCE = DEFAULT_ONTOLOGY_DIR / "kg.ttl"
TARGET = Path(__file__).resolve().parent / "vocab.py"

# The kinds a term is grouped under, in this order; a term takes the first kind it has.
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property, RDFS.Class)


def _text(g: Graph, node, prop, lang: str) -> str:
    """The ``lang`` value of ``prop`` (one line, whitespace collapsed); '' if none."""
    values = sorted(str(o) for o in g.objects(node, prop) if isinstance(o, Literal) and o.language == lang)
    return " ".join(values[0].split()) if values else ""


def terms(g: Graph) -> list[tuple[URIRef, str]]:
    """(kind, local name) of every kg: term declared in the ontology, in output order."""
    found: dict[str, URIRef] = {}
    for s in set(g.subjects(RDF.type, None)):
        if not isinstance(s, URIRef) or not str(s).startswith(NAMESPACE):
            continue
        types = set(g.objects(s, RDF.type))
        kind = next((k for k in KINDS if k in types), None)
        if kind is not None:
            found[str(s)[len(NAMESPACE):]] = kind
    return sorted(((kind, name) for name, kind in found.items()), key=lambda t: (KINDS.index(t[0]), t[1]))


def render(source: Path = SOURCE) -> str:
    g = Graph().parse(source, format="turtle")
    title = _text(g, ONTOLOGY_IRI, RDFS.label, "en")
    title_zh = _text(g, ONTOLOGY_IRI, RDFS.label, "zh")
    definition = _text(g, ONTOLOGY_IRI, SKOS.definition, "en")
    version = next((str(v) for v in g.objects(ONTOLOGY_IRI, OWL.versionInfo)), "")
    lines = [
        '"""The kg: vocabulary as an rdflib DefinedNamespace: ``from kg.vocab import KG``.',
        "",
        "GENERATED from ontology/kg.ttl by ``python -m kg.vocab_gen``: do not edit, edit kg.ttl and",
        "regenerate (a test fails when this file is out of date). Unknown names raise AttributeError:",
        "",
        ">>> KG.hosted",
        f"rdflib.term.URIRef('{NAMESPACE}hosted')",
        ">>> KG.host",
        "Traceback (most recent call last):",
        "...",
        f"AttributeError: term 'host' not in namespace '{NAMESPACE}'",
        '"""',
        "",
        "import rdflib.namespace  # not `from ... import DefinedNamespace`: doctest collection would probe it",
        "from rdflib.term import URIRef",
        "",
        "",
        "class KG(rdflib.namespace.DefinedNamespace):",
        '    """',
        f"    {title} ({title_zh})" if title_zh else f"    {title}",
        "",
        *textwrap.wrap(definition, width=100, initial_indent="    ", subsequent_indent="    "),
        "",
        f"    Generated from: ontology/kg.ttl ({ONTOLOGY_IRI}){', version ' + version if version else ''}",
        '    """',
        "",
        "    _fail = True",
    ]
    extras: list[str] = []
    kind_seen = None
    for kind, name in terms(g):
        if kind != kind_seen:
            lines += ["", f"    # {kind}"]
            kind_seen = kind
        node = URIRef(NAMESPACE + name)
        label = _text(g, node, RDFS.label, "en") or name
        label_zh = _text(g, node, RDFS.label, "zh")
        comment = f"{label} ({label_zh})" if label_zh else label
        definition = _text(g, node, SKOS.definition, "en")
        if definition:
            comment += f": {definition}"
        if name.isidentifier() and not keyword.iskeyword(name):
            lines.append(f"    {name}: URIRef  # {comment}")
        else:
            extras.append(name)
            lines.append(f"    # {name!r} (in _extras; use KG[{name!r}]): {comment}")
    if extras:
        lines += ["", f"    _extras = {extras!r}"]
    lines += ["", f'    _NS = rdflib.namespace.Namespace("{NAMESPACE}")', ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--check"]):
        print("usage: python -m kg.vocab_gen [--check]", file=sys.stderr)
        return 2
    text = render()
    if args == ["--check"]:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET}: out of date with {SOURCE}; run python -m kg.vocab_gen", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
