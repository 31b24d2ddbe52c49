"""A build validates its graph a document at a time, and the constraints that span documents over the
store: the report is the one pyshacl gives for the whole graph (``kg.rdf.shacl.validate`` of the union).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, BNode, Dataset, Literal, Namespace, URIRef
from rdflib.namespace import PROV, SKOS, XSD

from kg.ontology.vocab import KG
from kg.rdf import serialize_trig
from kg.rdf.shacl import validate
from kg.rdf.shacl_documents import DocumentValidator
from kg.store import load_store, open_store

ID = Namespace("https://example.org/cnqkg/id/")
EVENT, ORG_, OTHER = ID["event/质量论坛"], ID["org/某协会"], ID["event/年会"]


def _source(g, name: str):
    src = ID["source/" + name]
    g.add((src, RDF.type, KG.SourceFile))
    g.add((src, KG.path, Literal(name)))
    g.add((src, KG.contentHash, Literal("a" * 64)))
    return src


def _statement(g, src, sentence: str, n: int):
    st = ID[f"statement/{n}"]
    for p, o in ((RDF.type, RDF.Statement), (RDF.subject, ORG_), (RDF.predicate, KG.hosted), (RDF.object, EVENT),
                 (PROV.wasDerivedFrom, src), (KG.sentenceText, Literal(sentence)),
                 (KG.startOffset, Literal(0, datatype=XSD.integer)), (KG.endOffset, Literal(9, datatype=XSD.integer)),
                 (KG.extractor, Literal("rule:test")), (KG.confidence, Literal("0.800", datatype=XSD.decimal))):
        g.add((st, p, o))


def _entity(g, iri, kind, label, src, **more):
    g.add((iri, RDF.type, kind))
    g.add((iri, RDFS.label, Literal(label, lang="zh")))
    g.add((iri, PROV.wasDerivedFrom, src))
    for p, o in more.items():
        g.add((iri, {"alt": SKOS.altLabel, "date": KG.date, "end": KG.endDate}[p], o))


def dataset(local: bool, across: bool, wrong_type: bool = False) -> Dataset:
    """Two documents; ``local``: one states a blank evidence sentence; ``across``: they give the event
    two labels, two dates, one after the other's end date, and one's alias is the other's label;
    ``wrong_type``: b hosts an entity that only a describes, as a Person."""
    ds = Dataset()
    a, b = ds.graph(ID["source/a.txt"]), ds.graph(ID["source/b.txt"])
    sa, sb = _source(a, "a.txt"), _source(b, "b.txt")
    day = lambda d: Literal(d, datatype=XSD.date)  # noqa: E731
    _entity(a, EVENT, KG.Event, "质量论坛", sa, date=day("2020-05-01"), end=day("2020-05-03"))
    _entity(a, ORG_, KG.Association, "某协会", sa)
    _entity(b, ORG_, KG.Association, "某协会", sb)
    if across:
        _entity(b, EVENT, KG.Event, "质量大会", sb, alt=Literal("质量论坛", lang="zh"), date=day("2020-06-01"))
    else:
        _entity(b, EVENT, KG.Event, "质量论坛", sb, date=day("2020-05-01"), end=day("2020-05-03"))
    a.add((ORG_, KG.hosted, EVENT))
    _statement(a, sa, "   " if local else "某协会主办质量论坛。", 1)
    _entity(a, OTHER, KG.Person if wrong_type else KG.Event, "年会", sa)
    b.add((ORG_, KG.hosted, OTHER))  # b refers to OTHER, a describes it
    return ds


def by_document(ds: Dataset, tmp_path: Path, batch: int):
    """What kg build does: each named graph to the validator, then the store."""
    union = {}
    for g in ds.graphs():
        for s, p, o in g:
            if p in (RDF.type, RDFS.label):
                union.setdefault(s, []).append((s, p, o))
    v = DocumentValidator(describe=lambda iri: union.get(iri, []), batch=batch)
    for g in sorted(ds.graphs(), key=lambda g: str(g.identifier)):
        if len(g):
            v.add(list(g))
    (tmp_path / "graph.trig").write_bytes(serialize_trig(ds))
    load_store(tmp_path)
    store = open_store(tmp_path, refresh=False)
    try:
        return v.finish(store)
    finally:
        del store


@pytest.mark.parametrize("local, across, wrong_type", [
    (False, False, False), (True, False, False), (False, True, False), (True, True, False), (False, False, True)],
    ids=["conforms", "in-one-document", "across-documents", "both", "type-in-another-document"])
@pytest.mark.parametrize("batch", [1, 1_000_000], ids=["a-document-a-run", "one-run"])
def test_document_by_document_gives_the_report_of_the_whole_graph(tmp_path, local, across, wrong_type, batch):
    ds = dataset(local, across, wrong_type)
    whole = validate(ds)
    report = by_document(ds, tmp_path, batch)
    assert report.text == whole.text
    assert report.conforms == whole.conforms == (not (local or across or wrong_type))
    messages = {v["message"] for v in report.violations}
    assert ("A statement has exactly one kg:sentenceText, a non-blank xsd:string." in messages) == local
    for m in ("An entity has exactly one rdfs:label (its canonical name, @zh).", "An event has at most one kg:date.",
              "kg:date is after kg:endDate.", "A skos:altLabel repeats the rdfs:label."):
        assert (m in messages) == across, m
    assert ("kg:hosted: the object is not an Event." in messages) == wrong_type


@pytest.mark.parametrize("local, across, wrong_type", [
    (False, False, False), (True, False, False), (False, True, False), (False, False, True)],
    ids=["conforms", "in-one-document", "across-documents", "type-in-another-document"])
@pytest.mark.parametrize("batch", [1, 1_000_000], ids=["a-document-a-run", "one-run"])
def test_validators_of_forked_copies_merged_give_the_report_of_one(tmp_path, local, across, wrong_type, batch):
    """The documents' graphs validated by two validators, each as in a forked copy of the build (what
    the copy's own validation found, kept from the start: ``start_share``; its last batch validated as
    it shares), merged into a third that saw none of them: the report (and the counts) of one validator
    that saw them all."""
    ds = dataset(local, across, wrong_type)
    union = {}
    for g in ds.graphs():
        for s, p, o in g:
            if p in (RDF.type, RDFS.label):
                union.setdefault(s, []).append((s, p, o))
    make = lambda: DocumentValidator(describe=lambda iri: union.get(iri, []), batch=batch)  # noqa: E731
    here, copies = make(), [make(), make()]
    graphs = [g for g in sorted(ds.graphs(), key=lambda g: str(g.identifier)) if len(g)]
    for k, copy in enumerate(copies):
        copy.start_share()
        for g in graphs[k::2]:
            copy.add(list(g), key=str(g.identifier))
    for copy in copies:
        here.merge(copy.share())
    assert here.documents == len(graphs) and set(here.record) == {k for c in copies for k in c.record}
    (tmp_path / "graph.trig").write_bytes(serialize_trig(ds))
    load_store(tmp_path)
    store = open_store(tmp_path, refresh=False)
    try:
        report = here.finish(store)
    finally:
        del store
    whole = validate(ds)
    assert report.text == whole.text and report.conforms == whole.conforms



@pytest.mark.parametrize("node", [ID["misc/某物"], BNode()], ids=["iri", "blank-node"])
@pytest.mark.parametrize("batch", [2, 1_000_000], ids=["batches-of-two", "one-batch"])
def test_values_across_documents_count_only_for_the_nodes_a_shape_targets(tmp_path, monkeypatch, node, batch):
    """The checks across documents are asked of every node with values, then kept for the nodes the shape
    targets (through the ontology's classes, as in a build's store): a node of no class given two labels is
    not an entity with two, organizations given two each are (an IRI or a blank node beside them; the
    targets asked a few nodes at a time)."""
    import kg.rdf.shacl_documents as shacl_documents
    from kg.ontology import axioms, load_ontology
    from kg.rdf.shacl import _prepare

    monkeypatch.setattr(shacl_documents, "_TARGETED_BATCH", batch)
    ds = dataset(False, False)
    for t in axioms(load_ontology()):
        ds.graph(ID["graph/ontology"]).add(t)
    others = [ID[f"org/协会{k}"] for k in range(4)]
    typed = BNode() if isinstance(node, BNode) else None  # an organization as a blank node: its targets asked in full
    for name, label in (("a.txt", "甲"), ("b.txt", "乙")):
        ds.graph(ID["source/a.txt"]).add((node, RDFS.label, Literal(label, lang="zh")))  # (one graph: one blank node)
        for other in others:
            _entity(ds.graph(ID["source/" + name]), other, KG.Association, label + "协会", ID["source/" + name])
        if typed is not None:
            _entity(ds.graph(ID["source/a.txt"]), typed, KG.Association, label + "会", ID["source/a.txt"])
    (tmp_path / "graph.trig").write_bytes(serialize_trig(ds))
    load_store(tmp_path)
    store = open_store(tmp_path, refresh=False)
    try:
        found = shacl_documents.store_results(store, _prepare(None, None).shapes)
    finally:
        del store
    counted = [(r["focus"], r["component"]) for r in found]
    assert set(counted) >= {(str(o), "MaxCountConstraintComponent") for o in others}
    assert len(set(counted)) == len(others) + (typed is not None) and str(node) not in {f for f, _ in counted}
    if typed is None:  # (with a blank node entity the two reports differ by a result; a build writes no blank node)
        assert by_document(ds, tmp_path, 1_000_000).text == validate(ds).text

NEWS = {
    "a.txt": "东方精工有限公司召开质量工作会议\n\n2021年5月20日，东方精工有限公司在苏州召开2021年质量工作会议。公司董事长陈志强主持会议。\n",
    "b.txt": "东方精工有限公司举办质量论坛\n\n2022年6月10日，东方精工有限公司在洛阳举办2022年质量论坛。公司总经理赵刚主持论坛。\n",
}
EXTRA_SHAPES = """
kgsh:TestNoZhao a sh:PropertyShape ; sh:targetClass kg:Person ; sh:path rdfs:label ; sh:pattern "^[^赵]" ;
    sh:message "test: a person named 赵."@en .
kgsh:TestOneDocument a sh:PropertyShape ; sh:targetClass kg:Organization ; sh:path prov:wasDerivedFrom ;
    sh:maxCount 1 ; sh:message "test: an organization named in more than one document."@en .
"""


@pytest.mark.slow
def test_a_build_reports_a_violation_in_one_document_and_one_across_documents(tmp_path, monkeypatch):
    from kg.build import build
    from kg.rdf import read_dataset

    monkeypatch.setattr("kg.rdf.shacl_documents.BATCH_TRIPLES", 1)  # one document a pyshacl run

    onto = tmp_path / "ontology"
    shutil.copytree(Path(__file__).resolve().parent.parent / "ontology", onto)
    with open(onto / "shapes.ttl", "a", encoding="utf-8") as f:
        f.write(EXTRA_SHAPES)
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in NEWS.items():
        (docs / name).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = build([str(docs)], out, ontology=str(onto))
    assert not result.shacl.conforms
    text = (out / "shacl-report.txt").read_text(encoding="utf-8")
    assert text == validate(read_dataset(out / "graph.trig"), ontology=str(onto)).text  # as for the whole graph
    found = {(v["message"], v["focus"].rsplit("/", 1)[-1]) for v in result.shacl.violations}
    assert ("test: a person named 赵.", "赵刚") in found  # in b.txt alone
    assert ("test: an organization named in more than one document.", "东方精工有限公司") in found  # a.txt and b.txt
    assert len(found) == 2


@pytest.mark.slow
def test_a_rebuild_validates_only_the_graphs_that_changed_and_reports_the_rest_as_before(tmp_path, monkeypatch):
    from kg.build import build
    import kg.rdf.shacl_documents as sd

    monkeypatch.setattr("kg.rdf.shacl_documents.BATCH_TRIPLES", 1)
    onto = tmp_path / "ontology"
    shutil.copytree(Path(__file__).resolve().parent.parent / "ontology", onto)
    with open(onto / "shapes.ttl", "a", encoding="utf-8") as f:
        f.write(EXTRA_SHAPES)
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in NEWS.items():
        (docs / name).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    first = build([str(docs)], out, ontology=str(onto))
    runs = []
    real = sd._batch_results  # a batch through the pre-filter, then pyshacl if it flags something
    monkeypatch.setattr(sd, "_batch_results", lambda v, triples: runs.append(len(triples)) or real(v, triples))
    (docs / "a.txt").write_text(NEWS["a.txt"].replace("陈志强", "李国华"), encoding="utf-8")
    second = build([str(docs)], out, ontology=str(onto))
    assert len(runs) == 1  # a.txt's graph; b.txt's results are those of the first build
    assert second.shacl.text == first.shacl.text.replace("陈志强", "李国华")
    assert ("test: a person named 赵.", "赵刚") in {(v["message"], v["focus"].rsplit("/", 1)[-1])
                                                  for v in second.shacl.violations}
    runs.clear()
    third = build([str(docs)], out, ontology=str(onto), incremental=False)  # --full: everything again
    assert len(runs) == 2 and third.shacl.text == second.shacl.text


@pytest.mark.slow
def test_a_conforming_build_runs_pyshacl_on_nothing(tmp_path, monkeypatch):
    from kg.build import build
    import kg.rdf.shacl_documents as sd

    runs = []
    real = sd._validate
    monkeypatch.setattr(sd, "_validate", lambda g, *a, **k: runs.append(len(g)) or real(g, *a, **k))
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in NEWS.items():
        (docs / name).write_text(text, encoding="utf-8")
    result = build([str(docs)], tmp_path / "out")
    assert result.shacl.conforms and runs == []  # the pre-filter flagged no batch
    assert len(result.shacl.text.splitlines()) == 2  # "Validation Report", "Conforms: True"
