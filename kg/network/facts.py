r"""The facts of a graph file as a plain index of strings, the form :mod:`kg.network.load` reads.

An index (:data:`_Index`) maps each subject to its predicates and each predicate to its objects;
IRIs are plain ``str``, literals :class:`_Lit`, blank nodes :class:`_Blank`. It is made from a graph
file parsed with pyoxigraph (:func:`_index_file`), from the triples a build writes into its
``graph.ttl`` (:func:`facts_index`), or from an earlier ``graph.ttl`` and what changed since
(:class:`EarlierFacts`, the page of an update: the same index as parsing the new file).

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> prefixes = b"@prefix ex: <https://example.org/> .\n\n"
>>> _ = (folder / "old.ttl").write_bytes(prefixes + b"ex:a ex:p ex:b .\nex:a ex:p ex:c .\n")
>>> _ = (folder / "new.ttl").write_bytes(prefixes + b"ex:a ex:p ex:c .\nex:d ex:q \"x\"@zh .\n")
>>> earlier = EarlierFacts(folder / "old.ttl")
>>> earlier.index_of(folder / "new.ttl") == _index_file(folder / "new.ttl", skip=_PROVENANCE)
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from rdflib import RDF
from rdflib.namespace import PROV, RDFS, SKOS

from kg.ontology.vocab import KG
from kg.rdf import ORG
from kg.rdf.files import unreadable

__all__ = ["facts_index", "EarlierFacts"]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_TYPE, _LABEL, _ALT, _DERIVED = str(RDF.type), str(RDFS.label), str(SKOS.altLabel), str(PROV.wasDerivedFrom)
_STATEMENT, _SUBJECT, _PREDICATE, _OBJECT = str(RDF.Statement), str(RDF.subject), str(RDF.predicate), str(RDF.object)
_DATE, _END_DATE, _CONFIDENCE, _SENTENCE = str(KG.date), str(KG.endDate), str(KG.confidence), str(KG.sentenceText)
_START, _END, _EXTRACTOR = str(KG.startOffset), str(KG.endOffset), str(KG.extractor)
_MEMBERSHIP, _MEMBER, _ROLE, _ORGANIZATION = str(ORG.Membership), str(ORG.member), str(ORG.role), str(ORG.organization)
_QUALIFIED, _ENTITY = str(PROV.qualifiedDerivation), str(PROV.entity)
#: What only provenance is made of: the triples of statements and derivations, and the sources of everything.
_PROVENANCE = frozenset({_SUBJECT, _PREDICATE, _OBJECT, _DERIVED, _SENTENCE, _START, _END, _EXTRACTOR, _CONFIDENCE,
                         _QUALIFIED, _ENTITY})
_PROVENANCE_TYPES = frozenset({_STATEMENT, str(PROV.Derivation)})
_STATEMENT_TYPES = frozenset({_STATEMENT})


class _Blank(str):
    """A blank node's id in an :class:`_Index` (IRIs are plain ``str``)."""


class _Lit(tuple):
    """A literal in an :class:`_Index`: ``(lexical form, language or None, datatype IRI or None)``."""

    __slots__ = ()

    def __new__(cls, value: str, lang: str | None, datatype: str | None):
        return tuple.__new__(cls, (value, lang, datatype))

    def __str__(self) -> str:
        return self[0]


_Index = dict  # subject -> predicate IRI -> {object: None} (an ordered set) or (object,); terms as above


def _terms():
    """A function from pyoxigraph terms to an :data:`_Index`'s (each distinct term once, by its value:
    keeping pyoxigraph's objects as keys held them all in memory)."""
    import pyoxigraph as ox

    iris: dict[str, str] = {}
    literals: dict[tuple, _Lit] = {}
    named, blank = ox.NamedNode, ox.BlankNode

    def term(t):
        if isinstance(t, named):
            v = t.value
            return iris.setdefault(v, v)
        if isinstance(t, blank):
            return _Blank(t.value)
        dt = t.datatype.value
        key = (t.value, t.language, None if t.language or dt == _XSD_STRING else dt)
        r = literals.get(key)
        if r is None:
            r = literals[key] = _Lit(*key)
        return r

    return term


def _add(spo: _Index, s, p, o) -> None:
    po = spo.get(s)
    if po is None:
        po = spo[s] = {}
    objs = po.get(p)
    if objs is None:
        po[p] = (o,)  # most (subject, predicate) pairs have one object: a tuple, not a dict
    elif type(objs) is tuple:
        if o != objs[0]:
            po[p] = {objs[0]: None, o: None}
    else:
        objs[o] = None


def _quads(path: Path, data: bytes | None = None):
    """The quads of a graph file as pyoxigraph parses them, in the file's order (a file that does not
    parse raises :class:`kg.rdf.files.GraphUnreadable`); those of ``data`` (part of the file, with its
    prefixes) instead when it is given."""
    import pyoxigraph as ox

    fmt = ox.RdfFormat.TRIG if path.suffix == ".trig" else ox.RdfFormat.TURTLE
    try:
        if data is not None:
            yield from ox.parse(data, format=fmt)
            return
        with path.open("rb") as f:
            yield from ox.parse(f, format=fmt)
    except SyntaxError as e:
        raise unreadable(path, e) from None


def _index_file(path: Path, skip: frozenset = frozenset(), data: bytes | None = None, term=None) -> _Index:
    """The triples of ``path`` (all graphs), but those whose predicate is in ``skip`` (and, with a
    ``skip``, the ``rdf:type`` ones of provenance); of ``data`` (Turtle with ``path``'s prefixes)
    instead when it is given; terms made by ``term`` (a :func:`_terms`) when it is given."""
    spo: _Index = {}
    for s, p, o in _kept(path, skip, term or _terms(), data):
        _add(spo, s, p, o)
    return spo


def _kept(path: Path, skip: frozenset, term, data: bytes | None = None):
    """The triples :func:`_index_file` indexes, in the file's order, as index terms."""
    import pyoxigraph as ox

    skipped = {ox.NamedNode(p) for p in skip}
    typ, skipped_types = ox.NamedNode(_TYPE), {ox.NamedNode(t) for t in _PROVENANCE_TYPES} if skip else set()
    for q in _quads(path, data):
        p = q.predicate
        if p in skipped or (skipped_types and p == typ and q.object in skipped_types):
            continue
        yield term(q.subject), term(p), term(q.object)


def facts_index(triples: Iterable[tuple]) -> _Index:
    """The index :func:`_index_file` makes of a build's ``graph.ttl`` (the facts; provenance left out),
    from its triples as plain terms in the file's order (:data:`kg.rdf.write.PlainTriple`, which
    :func:`kg.rdf.write.facts_bytes` hands over as it writes the file): a build's page does not parse
    the file it has just written."""
    made: dict[tuple, _Lit | _Blank] = {}
    types = _PROVENANCE_TYPES

    def term(t):
        if type(t) is str:
            return t
        known = made.get(t)
        if known is None:
            known = made[t] = _Lit(*t) if len(t) == 3 else _Blank(t[0])
        return known

    spo: _Index = {}
    for s, p, o in triples:
        if p in _PROVENANCE or (p == _TYPE and o in types):
            continue
        _add(spo, term(s), p, term(o))
    return spo


def _remove(spo: _Index, s, p, o) -> None:
    """Take the triple out of ``spo`` as if :func:`_add` had never put it there (KeyError: it is not there)."""
    po = spo[s]
    objs = po[p]
    if type(objs) is tuple:
        if objs[0] != o:
            raise KeyError(o)
        del po[p]
        if not po:
            del spo[s]
    else:
        del objs[o]
        if len(objs) == 1:
            po[p] = (next(iter(objs)),)


class EarlierFacts:
    """The facts index (:func:`_index_file` with the provenance left out) of a ``graph.ttl`` written
    by :func:`kg.rdf.write.facts_bytes`, made ahead, then brought to a later such file by the lines
    they do not share: :meth:`index_of` gives what parsing the later file gives, but parses only the
    lines that changed (at 10,000 documents, 630,000 lines take about 5 CPU-s to parse; an update
    changes a few hundred). The page of an update reads its ``graph.ttl`` so, in a process started
    before the build reads anything (:func:`kg.build.build`).

    The file must be as the build writes it: its prefixes, a blank line, then one triple a line.
    Where the prefixes differ, a line names a blank node (its label is the file's own), or most
    lines changed, the later file is parsed whole. The index gives up the earlier one: one call.

    The same index as a parse: the same subjects, each with the same predicates and objects (one
    object a 1-tuple, several a dict), but not in the file's order (what was added comes last). The
    page does not depend on that order (a test reverses a build's ``graph.ttl``: the same page).
    """

    def __init__(self, path: Path) -> None:
        data = Path(path).read_bytes()
        self._head, self._body = _parts(data)
        self._term = _terms()
        self._spo = _index_file(Path(path), _PROVENANCE, data, self._term)

    def index_of(self, path: Path) -> _Index:
        """The index of the facts of ``path`` (a later ``graph.ttl``)."""
        path = Path(path)
        spo, self._spo = self._spo, None
        if spo is None:
            raise RuntimeError("EarlierFacts.index_of: the earlier index was given up already")
        data = path.read_bytes()
        head, body = _parts(data)

        def whole() -> _Index:
            return _index_file(path, _PROVENANCE, data, self._term)

        if head != self._head or head is None:
            return whole()
        old, new = set(self._body.split(b"\n")), set(body.split(b"\n"))
        self._body = b""
        gone, came = old - new, new - old
        del old, new
        if len(gone) + len(came) > body.count(b"\n") // 2 or any(b"_:" in line for line in gone | came):
            return whole()
        try:
            for s, p, o in _kept(path, _PROVENANCE, self._term, head + b"\n".join(sorted(gone)) + b"\n"):
                _remove(spo, s, p, o)
        except KeyError:  # a line of the earlier file that is not in the earlier index: not such a file
            return whole()
        for s, p, o in _kept(path, _PROVENANCE, self._term, head + b"\n".join(sorted(came)) + b"\n"):
            _add(spo, s, p, o)
        return spo


def _parts(data: bytes) -> tuple[bytes | None, bytes]:
    """The prefixes of a ``graph.ttl`` (up to its first blank line, with it) and its lines after them."""
    head, blank, body = data.partition(b"\n\n")
    return (head + blank, body) if blank else (None, data)
