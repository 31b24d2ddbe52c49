"""Entity resolution (kg.resolve) and the RDF graph (kg.rdf) on hand-made mention records.

No spaCy here: mentions are built directly, so these tests pin down resolution and graph
writing independently of what the extractor finds.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import OWL

from kg.ontology import load_ontology
from kg.rdf import build_graph, entity_iri, serialize_turtle
from kg.records import ENTITY_TYPES, Entity, Mention, PositionMention
from kg.resolve import resolve, resolve_positions

ROOT = Path(__file__).resolve().parent.parent
KG = Namespace("https://example.org/cnqkg/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")

_counter = itertools.count()


def m(text: str, typ: str, doc: str = "a.txt", parent: str | None = None, names: tuple = (),
      extractor: str = "test", confidence: float = 0.8) -> Mention:
    """A mention at a fresh offset (offsets only need to be distinct)."""
    start = next(_counter) * 100
    return Mention(doc, text, typ, start, start + len(text), 0, 0, extractor, confidence, text,
                   None, parent, names)


def entities_of(mentions) -> list[tuple[str, str, list[str]]]:
    return [(e.type, e.label, e.aliases) for e in resolve(mentions).entities]


# --- merging ------------------------------------------------------------------------------------

MERGE = {
    "abbreviation": (["工信部", "工业和信息化部"], "GovernmentBody", "工业和信息化部"),
    "国家-prefix": (["国家工业和信息化部", "工业和信息化部"], "GovernmentBody", "工业和信息化部"),
    "国家-prefix on an abbreviation": (["国家工信部", "工信部"], "GovernmentBody", "工业和信息化部"),
    "full official name": (["中华人民共和国工业和信息化部", "工信部"], "GovernmentBody", "工业和信息化部"),
    "association abbreviation": (["中机质协", "中国机械工业质量管理协会"], "Association", "中国机械工业质量管理协会"),
    "abbreviated parent in a chain": (["工信部科技司质量处", "工业和信息化部科技司质量处"], "GovernmentBody",
                                      "工业和信息化部科技司质量处"),
    "Latin acronym": (["IEC", "国际电工委员会"], "Association", "国际电工委员会"),
}


@pytest.mark.parametrize("names, typ, label", MERGE.values(), ids=MERGE.keys())
def test_abbreviations_and_prefixes_merge(names, typ, label):
    ms = [m(n, typ, doc=f"{i}.txt") for i, n in enumerate(names)]
    res = resolve(ms)
    assert [(e.type, e.label) for e in res.entities] == [(typ, label)]
    ent = res.entities[0]
    assert ent.id == f"org/{label}"
    assert set(ent.aliases) == set(names) - {label}
    assert ent.mentions == len(names)
    assert ent.docs == sorted(f"{i}.txt" for i in range(len(names)))
    assert {res.entity_of(x) for x in ms} == {ent.id}


VARIANTS = {
    "company brackets": ("Company", ["东方精工（苏州）有限公司", "东方精工(苏州)有限公司", "东方精工 (苏州) 有限公司",
                                      "东方精工（苏州） 有限公司"]),
    "document number brackets": ("Document", ["华智协〔2021〕3号", "华智协[2021]3号", "华智协【2021】 3 号",
                                               "华智协［２０２１］３号", "华智协〔2021〕3号文"]),
    "standard width": ("Document", ["GB/T 12345-2020", "GB/T12345-2020", "ＧＢ／Ｔ １２３４５－２０２０"]),
    "event year width": ("Event", ["２０２１年精密测量论坛", "2021年精密测量论坛", "2021年 精密测量论坛"]),
    "quoted event": ("Event", ["2022年全国“质量月”活动", "2022年全国质量月活动", "2022年全国\"质量月\"活动"]),
    "person with a wrap space": ("Person", ["王建国", "王 建国", "王建国 "]),
    "award quotes": ("Award", ["“金匠奖”", "金匠奖"]),
}


@pytest.mark.parametrize("typ, names", VARIANTS.values(), ids=VARIANTS.keys())
def test_width_and_spacing_variants_merge(typ, names):
    ents = resolve([m(n, typ) for n in names]).entities
    assert len(ents) == 1, [(e.label, e.aliases) for e in ents]
    assert ents[0].type == typ


APART = {
    "event inside a longer event": ("Event", ["中国机械工业质量高峰论坛", "质量高峰论坛"]),
    "ministry and its department": ("GovernmentBody", ["工业和信息化部", "工业和信息化部科技司"]),
    "abbreviated ministry and its department": ("GovernmentBody", ["工信部", "工信部科技司"]),
    "department and its division": ("GovernmentBody", ["工信部科技司", "工信部科技司质量处"]),
    "association and a shorter name": ("Association", ["华夏智能装备行业协会", "智能装备行业协会"]),
    "university and its school": ("ResearchInstitute", ["江南工业大学", "江南工业大学机械工程学院"]),
    "person and a longer name": ("Person", ["王建", "王建国"]),
    "award and a graded award": ("Award", ["华夏质量奖", "华夏质量奖一等奖"]),
    "two documents of one body": ("Document", ["华智协〔2021〕3号", "华智协〔2021〕13号"]),
}


@pytest.mark.parametrize("typ, names", APART.values(), ids=APART.keys())
def test_names_containing_each_other_stay_apart(typ, names):
    ents = resolve([m(n, typ) for n in names]).entities
    assert len(ents) == 2, [(e.label, e.aliases) for e in ents]
    for e in ents:  # each entity carries exactly one of the two names
        assert len({e.label, *e.aliases} & set(names)) == 1, (e.label, e.aliases)


def test_same_name_of_different_kinds_stays_apart():
    ents = resolve([m("杭州", "Place"), m("杭州", "Person")]).entities
    assert sorted(e.id for e in ents) == ["person/杭州", "place/杭州"]


def test_document_title_and_number_join_across_documents():
    ms = [m("智能装备质量提升行动方案", "Document", doc="a.txt", names=("华智协〔2021〕3号",)),
          m("华智协[2021]3号", "Document", doc="b.txt")]
    res = resolve(ms)
    assert [(e.id, e.label, e.docs) for e in res.entities] == [
        ("document/智能装备质量提升行动方案", "智能装备质量提升行动方案", ["a.txt", "b.txt"])]
    assert set(res.entities[0].aliases) == {"华智协〔2021〕3号", "华智协[2021]3号"}


def test_chain_parent_becomes_sub_organization():
    ms = [m("工信部科技司", "GovernmentBody"),
          m("工信部科技司质量处", "GovernmentBody", parent="工信部科技司"),
          m("工业和信息化部", "GovernmentBody")]
    by = resolve(ms).by_id()
    assert by["org/工业和信息化部科技司质量处"].parent == "org/工业和信息化部科技司"
    assert by["org/工业和信息化部科技司"].parent == "org/工业和信息化部"  # from the gazetteer
    assert by["org/工业和信息化部"].parent is None  # 国务院 is not in this corpus


def test_gazetteer_type_beats_the_mention_type():
    ents = resolve([m("中机质协", "Company"), m("中国机械工业质量管理协会", "Organization")]).entities
    assert [(e.label, e.type) for e in ents] == [("中国机械工业质量管理协会", "Association")]


# --- stable ids -------------------------------------------------------------------------------

CORPUS = [
    m("工信部", "GovernmentBody", "a.txt", extractor="orgs:gazetteer", confidence=0.95),
    m("工信部科技司", "GovernmentBody", "a.txt", extractor="orgs:gazetteer", confidence=0.95),
    m("工信部科技司质量处", "GovernmentBody", "a.txt", parent="工信部科技司", confidence=0.6),
    m("国家工业和信息化部", "GovernmentBody", "b.txt"),
    m("华夏智能装备行业协会", "Association", "a.txt", confidence=0.9),
    m("华夏智能装备行业协会", "Company", "b.txt", confidence=0.4),
    m("华夏智能装备行业协会", "Association", "b.txt", confidence=0.7),
    m("东方精工（苏州）有限公司", "Company", "a.txt"),
    m("东方精工(苏州)有限公司", "Company", "b.txt"),
    m("李明华", "Person", "a.txt"),
    m("李明华", "Person", "b.txt"),
    m("王建国", "Person", "b.txt"),
    m("王 建国", "Person", "a.txt"),
    m("王建国", "Person", "a.txt"),
    m("2021年华夏智能装备行业质量论坛", "Event", "a.txt"),
    m("2021年华夏智能装备行业质量论坛", "Event", "b.txt"),
    m("２０２１年华夏智能装备行业质量论坛", "Event", "b.txt"),
    m("质量论坛", "Event", "b.txt"),
    m("智能装备质量提升行动方案", "Document", "a.txt", names=("华智协〔2021〕3号",)),
    m("华智协〔2021〕3号", "Document", "b.txt"),
    m("华夏质量贡献奖", "Award", "b.txt"),
    m("杭州", "Place", "a.txt"),
]
POSITIONS = [
    PositionMention("a.txt", "李明华", "处长", "工信部科技司质量处", 0, 10, 0, "people:title-before", 0.85),
    PositionMention("b.txt", "王建国", "会长", "华夏智能装备行业协会", 0, 10, 0, "people:title-before", 0.85),
    PositionMention("b.txt", "李明华", "副会长", None, 0, 10, 0, "people:title-after", 0.8),
]


def summary(mentions) -> list[dict]:
    res = resolve(mentions)
    return [e.to_dict() for e in res.entities]


def test_expected_entities_of_the_small_corpus():
    ents = {e.id: e for e in resolve(CORPUS).entities}
    assert sorted(ents) == [
        "award/华夏质量贡献奖",
        "document/智能装备质量提升行动方案",
        "event/2021年华夏智能装备行业质量论坛",
        "event/质量论坛",
        "org/东方精工(苏州)有限公司",  # ids are made from the normalised name: one bracket style
        "org/华夏智能装备行业协会",
        "org/工业和信息化部",
        "org/工业和信息化部科技司",
        "org/工业和信息化部科技司质量处",
        "person/李明华",
        "person/王建国",
        "place/杭州",
    ]
    assert ents["org/华夏智能装备行业协会"].type == "Association"  # 0.9 + 0.7 against 0.4
    assert ents["person/王建国"].aliases == ["王 建国"]
    assert ents["org/工业和信息化部"].aliases == ["国家工业和信息化部", "工信部"]
    assert ents["event/2021年华夏智能装备行业质量论坛"].aliases == ["２０２１年华夏智能装备行业质量论坛"]
    assert ents["event/2021年华夏智能装备行业质量论坛"].docs == ["a.txt", "b.txt"]


@pytest.mark.parametrize("typ, names, label", [
    ("Person", ["王 建国", "王建国"], "王建国"),
    ("Event", ["2021年精密测量论坛", "２０２１年精密测量论坛"], "2021年精密测量论坛"),
    ("Document", ["华智协〔2021〕3号", "华智协 〔2021〕 3号"], "华智协〔2021〕3号"),
])
@pytest.mark.xfail(reason="among equally frequent surface forms the label is the longest, then the "
                                       "greatest string, so a form with a wrap space or full-width digits wins")
def test_label_is_the_clean_form_of_equally_frequent_variants(typ, names, label):
    ents = resolve([m(n, typ) for n in names]).entities
    assert [e.label for e in ents] == [label]


@settings(max_examples=60, deadline=None)
@given(st.permutations(CORPUS))
def test_entities_do_not_depend_on_mention_order(shuffled):
    assert summary(shuffled) == summary(CORPUS)
    res_a, res_b = resolve(CORPUS), resolve(shuffled)
    assert {k: res_b.entity_of(x) for x in CORPUS for k in [(x.doc_id, x.start)]} == \
           {k: res_a.entity_of(x) for x in CORPUS for k in [(x.doc_id, x.start)]}


_NAMES = st.sampled_from(["工信部", "工业和信息化部", "国家工信部", "中机质协", "工信部科技司质量处", "华智协〔2021〕3号",
                           "关于开展质量月活动的通知", "2021年质量论坛", "2021年质量论坛（第二届）", "王建国", " 王 建国 ",
                           "全国质量奖", "２０２１年", "某某有限公司", "IEC", "Ｘ", "2020"])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(ENTITY_TYPES)), _NAMES, st.tuples() | st.tuples(_NAMES) | st.tuples(_NAMES, _NAMES),
       st.none() | st.sampled_from(["2020", "2020-09", "2020-09-12"]), st.booleans(),
       st.sampled_from(["rule", "org-gazetteer"]), st.floats(0.1, 1.0))
def test_an_entity_named_once_is_what_the_counting_rule_makes_of_it(typ, text, names, date, ranged, extractor,
                                                                     confidence):
    """Most entities are named once: they are made without the counters, and must come out the same."""
    from kg.ontology.lexicon import load_lexicon
    from kg.resolve.entities import GROUP, _counted_entity, _one_mention_entity

    mention = Mention("a.txt", text, typ, 0, len(text), 0, 0, extractor, confidence, text, None, None, names, date,
                      "2020-09-14" if date and ranged else None)
    group, lex = GROUP.get(typ, "org"), load_lexicon()
    assert _one_mention_entity(group, mention, lex) == _counted_entity(group, [mention], lex)


_SCRIPT = """
import hashlib, json, sys
sys.path.insert(0, {tests!r})
from test_resolve_graph import CORPUS, POSITIONS
from kg.resolve import resolve, resolve_positions
from kg.rdf import build_graph, serialize_turtle
res = resolve(CORPUS)
pos = resolve_positions(POSITIONS, CORPUS, res)
ttl = serialize_turtle(build_graph(res.entities, pos))
print(json.dumps({{"ids": [e.id for e in res.entities], "entities": [e.to_dict() for e in res.entities],
                  "positions": [p.to_dict() for p in pos], "ttl": hashlib.sha256(ttl).hexdigest()}}, ensure_ascii=False))
"""


def test_ids_and_graph_are_stable_across_runs():
    """Separate processes with different hash seeds (set and dict order) give the same result."""
    outs = []
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run([sys.executable, "-c", _SCRIPT.format(tests=str(ROOT / "tests"))],
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        outs.append(json.loads(proc.stdout))
    assert outs[0] == outs[1] == outs[2]
    assert "org/工业和信息化部" in outs[0]["ids"]


# --- the graph ----------------------------------------------------------------------------------

# {assoc} and {committee} stand for the two entities' IRIs; test_entity_iri_* pin down their spelling.
EXPECTED_TTL = """
@prefix kg:   <https://example.org/cnqkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

<{assoc}>
    a kg:Association ;
    rdfs:label "华夏智能装备行业协会"@zh ;
    skos:altLabel "华智协"@zh .

<{committee}>
    a kg:Association ;
    rdfs:label "华夏智能装备行业协会标准化工作委员会"@zh ;
    kg:subOrganizationOf <{assoc}> .
"""
DOCUMENTED_IRIS = {  # what the kg.rdf.iris docstring promises: the kind and the label, IRI characters kept
    "assoc": "https://example.org/cnqkg/id/org/华夏智能装备行业协会",
    "committee": "https://example.org/cnqkg/id/org/华夏智能装备行业协会标准化工作委员会",
}

TWO = [
    Entity("org/华夏智能装备行业协会", "Association", "华夏智能装备行业协会", ["华智协"], 2, ["a.txt"], None, 0.9),
    Entity("org/华夏智能装备行业协会标准化工作委员会", "Association", "华夏智能装备行业协会标准化工作委员会",
           [], 1, ["a.txt"], "org/华夏智能装备行业协会", 0.8),
]


def ontology_axioms() -> Graph:
    """The subClassOf axioms and named-class declarations of ontology/kg.ttl, which every graph carries
    (not the anonymous union classes that only serve as domains and ranges)."""
    onto = load_ontology()
    g = Graph()
    for t in onto.triples((None, RDFS.subClassOf, None)):
        g.add(t)
    for cls in onto.subjects(RDF.type, OWL.Class):
        if isinstance(cls, URIRef):
            g.add((cls, RDF.type, OWL.Class))
    return g


def _expected_graph(iris: dict) -> Graph:
    return Graph().parse(data=EXPECTED_TTL.format(**iris), format="turtle")


def test_graph_of_two_entities_is_the_hand_written_graph():
    expected = _expected_graph({"assoc": str(entity_iri(TWO[0].id)), "committee": str(entity_iri(TWO[1].id))})
    hand_triples = len(expected)
    axioms = ontology_axioms()
    assert (KG.Association, RDFS.subClassOf, KG.Organization) in axioms
    assert (KG.Person, RDFS.subClassOf, URIRef("http://xmlns.com/foaf/0.1/Person")) in axioms
    for t in axioms:
        expected.add(t)
    got = build_graph(TWO)
    if not isomorphic(got, expected):
        _, only_got, only_expected = graph_diff(to_isomorphic(got), to_isomorphic(expected))
        pytest.fail(f"only built:\n{only_got.serialize(format='nt')}\nonly expected:\n"
                    f"{only_expected.serialize(format='nt')}")
    assert len(got) == hand_triples + len(axioms)


def test_graph_round_trips_through_turtle():
    g = build_graph(TWO)
    again = Graph().parse(data=serialize_turtle(g).decode("utf-8"), format="turtle")
    assert isomorphic(g, again)


def test_entity_iri_is_made_of_kind_and_label():
    for key, iri in DOCUMENTED_IRIS.items():
        entity = TWO[0] if key == "assoc" else TWO[1]
        assert unquote(str(entity_iri(entity.id))) == iri
    iri = str(entity_iri("event/PTC ASIA展会"))
    assert " " not in iri and unquote(iri).endswith("/event/PTC ASIA展会")
    assert entity_iri("org/东方精工（苏州）有限公司") != entity_iri("org/东方精工(苏州)有限公司")
    assert entity_iri("org/东方精工") != entity_iri("person/东方精工")


def test_entity_iri_keeps_chinese_characters_as_documented():
    assert str(entity_iri(TWO[0].id)) == DOCUMENTED_IRIS["assoc"]
    got = build_graph(TWO)
    expected = _expected_graph(DOCUMENTED_IRIS)
    for t in ontology_axioms():
        expected.add(t)
    assert isomorphic(got, expected)


def test_positions_become_memberships():
    res = resolve(CORPUS)
    pos = resolve_positions(POSITIONS, CORPUS, res)
    assert [(p.person, p.title, p.organization) for p in pos] == [
        ("person/李明华", "副会长", None),
        ("person/李明华", "处长", "org/工业和信息化部科技司质量处"),
        ("person/王建国", "会长", "org/华夏智能装备行业协会"),
    ]
    g = build_graph(res.entities, pos)
    memberships = set(g.subjects(RDF.type, ORG.Membership))
    assert len(memberships) == 3
    li = entity_iri("person/李明华")
    chu = next(ms for ms in memberships
               if (ms, ORG.member, li) in g and (ms, ORG.organization, entity_iri(pos[1].organization)) in g)
    role = g.value(chu, ORG.role)
    assert (role, RDF.type, ORG.Role) in g
    assert g.value(role, RDFS.label) == Literal("处长", lang="zh")
    no_org = [ms for ms in memberships if g.value(ms, ORG.organization) is None]
    assert len(no_org) == 1 and g.value(no_org[0], ORG.member) == li


def _ttl(mentions, positions=()) -> bytes:
    res = resolve(mentions)
    pos = resolve_positions(list(positions), mentions, res)
    return serialize_turtle(build_graph(res.entities, pos))


def test_serialization_is_deterministic():
    g = build_graph(resolve(CORPUS).entities, resolve_positions(POSITIONS, CORPUS, resolve(CORPUS)))
    assert serialize_turtle(g) == serialize_turtle(g)
    assert _ttl(CORPUS, POSITIONS) == _ttl(CORPUS, POSITIONS)


def test_serialization_does_not_depend_on_mention_order():
    assert _ttl(CORPUS, POSITIONS) == _ttl(list(reversed(CORPUS)), list(reversed(POSITIONS)))


@pytest.mark.parametrize("typ, names", [
    ("Company", ["东方精工（苏州）有限公司", "东方精工(苏州)有限公司"]),
    ("Person", ["王建国", "王 建国"]),
    ("Event", ["2021年华夏智能装备行业质量论坛", "２０２１年华夏智能装备行业质量论坛"]),
    ("Association", ["华夏智能装备行业协会", "华夏智能装备行业协会 "]),
])
def test_id_does_not_depend_on_how_often_each_name_occurs(typ, names):
    """Two corpora naming an entity the same ways, in other proportions, give it the same IRI
    (its label, the most frequent form, may differ)."""
    a, b = names
    first = resolve([m(a, typ, "1.txt"), m(a, typ, "2.txt"), m(b, typ, "3.txt")]).entities
    second = resolve([m(b, typ, "1.txt"), m(b, typ, "2.txt"), m(a, typ, "3.txt")]).entities
    assert len(first) == len(second) == 1
    assert first[0].id == second[0].id
    assert entity_iri(first[0].id) == entity_iri(second[0].id)


def test_id_of_a_gazetteer_body_is_its_canonical_name_in_any_corpus():
    only_abbreviation = resolve([m("工信部", "GovernmentBody")]).entities
    both = resolve([m("工信部", "GovernmentBody"), m("工业和信息化部", "GovernmentBody")]).entities
    assert [e.id for e in only_abbreviation] == [e.id for e in both] == ["org/工业和信息化部"]


@given(st.text(max_size=12))
@settings(max_examples=300, deadline=None)
def test_iri_segment_keeps_non_ascii_letters_and_escapes_the_rest(text):
    """A name's segment, as the rule reads: each non-ASCII character that is not a space kept, every
    other character %-escaped unless it is an ASCII letter, digit or one of ``()-_.~``."""
    from urllib.parse import quote

    from kg.rdf.iris import iri_segment

    expected = "".join(c if ord(c) > 0x7F and not c.isspace() else quote(c, safe="()-_.~") for c in text)
    assert iri_segment.__wrapped__(text) == expected


@given(st.sampled_from(["org", "person", "event", "doc"]), st.text(max_size=12))
@settings(max_examples=200, deadline=None)
def test_an_entity_iri_gives_back_its_id(kind, label):
    """An entity's IRI is made of its id, and the id is read back from it (validation finds the entity a
    document refers to by it)."""
    from kg.rdf.iris import entity_id_of, entity_node, id_namespace

    ns = id_namespace("https://data.example.com/质量/kg/")
    assert entity_id_of(ns, entity_node(ns, f"{kind}/{label}")) == f"{kind}/{label}"
    assert entity_id_of(id_namespace(), entity_node(ns, f"{kind}/{label}")) is None
