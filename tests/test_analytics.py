"""Graph analytics (kg.network) and the ``kg stats``, ``kg path`` and ``kg export`` commands.

Most tests run on ``WORLD``: a hand-written TriG in the shape ``kg build`` writes (one named graph
per source document, every relation also as an ``rdf:Statement`` with its sentence and offsets,
posts as ``org:Membership``), about a regional quality association, a provincial department, a
motor company and a research institute, two events in 杭州 and a notice. The names are invented.
Degrees, paths and evidence below are worked out by hand from that text. The last tests build
the seed corpus once and check the analytics against the build's own outputs.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from click.testing import CliRunner

from kg import network as ka
from kg import report
from kg.cli import main
from kg.rdf import read_dataset
from kg.network import load_network

ROOT = Path(__file__).resolve().parent.parent
ID = "https://example.org/cnqkg/id/"

PREFIXES = """\
@prefix kg:   <https://example.org/cnqkg/ontology#> .
@prefix o:    <https://example.org/cnqkg/id/org/> .
@prefix p:    <https://example.org/cnqkg/id/person/> .
@prefix e:    <https://example.org/cnqkg/id/event/> .
@prefix d:    <https://example.org/cnqkg/id/document/> .
@prefix pl:   <https://example.org/cnqkg/id/place/> .
@prefix m:    <https://example.org/cnqkg/id/membership/> .
@prefix r:    <https://example.org/cnqkg/id/role/> .
@prefix dv:   <https://example.org/cnqkg/id/derivation/> .
@prefix st:   <https://example.org/cnqkg/id/statement/> .
@prefix src:  <https://example.org/cnqkg/id/source/> .
@prefix rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix org:  <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
"""

_n = iter(range(1000))


def rel(s: str, p: str, o: str, doc: str, sentence: str, start: int, conf: str = "0.850") -> str:
    """A relation as ``kg build`` writes it: the triple and its rdf:Statement with the evidence."""
    return f"""
  {s} kg:{p} {o} .
  st:{next(_n)} a rdf:Statement ; rdf:subject {s} ; rdf:predicate kg:{p} ; rdf:object {o} ;
      prov:wasDerivedFrom src:{doc} ; kg:sentenceText "{sentence}" ; kg:startOffset {start} ;
      kg:endOffset {start + len(sentence)} ; kg:extractor "test:{p}" ; kg:confidence {conf} ."""


def post(person: str, title: str, org: str, doc: str, start: int, end: int) -> str:
    """A post with one prov:qualifiedDerivation per mention (the current graph.trig)."""
    k = next(_n)
    return f"""
  m:{k} a org:Membership ; org:member {person} ; org:organization {org} ; org:role r:{title} ;
      prov:wasDerivedFrom src:{doc} ; prov:qualifiedDerivation dv:{k} .
  dv:{k} a prov:Derivation ; prov:entity src:{doc} ; kg:startOffset {start} ; kg:endOffset {end} ;
      kg:extractor "people:title-before" ; kg:confidence 0.850 .
  r:{title} a org:Role ; rdfs:label "{title}"@zh ."""


def old_post(person: str, title: str, org: str, doc: str, start: int, end: int) -> str:
    """A post with its offsets on the membership itself (graphs built before qualified derivations)."""
    return f"""
  m:{next(_n)} a org:Membership ; org:member {person} ; org:organization {org} ; org:role r:{title} ;
      prov:wasDerivedFrom src:{doc} ; kg:startOffset {start} ; kg:endOffset {end} ; kg:extractor "people:title-after" .
  r:{title} a org:Role ; rdfs:label "{title}"@zh ."""


S_HOST = "2021年5月20日，华东某某质量协会在杭州主办2021年华东质量论坛。"
S_GUIDE = "论坛由某省工业和信息化厅指导，某某机械研究院协办。"
S_CHEN = "华东某某质量协会会长陈立新出席论坛并致辞。"
S_LIU = "协会秘书长刘晓梅在论坛上作报告。"
S_SUN = "某某电机总经理孙国栋出席论坛。"
S_MEET = "2022年3月1日，某某电机股份有限公司在杭州召开2022年电机行业年会。"
S_ZHOU = "年会由某某机械研究院院长周文主持，孙国栋出席年会，吴海等代表参加年会。"
S_ISSUE = "某省工业和信息化厅印发《关于开展质量提升活动的通知》。"
# offsets of the sentences in their documents (a.txt, b.txt, c.txt)
A_HOST, A_GUIDE, A_CHEN, A_LIU, A_SUN = 0, 36, 60, 81, 97
B_MEET, B_ZHOU = 0, 38

WORLD = PREFIXES + f"""
src:a.txt {{
  src:a.txt a kg:SourceFile ; kg:path "a.txt" .
  o:华东某某质量协会 a kg:Association ; rdfs:label "华东某某质量协会"@zh ; skos:altLabel "华东质协"@zh ;
      prov:wasDerivedFrom src:a.txt .
  o:某省工业和信息化厅 a kg:GovernmentBody ; rdfs:label "某省工业和信息化厅"@zh ; skos:altLabel "某省工信厅"@zh .
  o:某某机械研究院 a kg:ResearchInstitute ; rdfs:label "某某机械研究院"@zh .
  o:某某电机股份有限公司 a kg:Company ; rdfs:label "某某电机股份有限公司"@zh ; skos:altLabel "某某电机"@zh .
  p:陈立新 a kg:Person ; rdfs:label "陈立新"@zh .
  p:刘晓梅 a kg:Person ; rdfs:label "刘晓梅"@zh .
  p:孙国栋 a kg:Person ; rdfs:label "孙国栋"@zh .
  pl:杭州 a kg:Place ; rdfs:label "杭州"@zh .
  e:2021年华东质量论坛 a kg:Event ; rdfs:label "2021年华东质量论坛"@zh ; kg:date "2021-05-20"^^xsd:date .
  {rel("o:华东某某质量协会", "hosted", "e:2021年华东质量论坛", "a.txt", S_HOST, A_HOST)}
  {rel("e:2021年华东质量论坛", "heldIn", "pl:杭州", "a.txt", S_HOST, A_HOST, "0.750")}
  {rel("o:某省工业和信息化厅", "guided", "e:2021年华东质量论坛", "a.txt", S_GUIDE, A_GUIDE)}
  {rel("o:某某机械研究院", "coHosted", "e:2021年华东质量论坛", "a.txt", S_GUIDE, A_GUIDE)}
  {rel("p:陈立新", "attended", "e:2021年华东质量论坛", "a.txt", S_CHEN, A_CHEN)}
  {rel("p:刘晓梅", "spokeAt", "e:2021年华东质量论坛", "a.txt", S_LIU, A_LIU)}
  {rel("p:孙国栋", "attended", "e:2021年华东质量论坛", "a.txt", S_SUN, A_SUN)}
  {post("p:陈立新", "会长", "o:华东某某质量协会", "a.txt", A_CHEN + 8, A_CHEN + 13)}
  {post("p:刘晓梅", "秘书长", "o:华东某某质量协会", "a.txt", A_LIU + 2, A_LIU + 8)}
  {old_post("p:孙国栋", "总经理", "o:某某电机股份有限公司", "a.txt", A_SUN, A_SUN + 10)}
}}

src:b.txt {{
  o:某某电机股份有限公司 a kg:Company ; rdfs:label "某某电机股份有限公司"@zh .
  o:某某机械研究院 a kg:ResearchInstitute ; rdfs:label "某某机械研究院"@zh .
  p:孙国栋 a kg:Person ; rdfs:label "孙国栋"@zh .
  p:周文 a kg:Person ; rdfs:label "周文"@zh .
  p:吴海 a kg:Person ; rdfs:label "吴海"@zh .
  pl:杭州 a kg:Place ; rdfs:label "杭州"@zh .
  e:2022年电机行业年会 a kg:Event ; rdfs:label "2022年电机行业年会"@zh ; kg:date "2022-03-01"^^xsd:date .
  {rel("o:某某电机股份有限公司", "hosted", "e:2022年电机行业年会", "b.txt", S_MEET, B_MEET)}
  {rel("e:2022年电机行业年会", "heldIn", "pl:杭州", "b.txt", S_MEET, B_MEET, "0.750")}
  {rel("p:周文", "chaired", "e:2022年电机行业年会", "b.txt", S_ZHOU, B_ZHOU)}
  {rel("p:孙国栋", "attended", "e:2022年电机行业年会", "b.txt", S_ZHOU, B_ZHOU)}
  {rel("p:吴海", "attended", "e:2022年电机行业年会", "b.txt", S_ZHOU, B_ZHOU, "0.700")}
  {post("p:周文", "院长", "o:某某机械研究院", "b.txt", B_ZHOU + 9, B_ZHOU + 15)}
}}

src:c.txt {{
  o:某省工业和信息化厅 a kg:GovernmentBody ; rdfs:label "某省工业和信息化厅"@zh .
  d:关于开展质量提升活动的通知 a kg:Document ; rdfs:label "关于开展质量提升活动的通知"@zh .
  {rel("o:某省工业和信息化厅", "issued", "d:关于开展质量提升活动的通知", "c.txt", S_ISSUE, 0)}
}}

src:d.txt {{
  o:某某检测中心 a kg:ResearchInstitute ; rdfs:label "某某检测中心"@zh .
  p:王丽 a kg:Person ; rdfs:label "王丽"@zh .
  {post("p:王丽", "主任", "o:某某检测中心", "d.txt", 3, 10)}
}}
"""


def iri(kind: str, name: str) -> str:
    return f"{ID}{kind}/{name}"


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("world")
    (d / "graph.trig").write_text(WORLD, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def G(world_dir) -> nx.MultiDiGraph:
    return load_network(world_dir)


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# --- loading ----------------------------------------------------------------------------------------


def test_world_loads_as_written(G):
    assert G.number_of_nodes() == 15 and G.number_of_edges() == 18
    assert "SourceFile" not in {t for _, t in G.nodes(data="type")}
    forum = G.nodes[iri("event", "2021年华东质量论坛")]
    assert forum["date"] == "2021-05-20" and forum["type"] == "Event"
    assert G.nodes[iri("org", "华东某某质量协会")]["aliases"] == ["华东质协"]


def test_file_and_rdflib_readers_give_the_same_network(world_dir, G):
    """kg.network reads files through pyoxigraph and rdflib graphs directly: both give one network."""
    H = load_network(read_dataset(world_dir / "graph.trig"))
    assert dict(G.nodes(data=True)) == dict(H.nodes(data=True))
    assert ({(u, v, k): d for u, v, k, d in G.edges(keys=True, data=True)}
            == {(u, v, k): d for u, v, k, d in H.edges(keys=True, data=True)})


@pytest.mark.parametrize("person, title, org, expected", [
    # a qualified derivation per mention: document, offsets, extractor and confidence of that mention
    ("陈立新", "会长", "华东某某质量协会",
     {"doc": "a.txt", "start": A_CHEN + 8, "end": A_CHEN + 13, "extractor": "people:title-before", "confidence": 0.85}),
    # older graphs: offsets on the membership itself
    ("孙国栋", "总经理", "某某电机股份有限公司",
     {"doc": "a.txt", "start": A_SUN, "end": A_SUN + 10, "extractor": "people:title-after", "confidence": None}),
])
def test_post_evidence_from_either_shape_of_membership(G, person, title, org, expected):
    [ev] = G.edges[iri("person", person), iri("org", org), f"memberOf:{title}"]["evidence"]
    assert ev == {**expected, "sentence": ""}


def _cut(G: nx.MultiDiGraph, k: int | None, cap: int | None) -> nx.MultiDiGraph:
    """What ``load_network(..., evidence=k, max_nodes=cap)`` promises, made from the whole network."""
    H = G.copy()
    if k is not None:
        for attrs in [a for _, a in H.nodes(data=True)] + [a for *_, a in H.edges(keys=True, data=True)]:
            attrs["evidence_total"] = len(attrs["evidence"])
            attrs["evidence"] = attrs["evidence"][:k]
    return H if cap is None else ka.best_connected(H, cap)


def _same_network(A: nx.MultiDiGraph, B: nx.MultiDiGraph) -> None:
    assert dict(A.nodes(data=True)) == dict(B.nodes(data=True))
    assert {(u, v, k): d for u, v, k, d in A.edges(keys=True, data=True)} == \
        {(u, v, k): d for u, v, k, d in B.edges(keys=True, data=True)}
    assert A.graph == B.graph


@pytest.mark.parametrize("k, cap", [(1, None), (2, None), (1, 6), (None, 6), (5, 3), (2, 4)])
def test_evidence_and_node_caps_give_what_the_whole_network_gives(world_dir, G, k, cap):
    """Read a document's graph at a time, keeping k items per node and edge: the same network as
    the whole one cut afterwards, evidence counts included. (With 4 entities, 孙国栋 is kept and the
    company he is 总经理 of is left out: his post still names it.)"""
    _same_network(load_network(world_dir, evidence=k, max_nodes=cap), _cut(G, k, cap))


def test_facts_given_to_the_bounded_load_give_the_same_network_and_are_let_go(world_dir):
    """A build hands the page the facts it wrote (load_network(facts=)): the network is the one the
    files give, and the facts are emptied once it is made, before the evidence is read."""
    import kg.network.load as load
    from kg.rdf import graph_source

    facts = load._index_file(graph_source(world_dir, provenance=False), skip=load._PROVENANCE)
    assert facts
    _same_network(load_network(world_dir, evidence=2, max_nodes=6, facts=facts),
                  load_network(world_dir, evidence=2, max_nodes=6))
    assert facts == {}


def test_evidence_cap_keeps_the_first_sentences_and_counts_the_others(world_dir):
    B = load_network(world_dir, evidence=1)
    sun = B.nodes[iri("person", "孙国栋")]
    assert sun["evidence_total"] == 2 and [e["sentence"] for e in sun["evidence"]] == [S_SUN]
    assert B.nodes[iri("org", "华东某某质量协会")]["sources"] == ["a.txt"]  # prov:wasDerivedFrom, from graph.trig
    forum = B.nodes[iri("event", "2021年华东质量论坛")]
    assert forum["evidence_total"] == 5 and forum["evidence"][0]["sentence"] == S_HOST
    # one sentence stating two relations of the forum is one item, with both relations
    assert [r["predicate"] for r in forum["evidence"][0]["relations"]] == ["heldIn", "hosted"]


def test_provenance_is_read_a_document_graph_at_a_time(world_dir, monkeypatch):
    import kg.network.load as load

    held = []
    blocks = load._blocks

    def spy(*a, **kw):
        for name, spo in blocks(*a, **kw):
            held.append((name, {str(v[0]) for po in spo.values() for p, v in po.items() if p == load._DERIVED}))
            yield name, spo

    monkeypatch.setattr(load, "_blocks", spy)
    load_network(world_dir, evidence=2)
    assert [name for name, _ in held] == [f"{ID}source/{d}.txt" for d in "abcd"]
    assert all(docs <= {name} for name, docs in held), "each block holds one document's provenance"


def test_a_document_graph_in_two_blocks_is_read_whole_with_the_same_result(tmp_path, G):
    """A file where one document's statements are in two blocks (legal TriG, not what kg build
    writes) is read whole: the counts do not take one sentence twice."""
    again = "\nsrc:a.txt {\n" + rel("p:孙国栋", "attended", "e:2021年华东质量论坛", "a.txt", S_SUN, A_SUN) + "\n}\n"
    (tmp_path / "graph.trig").write_text(WORLD + again, encoding="utf-8")  # after b.txt, c.txt, d.txt
    B = load_network(tmp_path, evidence=5)
    sun = B.nodes[iri("person", "孙国栋")]
    assert sun["evidence_total"] == 2
    _same_network(B, _cut(load_network(tmp_path), 5, None))


def _graph_index(path: Path) -> dict[str, list]:
    """The index kg build gives of its graph.trig (name -> [SHA-256, offset, length] of each named
    graph's bytes), for a file of blocks ``src:NAME {`` … ``}`` after its prefixes and a blank line."""
    import hashlib
    import re

    data = path.read_bytes()
    starts = [m.start() for m in re.finditer(rb"\nsrc:\S+ \{\n", data)]
    index = {}
    for a, b in zip(starts, starts[1:] + [len(data)]):
        name = ID + "source/" + data[a + 5:data.index(b" {", a)].decode()
        index[name] = [hashlib.sha256(data[a:b]).hexdigest(), a, b - a]
    return index


def test_a_statement_of_no_fact_is_no_evidence_and_digests_kept_give_the_same_network(tmp_path):
    """A document graph's evidence is taken from its digest (kept between builds by the graph's
    SHA-256): a statement whose relation is not among the facts is left out of the items of the
    sentence it shares with one that is, from the file or from the digests, made or kept."""
    from kg.network.digests import DigestCache

    bare = (f"\n  st:bare a rdf:Statement ; rdf:subject p:孙国栋 ; rdf:predicate kg:spokeAt ; "
            f"rdf:object e:2021年华东质量论坛 ;\n      prov:wasDerivedFrom src:e.txt ; kg:sentenceText \"{S_SUN}\" ; "
            f"kg:startOffset 3 ; kg:endOffset 20 ; kg:extractor \"test:spokeAt\" ; kg:confidence 0.99 .")
    more = f"\nsrc:e.txt {{\n{rel('p:孙国栋', 'attended', 'e:2021年华东质量论坛', 'e.txt', S_SUN, 3)}{bare}\n}}\n"
    (tmp_path / "graph.trig").write_text(WORLD + more, encoding="utf-8")
    whole = load_network(tmp_path)
    sun = whole.nodes[iri("person", "孙国栋")]
    assert [r["predicate"] for e in sun["evidence"] if e["doc"] == "e.txt" for r in e["relations"]] == ["attended"]
    index = _graph_index(tmp_path / "graph.trig")
    assert len(index) == 5
    for k, cap in [(1, None), (5, None), (2, 6)]:
        expected = _cut(whole, k, cap)
        _same_network(load_network(tmp_path, evidence=k, max_nodes=cap), expected)
        cache = DigestCache(tmp_path / "digests", f"v{k}")
        _same_network(load_network(tmp_path, evidence=k, max_nodes=cap, graphs=index, digests=cache), expected)
        assert (cache.hits, cache.misses) == (0, 5)
        cache = DigestCache(tmp_path / "digests", f"v{k}")
        _same_network(load_network(tmp_path, evidence=k, max_nodes=cap, graphs=index, digests=cache), expected)
        assert (cache.hits, cache.misses) == (5, 0)
    wrong = {n: [sha, offset + 1, length] for n, (sha, offset, length) in index.items()}
    _same_network(load_network(tmp_path, evidence=2, graphs=wrong, digests=cache), _cut(whole, 2, None))


# --- counts and centrality --------------------------------------------------------------------------


def test_counts(G):
    c = ka.counts(G)
    assert (c["nodes"], c["edges"]) == (15, 18)
    assert c["types"] == {"Person": 6, "Event": 2, "ResearchInstitute": 2, "Association": 1, "Company": 1,
                          "Document": 1, "GovernmentBody": 1, "Place": 1}
    assert c["relations"] == {"memberOf": 5, "attended": 4, "heldIn": 2, "hosted": 2, "chaired": 1,
                              "coHosted": 1, "guided": 1, "issued": 1, "spokeAt": 1}
    assert list(c["types"]) == ["Person", "Event", "ResearchInstitute", "Association", "Company", "Document",
                                "GovernmentBody", "Place"]  # most frequent first, then by name


def test_simple_view_merges_relations_and_directions(G):
    U = ka.simple_view(G)
    assert not U.is_directed() and not U.is_multigraph()
    assert U.number_of_nodes() == 15 and U.number_of_edges() == 18  # no two relations join the same pair here
    assert {w for _, _, w in U.edges(data="weight")} == {1}
    assert U.has_edge(iri("event", "2021年华东质量论坛"), iri("person", "陈立新"))  # either direction
    U2 = ka.simple_view(nx.MultiDiGraph([("a", "b", "x"), ("b", "a", "y"), ("a", "b", "z"), ("a", "a", "w")]))
    assert list(U2.edges(data="weight")) == [("a", "b", 3)]


@pytest.mark.parametrize("kind, expected", [
    ("Organization", [("华东某某质量协会", 3), ("某某机械研究院", 2), ("某某电机股份有限公司", 2),
                      ("某省工业和信息化厅", 2), ("某某检测中心", 1)]),
    ("Person", [("孙国栋", 3), ("刘晓梅", 2), ("周文", 2), ("陈立新", 2), ("吴海", 1), ("王丽", 1)]),
    ("Event", [("2021年华东质量论坛", 7), ("2022年电机行业年会", 5)]),
    (None, [("2021年华东质量论坛", 7), ("2022年电机行业年会", 5), ("华东某某质量协会", 3)]),
])
def test_central_by_degree(G, kind, expected):
    rows = ka.central(G, kind, "degree", top=len(expected))
    assert [(r["label"], r["score"]) for r in rows] == expected
    assert all(r["degree"] == r["score"] for r in rows)


def _chain() -> nx.MultiDiGraph:
    """李甲 - 协会 - 论坛 - 王乙, and 张丙 - 论坛: the forum and the association carry every path."""
    G = nx.MultiDiGraph()
    for n, t in [("李甲", "Person"), ("协会", "Association"), ("论坛", "Event"), ("王乙", "Person"),
                 ("张丙", "Person")]:
        G.add_node(n, label=n, type=t)
    for u, v in [("李甲", "协会"), ("协会", "论坛"), ("王乙", "论坛"), ("张丙", "论坛")]:
        G.add_edge(u, v, key="attended", predicate="attended")
    return G


@pytest.mark.parametrize("kind, expected", [
    # 5 entities, 6 pairs without a given one; 论坛 is on 李甲-王乙, 李甲-张丙, 协会-王乙, 协会-张丙,
    # 王乙-张丙; 协会 on 李甲-论坛, 李甲-王乙, 李甲-张丙
    (None, [("论坛", 5 / 6), ("协会", 3 / 6), ("张丙", 0.0), ("李甲", 0.0), ("王乙", 0.0)]),
    ("Organization", [("协会", 3 / 6)]),
    ("Person", [("张丙", 0.0), ("李甲", 0.0), ("王乙", 0.0)]),
])
def test_central_by_betweenness_on_a_chain(kind, expected):
    rows = ka.central(_chain(), kind, "betweenness")
    assert [r["label"] for r in rows] == [label for label, _ in expected]
    assert [r["score"] for r in rows] == pytest.approx([s for _, s in expected])


def test_central_betweenness_on_the_world(G):
    rows = ka.central(G, "Person", "betweenness", top=3)
    # 孙国栋 joins the company to both events; 陈立新 and 刘晓梅 are each one of two routes between
    # the association and the forum, 周文 one of the routes between the institute and the meeting.
    assert rows[0]["label"] == "孙国栋"
    assert rows[0]["score"] > rows[1]["score"] > 0


def test_central_rejects_an_unknown_measure(G):
    with pytest.raises(ValueError, match="pagerank"):
        ka.central(G, "Person", "pagerank")


@pytest.mark.parametrize("n, m, expected", [
    (15, 17, None), (268, 190, None), (1000, 500, None),  # exact while n * (n + m) fits the budget
    (1000, 4000, 300), (10_000, 34_000, 34), (100_000, 400_000, 32),
])
def test_betweenness_sample_size(n, m, expected):
    assert ka.betweenness_sample_size(n, m) == expected


def test_large_graphs_sample_betweenness_with_a_fixed_seed():
    B = nx.barabasi_albert_graph(1500, 2, seed=3)
    G = nx.MultiDiGraph()
    for n in B:
        G.add_node(n, label=f"机构{n:04d}", type="Company" if n % 2 else "Person")
    G.add_edges_from((u, v, "attended") for u, v in B.edges())
    s1, s2 = ka.summary(G, top=5), ka.summary(G, top=5)
    # 1500 entities and 2996 links: 1500 // (1500 + 2996) sources fit the budget
    assert s1["betweenness"] == {"exact": False, "sampled_sources": 333, "seed": 0, "entities": 1500}
    assert s1["central"] == s2["central"]
    assert "estimated from 333 of 1500 sources, seed 0" in report.format_stats(s1)
    hub = max(B.degree, key=lambda x: x[1])[0]  # the best linked node of a preferential-attachment graph
    ranked = ka.central(G, None, "betweenness", top=3)
    assert hub in [r["node"] for r in ranked]


# --- communities ------------------------------------------------------------------------------------


def _two_groups() -> nx.MultiDiGraph:
    """Two associations with their people, linked by one forum, and a lone document."""
    G = nx.MultiDiGraph()
    left = ["甲协会", "赵一", "钱二", "孙三", "李四"]
    right = ["乙研究院", "周五", "吴六", "郑七", "王八"]
    for group, org_type in ((left, "Association"), (right, "ResearchInstitute")):
        G.add_node(group[0], label=group[0], type=org_type)
        for n in group[1:]:
            G.add_node(n, label=n, type="Person")
        for i, u in enumerate(group):
            for v in group[i + 1:]:
                G.add_edge(u, v, key="memberOf:会员", predicate="memberOf")
    G.add_node("论坛", label="论坛", type="Event")
    G.add_edge("甲协会", "论坛", key="hosted", predicate="hosted")
    G.add_edge("乙研究院", "论坛", key="attended", predicate="attended")
    G.add_node("孤立文件", label="孤立文件", type="Document")
    return G


def test_communities_find_the_two_groups():
    cs = ka.communities(_two_groups(), top=2)
    assert len(cs) == 2  # the lone document is a community of one: left out
    groups = [set(c["members"]) for c in cs]
    assert {"甲协会", "赵一", "钱二", "孙三", "李四"} in [g - {"论坛"} for g in groups]
    assert {"乙研究院", "周五", "吴六", "郑七", "王八"} in [g - {"论坛"} for g in groups]
    assert sorted(c["size"] for c in cs) == [5, 6]
    big = cs[0]
    assert big["size"] == 6 and big["members"][0] in ("甲协会", "乙研究院")  # best linked first (degree 5)
    assert [t["degree"] for t in big["top"]] == [5, 4]
    assert sum(big["types"].values()) == 6


def test_communities_are_deterministic_and_can_keep_singletons():
    G = _two_groups()
    assert ka.communities(G, seed=7) == ka.communities(G, seed=7)
    with_single = ka.communities(G, min_size=1)
    assert [c["members"] for c in with_single if c["size"] == 1] == [["孤立文件"]]


def test_communities_of_the_world_keep_the_two_events_apart(G):
    cs = ka.communities(G)
    where = {m: i for i, c in enumerate(cs) for m in c["members"]}
    assert where["华东某某质量协会"] == where["2021年华东质量论坛"] == where["陈立新"] == where["刘晓梅"]
    assert where["某某电机股份有限公司"] == where["2022年电机行业年会"] == where["吴海"]
    assert where["2021年华东质量论坛"] != where["2022年电机行业年会"]
    assert where["王丽"] == where["某某检测中心"]
    assert sum(c["size"] for c in cs) == 15


# --- names and paths --------------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("华东质协", iri("org", "华东某某质量协会")),  # alias
    ("孙国栋", iri("person", "孙国栋")),  # label
    (" 孙国栋 ", iri("person", "孙国栋")),
    ("电机行业", iri("event", "2022年电机行业年会")),  # the one label containing it
    ("陈立", iri("person", "陈立新")),
    (iri("place", "杭州"), iri("place", "杭州")),  # an IRI
])
def test_find_node(G, name, expected):
    assert ka.find_node(G, name) == expected


@pytest.mark.parametrize("name, candidates", [
    ("某某", {"华东某某质量协会", "某某电机股份有限公司", "某某机械研究院", "某某检测中心"}),
    ("质量", {"华东某某质量协会", "2021年华东质量论坛", "关于开展质量提升活动的通知"}),
])
def test_find_node_ambiguous_lists_candidates(G, name, candidates):
    with pytest.raises(ka.AmbiguousName) as err:
        ka.find_node(G, name)
    assert {c["label"] for c in err.value.candidates} == candidates
    assert f"names {len(candidates)} entities" in str(err.value)


@pytest.mark.parametrize("name, suggestions", [
    ("陈新立", ["陈立新"]),
    ("华东质量协会", ["华东某某质量协会"]),
    ("不存在的单位", []),
])
def test_find_node_unknown_suggests_close_names(G, name, suggestions):
    with pytest.raises(ka.NameNotFound) as err:
        ka.find_node(G, name)
    assert err.value.suggestions[:len(suggestions)] == suggestions
    assert not suggestions or "close matches" in str(err.value)


def test_connection_steps_with_relations_directions_and_evidence(G):
    [path] = ka.connection(G, "陈立新", "周文")
    assert path["nodes"] == ["陈立新", "2021年华东质量论坛", "某某机械研究院", "周文"]
    got = [(s["from"], s["relation"], s["relation_zh"], s["relation_en"], s["direction"], s["to"])
           for s in path["steps"]]
    assert got == [
        ("陈立新", "attended", "出席", "attended", "forward", "2021年华东质量论坛"),
        ("2021年华东质量论坛", "coHosted", "承办/协办", "co-hosted", "backward", "某某机械研究院"),
        ("某某机械研究院", "memberOf", "任职（院长）", "holds a post in (院长)", "backward", "周文"),
    ]
    assert path["steps"][0]["evidence"] == [
        {"doc": "a.txt", "sentence": S_CHEN, "start": A_CHEN, "end": A_CHEN + len(S_CHEN)}]
    # a post carries offsets but no sentence: the sentence of a relation around them is shown
    assert path["steps"][2]["evidence"] == [
        {"doc": "b.txt", "sentence": S_ZHOU, "start": B_ZHOU + 9, "end": B_ZHOU + 15}]
    assert path["steps"][0]["from_type"] == "Person" and path["steps"][2]["to_type"] == "Person"


def test_connection_lists_other_relations_between_the_same_pair():
    G = nx.MultiDiGraph()
    G.add_node("a", label="甲协会", type="Association")
    G.add_node("b", label="质量大会", type="Event")
    ev = [{"doc": "x.txt", "sentence": "甲协会主办并出席质量大会。", "start": 0, "end": 13}]
    G.add_edge("a", "b", key="hosted", predicate="hosted", label_zh="主办", label_en="hosted", confidence=0.9,
               evidence=ev)
    G.add_edge("a", "b", key="attended", predicate="attended", label_zh="出席", label_en="attended",
               confidence=0.7, evidence=ev)
    [path] = ka.connection(G, "甲协会", "质量大会")
    [step] = path["steps"]
    assert step["relation"] == "hosted"  # the most confident first
    assert [(r["relation"], r["direction"]) for r in step["also"]] == [("attended", "forward")]


def test_connection_prefers_paths_not_through_places(G):
    paths = ka.connection(G, "2021年华东质量论坛", "2022年电机行业年会", limit=5)
    assert [p["nodes"] for p in paths] == [
        ["2021年华东质量论坛", "孙国栋", "2022年电机行业年会"],
        ["2021年华东质量论坛", "杭州", "2022年电机行业年会"],
    ]
    assert [p["nodes"][1] for p in ka.connection(G, "2021年华东质量论坛", "2022年电机行业年会", limit=1)] == ["孙国栋"]
    # the place goes last even where its name sorts first (北 before 赵)
    H = nx.MultiDiGraph()
    for n, t in [("甲会", "Event"), ("乙会", "Event"), ("北京", "Place"), ("赵强", "Person")]:
        H.add_node(n, label=n, type=t)
    H.add_edges_from([("甲会", "北京", "heldIn"), ("乙会", "北京", "heldIn"), ("赵强", "甲会", "attended"),
                      ("赵强", "乙会", "attended")])
    paths = ka.connection(H, "甲会", "乙会", limit=1)
    assert [p["nodes"][1] for p in paths] == ["赵强"] and paths[0]["found"] == 2
    text = report.format_paths(paths)
    assert text.splitlines()[0] == "path 1 of 2: 甲会 → 乙会: 2 step(s)"
    assert text.count("(no evidence recorded)") == 2


def test_connection_by_alias_one_step(G):
    [path] = ka.connection(G, "某某电机", "孙国栋")
    [step] = path["steps"]
    assert (step["from"], step["relation_zh"], step["direction"], step["to"]) == (
        "某某电机股份有限公司", "任职（总经理）", "backward", "孙国栋")
    assert step["evidence"][0]["sentence"] == S_SUN


@pytest.mark.parametrize("a, b, max_hops, shortest", [
    ("刘晓梅", "王丽", 6, None),  # other component
    ("陈立新", "周文", 2, 3),  # three steps apart
])
def test_no_connection(G, a, b, max_hops, shortest):
    with pytest.raises(ka.NoConnection) as err:
        ka.connection(G, a, b, max_hops=max_hops)
    assert err.value.shortest == shortest
    assert a in str(err.value) and b in str(err.value)


def test_connection_raises_for_names(G):
    with pytest.raises(ka.NameNotFound):
        ka.connection(G, "陈新立", "周文")
    with pytest.raises(ka.AmbiguousName):
        ka.connection(G, "陈立新", "某某")


# --- summary ----------------------------------------------------------------------------------------


def test_summary(G):
    s = ka.summary(G, top=2)
    assert s["counts"] == ka.counts(G)
    assert s["components"] == {"count": 2, "largest": 13, "isolated": 0}
    assert s["betweenness"] == {"exact": True, "sampled_sources": None, "seed": 0, "entities": 15}
    assert [r["label"] for r in s["central"]["Organization"]["degree"]] == ["华东某某质量协会", "某某机械研究院"]
    assert [r["label"] for r in s["central"]["Person"]["degree"]] == ["孙国栋", "刘晓梅"]
    assert s["names"]["types"]["GovernmentBody"] == "政府机构"
    assert s["names"]["relations"]["memberOf"] == ["任职", "holds a post in"]
    assert s["communities"]["count"] == len(ka.communities(G))
    json.dumps(s, ensure_ascii=False)  # plain data


def test_format_summary_aligns_chinese_names(G):
    text = report.format_stats(ka.summary(G, top=3))
    lines = text.splitlines()
    assert lines[0] == "实体 entities: 15   关系 relations: 18   连通分量 components: 2 (largest 13, 0 isolated)"
    assert "人物 Person 6" in text and "任职 memberOf 5" in text and "承办/协办 coHosted 1" in text
    rows = [m for line in lines for m in [re.match(r"\s+(\d+) (\S+)\s+(\d+)\s+(\d+) (\S+)\s+([\d.]+)$", line)] if m]
    assert [m.group(1, 2, 3, 4) for m in rows[:1]] == [("1", "华东某某质量协会", "3", "1")]
    assert len(rows) == 6  # three organizations, three people
    # the betweenness column starts at the same terminal column on every row (CJK = 2 columns)
    assert len({report.display_width(m.string[:m.start(4)]) for m in rows}) == 1
    assert max(report.display_width(line) for line in lines) <= 100


# --- export -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, read", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_export_reads_back(G, tmp_path, fmt, read):
    path = ka.export_graph(G, tmp_path / f"world.{fmt}")
    H = read(path)
    assert set(H) == set(G)
    assert sorted((u, v, d["relation"]) for u, v, d in H.edges(data=True)) == sorted(G.edges(keys=True))
    assert {n: H.nodes[n]["label"] for n in H} == {n: G.nodes[n]["label"] for n in G}
    assoc = H.nodes[iri("org", "华东某某质量协会")]
    assert assoc["type"] == "Association" and assoc["type_zh"] == "社会团体" and assoc["aliases"] == "华东质协"
    chen = H.nodes[iri("person", "陈立新")]
    assert json.loads(chen["posts"]) == [{"title": "会长", "organization": "华东某某质量协会",
                                          "organization_iri": iri("org", "华东某某质量协会")}]
    assert chen["n_posts"] == 1 and "date" not in chen  # None dropped
    [edge] = [d for u, v, d in H.edges(data=True) if d["relation"] == "spokeAt"]
    assert edge["label"] == "讲话" and edge["label_en"] == "spoke at" and edge["confidence"] == 0.85
    assert json.loads(edge["evidence"])[0]["sentence"] == S_LIU
    assert edge["n_evidence"] == 1
    assert S_LIU in path.read_text(encoding="utf-8")  # Chinese written as characters, not escapes


def test_export_format_and_atomic_write(G, tmp_path):
    target = tmp_path / "graph.xml"
    target.write_text("old", encoding="utf-8")
    ka.export_graph(G, target, format="gexf")
    assert nx.read_gexf(target).number_of_nodes() == 15
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.xml"]  # no temporary file left
    with pytest.raises(ValueError, match="unknown export format"):
        ka.export_graph(G, tmp_path / "graph.csv")


def test_export_drops_characters_xml_cannot_hold(tmp_path):
    G = nx.MultiDiGraph()
    G.add_node("x", label="某某\x0b协会", type="Association", aliases=["某\x01协"], posts=[], evidence=[], sources=[])
    H = nx.read_graphml(ka.export_graph(G, tmp_path / "g.graphml"))
    assert H.nodes["x"]["label"] == "某某协会" and H.nodes["x"]["aliases"] == "某协"


# --- the commands -----------------------------------------------------------------------------------


def test_kg_stats_text(world_dir):
    result = invoke("stats", "--graph", str(world_dir), "--top", "3")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("实体 entities: 15   关系 relations: 18")
    assert "by betweenness (exact)" in out and "社区 communities:" in out
    assert re.search(r"^\s+1 华东某某质量协会\s+3\s+1 ", out, re.M)
    assert re.search(r"^\s+1 孙国栋\s+3\s+1 孙国栋", out, re.M)


def test_kg_stats_json(world_dir, G):
    result = invoke("stats", "--graph", str(world_dir), "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"] == ka.counts(G)
    assert report["central"]["Person"]["degree"][0]["label"] == "孙国栋"


def test_kg_stats_reads_graph_ttl_when_there_is_one(tmp_path):
    """Stats need no provenance: graph.ttl (plain triples) is read instead of graph.trig."""
    (tmp_path / "graph.trig").write_text(WORLD, encoding="utf-8")
    (tmp_path / "graph.ttl").write_text(PREFIXES + 'p:某人 a kg:Person ; rdfs:label "某人"@zh .\n', encoding="utf-8")
    report = json.loads(invoke("stats", "--graph", str(tmp_path), "--json").stdout)
    assert report["counts"]["nodes"] == 1
    assert ka.load_network(tmp_path).number_of_nodes() == 15  # with provenance: graph.trig


@pytest.mark.parametrize("command", [["stats"], ["path", "陈立新", "周文"], ["export", "-o", "x.gexf"]])
def test_missing_graph_folder(tmp_path, command):
    missing = tmp_path / "no-such-build"
    result = invoke(*command, "--graph", str(missing))
    assert result.exit_code == 3  # kg.errors.BadInput, as from every command (tests/test_errors.py)
    assert str(missing) in result.stderr and "kg build" in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke(*command, "--graph", str(empty))
    assert result.exit_code == 3 and "no graph.trig or graph.ttl" in result.stderr


def test_unreadable_graph(tmp_path):
    (tmp_path / "graph.trig").write_text("这不是 TriG <<", encoding="utf-8")
    result = invoke("stats", "--graph", str(tmp_path))
    assert result.exit_code == 3
    assert result.stderr.startswith(f"error: {tmp_path / 'graph.trig'}: not a readable graph: ")
    assert len(result.stderr.splitlines()) == 1


def test_kg_path_text(world_dir):
    result = invoke("path", "陈立新", "周文", "--graph", str(world_dir))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "陈立新 → 周文: 3 step(s)"
    assert lines[1] == "  1. 陈立新 (Person) —[出席 attended]→ 2021年华东质量论坛 (Event)"
    assert lines[2] == f"       a.txt [{A_CHEN}–{A_CHEN + len(S_CHEN)}]: {S_CHEN}"
    assert "←[承办/协办 co-hosted]— 某某机械研究院 (ResearchInstitute)" in result.stdout
    assert "←[任职（院长） holds a post in (院长)]— 周文 (Person)" in result.stdout
    assert f"b.txt [{B_ZHOU + 9}–{B_ZHOU + 15}]: {S_ZHOU}" in result.stdout


def test_kg_path_json(world_dir):
    result = invoke("path", "某某电机", "2021年华东质量论坛", "--graph", str(world_dir), "--json")
    assert result.exit_code == 0, result.stderr
    [path] = json.loads(result.stdout)
    assert path["nodes"] == ["某某电机股份有限公司", "孙国栋", "2021年华东质量论坛"]
    assert path["steps"][1]["evidence"][0]["sentence"] == S_SUN


@pytest.mark.parametrize("a, b, code, message", [
    ("陈新立", "周文", 2, "no entity named '陈新立'; close matches: 陈立新"),
    ("陈立新", "某某", 2, "'某某' names 4 entities: "),
    ("刘晓梅", "王丽", 1, "刘晓梅 and 王丽 are not connected"),
])
def test_kg_path_errors(world_dir, a, b, code, message):
    result = invoke("path", a, b, "--graph", str(world_dir))
    assert result.exit_code == code
    assert message in result.stderr and result.stdout == ""


def test_kg_path_max_hops(world_dir):
    result = invoke("path", "陈立新", "周文", "--graph", str(world_dir), "--max-hops", "2")
    assert result.exit_code == 1 and "3 steps apart, more than --max-hops 2" in result.stderr


def test_kg_path_ambiguous_lists_candidates(world_dir):
    result = invoke("path", "某某", "周文", "--graph", str(world_dir))
    assert result.exit_code == 2
    for label in ("华东某某质量协会", "某某电机股份有限公司", "某某机械研究院", "某某检测中心"):
        assert label in result.stderr


@pytest.mark.parametrize("name, args, read", [
    ("world.graphml", [], nx.read_graphml),
    ("world.gexf", [], nx.read_gexf),
    ("world.xml", ["--format", "gexf"], nx.read_gexf),
])
def test_kg_export(world_dir, tmp_path, name, args, read):
    out = tmp_path / name
    result = invoke("export", "--graph", str(world_dir), "-o", str(out), *args)
    assert result.exit_code == 0, result.stderr
    assert "15 entities, 18 relations" in result.stderr
    H = read(out)
    assert H.number_of_nodes() == 15 and H.number_of_edges() == 18


def test_kg_export_needs_a_format(world_dir, tmp_path):
    result = invoke("export", "--graph", str(world_dir), "-o", str(tmp_path / "world.txt"))
    assert result.exit_code == 2 and "--format" in result.stderr
    assert not (tmp_path / "world.txt").exists()


def test_kg_help_lists_the_commands():
    out = invoke("--help").stdout
    for command in ("stats", "path", "export"):
        assert re.search(rf"^\s+{command}\s", out, re.M)


# --- end to end on the seed corpus ------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory) -> tuple[Path, object]:
    from kg.build import build

    out = tmp_path_factory.mktemp("seedbuild")
    result = build([str(ROOT / "seeds")], out)
    assert not result.failures
    return out, result


@pytest.mark.slow
def test_seed_counts_agree_with_the_build(seed_build):
    out, result = seed_build
    G = load_network(out)
    c = ka.counts(G)
    entities = [json.loads(line) for line in (out / "entities.jsonl").read_text(encoding="utf-8").splitlines()]
    assert c["types"] == dict(Counter(e["type"] for e in entities))
    relations = dict(c["relations"])
    relations.pop("memberOf")
    assert relations == result.summary()["relations"]
    # the same entities and relations whether read with provenance (graph.trig) or without (graph.ttl)
    T = ka.load_network(out, provenance=False)
    assert set(T) == set(G) and set(T.edges(keys=True)) == set(G.edges(keys=True))


@pytest.mark.slow
def test_seed_analytics(seed_build):
    out, _ = seed_build
    G = load_network(out)
    s = ka.summary(G, top=5)
    # the corpus is the newsletter of 中机质协: it is linked to more entities than any other body
    assert s["central"]["Organization"]["degree"][0]["label"] == "中国机械工业质量管理协会"
    assert s["betweenness"]["exact"] is True
    assert s["communities"]["count"] >= 2
    [path] = ka.connection(G, "王建和", "中机质协")
    [step] = path["steps"]
    assert step["relation"] == "memberOf" and step["to"] == "中国机械工业质量管理协会"
    seeds = {p.name for p in (ROOT / "seeds").iterdir()}
    paths = ka.connection(G, "中机质协", "工信部")
    for p in paths:
        for st in p["steps"]:
            assert st["evidence"] and all(e["doc"] in seeds and e["sentence"] for e in st["evidence"])


@pytest.mark.slow
def test_seed_commands(seed_build, tmp_path):
    out, _ = seed_build
    result = invoke("stats", "--graph", str(out))
    assert result.exit_code == 0, result.stderr
    assert "中国机械工业质量管理协会" in result.stdout
    result = invoke("path", "中机质协", "工信部", "--graph", str(out))
    assert result.exit_code == 0, result.stderr
    assert "中国机械工业质量管理协会 → 工业和信息化部" in result.stdout
    gexf = tmp_path / "seeds.gexf"
    assert invoke("export", "--graph", str(out), "-o", str(gexf)).exit_code == 0
    H, G = nx.read_gexf(gexf), load_network(out)
    assert set(H) == set(G) and H.number_of_edges() == G.number_of_edges()


def _hosting_graph(facts):
    G = nx.MultiDiGraph()
    for org, pred, event in facts:
        for n, t in ((org, "Association"), (event, "Event")):
            G.add_node(n, label=n, type=t)
        G.add_edge(org, event, key=pred, predicate=pred)
    return G


@pytest.mark.parametrize("facts, expected", [
    ([("甲协会", "hosted", "论坛一"), ("乙公司", "coHosted", "论坛一"), ("丙研究院", "coHosted", "论坛一"),
      ("甲协会", "hosted", "论坛二"), ("乙公司", "hosted", "论坛二")],
     [("乙公司", "甲协会", 2), ("丙研究院", "乙公司", 1), ("丙研究院", "甲协会", 1)]),
    # attending, guiding or supporting together is not organizing together
    ([("甲协会", "hosted", "论坛一"), ("乙公司", "attended", "论坛一"), ("丙研究院", "guided", "论坛一")], []),
    # one organization twice on the same event is no pair
    ([("甲协会", "hosted", "论坛一"), ("甲协会", "coHosted", "论坛一")], []),
])
def test_cohosts_pairs_across_the_graph(facts, expected):
    rows = ka.cohosts(_hosting_graph(facts))
    assert [(r["a"], r["b"], r["events"]) for r in rows] == expected


def test_cohosts_top():
    facts = [(f"机构{i}", "hosted", "大会") for i in range(5)]
    assert len(ka.cohosts(_hosting_graph(facts), top=3)) == 3
    assert len(ka.cohosts(_hosting_graph(facts), top=None)) == 10


def test_cohosts_pairs_are_ordered_by_name_not_by_node_id():
    G = nx.MultiDiGraph()
    for n, label in [("a1", "甲"), ("a2", "丁"), ("b1", "丙"), ("b2", "乙"), ("e1", "会一"), ("e2", "会二")]:
        G.add_node(n, label=label, type="Event" if n.startswith("e") else "Association")
    for org, event in [("a1", "e1"), ("a2", "e1"), ("b1", "e2"), ("b2", "e2")]:
        G.add_edge(org, event, key="hosted", predicate="hosted")
    assert [(r["a"], r["b"]) for r in ka.cohosts(G)] == [("丁", "甲"), ("丙", "乙")]


@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=30), st.integers(1, 9))
def test_counts_made_from_pairs_are_those_of_the_graph_of_them(pairs, cap):
    """The bounded load picks its nodes from the facts' pairs, without the graph (joined_counts,
    most_joined): the nodes best_connected keeps of the graph of those pairs, by the same counts."""
    from kg.network.views import joined_counts, most_joined

    G = nx.MultiDiGraph()
    G.add_nodes_from(range(8))
    G.add_edges_from(pairs)
    by_graph = {n: len((set(G.predecessors(n)) | set(G.successors(n))) - {n}) for n in G}
    assert joined_counts(range(8), pairs) == by_graph == ka.neighbour_counts(G)
    best = sorted(G, key=lambda n: (-by_graph[n], str(n)))[:cap]  # most neighbours, ties by id
    assert most_joined(joined_counts(range(8), pairs), cap) == best
    assert set(ka.best_connected(G, cap)) == set(best)


def test_an_entity_with_an_empty_iri_is_joined_by_no_edge(tmp_path):
    """An rdflib graph, or the facts a build hands the page, may hold an entity named <> (an empty
    IRI): it is a node, but no relation or post edge joins it, and a post there names no body."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDF, RDFS

    from kg.network.load import facts_index
    from kg.ontology.vocab import KG
    from kg.rdf import ORG

    person, empty, post, role = (URIRef(x) for x in (iri("person", "甲"), "", iri("membership", "1"), iri("role", "会长")))
    g = Graph()
    for s, p, o in [(person, RDF.type, KG.Person), (person, RDFS.label, Literal("甲", lang="zh")),
                    (empty, RDF.type, KG.Company), (empty, RDFS.label, Literal("乙", lang="zh")),
                    (person, KG.attended, empty), (post, RDF.type, ORG.Membership), (post, ORG.member, person),
                    (post, ORG.organization, empty), (post, ORG.role, role), (role, RDFS.label, Literal("会长", lang="zh"))]:
        g.add((s, p, o))
    (tmp_path / "graph.trig").write_text("", encoding="utf-8")
    facts = facts_index([(str(s), str(p), (str(o), o.language, None) if isinstance(o, Literal) else str(o))
                         for s, p, o in g])
    for G in (load_network(g), load_network(tmp_path, max_nodes=5, facts=facts)):
        assert set(G) == {str(person), ""} and G.number_of_edges() == 0
        assert G.nodes[str(person)]["posts"] == [{"title": "会长", "organization": None, "organization_iri": ""}]
