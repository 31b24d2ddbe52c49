"""A cheap, sound test of which shapes a graph may violate, so that pyshacl runs only where it may
find something.

Built graphs almost always conform, and a pyshacl run costs far more than reading the triples once.
:class:`Prefilter` compiles each shape of the shapes graph into a check over an index of the triples
(subject and predicate -> objects, the types and the ``rdfs:subClassOf`` axioms of the data) and
:meth:`Prefilter.flagged` gives the shapes that may have a result on a graph: an over-approximation,
never a miss. When a shape uses something the checks do not model (another component, a path that
is not an IRI, ``sh:flags``...), every graph with a focus node of that shape is flagged
(:attr:`Prefilter.plan` says which shapes are compiled and which are flagged whole).

The checks read the very rdflib terms pyshacl reads (a store such as Oxigraph would merge
``"01"^^xsd:integer`` with ``"1"^^xsd:integer`` and lower-case language tags, which would make a
count or a language check miss). A value check is three-valued: it conforms, it violates, or it
cannot tell (a value that is ill-typed, of another datatype than expected...), and only a sure
"conforms" passes.

>>> from rdflib import Graph
>>> from kg.ontology import load_shapes
>>> f = Prefilter(load_shapes())
>>> g = Graph().parse(format="turtle", data='''
...     @prefix kg: <https://example.org/cnqkg/ontology#> .
...     @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...     <https://example.org/cnqkg/id/person/姜卫东> a kg:Person ; rdfs:label "姜卫东" .
... ''')
>>> sorted(str(s).rsplit("#", 1)[1] for s in f.flagged(g))
['EntityLabelLanguage']
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from decimal import Decimal

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH, XSD

__all__ = ["Prefilter", "COMPILED", "FLAG_ALL"]

COMPILED = "compiled"
FLAG_ALL = "flag-all"

_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
#: What a shape may say besides its constraints without changing what it checks.
_INERT = {RDF.type, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, RDFS.label,
          RDFS.comment, SH.deactivated, SH.path, *_TARGETS}
#: Components checked on one value at a time (the rest compare the values of a focus node).
_VALUE = {SH.datatype, SH.pattern, SH.languageIn, SH.nodeKind, SH.minInclusive, SH.maxInclusive, SH["class"],
          SH["or"], SH["not"]}
_FOCUS = {SH.minCount, SH.maxCount, SH.disjoint, SH.lessThan, SH.lessThanOrEquals}
#: Python types of the values of the datatypes pyshacl checks (others: any well-typed value passes).
_PYTHON_TYPES = {XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
                 XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date, XSD.time: time, XSD.dateTime: datetime}
#: Datatypes whose values Python compares as pyshacl does (sh:minInclusive, sh:lessThan...).
_ORDERED = {XSD.integer: (int,), XSD.decimal: (Decimal, int), XSD.date: (date,)}

Verdict = bool | None
_EMPTY: list = []
_LITERAL_FOCUS = ("literal",)  # a focus node that is a literal (sh:targetObjectsOf, sh:targetNode)  # True: conforms; False: violates; None: cannot tell


_TYPE, _SUBCLASS = str(RDF.type), str(RDFS.subClassOf)
_STRING, _LANG_STRING, _DATE_NAME = XSD.string, RDF.langString, str(XSD.date)


def _key(node):
    """A node as the index keys it: an IRI as a plain ``str`` (rdflib compares its terms in Python, a
    plain string in C), a blank node as a tuple (never equal to an IRI), a literal as None (never a
    subject)."""
    t = type(node)
    if t is URIRef:
        return node.__str__()
    if t is BNode:
        return ("_", node.__str__())
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, BNode):
        return ("_", str(node))
    return None


class _Index:
    """The triples of one graph, as the checks read them: (subject, predicate) -> the objects (rdflib
    terms; a triple given twice lists its object twice), by predicate then subject."""

    def __init__(self, triples: Iterable[tuple]) -> None:
        by_p: dict[str, dict] = {}
        key, iri = _key, URIRef
        get = by_p.get
        for s, p, o in triples:
            pk = str(p)
            objs = get(pk)
            if objs is None:
                objs = by_p[pk] = {}
            sk = str(s) if type(s) is iri else key(s)
            vs = objs.get(sk)
            if vs is None:
                objs[sk] = [o]
            else:
                vs.append(o)
        self.by_p = by_p
        self._supers: dict = {}
        self._instances: dict | None = None
        self._focus: dict = {}
        self._classes: dict = {}  # node key -> the keys of its classes and their superclasses

    _NONE: dict = {}

    def objects(self, p: str) -> dict:
        """Subject key -> its objects by the predicate ``p`` (a plain str)."""
        return self.by_p.get(p, self._NONE)

    def values(self, s, p: str) -> list:
        """The objects of the node keyed ``s`` by the predicate ``p`` (a plain str)."""
        return self.by_p.get(p, self._NONE).get(s, [])

    @staticmethod
    def node(k):
        """The rdflib term of a node key."""
        return URIRef(k) if isinstance(k, str) else BNode(k[1])

    def supers(self, c: str) -> set:
        """The key of class ``c`` and of its superclasses (``rdfs:subClassOf*`` in the data)."""
        out = self._supers.get(c)
        if out is None:
            out, todo = set(), [c]
            while todo:
                x = todo.pop()
                if x not in out:
                    out.add(x)
                    todo.extend(_key(o) for o in self.values(x, _SUBCLASS))
            out.discard(None)
            self._supers[c] = out
        return out

    def is_a(self, node, c: str) -> bool:
        k = _key(node)
        if k is None:
            return False
        classes = self._classes.get(k)
        if classes is None:
            classes = self._classes[k] = set()
            for t in self.values(k, _TYPE):
                tk = _key(t)
                if tk is not None:
                    classes |= self.supers(tk)
        return c in classes

    def instances(self, c: str) -> set:
        """The keys of the nodes of class ``c`` or of one of its subclasses (``rdf:type/rdfs:subClassOf*``)."""
        if self._instances is None:
            self._instances = {}
            for s, types in self.objects(_TYPE).items():
                for t in types:
                    for x in self.supers(_key(t)) if _key(t) is not None else ():
                        self._instances.setdefault(x, set()).add(s)
        return self._instances.get(c, set())


_ORDERED_BY_NAME = {str(k): v for k, v in _ORDERED.items()}


def _ordered(v) -> tuple | None:
    """(datatype IRI, value) of a literal Python compares as pyshacl does, else None."""
    if type(v) is Literal or isinstance(v, Literal):
        d = v.datatype
        kinds = _ORDERED_BY_NAME.get(d.__str__()) if d is not None else None
        if kinds is not None and not v.ill_typed:
            value = v.value
            if isinstance(value, kinds) and not isinstance(value, bool):
                return d.__str__(), value
    return None


def _pattern_string(v) -> str:
    """The string pyshacl matches a pattern against (``value_node_to_string``)."""
    if (type(v) is Literal or isinstance(v, Literal)) and v.value is not None \
            and v.datatype in (None, _LANG_STRING, _STRING):
        return str(v.value)
    return str(v)


class _Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.g = shapes

    def value_checks(self, shape) -> list | None:
        """The checks of one value against the value components of ``shape`` (None: cannot compile)."""
        checks = []
        for p, o in self.g.predicate_objects(shape):
            if p in _INERT or p in _FOCUS:
                continue
            if p not in _VALUE:
                return None
            check = self.component(p, o)
            if check is None:
                return None
            checks.append(check)
        return checks

    def value_check(self, shape) -> Callable[[_Index, object], Verdict] | None:
        """One check of a value against all the value components of ``shape`` (None: cannot compile)."""
        checks = self.value_checks(shape)
        if checks is None:
            return None

        return lambda ix, v: _decide(checks, ix, v, False)

    def member(self, node) -> Callable[[_Index, object], Verdict] | None:
        """A member of sh:or / sh:not: a shape checked on the value itself (no path, no focus component)."""
        preds = set(self.g.predicates(node))
        if preds & (_FOCUS | {SH.path} | set(_TARGETS)):
            return None
        return self.value_check(node)

    def component(self, p, o) -> Callable[[_Index, object], Verdict] | None:
        g = self.g
        if p == SH.datatype:
            return self._datatype(o)
        if p == SH.pattern:
            rx = re.compile(str(o))

            def pattern(ix, v) -> Verdict:
                if isinstance(v, BNode):
                    return False
                s = _pattern_string(v)
                return bool(rx.match(s) or rx.search(s))
            return pattern
        if p == SH.languageIn:
            try:
                need = {str(x).lower() for x in g.items(o)}
            except Exception:
                return None
            if "*" in need:
                return None

            def language(ix, v) -> Verdict:
                lang = v.language if type(v) is Literal or isinstance(v, Literal) else None
                return bool(lang) and (str(lang).lower() in need or str(lang).split("-")[0].lower() in need)
            return language
        if p == SH.nodeKind:
            kinds = {SH.IRI: (URIRef,), SH.BlankNode: (BNode,), SH.Literal: (Literal,),
                     SH.BlankNodeOrIRI: (BNode, URIRef), SH.BlankNodeOrLiteral: (BNode, Literal),
                     SH.IRIOrLiteral: (URIRef, Literal)}.get(o)
            if kinds is None:
                return None
            return lambda ix, v: isinstance(v, kinds)
        if p in (SH.minInclusive, SH.maxInclusive):
            bound = _ordered(o)
            if bound is None:
                return None
            low = p == SH.minInclusive

            def inclusive(ix, v) -> Verdict:
                x = _ordered(v)
                if x is None or x[0] != bound[0] and _DATE_NAME in (x[0], bound[0]):
                    return None
                return (x[1] >= bound[1]) if low else (x[1] <= bound[1])
            return inclusive
        if p == SH["class"]:
            c = str(o)
            return lambda ix, v: ix.is_a(v, c)
        if p == SH["or"]:
            try:
                members = [self.member(m) for m in g.items(o)]
            except Exception:
                return None
            if not members or any(m is None for m in members):
                return None

            return lambda ix, v: _decide(members, ix, v, True)
        if p == SH["not"]:
            inner = self.member(o)
            if inner is None:
                return None

            def negation(ix, v) -> Verdict:
                r = inner(ix, v)
                return None if r is None else not r
            return negation
        return None

    def _datatype(self, dt) -> Callable[[_Index, object], Verdict] | None:
        if dt in (RDFS.Literal, RDFS.Datatype):
            return None

        name = str(dt)
        kinds = _PYTHON_TYPES.get(dt)

        def datatype(ix, v) -> Verdict:  # pyshacl's DatatypeConstraintComponent
            if type(v) is not Literal and not isinstance(v, Literal):
                return False
            d = v.datatype
            if d is not None and d.__str__() == name:  # (rdflib compares its terms in Python)
                if v.ill_typed is True:
                    return False
            elif not ((d is None and v.language is None and dt == _STRING)
                      or (dt == _LANG_STRING and v.language)):
                return False
            return True if kinds is None else isinstance(v.value, kinds)
        return datatype


def _decide(checks: list, ix: _Index, v, decisive: bool) -> Verdict:
    """Three-valued AND (``decisive`` False: all must hold) or OR (True: one must) of ``checks`` on
    ``v``: the decisive verdict as soon as one check gives it, else None if one could not tell."""
    verdict: Verdict = not decisive
    for check in checks:
        r = check(ix, v)
        if r is decisive:
            return decisive
        if r is None:
            verdict = None
    return verdict


def _less(strict: bool):
    def check(v, w) -> Verdict:
        a, b = _ordered(v), _ordered(w)
        if a is None or b is None or a[0] != b[0]:
            return None
        return a[1] < b[1] if strict else a[1] <= b[1]
    return check


class _ShapeCheck:
    """One targeted shape: its focus nodes and what may make one of them a result."""

    def __init__(self, shapes: Graph, shape, compiler: _Compiler) -> None:
        self.shape = shape
        g = shapes
        self.targets = sorted(((p, o) for p in _TARGETS for o in g.objects(shape, p)), key=str)
        self.reason = ""
        path = g.value(shape, SH.path)
        preds = set(g.predicates(shape))
        if path is not None and not isinstance(path, URIRef):
            self.reason = "a path that is not an IRI"
        elif SH.flags in preds:
            self.reason = "sh:flags"
        elif (shape, RDF.type, RDFS.Class) in g or (shape, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in g:
            self.reason = "an implicit class target"
        self.path = path
        self.value = compiler.value_checks(shape) if not self.reason else None
        if not self.reason and self.value is None:
            unknown = sorted(str(p) for p in preds - _INERT - _FOCUS - _VALUE)
            self.reason = "components not compiled: " + (", ".join(unknown) or "a parameter it cannot read")
        self.focus: list = []
        if not self.reason:
            for p, o in g.predicate_objects(shape):
                if p not in _FOCUS:
                    continue
                if path is None and p in (SH.minCount, SH.maxCount):
                    self.reason = f"{p} without a path"
                    break
                if p in (SH.minCount, SH.maxCount):
                    if not isinstance(o, Literal) or not isinstance(o.value, int):
                        self.reason = f"{p} {o}"
                        break
                    n = o.value  # the values are listed each once only when the triples are: count them apart
                    self.focus.append((lambda vs, ix, f, n=n: len(vs) >= n and (n <= 1 or len(set(vs)) >= n))
                                      if p == SH.minCount else
                                      (lambda vs, ix, f, n=n: len(vs) <= n or len(set(vs)) <= n))
                elif p == SH.disjoint:
                    self.focus.append(lambda vs, ix, f, q=str(o): not any(v in vs for v in ix.values(f, q)))
                else:
                    less = _less(p == SH.lessThan)
                    self.focus.append(lambda vs, ix, f, q=str(o), less=less:
                                      all(less(v, w) is True for v in vs for w in ix.values(f, q)))
        self.compiled = not self.reason

    def focus_nodes(self, ix: _Index) -> set:
        key = tuple(self.targets)
        out = ix._focus.get(key)
        if out is not None:
            return out
        out = ix._focus[key] = set()
        for p, o in self.targets:
            if p == SH.targetClass:
                out.update(ix.instances(str(o)))
            elif p == SH.targetSubjectsOf:
                out.update(ix.objects(str(o)))
            elif p == SH.targetObjectsOf:
                for vs in ix.objects(str(o)).values():
                    out.update(k for k in map(_key, vs) if k is not None)
                    if any(isinstance(v, Literal) for v in vs):
                        out.add(_LITERAL_FOCUS)
            else:
                out.add(_key(o) if _key(o) is not None else _LITERAL_FOCUS)
        return out

    def may_fail(self, ix: _Index) -> bool:
        focus = self.focus_nodes(ix)
        if not focus:
            return False
        if not self.compiled:
            return True
        if _LITERAL_FOCUS in focus:  # a literal focus node: not modelled
            return True
        if self.path is None:
            for f in focus:
                vs = [ix.node(f)]
                for check in self.value:
                    if check(ix, vs[0]) is not True:
                        return True
                for check in self.focus:
                    if not check(vs, ix, f):
                        return True
            return False
        by_subject = ix.objects(str(self.path))
        value, checks = self.value, self.focus
        if not checks and len(by_subject) < len(focus):  # only the focus nodes with values matter
            nodes = [f for f in by_subject if f in focus]
        else:
            nodes = focus
        for check in checks:
            for f in nodes:
                if not check(by_subject.get(f, _EMPTY), ix, f):
                    return True
        if value:
            # a value's checks read the value and the graph, not the node it is a value of: each
            # value once (by identity: the graph's terms are made once for the values that recur)
            distinct = {id(v): v for f in nodes for v in by_subject.get(f, _EMPTY)}
            for check in value:
                for v in distinct.values():
                    if check(ix, v) is not True:
                        return True
        return False


class Prefilter:
    """The shapes of ``shapes`` (an rdflib Graph), compiled for :meth:`flagged`."""

    def __init__(self, shapes: Graph) -> None:
        compiler = _Compiler(shapes)
        targeted = sorted({s for p in _TARGETS for s in shapes.subjects(p, None)}, key=str)
        self.checks = [_ShapeCheck(shapes, s, compiler) for s in targeted
                       if shapes.value(s, SH.deactivated) != Literal(True)]
        #: shape -> :data:`COMPILED`, or :data:`FLAG_ALL` and why (each of its focus nodes is flagged)
        self.plan = {c.shape: COMPILED if c.compiled else f"{FLAG_ALL}: {c.reason}" for c in self.checks}

    def flagged(self, triples: Iterable[tuple]) -> set:
        """The shapes that may have a result on the graph of ``triples`` (its ``rdfs:subClassOf``
        axioms included, as pyshacl is given them): a superset of those that have one."""
        collect = gc.isenabled()
        gc.disable()  # the index is many small containers and no cycle: no collections while it is built
        try:
            ix = _Index(triples)
            return {c.shape for c in self.checks if c.may_fail(ix)}
        finally:
            if collect:
                gc.enable()
