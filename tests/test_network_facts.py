"""The facts index of a later graph.ttl made from an earlier one and the lines that changed
(kg.network.facts.EarlierFacts, what the page of an update reads): always what parsing the later file gives."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kg.network.facts as facts
from kg.network.facts import _PROVENANCE, EarlierFacts, _index_file

PREFIXES = (b"@prefix id: <https://example.org/cnqkg/id/> .\n"
            b"@prefix kg: <https://example.org/cnqkg/ontology#> .\n"
            b"@prefix prov: <http://www.w3.org/ns/prov#> .\n"
            b"@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
            b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            b"@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
            b"@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\n")

ASSOCIATION = ["id:org\\/中国机械工业质量管理协会 rdf:type kg:Association .",
               'id:org\\/中国机械工业质量管理协会 rdfs:label "中国机械工业质量管理协会"@zh .']
ALIAS = 'id:org\\/中国机械工业质量管理协会 skos:altLabel "中机质协"@zh .'
OTHER_ALIAS = 'id:org\\/中国机械工业质量管理协会 skos:altLabel "机械质协"@zh .'
FORUM = ["id:event\\/质量论坛 rdf:type kg:Event .",
         'id:event\\/质量论坛 rdfs:label "第二届“质量·品牌”论坛"@zh .',
         'id:event\\/质量论坛 kg:date "2021-06"^^xsd:gYearMonth .']
HOSTED = "id:org\\/中国机械工业质量管理协会 kg:hosted id:event\\/质量论坛 ."
SOURCE = "id:event\\/质量论坛 prov:wasDerivedFrom id:source\\/a.txt ."  # provenance: never in the index
PERSON = ['id:person\\/王明 rdfs:label "王明"@zh .',
          "id:person\\/王明 rdf:type kg:Person .",
          "id:person\\/王明 kg:attended id:event\\/质量论坛 .", 'id:person\\/王明 skos:altLabel "王 \\"明\\""@zh .']


def _file(path, lines, prefixes=PREFIXES):
    """A graph.ttl as a build writes it: the prefixes, a blank line, the lines sorted, one a line."""
    path.write_bytes(prefixes + "".join(f"{line}\n" for line in sorted(set(lines))).encode("utf-8"))
    return path


def _parsed_whole(monkeypatch) -> list:
    """The files EarlierFacts parses whole, in the order it does."""
    whole: list = []
    real = facts._index_file

    def parsed(path, skip=frozenset(), data=None, term=None):
        whole.append(path.name)
        return real(path, skip, data, term)

    monkeypatch.setattr(facts, "_index_file", parsed)
    return whole


@pytest.mark.parametrize("old, new", [
    (ASSOCIATION + FORUM, ASSOCIATION + FORUM + [HOSTED]),  # a relation found in a new document
    (ASSOCIATION + FORUM + [HOSTED], ASSOCIATION + FORUM),  # ... and the document removed again
    (ASSOCIATION + [ALIAS], ASSOCIATION + [ALIAS, OTHER_ALIAS]),  # a second object of a predicate
    (ASSOCIATION + [ALIAS, OTHER_ALIAS], ASSOCIATION + [OTHER_ALIAS]),  # one of two objects gone
    (ASSOCIATION + FORUM + PERSON + [HOSTED, ALIAS, OTHER_ALIAS],
     ASSOCIATION + FORUM + [HOSTED, ALIAS, OTHER_ALIAS]),  # an entity gone, with all it said
    (ASSOCIATION + FORUM, ASSOCIATION + [line.replace("第二届", "第三届") for line in FORUM]),  # a label changed
    (ASSOCIATION + FORUM + [SOURCE], ASSOCIATION + FORUM),  # a provenance line (left out either way)
    (ASSOCIATION + FORUM, ASSOCIATION + FORUM),  # nothing changed
], ids=["added", "removed", "second-object", "one-of-two-gone", "entity-gone", "label-changed", "provenance",
        "unchanged"])
def test_the_index_of_a_later_file_is_what_parsing_it_gives(tmp_path, monkeypatch, old, new):
    """Only the earlier file is parsed whole; the later one's index (a one-object predicate a tuple, a
    several-object one a dict, as a parse makes them) equals its parse."""
    whole = _parsed_whole(monkeypatch)
    earlier = EarlierFacts(_file(tmp_path / "old.ttl", old))
    index = earlier.index_of(_file(tmp_path / "new.ttl", new))
    assert index == _index_file(tmp_path / "new.ttl", skip=_PROVENANCE)
    assert whole == ["old.ttl"]


@pytest.mark.parametrize("change", ["namespace", "blank-node", "most-lines", "no-blank-line"])
def test_a_later_file_that_is_not_a_few_changed_lines_is_parsed_whole(tmp_path, monkeypatch, change):
    """Other prefixes (the same lines then name other things: another --base-iri), a blank node (its
    label is the file's own), most lines changed, or a file not laid out as a build writes it: the
    later file is parsed whole, with the same result as a parse."""
    old, new, prefixes = ASSOCIATION + FORUM + [HOSTED], ASSOCIATION + FORUM + [HOSTED], PREFIXES
    if change == "namespace":
        prefixes = PREFIXES.replace(b"https://example.org/cnqkg/id/", b"https://archive.example.cn/id/")
    elif change == "blank-node":
        new = new + ["id:org\\/中国机械工业质量管理协会 kg:hosted _:b0 ."]
    elif change == "most-lines":
        new = ASSOCIATION
    whole = _parsed_whole(monkeypatch)
    earlier = EarlierFacts(_file(tmp_path / "old.ttl", old))
    later = _file(tmp_path / "new.ttl", new, prefixes)
    if change == "no-blank-line":
        later.write_bytes(later.read_bytes().replace(b"\n\n", b"\n"))
    index = earlier.index_of(later)
    assert index == _index_file(later, skip=_PROVENANCE)
    assert whole == ["old.ttl", "new.ttl"]
    if change == "namespace":
        assert "https://archive.example.cn/id/event/质量论坛" in index


def test_the_earlier_index_is_given_up_by_the_one_call(tmp_path):
    earlier = EarlierFacts(_file(tmp_path / "old.ttl", ASSOCIATION))
    earlier.index_of(_file(tmp_path / "new.ttl", ASSOCIATION + FORUM))
    with pytest.raises(RuntimeError, match="given up"):
        earlier.index_of(tmp_path / "new.ttl")


POOL = ASSOCIATION + [ALIAS, OTHER_ALIAS, HOSTED, SOURCE] + FORUM + PERSON


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(old=st.sets(st.sampled_from(POOL)), new=st.sets(st.sampled_from(POOL)))
def test_any_change_of_lines_gives_the_index_a_parse_gives(tmp_path, old, new):
    earlier = EarlierFacts(_file(tmp_path / "old.ttl", old))
    assert earlier.index_of(_file(tmp_path / "new.ttl", new)) == _index_file(tmp_path / "new.ttl", skip=_PROVENANCE)
