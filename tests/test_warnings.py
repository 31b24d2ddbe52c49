"""Warnings: the project's own calls raise none, and pytest turns any raised from the project's
modules (``kg``, ``extract``) into errors, leaving third-party warnings alone (pyproject.toml)."""

from __future__ import annotations

import warnings

import pytest
from rdflib import Dataset, Literal, URIRef

from kg.rdf import read_dataset
from kg.network import load_network

TRIG = """\
@prefix kg: <https://example.org/cnqkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/cnqkg/id/source/a.txt> {
    <https://example.org/cnqkg/id/org/某某协会> a kg:Association ; rdfs:label "某某协会"@zh .
}
"""


@pytest.mark.parametrize("module", ["kg", "kg.rdf", "extract.pipeline"])
def test_a_warning_from_the_project_is_an_error(module):
    with pytest.raises(DeprecationWarning):
        warnings.warn_explicit("an old call", DeprecationWarning, module.replace(".", "/") + ".py", 1, module=module)


@pytest.mark.parametrize("module", ["rdflib.graph", "kgx", "extraction"])
def test_a_third_party_warning_is_left_alone(module):
    with warnings.catch_warnings(record=True) as caught:
        warnings.warn_explicit("an old call", DeprecationWarning, "x.py", 1, module=module)
    assert [str(w.message) for w in caught] == ["an old call"]


def test_load_network_of_an_rdflib_dataset_warns_nothing():
    """rdflib 7.6 warns (Dataset.default_context) on every ``Dataset.triples``: kg.network reads quads."""
    ds = Dataset(default_union=True)
    ds.graph(URIRef("https://example.org/cnqkg/id/source/a.txt")).add(
        (URIRef("https://example.org/cnqkg/id/org/x"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
         Literal("某某协会", lang="zh")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        G = load_network(ds)
    assert G.number_of_nodes() == 0  # untyped: no entity, but read without a warning


def test_read_dataset_warns_nothing_and_keeps_the_named_graphs(tmp_path):
    """``Dataset.parse(format="trig")`` warns twice in rdflib 7.6 (ConjunctiveGraph, default_context)."""
    path = tmp_path / "graph.trig"
    path.write_text(TRIG, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = read_dataset(path)
        G = load_network(ds)
    graphs = {str(g.identifier): len(g) for g in ds.graphs() if len(g)}
    assert graphs == {"https://example.org/cnqkg/id/source/a.txt": 2}
    assert [a["label"] for _, a in G.nodes(data=True)] == ["某某协会"]
