"""ontology/shapes.ttl and kg.rdf.shacl.validate: a valid graph conforms, each kind of violation is
reported on the right focus node, and the graphs kg.rdf builds conform."""

from __future__ import annotations

import shutil
import time
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import to_isomorphic
from rdflib.namespace import PROV, SKOS

from kg.rdf import build_dataset, build_graph
from kg.records import DocumentExtraction, Entity, Evidence, Position, Relation
from kg.rdf.shacl import ShaclReport, validate
from kg.ontology.vocab import KG

ROOT = Path(__file__).resolve().parent.parent
ID = Namespace("https://example.org/cnqkg/id/")
ORG = Namespace("http://www.w3.org/ns/org#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # not rdflib's: doctest collection probes that one

PREFIXES = """
@prefix kg:   <https://example.org/cnqkg/ontology#> .
@prefix id:   <https://example.org/cnqkg/id/> .
@prefix rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix org:  <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
"""

# Every class, relation, a dated event, two posts (one without organization), a source file and
# a reified relation with its evidence. No subClassOf axioms: validate() brings them in.
VALID = PREFIXES + """
id:cmiqma a kg:Association ; rdfs:label "中国机械工业质量管理协会"@zh ; skos:altLabel "中机质协"@zh ;
    kg:hosted id:forum ; kg:awarded id:prize ; prov:wasDerivedFrom id:src .
id:miit a kg:GovernmentBody ; rdfs:label "工业和信息化部"@zh ; skos:altLabel "工信部"@zh, "国家工业和信息化部"@zh ;
    kg:guided id:forum ; kg:issued id:notice ; kg:attended id:forum .
id:keji a kg:GovernmentBody ; rdfs:label "工业和信息化部科技司"@zh ; kg:subOrganizationOf id:miit .
id:weichai a kg:Company ; rdfs:label "潍柴动力股份有限公司"@zh ; kg:coHosted id:forum ; kg:receivedAward id:prize .
id:buaa a kg:ResearchInstitute ; rdfs:label "北京航空航天大学"@zh ; kg:supported id:forum .
id:jiang a kg:Person ; rdfs:label "姜卫东"@zh ; kg:chaired id:forum ; kg:spokeAt id:forum ; kg:attended id:forum ;
    kg:receivedAward id:prize .
id:forum a kg:Event ; rdfs:label "质量发展专家座谈会"@zh ;
    kg:date "2020-09-12"^^xsd:date ; kg:endDate "2020-09-13"^^xsd:date ; kg:heldIn id:beijing ; kg:awarded id:prize .
id:beijing a kg:Place ; rdfs:label "北京"@zh .
id:notice a kg:Document ; rdfs:label "关于开展2020年全国“质量月”活动的通知"@zh ; skos:altLabel "工信厅科函〔2020〕59号"@zh .
id:prize a kg:Award ; rdfs:label "机械工业质量奖"@zh .
id:post a org:Membership ; org:member id:jiang ; org:organization id:cmiqma ; org:role id:role .
id:post2 a org:Membership ; org:member id:jiang ; org:role id:role2 .
id:role a org:Role ; rdfs:label "副会长兼秘书长"@zh .
id:role2 a org:Role ; rdfs:label "全国人大代表"@zh .
id:src a kg:SourceFile ; kg:path "seeds/000_d7552364020986cb.txt" ;
    kg:contentHash "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" .
id:st a rdf:Statement ; rdf:subject id:cmiqma ; rdf:predicate kg:hosted ; rdf:object id:forum ;
    prov:wasDerivedFrom id:src ; kg:sentenceText "中机质协在北京召开质量发展专家座谈会。" ;
    kg:startOffset 120 ; kg:endOffset 139 ; kg:extractor "relations:hosted" ; kg:confidence 0.8 .
"""


def graph_of(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def edit(old: str = "", new: str = "", add: str = "") -> str:
    """VALID with ``old`` replaced by ``new`` (``old`` must occur once) and ``add`` appended."""
    text = VALID
    if old:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text + add


def test_valid_graph_conforms():
    report = validate(graph_of(VALID))
    assert report.conforms, report.text
    assert report.violations == []
    assert "Conforms: True" in report.text


def test_valid_graph_with_the_axioms_in_the_data_conforms_and_is_not_modified():
    g = graph_of(VALID)
    for t in Graph().parse(ROOT / "ontology" / "kg.ttl").triples((None, RDFS.subClassOf, None)):
        g.add(t)
    before = to_isomorphic(g)
    assert validate(g).conforms
    assert to_isomorphic(g) == before
    bare = graph_of(VALID)
    n = len(bare)
    validate(bare)  # axioms missing: mixed into a copy, not into ``bare``
    assert len(bare) == n


@pytest.mark.parametrize("text", [
    edit('"北京"@zh', '"北京"@zh-CN'),  # a zh subtag is zh
    edit(add="id:forum2 a kg:Event ; rdfs:label \"2021年质量论坛\"@zh ; kg:date \"2021-05-20\"^^xsd:date .\n"),
    edit(add="id:forum3 a kg:Event ; rdfs:label \"一日会议\"@zh ; kg:date \"2021-05-20\"^^xsd:date ; "
             "kg:endDate \"2021-05-20\"^^xsd:date .\n"),
    edit(add="id:buaa kg:attended id:forum . id:forum kg:awarded id:prize2 . id:prize2 a kg:Award ; "
             "rdfs:label \"优秀论文一等奖\"@zh .\n"),
    edit(add="id:post prov:wasDerivedFrom id:src ; prov:qualifiedDerivation id:d1, id:d2 .\n"
             "id:d1 a prov:Derivation ; prov:entity id:src ; kg:extractor \"people:title-before\" ; kg:startOffset 5 ; "
             "kg:endOffset 12 ; kg:confidence 0.8 .\n"
             "id:d2 a prov:Derivation ; prov:entity id:src ; kg:extractor \"people:title-after\" ; kg:startOffset 900 ; "
             "kg:endOffset 910 .\n"),  # a post's evidence, one derivation per mention
    edit(add="id:forum rdfs:comment \"a comment, untyped terms of other vocabularies are fine\" .\n"),
], ids=["zh-CN label", "event with one date", "one-day event with end date", "union domains",
        "membership evidence", "other vocabularies"])
def test_valid_variants_conform(text):
    report = validate(graph_of(text))
    assert report.conforms, report.text


LABEL_COUNT = "exactly one rdfs:label"
LABEL_ZH = "rdfs:label is tagged @zh"
CASES = {
    # entities and labels
    "missing label": (edit('id:beijing a kg:Place ; rdfs:label "北京"@zh .', "id:beijing a kg:Place ."),
                      [("beijing", LABEL_COUNT)]),
    "two labels": (edit(add='id:jiang rdfs:label "姜 卫东"@zh .\n'), [("jiang", LABEL_COUNT)]),
    "label without @zh": (edit('rdfs:label "姜卫东"@zh', 'rdfs:label "姜卫东"'), [("jiang", LABEL_ZH)]),
    "label @en only": (edit('rdfs:label "机械工业质量奖"@zh', 'rdfs:label "Machinery Industry Quality Award"@en'),
                       [("prize", LABEL_ZH)]),
    "zh and en labels": (edit(add='id:prize rdfs:label "Machinery Industry Quality Award"@en .\n'),
                         [("prize", LABEL_COUNT), ("prize", LABEL_ZH)]),
    "blank label": (edit('rdfs:label "北京"@zh', 'rdfs:label "  "@zh'), [("beijing", "not blank")]),
    "altLabel without language": (edit('skos:altLabel "中机质协"@zh', 'skos:altLabel "中机质协"'),
                                  [("cmiqma", "language-tagged")]),
    "altLabel repeats the label": (edit(add='id:beijing skos:altLabel "北京"@zh .\n'),
                                   [("beijing", "repeats the rdfs:label")]),
    "entity derived from a non-file": (edit(add="id:jiang prov:wasDerivedFrom id:notice .\n"),
                                       [("jiang", "prov:wasDerivedFrom is a kg:SourceFile")]),
    "entity is a blank node": (edit(add='[] a kg:Person ; rdfs:label "无名"@zh .\n'), [(None, "is an IRI")]),
    # types
    "unknown class": (edit(add='id:x a kg:Foo ; rdfs:label "某某"@zh .\n'), [("x", "unknown kg: class")]),
    "misspelt class on an entity": (edit("id:beijing a kg:Place ;", "id:beijing a kg:Place, kg:place ;"),
                                    [("beijing", "unknown kg: class")]),
    "untyped subject": (edit(add='id:y rdfs:label "某会"@zh .\n'), [("y", "no rdf:type")]),
    # relations
    "hosted from a Person": (edit(add="id:jiang kg:hosted id:forum .\n"), [("jiang", "kg:hosted: the subject")]),
    "hosted a Place": (edit(add="id:cmiqma kg:hosted id:beijing .\n"), [("cmiqma", "kg:hosted: the object")]),
    "hosted by an untyped node": (edit(add="id:y kg:hosted id:forum .\n"),
                                  [("y", "kg:hosted: the subject"), ("y", "no rdf:type")]),
    "coHosted from a Place": (edit(add="id:beijing kg:coHosted id:forum .\n"), [("beijing", "kg:coHosted: the subject")]),
    "guided from an Event": (edit(add="id:forum kg:guided id:forum .\n"), [("forum", "kg:guided: the subject")]),
    "supported an Award": (edit(add="id:buaa kg:supported id:prize .\n"), [("buaa", "kg:supported: the object")]),
    "chaired by an Organization": (edit(add="id:weichai kg:chaired id:forum .\n"),
                                   [("weichai", "kg:chaired: the subject")]),
    "spokeAt by an Organization": (edit(add="id:weichai kg:spokeAt id:forum .\n"),
                                   [("weichai", "kg:spokeAt: the subject")]),
    "attended by a Document": (edit(add="id:notice kg:attended id:forum .\n"), [("notice", "kg:attended: the subject")]),
    "attended a Document": (edit(add="id:jiang kg:attended id:notice .\n"), [("jiang", "kg:attended: the object")]),
    "issued by a Person": (edit(add="id:jiang kg:issued id:notice .\n"), [("jiang", "kg:issued: the subject")]),
    "issued an Event": (edit(add="id:miit kg:issued id:forum .\n"), [("miit", "kg:issued: the object")]),
    "awarded by a Person": (edit(add="id:jiang kg:awarded id:prize .\n"), [("jiang", "kg:awarded: the subject")]),
    "receivedAward by an Event": (edit(add="id:forum kg:receivedAward id:prize .\n"),
                                  [("forum", "kg:receivedAward: the subject")]),
    "receivedAward a Document": (edit(add="id:jiang kg:receivedAward id:notice .\n"),
                                 [("jiang", "kg:receivedAward: the object")]),
    "subOrganizationOf a Person": (edit(add="id:keji kg:subOrganizationOf id:jiang .\n"),
                                   [("keji", "kg:subOrganizationOf: the object")]),
    "heldIn an Organization": (edit(add="id:forum kg:heldIn id:weichai .\n"), [("forum", "kg:heldIn: the object")]),
    "heldIn from a Document": (edit(add="id:notice kg:heldIn id:beijing .\n"), [("notice", "kg:heldIn: the subject")]),
    # dates
    "malformed date": (edit(add='id:forum2 a kg:Event ; rdfs:label "论坛"@zh ; kg:date "2020-13-45"^^xsd:date .\n'),
                       [("forum2", "kg:date is a well-formed xsd:date")]),
    "malformed date beside an end date": (edit('"2020-09-12"^^xsd:date', '"2020-02-30"^^xsd:date'),
                                          [("forum", "kg:date is a well-formed xsd:date")]),
    "malformed end date": (edit('"2020-09-13"^^xsd:date', '"2020-9-13"^^xsd:date'),
                           [("forum", "kg:endDate is a well-formed xsd:date")]),
    "date as a string": (edit('"2020-09-12"^^xsd:date', '"2020-09-12"'), [("forum", "kg:date is a well-formed")]),
    "date as a dateTime": (edit('"2020-09-12"^^xsd:date', '"2020-09-12T09:00:00"^^xsd:dateTime'),
                           [("forum", "kg:date is a well-formed")]),
    "two dates": (edit(add='id:forum kg:date "2020-09-11"^^xsd:date .\n'), [("forum", "at most one kg:date")]),
    "two end dates": (edit(add='id:forum kg:endDate "2020-09-14"^^xsd:date .\n'), [("forum", "at most one kg:endDate")]),
    "date after end date": (edit('"2020-09-13"^^xsd:date', '"2020-09-10"^^xsd:date'),
                            [("forum", "kg:date is after kg:endDate")]),
    "end date without date": (edit(add='id:forum2 a kg:Event ; rdfs:label "论坛"@zh ; '
                                       'kg:endDate "2020-09-10"^^xsd:date .\n'), [("forum2", "has a kg:date")]),
    "date on a Person": (edit(add='id:jiang kg:date "1960-01-01"^^xsd:date .\n'), [("jiang", "Only an Event")]),
    # positions
    "membership without member": (edit("id:post a org:Membership ; org:member id:jiang ;", "id:post a org:Membership ;"),
                                  [("post", "exactly one org:member")]),
    "membership with two members": (edit(add='id:wang a kg:Person ; rdfs:label "王建国"@zh . id:post2 org:member id:wang .\n'),
                                    [("post2", "exactly one org:member")]),
    "membership of an Organization as member": (edit("id:post2 a org:Membership ; org:member id:jiang ;",
                                                     "id:post2 a org:Membership ; org:member id:weichai ;"),
                                                [("post2", "exactly one org:member, a Person")]),
    "membership in two organizations": (edit(add="id:post org:organization id:miit .\n"),
                                        [("post", "at most one org:organization")]),
    "membership in a Person": (edit(add="id:post2 org:organization id:jiang .\n"),
                               [("post2", "org:organization, an Organization")]),
    "membership without role": (edit("org:member id:jiang ; org:role id:role2 .", "org:member id:jiang ."),
                                [("post2", "exactly one org:role")]),
    "role that is not an org:Role": (edit(add="id:post3 a org:Membership ; org:member id:jiang ; org:role id:jiang .\n"),
                                     [("post3", "an org:Role")]),
    "role without label": (edit('id:role2 a org:Role ; rdfs:label "全国人大代表"@zh .', "id:role2 a org:Role ."),
                           [("role2", "A role has exactly one rdfs:label")]),
    "role with two labels": (edit(add='id:role2 rdfs:label "人大代表"@zh .\n'), [("role2", "A role has exactly one")]),
    "org:member outside a membership": (edit(add="id:cmiqma org:member id:jiang .\n"),
                                        [("cmiqma", "used on an org:Membership")]),
    # provenance
    "confidence 1.5": (edit("kg:confidence 0.8", "kg:confidence 1.5"), [("st", "kg:confidence, an xsd:decimal in [0, 1]")]),
    "negative confidence": (edit("kg:confidence 0.8", "kg:confidence -0.1"), [("st", "kg:confidence")]),
    "confidence as a double": (edit("kg:confidence 0.8", "kg:confidence 8.0e-1"), [("st", "kg:confidence")]),
    "two confidences": (edit("kg:confidence 0.8", "kg:confidence 0.8, 0.6"), [("st", "exactly one kg:confidence")]),
    "no confidence": (edit("; kg:confidence 0.8", ""), [("st", "exactly one kg:confidence")]),
    "negative offset": (edit("kg:startOffset 120", "kg:startOffset -1"), [("st", "kg:startOffset, an xsd:integer >= 0")]),
    "offset as decimal": (edit("kg:endOffset 139", "kg:endOffset 139.5"), [("st", "kg:endOffset, an xsd:integer")]),
    "ill-typed offset": (edit("kg:endOffset 139", 'kg:endOffset "139a"^^xsd:integer'),
                         [("st", "kg:endOffset")] * 2),  # not an integer, so not >= 0 either
    "end before start": (edit("kg:endOffset 139", "kg:endOffset 100"), [("st", "not greater than kg:startOffset")]),
    "empty span": (edit("kg:endOffset 139", "kg:endOffset 120"), [("st", "not greater than kg:startOffset")]),
    "no sentence": (edit('kg:sentenceText "中机质协在北京召开质量发展专家座谈会。" ;', ""),
                    [("st", "exactly one kg:sentenceText")]),
    "no extractor": (edit('kg:extractor "relations:hosted" ;', ""), [("st", "exactly one kg:extractor")]),
    "no source": (edit("prov:wasDerivedFrom id:src ; kg:sentenceText", "kg:sentenceText"),
                  [("st", "derived from exactly one kg:SourceFile")]),
    "source is not a file": (edit("prov:wasDerivedFrom id:src ; kg:sentenceText", "prov:wasDerivedFrom id:notice ; kg:sentenceText"),
                             [("st", "derived from exactly one kg:SourceFile")]),
    "two subjects": (edit(add="id:st rdf:subject id:miit .\n"), [("st", "exactly one rdf:subject")]),
    "no predicate": (edit("rdf:predicate kg:hosted ;", ""), [("st", "exactly one rdf:predicate")]),
    "literal predicate": (edit("rdf:predicate kg:hosted ;", 'rdf:predicate "hosted" ;'), [("st", "rdf:predicate, an IRI")]),
    "bad content hash": (edit('"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"', '"E3B0C442"'),
                         [("src", "kg:contentHash")]),
    "no path": (edit('kg:path "seeds/000_d7552364020986cb.txt" ;', ""), [("src", "exactly one kg:path")]),
    "evidence terms on an entity": (edit(add='id:jiang kg:extractor "people" .\n'),
                                    [("jiang", "used on an rdf:Statement or a prov:Derivation")]),
    "evidence terms on a membership": (edit(add="id:post kg:startOffset 3 .\n"),
                                       [("post", "used on an rdf:Statement or a prov:Derivation")]),
    "derivation with a negative offset": (edit(add="id:post prov:qualifiedDerivation id:d1 .\n"
                                                   "id:d1 a prov:Derivation ; prov:entity id:src ; kg:extractor \"x\" ; "
                                                   "kg:startOffset -3 ; kg:endOffset 4 .\n"),
                                          [("d1", "kg:startOffset, an xsd:integer >= 0")]),
    "derivation with its ends swapped": (edit(add="id:post prov:qualifiedDerivation id:d1 .\n"
                                                  "id:d1 a prov:Derivation ; prov:entity id:src ; kg:extractor \"x\" ; "
                                                  "kg:startOffset 9 ; kg:endOffset 4 .\n"),
                                         [("d1", "kg:endOffset is not greater than kg:startOffset")]),
    "derivation without its source": (edit(add="id:post prov:qualifiedDerivation id:d1 .\n"
                                               "id:d1 a prov:Derivation ; kg:extractor \"x\" ; kg:startOffset 1 ; "
                                               "kg:endOffset 4 .\n"),
                                      [("d1", "exactly one kg:SourceFile")]),
}


def _local(iri: str | None) -> str | None:
    return None if iri is None or iri.startswith("_:") else iri.rsplit("/", 1)[-1]


@pytest.mark.parametrize("text, expected", CASES.values(), ids=CASES.keys())
def test_violation_is_reported_on_the_right_focus_node(text, expected):
    report = validate(graph_of(text))
    assert not report.conforms
    got = [(_local(v["focus"]), v["message"]) for v in report.violations]
    unmatched = list(got)
    for focus, fragment in expected:
        hit = next((g for g in unmatched if g[0] == focus and fragment in g[1]), None)
        assert hit, f"no violation on {focus} mentioning {fragment!r}; got {got}"
        unmatched.remove(hit)
    assert unmatched == [], f"unexpected violations: {unmatched}"
    assert all(v["severity"] == "Violation" for v in report.violations)


def test_violations_are_plain_dicts_and_the_text_names_them():
    report = validate(graph_of(edit("kg:confidence 0.8", "kg:confidence 1.5")))
    assert isinstance(report, ShaclReport)
    [v] = report.violations
    assert set(v) == {"focus", "path", "message", "severity", "value"}
    assert v == {"focus": str(ID.st), "path": str(KG.confidence),
                 "message": "A statement has exactly one kg:confidence, an xsd:decimal in [0, 1].",
                 "severity": "Violation", "value": Literal(Decimal("1.5")).n3()}
    assert "Conforms: False" in report.text and str(ID.st) in report.text and "StatementConfidence" in report.text


def test_ill_typed_date_and_order_checks_together():
    """pyshacl cannot compare an ill-typed date: validate() reports it and still checks the other events' order."""
    text = edit('"2020-09-12"^^xsd:date', '"2020-13-45"^^xsd:date', add=(
        'id:forum2 a kg:Event ; rdfs:label "论坛"@zh ; kg:date "2021-05-20"^^xsd:date ; kg:endDate "2021-05-19"^^xsd:date .\n'))
    got = sorted((_local(v["focus"]), v["message"]) for v in validate(graph_of(text)).violations)
    assert got == [("forum", "kg:date is a well-formed xsd:date, xsd:gYearMonth or xsd:gYear."),
                   ("forum2", "kg:date is after kg:endDate.")]


def test_subclass_axioms_make_an_association_an_organization():
    """Without the ontology's subClassOf axioms an Association hosting an event breaks the shapes."""
    report = validate(graph_of(VALID), ontology=Graph())
    assert not report.conforms
    assert ("cmiqma", "kg:hosted: the subject is not an Organization.") in {
        (_local(v["focus"]), v["message"]) for v in report.violations}


def test_dataset_is_validated_as_the_union_of_its_graphs():
    ds = Dataset()
    doc = ds.graph(ID["source/a.txt"])
    facts = ds.graph(ID["graph/facts"])
    for t in graph_of(VALID):
        (doc if t[0] in (ID.st, ID.src) else facts).add(t)
    assert validate(ds).conforms
    doc.remove((ID.st, KG.confidence, None))
    doc.add((ID.st, KG.confidence, Literal(Decimal("2"))))
    assert [_local(v["focus"]) for v in validate(ds).violations] == ["st"]


# --- the ontology folder ---------------------------------------------------------------------------

def _copy_ontology(tmp_path: Path) -> Path:
    folder = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", folder)
    return folder


def test_ontology_folder_override_uses_its_shapes(tmp_path, monkeypatch):
    folder = _copy_ontology(tmp_path)
    with (folder / "shapes.ttl").open("a", encoding="utf-8") as f:
        f.write("\nkgsh:PlaceNeedsAltLabel a sh:PropertyShape ; sh:targetClass kg:Place ; sh:path skos:altLabel ;"
                ' sh:minCount 1 ; sh:message "A place has an altLabel."@en .\n')
    g = graph_of(VALID)
    assert validate(g).conforms
    report = validate(g, ontology=folder)
    assert [(_local(v["focus"]), v["message"]) for v in report.violations] == [("beijing", "A place has an altLabel.")]
    monkeypatch.setenv("KG_ONTOLOGY", str(folder))
    assert not validate(g).conforms


def test_ontology_folder_without_shapes_falls_back_to_the_packaged_shapes(tmp_path):
    folder = _copy_ontology(tmp_path)
    (folder / "shapes.ttl").unlink()
    assert validate(graph_of(VALID), ontology=folder).conforms
    assert not validate(graph_of(edit(add="id:jiang kg:hosted id:forum .\n")), ontology=folder).conforms


def test_explicit_shapes_graph():
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix kg: <https://example.org/cnqkg/ontology#> .
        [] a sh:NodeShape ; sh:targetClass kg:Organization ; sh:property [ sh:path kg:hosted ; sh:minCount 1 ] .
    """, format="turtle")
    report = validate(graph_of(VALID), shapes=shapes)
    assert {_local(v["focus"]) for v in report.violations} == {"miit", "keji", "weichai", "buaa"}


# --- graphs that kg.rdf builds ----------------------------------------------------------------------

ENTITIES = [
    Entity("org/华夏智能装备行业协会", "Association", "华夏智能装备行业协会", ["华智协"], 3, ["a.txt", "b.txt"], None, 0.9),
    Entity("org/华夏智能装备行业协会标准化工作委员会", "Association", "华夏智能装备行业协会标准化工作委员会", [], 1,
           ["a.txt"], "org/华夏智能装备行业协会", 0.8),
    Entity("org/工业和信息化部", "GovernmentBody", "工业和信息化部", ["工信部", "国家工业和信息化部"], 2, ["a.txt"], None, 0.9),
    Entity("org/东方精工（苏州）有限公司", "Company", "东方精工（苏州）有限公司", ["东方精工(苏州)有限公司"], 2, ["b.txt"]),
    Entity("org/华夏理工大学", "ResearchInstitute", "华夏理工大学", [], 1, ["b.txt"]),
    Entity("person/李明华", "Person", "李明华", [], 2, ["a.txt"]),
    Entity("person/王建国", "Person", "王建国", ["王 建国"], 2, ["b.txt"]),
    Entity("event/2021年华夏智能装备行业质量论坛", "Event", "2021年华夏智能装备行业质量论坛",
           ["２０２１年华夏智能装备行业质量论坛"], 2, ["a.txt", "b.txt"], None, 0.8, "2021-05-20", "2021-05-21"),
    Entity("document/智能装备质量提升行动方案", "Document", "智能装备质量提升行动方案", ["华智协〔2021〕3号"], 2, ["a.txt"]),
    Entity("award/华夏质量贡献奖", "Award", "华夏质量贡献奖", [], 1, ["b.txt"]),
    Entity("place/杭州", "Place", "杭州", [], 1, ["a.txt"]),
]
POSITIONS = [
    Position("person/李明华", "副会长兼秘书长", "org/华夏智能装备行业协会",
             [Evidence("a.txt", "", 10, 30, "people:title-before", 0.8)], 0.8),
    Position("person/王建国", "教授", None, [Evidence("b.txt", "", 5, 12, "people:title-after", 0.7),
                                            Evidence("b.txt", "", 80, 87, "people:title-after", 0.7)], 0.7),
]
SENTENCE = "华夏智能装备行业协会在杭州举办2021年华夏智能装备行业质量论坛。"


def _ev(doc: str, start: int, extractor: str = "relations:test", confidence: float = 0.8) -> Evidence:
    return Evidence(doc, SENTENCE, start, start + len(SENTENCE), extractor, confidence)


RELATIONS = [
    Relation("org/华夏智能装备行业协会", "hosted", "event/2021年华夏智能装备行业质量论坛", [_ev("a.txt", 0), _ev("b.txt", 40)], 0.9),
    Relation("org/工业和信息化部", "guided", "event/2021年华夏智能装备行业质量论坛", [_ev("a.txt", 100)], 0.7),
    Relation("org/东方精工（苏州）有限公司", "coHosted", "event/2021年华夏智能装备行业质量论坛", [_ev("b.txt", 0)], 0.7),
    Relation("org/华夏理工大学", "supported", "event/2021年华夏智能装备行业质量论坛", [_ev("b.txt", 200)], 0.7),
    Relation("person/李明华", "chaired", "event/2021年华夏智能装备行业质量论坛", [_ev("a.txt", 300)], 0.8),
    Relation("person/李明华", "attended", "event/2021年华夏智能装备行业质量论坛", [_ev("a.txt", 300, "implied")], 0.8),
    Relation("person/王建国", "spokeAt", "event/2021年华夏智能装备行业质量论坛", [_ev("b.txt", 300)], 0.8),
    Relation("org/工业和信息化部", "attended", "event/2021年华夏智能装备行业质量论坛", [_ev("a.txt", 400)], 0.6),
    Relation("org/华夏智能装备行业协会", "issued", "document/智能装备质量提升行动方案", [_ev("a.txt", 500)], 0.9),
    Relation("event/2021年华夏智能装备行业质量论坛", "awarded", "award/华夏质量贡献奖", [_ev("b.txt", 600)], 0.6),
    Relation("person/王建国", "receivedAward", "award/华夏质量贡献奖", [_ev("b.txt", 600)], 0.6),
    Relation("event/2021年华夏智能装备行业质量论坛", "heldIn", "place/杭州", [_ev("a.txt", 0)], 0.9),
]
EXTRACTIONS = [DocumentExtraction(doc, f"seeds/{doc}", (str(i) * 64)[:64], None, None, [], [])
               for i, doc in enumerate(["a.txt", "b.txt"])]


def test_graph_ttl_built_from_entities_and_positions_conforms():
    g = build_graph(ENTITIES, POSITIONS)
    report = validate(g)
    assert report.conforms, report.text
    assert (None, KG.endDate, None) in g


def test_graph_ttl_built_with_relations_conforms():
    report = validate(build_graph(ENTITIES, POSITIONS, relations=RELATIONS))
    assert report.conforms, report.text


def test_graph_trig_built_with_provenance_conforms():
    ds = build_dataset(EXTRACTIONS, ENTITIES, POSITIONS, RELATIONS)
    assert len({s for s, _, _, _ in ds.quads((None, RDF.type, RDF.Statement, None))}) >= len(RELATIONS)
    report = validate(ds)
    assert report.conforms, report.text


def test_graph_trig_statement_per_piece_of_evidence():
    rel = Relation("person/李明华", "attended", "event/2021年华夏智能装备行业质量论坛",
                   [_ev("a.txt", 300, "implied", 0.4), _ev("a.txt", 300, "implied", 0.6)], 0.6)
    report = validate(build_dataset(EXTRACTIONS, ENTITIES, POSITIONS, [rel]))
    assert report.conforms, report.text


# --- size -----------------------------------------------------------------------------------------

def synthetic_graph(n: int) -> Graph:
    """A graph shaped like a build's (axioms, entities, relations, statements, posts) with ``n`` of each
    kind of entity: about 140 triples per unit of ``n``."""
    g = Graph()
    for t in Graph().parse(ROOT / "ontology" / "kg.ttl").triples((None, RDFS.subClassOf, None)):
        g.add(t)
    src = ID["source/a.txt"]
    g.add((src, RDF.type, KG.SourceFile))
    g.add((src, KG.path, Literal("a.txt")))
    g.add((src, KG.contentHash, Literal("0" * 64)))
    org_types = [KG.GovernmentBody, KG.Association, KG.Company, KG.ResearchInstitute]
    k = 0

    def entity(kind: str, i: int, cls: URIRef) -> URIRef:
        e = ID[f"{kind}/{kind}{i}号"]
        g.add((e, RDF.type, cls))
        g.add((e, RDFS.label, Literal(f"{kind}{i}号", lang="zh")))
        g.add((e, SKOS.altLabel, Literal(f"简称{i}", lang="zh")))
        g.add((e, PROV.wasDerivedFrom, src))
        return e

    for i in range(n):
        o, p = entity("org", i, org_types[i % 4]), entity("person", i, KG.Person)
        ev, d = entity("event", i, KG.Event), entity("document", i, KG.Document)
        a, pl = entity("award", i, KG.Award), entity("place", i, KG.Place)
        g.add((ev, KG.date, Literal("2020-09-12", datatype=XSD.date)))
        g.add((ev, KG.endDate, Literal("2020-09-13", datatype=XSD.date)))
        facts = [(o, KG.hosted, ev), (o, KG.coHosted, ev), (o, KG.guided, ev), (p, KG.chaired, ev),
                 (p, KG.attended, ev), (p, KG.spokeAt, ev), (o, KG.issued, d), (ev, KG.awarded, a),
                 (p, KG.receivedAward, a), (ev, KG.heldIn, pl)]
        if i:
            facts.append((o, KG.subOrganizationOf, ID[f"org/org{i - 1}号"]))
        for s, pred, obj in facts:
            g.add((s, pred, obj))
            st = ID[f"statement/{k}"]
            k += 1
            for t in [(st, RDF.type, RDF.Statement), (st, RDF.subject, s), (st, RDF.predicate, pred),
                      (st, RDF.object, obj), (st, PROV.wasDerivedFrom, src),
                      (st, KG.sentenceText, Literal("某某协会主办会议。")), (st, KG.startOffset, Literal(10 * k)),
                      (st, KG.endOffset, Literal(10 * k + 9)), (st, KG.extractor, Literal("relations:test")),
                      (st, KG.confidence, Literal(Decimal("0.8")))]:
                g.add(t)
        m, r = ID[f"membership/{i}"], ID[f"role/职务{i % 50}"]
        for t in [(m, RDF.type, ORG.Membership), (m, ORG.member, p), (m, ORG.organization, o), (m, ORG.role, r),
                  (r, RDF.type, ORG.Role), (r, RDFS.label, Literal(f"职务{i % 50}", lang="zh"))]:
            g.add(t)
    return g


@pytest.mark.slow
def test_tens_of_thousands_of_triples_validate_in_seconds():
    g = synthetic_graph(150)
    assert len(g) > 20_000
    t = time.process_time()
    report = validate(g)
    elapsed = time.process_time() - t
    assert report.conforms, report.text[:2000]
    assert elapsed < 30, f"{len(g)} triples took {elapsed:.1f} s of CPU"
    # one broken statement among thousands is still found
    g.set((ID["statement/7"], KG.confidence, Literal(Decimal("1.5"))))
    assert [_local(v["focus"]) for v in validate(g).violations] == ["7"]
