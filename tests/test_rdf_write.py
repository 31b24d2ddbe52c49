"""The streaming writers (``kg.rdf.write``) give the graphs of ``build_dataset`` / ``build_graph``: same
named graphs, same triples (compared as sets of rdflib terms: the bytes differ, rdflib's pretty Turtle
against one sorted line per triple), the same bytes whatever the order of the records."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.rdf import build_dataset, build_graph, id_namespace, read_dataset
from kg.rdf.graph import DocumentIndex, fact_triples
from kg.rdf.write import fact_lines, facts_bytes, triple_line, write_graph_files, write_graphs
from kg.records import Arg, DocumentExtraction, Entity, Evidence, Position, Relation, RelationMention
from kg.resolve import compact

SENTENCE = '中机质协主办"质量论坛"\\第二行\n\r\t。'


def ev(doc, start, sentence=SENTENCE):
    return Evidence(doc_id=doc, sentence=sentence, start=start, end=start + 11, extractor="rule:test", confidence=0.8,
                    trigger="主办")


def records():
    entities = [
        Entity("org/中国机械工业质量管理协会", "Association", "中国机械工业质量管理协会", ["中机质协"], 2, ["a b.txt", "子/#c.txt"]),
        Entity("org/工业和信息化部", "GovernmentBody", "工业和信息化部", ["工信部"], 1, ["a b.txt"]),
        Entity("event/质量论坛", "Event", "质量论坛", ["论坛 2021"], 2, ["a b.txt", "子/#c.txt"], date="2021-05"),
        Entity("person/王明", "Person", "王明", [], 1, ["子/#c.txt"]),
    ]
    relations = [
        Relation("org/中国机械工业质量管理协会", "hosted", "event/质量论坛", [ev("a b.txt", 10), ev("子/#c.txt", 30)], 0.9),
        Relation("person/王明", "spokeAt", "event/质量论坛", [ev("子/#c.txt", 50)], 0.8),
    ]
    positions = [Position("person/王明", "会长", "org/中国机械工业质量管理协会",
                          [Evidence("子/#c.txt", "", 5, 7, "posts", 0.8)], 0.8)]
    mentions = {d: [RelationMention(d, Arg("中机质协", "Association", 0, 4), "hosted", Arg("质量论坛", "Event", 5, 9),
                                    0, 0, SENTENCE, s, s + 11, "主办", "rule:test", 0.8)
                    for s in (10, 30, 50)] for d in ("a b.txt", "子/#c.txt")}
    extractions = [DocumentExtraction(d, f"corpus/{d}", c * 64, None, None, [], [], mentions[d])
                   for d, c in (("子/#c.txt", "c"), ("a b.txt", "a"))]
    return extractions, entities, positions, relations


def streamed(extractions, entities, positions, relations, base_iri=None) -> bytes:
    ns = id_namespace(base_iri)
    full = {e.doc_id: e for e in extractions}
    f = io.BytesIO()
    list(write_graphs(f, [compact(e) for e in extractions], DocumentIndex(entities, positions, relations),
                      lambda r: full[r.doc_id], ns))
    return f.getvalue()


@pytest.mark.parametrize("base_iri", [None, "https://data.example.com/质量/kg/"])
def test_graph_trig_holds_the_graphs_of_build_dataset(tmp_path, base_iri):
    extractions, entities, positions, relations = records()
    # resolution over compact records leaves the sentences out; the writer reads them back
    bare = [replace(r, evidence=[replace(e, sentence="") for e in r.evidence]) for r in relations]
    (tmp_path / "graph.trig").write_bytes(streamed(extractions, entities, positions, bare, base_iri))
    expected = build_dataset(extractions, entities, positions, relations, base_iri=base_iri)
    got = read_dataset(tmp_path / "graph.trig")
    want = {str(g.identifier): set(g) for g in expected.graphs() if len(g)}
    have = {str(g.identifier): set(g) for g in got.graphs() if len(g)}
    assert have == want
    assert SENTENCE in {str(o) for g in got.graphs() for o in g.objects()}  # escaped and read back as it was


def test_graph_ttl_holds_the_facts_of_build_graph():
    extractions, entities, positions, relations = records()
    data = facts_bytes(entities, positions, relations, None, id_namespace())
    assert isomorphic(Graph().parse(data=data, format="turtle"), build_graph(entities, positions, None, relations))



@pytest.mark.parametrize("a_write", [1, 7, 1_000_000])
def test_graph_ttl_written_a_few_lines_at_a_time_is_its_lines_sorted_under_the_prefixes(monkeypatch, a_write):
    import kg.rdf.write as write

    monkeypatch.setattr(write, "FACT_LINES_A_WRITE", a_write)
    extractions, entities, positions, relations = records()
    ns = id_namespace()
    lines = sorted(fact_lines(entities, positions, relations, None, ns))
    assert len(lines) > 7
    data = facts_bytes(entities, positions, relations, None, ns).decode("utf-8")
    assert data == write._prefix_lines(ns) + "\n" + "\n".join(lines) + "\n"

def test_the_same_records_in_another_order_give_the_same_bytes():
    extractions, entities, positions, relations = records()
    one = streamed(extractions, entities, positions, relations)
    two = streamed(extractions[::-1], entities[::-1], positions, relations[::-1])
    assert one == two
    ns = id_namespace()
    assert facts_bytes(entities, positions, relations, None, ns) == facts_bytes(entities[::-1], positions,
                                                                                relations[::-1], None, ns)
    first = one.decode("utf-8").split("\n\n")[1]
    assert first.startswith("<https://example.org/cnqkg/id/graph/ontology> {")  # kg.rdf.files.id_namespace_of reads it


@pytest.mark.parametrize("local", [
    "person/王明", "source/a01.txt", "source/dir/a-b_c.txt", "org/中国(某)协会", "org/A%20B", "org/-x", "org/x.",
    "org/1号", "org/x:y", "org/a~b!c$d&e'f*g+h,i;j=k?l#m@n", "org/“引号”", "org/中·点", "org/.hidden", "role/会长/理事",
])
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's own TriG parser
def test_minted_iris_are_written_short_and_read_back_the_same(local):
    """A minted IRI is written as an id: name when Turtle allows it (its reserved characters escaped),
    else in full; either way pyoxigraph and rdflib read back the IRI that was written."""
    import pyoxigraph as ox
    from rdflib import Dataset, Literal, URIRef

    from kg.rdf.write import TrigWriter

    ns = id_namespace()
    iri = URIRef(str(ns) + local)
    buf = io.BytesIO()
    TrigWriter(buf, ns).graph(ns["source/a.txt"], [(iri, URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
                                                   Literal("名", lang="zh"))])
    text = buf.getvalue().decode("utf-8")
    line = text.splitlines()[-2].strip()
    if local in ("person/王明", "source/a01.txt", "org/中国(某)协会", "org/1号"):
        assert line.startswith("id:")  # the usual names are short
    assert {q.subject.value for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TRIG)} == {str(iri)}
    ds = Dataset()
    ds.parse(data=text, format="trig")
    assert {str(s) for s, _, _, _ in ds.quads((None, None, None, None))} == {str(iri)}


# Names as documents give them: Chinese, ASCII, and what Turtle and IRIs escape (quotes, backslashes,
# line breaks, spaces, reserved characters, a leading '-' or '.', characters outside the BMP).
_NAME = st.text(st.sampled_from(list('中机质协会王明A b1-._~!$&\'()*+,;=/?#@%"\\\n\r\t“”·𠀀')), min_size=1, max_size=8)
_TYPES = ["Association", "GovernmentBody", "Company", "Event", "Person", "Award"]
_DATES = st.sampled_from([None, "2021", "2021-05", "2021-05-06"])


@st.composite
def _facts(draw):
    ids = draw(st.lists(st.tuples(st.sampled_from(["org", "event", "person"]), _NAME).map("/".join),
                        min_size=1, max_size=6, unique=True))
    entities = [Entity(i, draw(st.sampled_from(_TYPES)), draw(_NAME), draw(st.lists(_NAME, max_size=2)), 1, ["a.txt"],
                       parent=draw(st.sampled_from([None, *ids])), date=draw(_DATES),
                       end_date=draw(st.sampled_from([None, "2021-05-07"])))
                for i in ids]
    ref = st.sampled_from(ids)
    relations = [Relation(draw(ref), draw(st.sampled_from(["hosted", "spokeAt", "attended"])), draw(ref), [], 0.5)
                 for _ in range(draw(st.integers(0, 4)))]
    positions = [Position(draw(ref), draw(_NAME), draw(st.sampled_from([None, *ids])), [], 0.5)
                 for _ in range(draw(st.integers(0, 3)))]
    return entities, positions, relations


@pytest.mark.parametrize("base_iri", [None, "https://data.example.com/质量/kg/"])
@settings(max_examples=60, deadline=None, derandomize=True)
@given(facts=_facts())
def test_graph_ttl_lines_are_those_of_the_fact_triples(base_iri, facts):
    """graph.ttl is made from the records' strings (fact_lines, for speed), not from fact_triples'
    rdflib terms: the same lines, whatever the names hold."""
    entities, positions, relations = facts
    ns = id_namespace(base_iri)
    assert fact_lines(entities, positions, relations, None, ns) == {
        triple_line(t, str(ns)) for t in fact_triples(entities, positions, relations, None, ns)}


def _ordered(index: dict) -> list:
    """An index of kg.network.load as nested lists: equal only when the terms came in the same order."""
    return [(s, [(p, [(type(o).__name__, o) for o in objs]) for p, objs in po.items()]) for s, po in index.items()]


@pytest.fixture(scope="module")
def owl_ontology(tmp_path_factory):
    """The project's ontology and axioms the facts do not otherwise hold: an OWL restriction (a blank
    node, in both places of a subClassOf) and a literal with an upper-case language tag."""
    import shutil

    from kg.ontology import ontology_dir

    folder = tmp_path_factory.mktemp("onto") / "ontology"
    shutil.copytree(ontology_dir(None), folder)
    with open(folder / "kg.ttl", "a", encoding="utf-8") as f:
        f.write("\nkg:Award rdfs:subClassOf [ a owl:Restriction ; owl:onProperty kg:hosted ; owl:someValuesFrom kg:Event ] .\n"
                "[ a owl:Restriction ; owl:onProperty kg:awarded ] rdfs:subClassOf kg:Award .\n"
                'kg:Award rdfs:subClassOf "奖项"@ZH-Hans .\n')
    return str(folder)


@pytest.mark.parametrize("base_iri", [None, "https://data.example.com/质量/kg/"])
@pytest.mark.parametrize("owl", [False, True])
@settings(max_examples=40, deadline=None, derandomize=True)
@given(facts=_facts())
def test_the_facts_a_build_hands_its_page_are_what_graph_ttl_gives_back(owl_ontology, base_iri, owl, facts):
    """The triples facts_bytes hands over as it writes graph.ttl (on_facts), indexed for the page, are
    what parsing the file gives, term for term and in the same order (the page's node order follows it):
    escaped names, dates of each precision, IRIs written in full, an ontology's blank nodes and tags."""
    import tempfile
    from pathlib import Path

    from kg.network import load

    entities, positions, relations = facts
    ontology = owl_ontology if owl else None
    handed: list = []
    data = facts_bytes(entities, positions, relations, ontology, id_namespace(base_iri),
                       on_facts=lambda t: handed.append(load.facts_index(t)))
    assert data == facts_bytes(entities, positions, relations, ontology, id_namespace(base_iri))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "graph.ttl"
        path.write_bytes(data)
        parsed = load._index_file(path, skip=load._PROVENANCE)
    assert _ordered(handed[0]) == _ordered(parsed)
    if owl:
        assert any(type(o).__name__ == "_Blank" for po in parsed.values() for objs in po.values() for o in objs)


def test_graph_ttl_refuses_a_type_the_ontology_lacks():
    entity = Entity("org/某", "NoSuchType", "某", [], 1, ["a.txt"])
    with pytest.raises(AttributeError):
        fact_lines([entity], [], [], None, id_namespace())


@pytest.mark.parametrize("batch", [1, 2, 5])
def test_the_index_handed_on_as_graph_trig_is_written_is_of_bytes_already_in_the_file(tmp_path, monkeypatch, batch):
    """``on_written`` is given each graph's entry, in the file's order, once another reader of the file
    finds its bytes there (a forked page reads them as the build goes on); the last before the end."""
    import hashlib

    import kg.rdf.write as write

    monkeypatch.setattr(write, "WRITTEN_BATCH", batch)
    extractions, entities, positions, relations = records()
    full = {e.doc_id: e for e in extractions}
    seen: list[tuple[str, list]] = []

    def on_written(entries):
        with open(tmp_path / "graph.trig", "rb") as other:  # another reader, as the page's process is
            data = other.read()
        for name, (sha256, offset, length) in entries:
            assert hashlib.sha256(data[offset:offset + length]).hexdigest() == sha256, f"{name}: not in the file yet"
        seen.extend(entries)

    written: dict[str, list] = {}
    write_graph_files(tmp_path, [compact(e) for e in extractions], entities, positions, relations,
                      lambda r: full[r.doc_id], written=written, on_written=on_written)
    assert seen == list(written.items()) and len(seen) == 3  # the ontology's graph and the two documents'


@pytest.mark.parametrize("ready", [True, False], ids=["facts-ready", "no-one-waits"])
def test_graph_ttl_is_written_first_for_a_process_that_waits_for_it(tmp_path, ready):
    """With ``facts_ready`` (an update's page waits for graph.ttl), graph.ttl is written whole and handed
    on before the documents' graphs are indexed or made, and graph.trig begun; without it, while they
    are. The same files either way."""
    import kg.rdf.write as write

    extractions, entities, positions, relations = records()
    full = {e.doc_id: e for e in extractions}
    events: list[str] = []
    seen: dict[str, bytes] = {}

    def facts_ready(folder):
        events.append("facts ready")
        seen["graph.ttl"] = (folder / "graph.ttl").read_bytes()
        assert not (folder / "graph.trig").exists()

    real_index = write.DocumentIndex

    def indexing(*args, **kwargs):
        events.append("documents indexed")
        return real_index(*args, **kwargs)

    out = tmp_path / ("ready" if ready else "plain")
    out.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(write, "DocumentIndex", indexing)
        write_graph_files(out, [compact(e) for e in extractions], entities, positions, relations,
                          lambda r: full[r.doc_id], on_made=lambda sha256, triples: events.append("graph made"),
                          facts_ready=facts_ready if ready else None)
    if ready:
        assert events[:2] == ["facts ready", "documents indexed"] and events.count("facts ready") == 1
        assert seen["graph.ttl"] == (out / "graph.ttl").read_bytes()
    else:
        assert "facts ready" not in events and events[0] == "documents indexed"
    assert events.count("graph made") == 2
    plain = tmp_path / "reference"
    plain.mkdir()
    write_graph_files(plain, [compact(e) for e in extractions], entities, positions, relations,
                      lambda r: full[r.doc_id])
    for name in ("graph.ttl", "graph.trig", "entities.jsonl"):
        assert (out / name).read_bytes() == (plain / name).read_bytes()
