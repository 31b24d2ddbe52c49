"""ontology/kg.ttl: the contract vocabulary, labels and definitions, domains and ranges, alignment,
and the generated Python view kg/ontology/vocab.py and relations.py."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import owlrl
import pytest
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import PROV, SKOS

from kg.ontology import vocab_gen
from kg.ontology.kinds import SIGNATURES, kind
from kg.ontology.relations import DOMAIN_RANGE, SUPER_PROPERTIES
from kg.ontology.vocab import KG
from kg.records import ENTITY_TYPES, ORG_TYPES, ORGANIZATION_TYPES, RELATION_TYPES

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "kg.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
NS = "https://example.org/cnqkg/ontology#"
KGN = Namespace(NS)
ID = Namespace("https://example.org/cnqkg/id/")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # not rdflib's: doctest collection probes that one

# The vocabulary contract of ../shared/DESIGN.md, and the terms the build emits on top of it.
CONTRACT_CLASSES = {"Person", "Organization", "GovernmentBody", "Association", "Company", "ResearchInstitute",
                    "Event", "Document", "Award", "Place"}
CONTRACT_OBJECT_PROPERTIES = {"hosted", "coHosted", "guided", "supported", "attended", "chaired", "spokeAt",
                              "issued", "awarded", "receivedAward", "subOrganizationOf", "heldIn"}
BUILD_CLASSES = {"SourceFile"}
BUILD_DATATYPE_PROPERTIES = {"date", "endDate", "path", "contentHash", "sentenceText", "startOffset", "endOffset",
                             "extractor", "confidence"}


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


def local_terms(g: Graph, kind: URIRef) -> set[str]:
    return {str(s)[len(NS):] for s in g.subjects(RDF.type, kind) if isinstance(s, URIRef) and str(s).startswith(NS)}


def all_terms(g: Graph) -> set[URIRef]:
    return {s for s in g.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(NS)}


def test_ontology_parses_with_its_iri(onto):
    assert (URIRef("https://example.org/cnqkg/ontology"), RDF.type, OWL.Ontology) in onto
    assert len(onto) > 100


def test_contract_names_and_build_terms_are_declared(onto):
    assert local_terms(onto, OWL.Class) == CONTRACT_CLASSES | BUILD_CLASSES
    assert local_terms(onto, OWL.ObjectProperty) == CONTRACT_OBJECT_PROPERTIES
    assert local_terms(onto, OWL.DatatypeProperty) == BUILD_DATATYPE_PROPERTIES


def test_every_kg_iri_used_is_declared(onto):
    """No typo: every kg: IRI anywhere in the file is a declared term."""
    used = {n for t in onto for n in t if isinstance(n, URIRef) and str(n).startswith(NS)}
    assert used == all_terms(onto)


@pytest.mark.parametrize("term", sorted(CONTRACT_CLASSES | BUILD_CLASSES | CONTRACT_OBJECT_PROPERTIES
                                        | BUILD_DATATYPE_PROPERTIES))
def test_every_term_has_zh_and_en_label_and_a_one_line_definition(onto, term):
    node = KGN[term]
    labels = list(onto.objects(node, RDFS.label))
    assert sorted(lit.language for lit in labels) == ["en", "zh"], labels
    zh = next(str(lit) for lit in labels if lit.language == "zh")
    assert re.search(r"[\u4e00-\u9fff]", zh), f"the @zh label of {term} is not Chinese: {zh!r}"
    definitions = list(onto.objects(node, SKOS.definition))
    assert len(definitions) == 1 and definitions[0].language == "en"
    text = str(definitions[0])
    assert text.strip() and "\n" not in text and text.endswith(".")


def _domain_members(g: Graph, prop: URIRef) -> set[URIRef]:
    domain = g.value(prop, RDFS.domain)
    if isinstance(domain, BNode):
        assert (domain, RDF.type, OWL.Class) in g
        return set(Collection(g, g.value(domain, OWL.unionOf)))
    return {domain}


DOMAINS = {
    "hosted": ({"Organization"}, "Event"), "coHosted": ({"Organization"}, "Event"),
    "guided": ({"Organization"}, "Event"), "supported": ({"Organization"}, "Event"),
    "attended": ({"Person", "Organization"}, "Event"), "chaired": ({"Person"}, "Event"),
    "spokeAt": ({"Person"}, "Event"), "issued": ({"Organization"}, "Document"),
    "awarded": ({"Organization", "Event"}, "Award"), "receivedAward": ({"Person", "Organization"}, "Award"),
    "subOrganizationOf": ({"Organization"}, "Organization"), "heldIn": ({"Event"}, "Place"),
}


@pytest.mark.parametrize("prop, domain_range", DOMAINS.items(), ids=DOMAINS.keys())
def test_object_property_domain_and_range(onto, prop, domain_range):
    domain, range_ = domain_range
    assert _domain_members(onto, KGN[prop]) == {KGN[c] for c in domain}
    assert list(onto.objects(KGN[prop], RDFS.range)) == [KGN[range_]]


RANGES = {"endDate": XSD.date, "path": XSD.string, "contentHash": XSD.string,
          "sentenceText": XSD.string, "startOffset": XSD.integer, "endOffset": XSD.integer,
          "extractor": XSD.string, "confidence": XSD.decimal}


@pytest.mark.parametrize("prop, range_", RANGES.items(), ids=RANGES.keys())
def test_datatype_property_range_and_domain(onto, prop, range_):
    assert list(onto.objects(KGN[prop], RDFS.range)) == [range_]
    assert onto.value(KGN[prop], RDFS.domain) is not None


def test_an_event_date_is_a_day_a_month_or_a_year(onto):
    (range_,) = onto.objects(KGN.date, RDFS.range)
    assert set(onto.items(onto.value(range_, OWL.unionOf))) == {XSD.date, XSD.gYearMonth, XSD.gYear}
    assert onto.value(KGN.date, RDFS.domain) is not None


def test_single_valued_properties_are_functional(onto):
    assert local_terms(onto, OWL.FunctionalProperty) == {"date", "endDate", "path", "contentHash"}


def test_new_terms_are_aligned(onto):
    assert (KGN.endDate, RDFS.subPropertyOf, SCHEMA.endDate) in onto
    assert (KGN.date, RDFS.subPropertyOf, SCHEMA.startDate) in onto
    assert (KGN.SourceFile, RDFS.subClassOf, PROV.Entity) in onto
    assert (KGN.subOrganizationOf, RDFS.subPropertyOf, ORG.subOrganizationOf) in onto
    assert (KGN.Person, RDFS.subClassOf, FOAF.Person) in onto
    assert (KGN.Organization, RDFS.subClassOf, ORG.Organization) in onto
    for cls in ("GovernmentBody", "Association", "Company", "ResearchInstitute"):
        assert (KGN[cls], RDFS.subClassOf, KGN.Organization) in onto


# schema.org properties that go from the event / work to the agent: a kg: property going from the
# agent to the event may only be a sub-property of their inverse, never of them.
EVENT_TO_AGENT = [SCHEMA.organizer, SCHEMA.attendee, SCHEMA.performer, SCHEMA.sponsor, SCHEMA.publisher,
                  PROV.wasAssociatedWith, PROV.wasAttributedTo]


def test_no_sub_property_in_the_wrong_direction(onto):
    for p in EVENT_TO_AGENT:
        assert list(onto.subjects(RDFS.subPropertyOf, p)) == [], f"{p} goes Event/work -> agent"


SAMPLE = """
@prefix kg: <https://example.org/cnqkg/ontology#> .
@prefix id: <https://example.org/cnqkg/id/> .
id:cmiqma a kg:Association ; kg:hosted id:forum ; kg:issued id:notice ; kg:awarded id:prize ;
    kg:subOrganizationOf id:assoc .
id:assoc a kg:Association .
id:jiang a kg:Person ; kg:chaired id:forum ; kg:spokeAt id:forum ; kg:receivedAward id:prize .
id:forum a kg:Event ; kg:heldIn id:beijing .
id:notice a kg:Document . id:prize a kg:Award . id:beijing a kg:Place .
"""


def _closure(extra: str = "") -> Graph:
    g = Graph().parse(ONTOLOGY, format="turtle")
    g.parse(data=SAMPLE + extra, format="turtle")
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    return g


def _errors(g: Graph) -> list[str]:
    return sorted(str(o) for s, p, o in g if str(p).endswith("#error"))


def test_owl_rl_reasoner_reads_the_alignment_in_the_right_direction():
    """A generic OWL RL reasoner turns our facts into schema.org / PROV / ORG facts, correctly oriented."""
    g = _closure()
    assert _errors(g) == []
    expected = [
        (ID.forum, SCHEMA.organizer, ID.cmiqma), (ID.forum, PROV.wasAssociatedWith, ID.cmiqma),
        (ID.forum, SCHEMA.attendee, ID.jiang), (ID.jiang, KGN.attended, ID.forum),
        (ID.forum, SCHEMA.performer, ID.jiang), (ID.notice, SCHEMA.publisher, ID.cmiqma),
        (ID.notice, PROV.wasAttributedTo, ID.cmiqma), (ID.forum, SCHEMA.location, ID.beijing),
        (ID.forum, PROV.atLocation, ID.beijing), (ID.cmiqma, ORG.subOrganizationOf, ID.assoc),
        (ID.cmiqma, SCHEMA.parentOrganization, ID.assoc),
        (ID.jiang, RDF.type, FOAF.Person), (ID.cmiqma, RDF.type, ORG.Organization), (ID.cmiqma, RDF.type, PROV.Agent),
        (ID.forum, RDF.type, SCHEMA.Event), (ID.notice, RDF.type, PROV.Entity),
    ]
    assert [t for t in expected if t not in g] == []
    # and not the wrong way round
    assert (ID.cmiqma, SCHEMA.organizer, ID.forum) not in g
    assert (ID.jiang, SCHEMA.attendee, ID.forum) not in g


def test_top_level_classes_are_disjoint():
    assert _errors(_closure("id:jiang a kg:Document .")) != []
    assert _errors(_closure("id:x a kg:Company, kg:ResearchInstitute .")) == []  # subclasses may overlap


def test_union_domain_puts_the_subject_in_the_union():
    g = _closure("id:z kg:attended id:forum .")
    union = next(s for s in g.subjects(OWL.unionOf, None)
                 if set(Collection(g, g.value(s, OWL.unionOf))) == {KGN.Person, KGN.Organization})
    assert (ID.z, RDF.type, union) in g


def test_known_class_pattern_of_the_shapes_lists_exactly_the_ontology_classes(onto):
    """shapes.ttl names the kg: classes in a pattern (kgsh:KnownClass); it must follow kg.ttl."""
    shapes = Graph().parse(SHAPES, format="turtle")
    pattern = str(shapes.value(URIRef("https://example.org/cnqkg/shapes#KnownClass"),
                               URIRef("http://www.w3.org/ns/shacl#pattern")))
    names = re.search(r"ontology#\(([^)]*)\)\$", pattern).group(1).split("|")
    assert sorted(names) == sorted(local_terms(onto, OWL.Class))
    rx = re.compile(pattern)
    assert rx.search(NS + "Person") and rx.search(str(ORG.Membership)) and rx.search(str(RDF.Statement))
    assert not rx.search(NS + "Foo") and not rx.search(NS + "PersonX") and not rx.search(NS)


# --- kg/ontology/vocab.py and relations.py -------------------------------------------------------

def test_vocab_py_is_generated_from_the_current_kg_ttl():
    committed = (ROOT / "kg" / "ontology" / "vocab.py").read_text(encoding="utf-8")
    assert vocab_gen.render() == committed, "kg/ontology/vocab.py is out of date: run python -m kg.ontology.vocab_gen"


def test_relations_py_is_generated_from_the_current_kg_ttl():
    committed = (ROOT / "kg" / "ontology" / "relations.py").read_text(encoding="utf-8")
    assert vocab_gen.render_relations() == committed, \
        "kg/ontology/relations.py is out of date: run python -m kg.ontology.vocab_gen"


def test_vocab_gen_check_mode():
    proc = subprocess.run([sys.executable, "-m", "kg.ontology.vocab_gen", "--check"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_vocab_gen_notices_a_change(tmp_path):
    changed = ONTOLOGY.read_text(encoding="utf-8").replace(
        "kg:heldIn a owl:ObjectProperty", 'kg:heldAt a owl:ObjectProperty ; rdfs:label "at"@en .\nkg:heldIn a owl:ObjectProperty')
    (tmp_path / "kg.ttl").write_text(changed, encoding="utf-8")
    text = vocab_gen.render(tmp_path / "kg.ttl")
    assert text != vocab_gen.render()
    assert "    heldAt: URIRef  # at\n" in text


def test_relations_py_notices_a_changed_range(tmp_path):
    changed = ONTOLOGY.read_text(encoding="utf-8").replace(
        "kg:heldIn a owl:ObjectProperty ; rdfs:domain kg:Event ; rdfs:range kg:Place",
        "kg:heldIn a owl:ObjectProperty ; rdfs:domain kg:Event ; rdfs:range [ a owl:Class ; owl:unionOf ( kg:Place kg:Organization ) ]")
    assert changed != ONTOLOGY.read_text(encoding="utf-8")
    (tmp_path / "kg.ttl").write_text(changed, encoding="utf-8")
    assert '    "heldIn": (("Event",), ("Organization", "Place")),\n' in vocab_gen.render_relations(tmp_path / "kg.ttl")


def test_code_and_ontology_agree(onto):
    """The types and relations the records name, and the signatures resolution checks, are kg.ttl's."""
    kg_classes = {str(c)[len(NS):] for c in onto.subjects(RDF.type, OWL.Class) if str(c).startswith(NS)}
    organizations = {str(c)[len(NS):] for c in onto.subjects(RDFS.subClassOf, KGN.Organization)}
    properties = {str(p)[len(NS):] for p in onto.subjects(RDF.type, OWL.ObjectProperty) if str(p).startswith(NS)}
    assert set(ORGANIZATION_TYPES) == organizations
    assert set(ENTITY_TYPES) == kg_classes - {"Organization", "SourceFile"}
    assert set(RELATION_TYPES) == properties == set(DOMAIN_RANGE) == set(SIGNATURES)
    for prop, (domain, range_) in DOMAIN_RANGE.items():
        for end, classes in (("domain", domain), ("range", range_)):
            (node,) = onto.objects(KGN[prop], RDFS.domain if end == "domain" else RDFS.range)
            members = set(onto.items(onto.value(node, OWL.unionOf))) if onto.value(node, OWL.unionOf) else {node}
            assert {KGN[c] for c in classes} == members, (prop, end)
        kinds = {kind(t) for t in ENTITY_TYPES + ORG_TYPES if t in domain or ("Organization" in domain and t in ORG_TYPES)}
        assert SIGNATURES[prop][0] == frozenset(kinds), prop
    assert {p for p, supers in SUPER_PROPERTIES.items() for _ in supers} == {
        str(p)[len(NS):] for p, o in onto.subject_objects(RDFS.subPropertyOf)
        if str(p).startswith(NS) and str(o).startswith(NS)}


def test_vocab_has_exactly_the_ontology_terms(onto):
    declared = {str(t)[len(NS):] for t in all_terms(onto)}
    assert set(KG.__annotations__) == declared
    for name in declared:
        assert getattr(KG, name) == URIRef(NS + name)
    assert KG.hosted == KGN.hosted and KG.SourceFile == KGN.SourceFile
    with pytest.raises(AttributeError):
        KG.host  # noqa: B018  a closed namespace: typos fail


def test_vocab_comments_carry_the_english_label_and_definition(onto):
    text = (ROOT / "kg" / "ontology" / "vocab.py").read_text(encoding="utf-8")
    for term in all_terms(onto):
        name = str(term)[len(NS):]
        definition = str(onto.value(term, SKOS.definition))
        line = next(line for line in text.splitlines() if line.startswith(f"    {name}: URIRef  # "))
        assert definition in line and str(next(l for l in onto.objects(term, RDFS.label) if l.language == "en")) in line


def test_vocab_output_does_not_depend_on_parse_order():
    outs = set()
    for seed in ("0", "1", "4242"):
        proc = subprocess.run([sys.executable, "-c", "from kg.ontology.vocab_gen import render; print(render(), end='')"],
                              cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env={"PYTHONHASHSEED": seed, "PATH": ""})
        assert proc.returncode == 0, proc.stderr
        outs.add(proc.stdout)
    assert len(outs) == 1


def test_literal_sanity():
    """The ontology's own literals are language-tagged (no plain strings slipped in)."""
    g = Graph().parse(ONTOLOGY, format="turtle")
    plain = [(s, p, o) for s, p, o in g
             if isinstance(o, Literal) and o.language is None and p in (RDFS.label, SKOS.definition)]
    assert plain == []
