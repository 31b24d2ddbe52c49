"""The IRIs a build mints: stable, under ``BASE/id/``.

An entity's IRI is made from its kind and canonical label, so the same entity gets the same IRI in
every run and every corpus it appears in. Every IRI minted here (entities, sources, statements, posts,
roles) is under ``BASE/id/``; the base is :data:`DEFAULT_BASE_IRI` unless the caller gives its own
(``kg build --base-iri``, or ``base_iri`` in ``kg.toml``). The ontology's terms (``kg:``) keep their
own namespace whatever the base.

>>> str(entity_iri("org/中机质协", "https://data.example.com/kg/"))
'https://data.example.com/kg/id/org/中机质协'
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import quote, unquote

from rdflib import Namespace, URIRef

from kg.errors import BadUsage
from kg.ontology.namespaces import DEFAULT_BASE_IRI
from kg.ontology.namespaces import ORG as _ORG

__all__ = ["DEFAULT_BASE_IRI", "ID", "ORG", "ONTOLOGY_GRAPH", "base_iri_problem", "id_namespace", "entity_iri",
           "entity_node", "entity_name", "source_iri", "source_node", "iri_segment", "short_hash"]

ID = Namespace(DEFAULT_BASE_IRI + "id/")
ORG = Namespace(_ORG)
ONTOLOGY_GRAPH = ID["graph/ontology"]  # under the default base; id:graph/ontology under another

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f-\x9f]')


def base_iri_problem(base_iri: str) -> str | None:
    """Why ``base_iri`` cannot be the base of minted IRIs, or None if it can.

    >>> [base_iri_problem(b) for b in ("https://data.example.com/kg/", "https://data.example.com/kg")]
    [None, "must end with '/' or '#' (IRIs are made by appending id/…)"]
    """
    if not _SCHEME.match(base_iri):
        return "is not an absolute IRI (it needs a scheme, such as https://)"
    bad = _NOT_IN_IRI.search(base_iri)
    if bad:
        return f"cannot hold {bad.group()!r}"
    if not base_iri.endswith(("/", "#")):
        return "must end with '/' or '#' (IRIs are made by appending id/…)"
    return None


def id_namespace(base_iri: str | None = None) -> Namespace:
    """The namespace of minted IRIs: ``BASE/id/`` (:data:`ID` for the default base).

    Raises :class:`kg.errors.BadUsage` for a base that cannot be one (see :func:`base_iri_problem`).
    """
    if base_iri is None or base_iri == DEFAULT_BASE_IRI:
        return ID
    problem = base_iri_problem(base_iri)
    if problem:
        raise BadUsage(f"base IRI {base_iri!r} {problem}")
    return Namespace(base_iri + "id/")


def entity_iri(entity_id: str, base_iri: str | None = None) -> URIRef:
    """IRI of an entity id such as ``org/中国机械工业质量管理协会`` (IRI characters kept, the rest escaped)."""
    return entity_node(id_namespace(base_iri), entity_id)


@lru_cache(maxsize=1 << 16)
def entity_node(ns: Namespace, entity_id: str) -> URIRef:
    """:func:`entity_iri` in the namespace ``ns`` already checked."""
    return ns[entity_name(entity_id)]


def entity_name(entity_id: str) -> str:
    """The local name of an entity's IRI under the minted namespace (``org/中机质协``)."""
    kind, _, label = entity_id.partition("/")
    return kind + "/" + iri_segment(label)


def entity_id_of(ns: Namespace, iri: str) -> str | None:
    """The entity id :func:`entity_node` made ``iri`` of in ``ns`` (its segment unescaped), or None for
    an IRI outside ``ns``.

    >>> entity_id_of(id_namespace(), entity_iri("event/PTC ASIA展会"))
    'event/PTC ASIA展会'
    """
    s, base = str(iri), str(ns)
    if not s.startswith(base):
        return None
    kind, sep, segment = s[len(base):].partition("/")
    return kind + "/" + unquote(segment) if sep else None


def source_iri(doc_id: str, base_iri: str | None = None) -> URIRef:
    """The IRI of a source document (and of its named graph in ``graph.trig``): its id, a path
    relative to the inputs, one IRI segment per folder.

    >>> str(source_iri("2021/通知 #1.docx"))
    'https://example.org/cnqkg/id/source/2021/通知%20%231.docx'
    """
    return source_node(id_namespace(base_iri), doc_id)


@lru_cache(maxsize=1 << 12)
def source_node(ns: Namespace, doc_id: str) -> URIRef:
    """:func:`source_iri` in the namespace ``ns`` already checked."""
    return ns["source/" + "/".join(iri_segment(part) for part in doc_id.split("/"))]


@lru_cache(maxsize=1 << 16)  # names recur in every statement about them
def iri_segment(text: str) -> str:
    """A path segment keeping non-ASCII letters (IRIs allow them) and %-escaping the rest."""
    return _ESCAPED.sub(_escape, text)


#: What :func:`iri_segment` escapes: ASCII but letters, digits and ``()-_.~``, and whitespace (``\s`` is
#: :meth:`str.isspace`); most names are Chinese, so a name is looked at in one pass, not a character at a time.
_ESCAPED = re.compile(r"[^A-Za-z0-9()\-_.~\x80-\U0010ffff]|\s")


def _escape(m: re.Match) -> str:
    return quote(m.group(), safe="()-_.~")


def short_hash(s: str) -> str:
    """16 hexadecimal digits of SHA-1: the local name of a statement, a derivation or a post."""
    return hashlib.sha1(s.encode("utf-8")).hexdigest()[:16]
