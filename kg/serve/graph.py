"""The graph the web app reads: ``OUT/store`` opened read-only in this process, reopened when a build
replaces it, with an index of every name for search.

A build renames a new store folder into place (:func:`kg.store.replace_store`, under
:func:`kg.store.store_lock`); :meth:`GraphView.current` notices it by the store's stamp (the graph's
hash in the manifest and the database's ``CURRENT`` file, :func:`kg.query.worker.store_stamp`), at most
once every ``check_every`` seconds, and opens the new store: a request never reads a deleted one.
Pages ask the store their own small queries in threads (pyoxigraph lets go of the GIL while it
evaluates); users' SPARQL goes to worker processes (:mod:`kg.serve.sparql`).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.lookup import Candidate
from kg.ontology.namespaces import KG_NAMESPACE, PREFIXES, RDFS, SKOS
from kg.query.worker import store_stamp
from kg.rdf.files import graph_file, id_namespace_of
from kg.records import ENTITY_TYPES
from kg.store import StoreError, load_store, open_store, store_path

__all__ = ["Snapshot", "GraphView", "NameIndex", "term_value"]


def term_value(term) -> str | None:
    return None if term is None else term.value


class NameIndex:
    """Every label and alias of the entities, for :func:`kg.lookup.find_entity` and the search page.

    :meth:`named` is a dictionary lookup; :meth:`containing` scans one string of all names (``str.find``),
    so a search of a million-triple graph takes milliseconds.
    """

    def __init__(self, rows: list[tuple[str, str, str, str]]):
        # rows: (entity IRI, type, label, name), the label itself among the names
        self.entities: dict[str, Candidate] = {}
        aliases: dict[str, list[str]] = {}
        for iri, typ, label, name in rows:
            if iri not in self.entities:
                self.entities[iri] = Candidate(iri, label, typ)
            if name != label:
                aliases.setdefault(iri, []).append(name)
        for iri, names in aliases.items():
            c = self.entities[iri]
            self.entities[iri] = Candidate(c.node, c.label, c.type, tuple(sorted(set(names))))
        self.by_name: dict[str, list[Candidate]] = {}
        for c in self.entities.values():
            for n in {c.label, *c.aliases}:
                self.by_name.setdefault(n, []).append(c)
        self._names = sorted(self.by_name)
        self._blob = "\n".join(self._names) + "\n"
        self._starts: list[int] = []
        pos = 0
        for n in self._names:
            self._starts.append(pos)
            pos += len(n) + 1

    def named(self, name: str) -> list[Candidate]:
        return list(self.by_name.get(name, ()))

    def containing_names(self, name: str) -> list[str]:
        """The names that contain ``name`` (a name holds no line break)."""
        if not name or "\n" in name:
            return []
        import bisect

        out, seen, i = [], -1, self._blob.find(name)
        while i >= 0:
            k = bisect.bisect_right(self._starts, i) - 1
            if k != seen:
                out.append(self._names[k])
                seen = k
            i = self._blob.find(name, i + 1)
        return out

    def containing(self, name: str) -> list[Candidate]:
        out: dict[str, Candidate] = {}
        for n in self.containing_names(name):
            for c in self.by_name[n]:
                out[c.node] = c
        return list(out.values())

    def all_names(self) -> dict[str, str]:
        return {n: cs[0].label for n, cs in self.by_name.items()}

    def close_candidates(self, name: str) -> dict[str, str]:
        """The names that could be close to ``name`` by difflib's ratio (0.5): of a length within a
        factor of three, sharing a character (the other names cannot reach the ratio)."""
        chars, n = set(name), len(name)
        return {x: cs[0].label for x, cs in self.by_name.items()
                if n / 3 <= len(x) <= n * 3 and not chars.isdisjoint(x)}


@dataclass
class Snapshot:
    """One opened store with what the pages need of it: its IRI namespace and the name index."""

    store: ox.Store
    stamp: str
    namespace: str
    names: NameIndex
    counts: dict = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)  # IRI -> kg:date (events), read once

    def select(self, text: str) -> list[tuple]:
        """Rows of a SELECT (pyoxigraph terms or None), with the graph's prefixes."""
        return [tuple(s) for s in self.store.query(text, prefixes={**PREFIXES, "id": self.namespace})]

    def short(self, iri: str) -> str | None:
        """``org/中机质协`` for an IRI minted under this graph's namespace, else None."""
        return iri[len(self.namespace):] if iri.startswith(self.namespace) else None


_NAMES_QUERY = f"""
SELECT ?e ?t ?l ?n WHERE {{
  VALUES ?t {{ {' '.join(f'<{KG_NAMESPACE}{t}>' for t in ENTITY_TYPES)} }}
  ?e a ?t ; <{RDFS}label> ?l .
  {{ ?e <{RDFS}label> ?n }} UNION {{ ?e <{SKOS}altLabel> ?n }}
}}"""


def _snapshot(out_dir: Path, stamp: str) -> Snapshot:
    store = open_store(out_dir, refresh=False)
    ns = id_namespace_of(graph_file(out_dir)) or PREFIXES["id"]
    rows = []
    for s in store.query(_NAMES_QUERY):
        rows.append((s["e"].value, s["t"].value[len(KG_NAMESPACE):], s["l"].value, s["n"].value))
    snap = Snapshot(store, stamp, ns, NameIndex(rows))
    snap.dates = {s[0].value: s[1].value for s in store.query(f"SELECT ?e ?d WHERE {{ ?e <{KG_NAMESPACE}date> ?d }}")}
    counts_types = snap.select("SELECT ?t (COUNT(?e) AS ?n) WHERE { ?e a ?t FILTER(STRSTARTS(STR(?t), STR(kg:))) } "
                               "GROUP BY ?t ORDER BY DESC(?n)")
    counts_rel = snap.select("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?p), STR(kg:)) "
                             "&& isIRI(?o)) } GROUP BY ?p ORDER BY DESC(?n)")
    snap.counts = {
        "types": [(t.value[len(KG_NAMESPACE):], int(n.value)) for t, n in counts_types
                  if t.value[len(KG_NAMESPACE):] in ENTITY_TYPES],
        "relations": [(p.value[len(KG_NAMESPACE):], int(n.value)) for p, n in counts_rel],
    }
    return snap


class GraphView:
    """The store of the build folder ``out_dir`` as the web app reads it (see the module doc)."""

    def __init__(self, out_dir: str | os.PathLike, check_every: float = 1.0):
        self.out_dir = Path(out_dir)
        self.check_every = check_every
        self._lock = threading.Lock()
        load_store(self.out_dir)  # builds the store if the graph file is newer, as kg query does
        self.path = store_path(self.out_dir)
        stamp = store_stamp(self.path)
        self._snap = _snapshot(self.out_dir, stamp)
        self._checked = time.monotonic()

    def last(self) -> Snapshot:
        """The snapshot opened last, without looking for a newer store."""
        return self._snap

    def current(self) -> Snapshot:
        """The snapshot of the store in place now (reopened if a build replaced it: call it from a thread,
        not an event loop, since reopening takes a while on a large graph)."""
        now = time.monotonic()
        if now - self._checked < self.check_every:
            return self._snap
        with self._lock:
            if now - self._checked < self.check_every:
                return self._snap
            self._checked = now
            try:
                stamp = store_stamp(self.path)
            except OSError:  # the folder is being swapped: keep the open one a moment longer
                return self._snap
            if stamp != self._snap.stamp:
                try:
                    self._snap = _snapshot(self.out_dir, stamp)
                except (OSError, StoreError):  # half swapped: the next check opens it
                    self._checked = now - self.check_every
            return self._snap
