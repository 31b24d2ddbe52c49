"""The ontology folder and the one loader of each kind of file in it.

``ontology/`` (or the folder ``--ontology DIR`` / ``KG_ONTOLOGY`` names) holds ``kg.ttl`` (the
vocabulary), ``shapes.ttl`` (SHACL), ``queries/*.rq``, ``gazetteer/`` and ``lexicon/`` (tab-separated
word lists, read by :func:`read_table`). Every module that needs one of them asks here.

>>> relation_labels()["hosted"]
{'zh': '主办', 'en': 'hosted'}
>>> type_labels()["Person"]["zh"]
'人物'
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import BadInput
from kg.ontology.namespaces import KG_NAMESPACE

if TYPE_CHECKING:
    from rdflib import Graph

__all__ = ["DEFAULT_ONTOLOGY_DIR", "LexiconError", "ontology_dir", "read_table", "load_ontology", "load_shapes",
           "axioms", "local_name", "relation_labels", "type_labels", "MEMBER_OF"]

#: The project's own ontology folder (the packaged one).
DEFAULT_ONTOLOGY_DIR = Path(__file__).resolve().parent.parent.parent / "ontology"
#: The names of the one edge that is not an ontology relation: a post (org:Membership) held in a body.
MEMBER_OF = {"zh": "任职", "en": "holds a post in"}


class LexiconError(BadInput, ValueError):
    """A data file of the ontology folder is missing or malformed."""


def ontology_dir(path: str | os.PathLike | None = None) -> Path:
    """The ontology folder: ``path``, else ``KG_ONTOLOGY``, else the packaged one (it must exist)."""
    p = Path(path or os.environ.get("KG_ONTOLOGY") or DEFAULT_ONTOLOGY_DIR)
    if not p.is_dir():
        raise LexiconError(f"{p}: ontology folder not found")
    return p


def read_table(path: Path, columns: int) -> list[list[str]]:
    """Rows of a tab-separated data file, header and comments skipped, short rows padded."""
    rows: list[list[str]] = []
    header_seen = False
    with path.open(encoding="utf-8-sig") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n\r")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not header_seen:
                header_seen = True
                continue
            cells = [c.strip() for c in line.split("\t")]
            if len(cells) > columns:
                raise LexiconError(f"{path}:{lineno}: expected {columns} tab-separated columns, found {len(cells)}")
            rows.append(cells + [""] * (columns - len(cells)))
    return rows


@lru_cache(maxsize=8)
def _parsed(path: str, mtime_ns: int) -> "Graph":
    from rdflib import Graph

    return Graph().parse(path, format="turtle")


def _turtle(path: Path) -> "Graph":
    return _parsed(str(path), path.stat().st_mtime_ns)


def load_ontology(ontology: str | os.PathLike | None = None) -> "Graph":
    """``kg.ttl`` of the ontology folder, parsed once per file (a shared graph: read it, do not change it)."""
    return _turtle(ontology_dir(ontology) / "kg.ttl")


def load_shapes(ontology: str | os.PathLike | None = None) -> "Graph":
    """``shapes.ttl`` of the ontology folder (the packaged one when a user's copy has none)."""
    path = ontology_dir(ontology) / "shapes.ttl"
    return _turtle(path if path.is_file() else DEFAULT_ONTOLOGY_DIR / "shapes.ttl")


def axioms(onto: "Graph") -> list[tuple]:
    """What every graph carries of the ontology: its ``rdfs:subClassOf`` axioms and the declarations
    of its named classes (not the anonymous union classes that only serve as domains and ranges)."""
    from rdflib import OWL, RDF, RDFS, URIRef

    out = list(onto.triples((None, RDFS.subClassOf, None)))
    out += [(c, RDF.type, OWL.Class) for c in onto.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)]
    return out


def local_name(iri) -> str:
    """``kg:hosted`` -> ``hosted``; another IRI's last segment.

    >>> local_name("https://example.org/cnqkg/ontology#Person"), local_name("http://www.w3.org/ns/org#Membership")
    ('Person', 'Membership')
    """
    s = str(iri)
    return s[len(KG_NAMESPACE):] if s.startswith(KG_NAMESPACE) else s.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _names(onto: "Graph", term) -> dict[str, str]:
    from rdflib import RDFS, Literal

    found = {o.language: str(o) for o in onto.objects(term, RDFS.label) if isinstance(o, Literal) and o.language}
    return {lang: found.get(lang) or local_name(term) for lang in ("zh", "en")}


def relation_labels(ontology: str | os.PathLike | None = None) -> dict[str, dict[str, str]]:
    """Chinese and English names of the ontology's relations, by local name (and ``memberOf``, a post)."""
    from rdflib import RDFS, URIRef

    onto = load_ontology(ontology)
    out = {local_name(p): _names(onto, p)
           for p in set(onto.subjects(RDFS.domain, None)) | set(onto.subjects(RDFS.range, None))
           if isinstance(p, URIRef) and str(p).startswith(KG_NAMESPACE)}
    out["memberOf"] = dict(MEMBER_OF)
    return out


def type_labels(ontology: str | os.PathLike | None = None) -> dict[str, dict[str, str]]:
    """Chinese and English names of the ontology's classes, by local name."""
    from rdflib import OWL, RDF, URIRef

    onto = load_ontology(ontology)
    return {local_name(c): _names(onto, c) for c in onto.subjects(RDF.type, OWL.Class)
            if isinstance(c, URIRef) and str(c).startswith(KG_NAMESPACE)}
