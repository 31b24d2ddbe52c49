"""Generate the Python view of ``ontology/kg.ttl``: ``kg/ontology/vocab.py`` (the ``KG``
DefinedNamespace) and ``kg/ontology/relations.py`` (each relation's domain, range and super-properties).

    python -m kg.ontology.vocab_gen            # rewrite both files
    python -m kg.ontology.vocab_gen --check    # exit 1 if they are not what kg.ttl gives

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

from kg.ontology.loader import DEFAULT_ONTOLOGY_DIR
from kg.ontology.namespaces import KG_NAMESPACE as NAMESPACE

ONTOLOGY_IRI = URIRef("https://example.org/cnqkg/ontology")
SOURCE = DEFAULT_ONTOLOGY_DIR / "kg.ttl"
TARGET = Path(__file__).resolve().parent / "vocab.py"
RELATIONS_TARGET = Path(__file__).resolve().parent / "relations.py"
COMMAND = "python -m kg.ontology.vocab_gen"

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
        '"""The kg: vocabulary as an rdflib DefinedNamespace: ``from kg.ontology.vocab import KG``.',
        "",
        f"GENERATED from ontology/kg.ttl by ``{COMMAND}``: do not edit, edit kg.ttl and",
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


def _classes(g: Graph, node) -> tuple[str, ...]:
    """The kg: classes a domain or range names (the members of a union), local names sorted."""
    members = list(g.items(g.value(node, OWL.unionOf))) if g.value(node, OWL.unionOf) is not None else [node]
    return tuple(sorted(str(m)[len(NAMESPACE):] for m in members if str(m).startswith(NAMESPACE)))


def _tuple(names) -> str:
    """A tuple of strings as Python source, in double quotes."""
    return "(" + ", ".join(f'"{n}"' for n in names) + ("," if len(names) == 1 else "") + ")"


def render_relations(source: Path = SOURCE) -> str:
    """``relations.py``: the domain and range of every kg: object property, and its kg: super-properties."""
    g = Graph().parse(source, format="turtle")
    props = sorted(name for kind, name in terms(g) if kind == OWL.ObjectProperty)
    lines = [
        '"""The kg: relations as Python: what each may join and what it implies, ``from kg.ontology.relations',
        'import DOMAIN_RANGE``.',
        "",
        f"GENERATED from ontology/kg.ttl by ``{COMMAND}``: do not edit, edit kg.ttl and",
        "regenerate (a test fails when this file is out of date).",
        '"""',
        "",
        "#: relation -> (classes of its subject, classes of its object): ``rdfs:domain`` and ``rdfs:range``,",
        "#: a union listed member by member (local names of kg: classes).",
        "DOMAIN_RANGE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {",
    ]
    for name in props:
        node = URIRef(NAMESPACE + name)
        domain = tuple(sorted({c for d in g.objects(node, RDFS.domain) for c in _classes(g, d)}))
        range_ = tuple(sorted({c for r in g.objects(node, RDFS.range) for c in _classes(g, r)}))
        lines.append(f'    "{name}": ({_tuple(domain)}, {_tuple(range_)}),')
    lines += ["}", "",
              "#: relation -> the kg: relations it is an ``rdfs:subPropertyOf`` (each of its facts is a fact of those).",
              "SUPER_PROPERTIES: dict[str, tuple[str, ...]] = {"]
    for name in props:
        supers = sorted(str(o)[len(NAMESPACE):] for o in g.objects(URIRef(NAMESPACE + name), RDFS.subPropertyOf)
                        if isinstance(o, URIRef) and str(o).startswith(NAMESPACE))
        if supers:
            lines.append(f'    "{name}": {_tuple(supers)},')
    lines += ["}", ""]
    return "\n".join(lines)


def outputs(source: Path = SOURCE) -> dict[Path, str]:
    """Each generated file and the text kg.ttl gives it."""
    return {TARGET: render(source), RELATIONS_TARGET: render_relations(source)}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--check"]):
        print(f"usage: {COMMAND} [--check]", file=sys.stderr)
        return 2
    stale = 0
    for target, text in outputs().items():
        if args == ["--check"]:
            current = target.read_text(encoding="utf-8") if target.exists() else ""
            if current != text:
                print(f"{target}: out of date with {SOURCE}; run {COMMAND}", file=sys.stderr)
                stale = 1
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target}")
    return stale


if __name__ == "__main__":
    sys.exit(main())
