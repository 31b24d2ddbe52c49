"""The SHACL pre-filter of a build: a graph that breaks a shape is always flagged (and then pyshacl gives
the report of the whole graph, unchanged); a conforming graph runs pyshacl on nothing."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from kg.ontology import load_ontology, load_shapes
from kg.rdf.shacl import _axioms, validate
from kg.rdf.shacl_documents import DocumentValidator
from kg.rdf.shacl_prefilter import COMPILED, FLAG_ALL, Prefilter

KGSH = "https://example.org/cnqkg/shapes#"
PREFIXES = """
@prefix kg: <https://example.org/cnqkg/ontology#> . @prefix ex: <https://example.org/cnqkg/id/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix org: <http://www.w3.org/ns/org#> . @prefix prov: <http://www.w3.org/ns/prov#> .
"""
# One document's graph with a focus node of every shape of ontology/shapes.ttl; it conforms.
BASE = PREFIXES + """
ex:src a kg:SourceFile ; kg:path "a.txt" ; kg:contentHash "%s" .
ex:A a kg:Association ; rdfs:label "某协会"@zh ; skos:altLabel "某会"@zh ; prov:wasDerivedFrom ex:src ;
    kg:hosted ex:E ; kg:coHosted ex:E ; kg:guided ex:E ; kg:supported ex:E ; kg:issued ex:D ;
    kg:subOrganizationOf ex:G .
ex:G a kg:GovernmentBody ; rdfs:label "某部"@zh ; prov:wasDerivedFrom ex:src .
ex:P a kg:Person ; rdfs:label "姜卫东"@zh ; prov:wasDerivedFrom ex:src ;
    kg:attended ex:E ; kg:chaired ex:E ; kg:spokeAt ex:E ; kg:receivedAward ex:W .
ex:E a kg:Event ; rdfs:label "质量论坛"@zh ; prov:wasDerivedFrom ex:src ; kg:heldIn ex:L ; kg:awarded ex:W ;
    kg:date "2020-05-01"^^xsd:date ; kg:endDate "2020-05-03"^^xsd:date .
ex:E2 a kg:Event ; rdfs:label "年会"@zh ; prov:wasDerivedFrom ex:src ; kg:date "2021-05"^^xsd:gYearMonth .
ex:L a kg:Place ; rdfs:label "苏州"@zh ; prov:wasDerivedFrom ex:src .
ex:D a kg:Document ; rdfs:label "某通知"@zh ; prov:wasDerivedFrom ex:src .
ex:W a kg:Award ; rdfs:label "质量奖"@zh ; prov:wasDerivedFrom ex:src .
ex:M a org:Membership ; org:member ex:P ; org:organization ex:A ; org:role ex:R ; prov:wasDerivedFrom ex:src ;
    prov:qualifiedDerivation ex:Dv .
ex:R a org:Role ; rdfs:label "会长"@zh .
ex:Dv a prov:Derivation ; prov:entity ex:src ; kg:sentenceText "姜卫东任会长。" ; kg:startOffset 0 ; kg:endOffset 6 ;
    kg:extractor "rule:post" ; kg:confidence 0.9 .
ex:S a rdf:Statement ; rdf:subject ex:A ; rdf:predicate kg:hosted ; rdf:object ex:E ; prov:wasDerivedFrom ex:src ;
    kg:sentenceText "某协会主办质量论坛。" ; kg:startOffset 0 ; kg:endOffset 9 ; kg:extractor "rule:test" ;
    kg:confidence 0.800 .
""" % ("a" * 64)

# shape -> (what is removed: "subject predicate", what is added: Turtle), each breaking that shape
MUTATIONS = {
    "EntityIsIRI": ("", '[] a kg:Person ; rdfs:label "无名"@zh ; prov:wasDerivedFrom ex:src .'),
    "EntityLabelCount": ("", 'ex:P rdfs:label "姜某"@zh .'),
    "EntityLabelLanguage": ("ex:P rdfs:label", 'ex:P rdfs:label "姜卫东" .'),
    "EntityLabelNotBlank": ("ex:P rdfs:label", 'ex:P rdfs:label " \u3000"@zh .'),
    "EntityDerivedFrom": ("", "ex:P prov:wasDerivedFrom ex:nowhere ."),
    "AltLabelForm": ("", 'ex:A skos:altLabel "协会" .'),
    "AltLabelNotLabel": ("", 'ex:A skos:altLabel "某协会"@zh .'),
    "Typed": ("", 'ex:untyped rdfs:label "无类"@zh .'),
    "KnownClass": ("", "ex:P a kg:Personn ."),
    "HostedSubject": ("", "ex:P kg:hosted ex:E ."),
    "HostedObject": ("", "ex:A kg:hosted ex:L ."),
    "CoHostedSubject": ("", "ex:P kg:coHosted ex:E ."),
    "CoHostedObject": ("", "ex:A kg:coHosted ex:L ."),
    "GuidedSubject": ("", "ex:P kg:guided ex:E ."),
    "GuidedObject": ("", "ex:A kg:guided ex:L ."),
    "SupportedSubject": ("", "ex:P kg:supported ex:E ."),
    "SupportedObject": ("", "ex:A kg:supported ex:L ."),
    "AttendedSubject": ("", "ex:L kg:attended ex:E ."),
    "AttendedObject": ("", "ex:P kg:attended ex:L ."),
    "ChairedSubject": ("", "ex:A kg:chaired ex:E ."),
    "ChairedObject": ("", "ex:P kg:chaired ex:L ."),
    "SpokeAtSubject": ("", "ex:A kg:spokeAt ex:E ."),
    "SpokeAtObject": ("", "ex:P kg:spokeAt ex:L ."),
    "IssuedSubject": ("", "ex:P kg:issued ex:D ."),
    "IssuedObject": ("", "ex:A kg:issued ex:E ."),
    "AwardedSubject": ("", "ex:P kg:awarded ex:W ."),
    "AwardedObject": ("", "ex:A kg:awarded ex:E ."),
    "ReceivedAwardSubject": ("", "ex:L kg:receivedAward ex:W ."),
    "ReceivedAwardObject": ("", "ex:P kg:receivedAward ex:E ."),
    "SubOrganizationOfSubject": ("", "ex:P kg:subOrganizationOf ex:A ."),
    "SubOrganizationOfObject": ("", "ex:A kg:subOrganizationOf ex:P ."),
    "HeldInSubject": ("", "ex:A kg:heldIn ex:L ."),
    "HeldInObject": ("", "ex:E kg:heldIn ex:A ."),
    "DatedIsEvent": ("", 'ex:A kg:date "2020-01-01"^^xsd:date .'),
    "DateCount": ("", 'ex:E kg:date "2020-05-02"^^xsd:date .'),
    "DateForm": ("ex:E kg:date", 'ex:E kg:date "2020-05-01" .'),
    "EndDateCount": ("", 'ex:E kg:endDate "2020-05-04"^^xsd:date .'),
    "EndDateForm": ("ex:E kg:endDate", 'ex:E kg:endDate "2020-05-03" .'),
    "EndDateNeedsDate": ("ex:E kg:date", ""),
    "EndDateNeedsDay": ("ex:E kg:date", 'ex:E kg:date "2020-05"^^xsd:gYearMonth .'),
    "DateOrder": ("ex:E kg:date", 'ex:E kg:date "2020-06-01"^^xsd:date .'),
    "MembershipMember": ("ex:M org:member", ""),
    "MembershipOrganization": ("ex:M org:organization", "ex:M org:organization ex:P ."),
    "MembershipRole": ("ex:M org:role", ""),
    "MembershipTerms": ("", "ex:A org:member ex:P ."),
    "RoleLabelCount": ("", 'ex:R rdfs:label "理事长"@zh .'),
    "RoleLabelForm": ("ex:R rdfs:label", 'ex:R rdfs:label "会长" .'),
    "StatementSubject": ("ex:S rdf:subject", 'ex:S rdf:subject "某协会" .'),
    "StatementPredicate": ("ex:S rdf:predicate", 'ex:S rdf:predicate "hosted" .'),
    "StatementObject": ("ex:S rdf:object", ""),
    "StatementSource": ("ex:S prov:wasDerivedFrom", ""),
    "StatementSentence": ("ex:S kg:sentenceText", 'ex:S kg:sentenceText "\\t" .'),
    "StatementStart": ("ex:S kg:startOffset", "ex:S kg:startOffset -1 ."),
    "StatementEnd": ("", "ex:S kg:endOffset 10 ."),
    "StatementExtractor": ("ex:S kg:extractor", 'ex:S kg:extractor "rule:test"@en .'),
    "StatementConfidence": ("ex:S kg:confidence", "ex:S kg:confidence 1.5 ."),
    "OffsetOrder": ("ex:S kg:startOffset", "ex:S kg:startOffset 12 ."),
    "EvidenceTerms": ("", 'ex:A kg:sentenceText "某协会。" .'),
    "MembershipEvidenceSource": ("", "ex:M prov:wasDerivedFrom ex:P ."),
    "MembershipDerivation": ("", "ex:M prov:qualifiedDerivation ex:S ."),
    "DerivationSource": ("ex:Dv prov:entity", ""),
    "DerivationSentence": ("", 'ex:Dv kg:sentenceText "又一句。" .'),
    "DerivationStart": ("ex:Dv kg:startOffset", ""),
    "DerivationEnd": ("ex:Dv kg:endOffset", "ex:Dv kg:endOffset 6.0 ."),
    "DerivationOffsetOrder": ("ex:Dv kg:endOffset", "ex:Dv kg:endOffset 0 ."),
    "DerivationExtractor": ("ex:Dv kg:extractor", 'ex:Dv kg:extractor "" .'),
    "DerivationConfidence": ("ex:Dv kg:confidence", "ex:Dv kg:confidence -0.1 ."),
    "SourceFilePath": ("", 'ex:src kg:path "b.txt" .'),
    "SourceFileHash": ("ex:src kg:contentHash", 'ex:src kg:contentHash "%s" .' % ("A" * 64)),
    "SourceFileTerms": ("", 'ex:A kg:path "a.txt" .'),
}


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def prefilter(shapes) -> Prefilter:
    return Prefilter(shapes)


@pytest.fixture(scope="module")
def axioms() -> list:
    return list(_axioms(load_ontology()))


def _targeted(shapes: Graph) -> set[str]:
    return {str(s) for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
            for s in shapes.subjects(p, None)}


def mutated(name: str) -> Graph:
    drop, add = MUTATIONS[name]
    g = Graph().parse(format="turtle", data=BASE)
    if drop:
        s, p = (g.namespace_manager.expand_curie(x) for x in drop.split())
        g.remove((s, p, None))
    if add:
        g.parse(format="turtle", data=PREFIXES + add)
    return g


def test_every_shape_is_compiled_or_flagged_whole(shapes, prefilter):
    assert {str(s) for s in prefilter.plan} == _targeted(shapes)
    assert all(v == COMPILED or v.startswith(FLAG_ALL + ": ") for v in prefilter.plan.values())
    assert [s for s, v in prefilter.plan.items() if v != COMPILED] == []  # today every shape is compiled


def test_a_shape_the_checks_do_not_model_flags_every_focus_node():
    shapes = Graph().parse(format="turtle", data=PREFIXES + """
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix t: <https://example.org/test#> .
        t:Unknown a sh:PropertyShape ; sh:targetClass kg:Person ; sh:path rdfs:label ; sh:minLength 1 .
        t:Flags a sh:PropertyShape ; sh:targetClass kg:Event ; sh:path rdfs:label ; sh:pattern "x" ; sh:flags "i" .
    """)
    f = Prefilter(shapes)
    assert all(v.startswith(FLAG_ALL) for v in f.plan.values())
    g = Graph().parse(format="turtle", data=PREFIXES + 'ex:P a kg:Person ; rdfs:label "姜卫东"@zh .')
    assert {str(s) for s in f.flagged(g)} == {"https://example.org/test#Unknown"}


def test_the_base_graph_conforms_and_is_not_flagged(prefilter, axioms):
    g = Graph().parse(format="turtle", data=BASE)
    assert validate(g).conforms
    assert prefilter.flagged(list(g) + axioms) == set()
    v = DocumentValidator()
    v.add(list(g))
    assert v.finish().conforms and (v.batches, v.runs) == (1, 0)  # pyshacl ran on nothing


def test_every_shape_has_a_mutation(shapes):
    assert {KGSH + n for n in MUTATIONS} == _targeted(shapes)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_a_graph_breaking_a_shape_is_flagged_and_reported_as_by_pyshacl(name, prefilter, axioms):
    g = mutated(name)
    whole = validate(g)
    assert f"shape: {KGSH}{name}\n" in whole.text  # the mutation does break that shape
    assert URIRef(KGSH + name) in prefilter.flagged(list(g) + axioms)
    v = DocumentValidator()
    v.add(list(g))
    report = v.finish()
    assert v.runs == 1
    assert (report.text, report.violations, report.conforms) == (whole.text, whole.violations, whole.conforms)
