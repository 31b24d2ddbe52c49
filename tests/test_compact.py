"""What a build holds of each document until resolution (:func:`kg.resolve.compact`): every field the
extraction had, except the relations' sentences, with equal values shared among the corpus' records
(names, offsets, confidences, a document's relation arguments), so that 10,000 documents' records fit."""

from __future__ import annotations

import importlib
from dataclasses import fields, replace

import pytest

from kg.records import Arg, DocumentExtraction, Mention, PositionMention, RelationMention
from kg.resolve import compact

compact_module = importlib.import_module("kg.resolve.compact")  # (kg.resolve.compact is the function)


def _number(text: str) -> int | float:
    """A number made at run time: an object of its own, as each record's are when they are read."""
    return float(text) if "." in text else int(text)


def extraction(doc_id: str, offset: str = "1234", confidence: str = "0.85") -> DocumentExtraction:
    """质量论坛 (an event) hosted by 中机质协 and attended by 王明, 会长 of it, at ``offset``."""
    at = _number(offset)
    org = Arg("中机质协", "Association", at, at + 4)
    event = Arg("质量论坛", "Event", at + 6, at + 10)
    person = Arg("王明", "Person", at + 12, at + 14)
    sentence = "中机质协主办质量论坛，会长王明出席。"
    return DocumentExtraction(
        doc_id, f"{doc_id}.txt", "ab12", "质量简讯", "2021-05",
        [Mention(doc_id, "中机质协", "Association", at, at + 4, 0, 0, "rule:gazetteer", _number(confidence), "中机质协",
                 canonical="中国机械工业质量管理协会", names=("中机质协",)),
         Mention(doc_id, "质量论坛", "Event", at + 6, at + 10, 0, 0, "rule:event", _number(confidence), "质量论坛",
                 date="2021-05", end_date="2021-05-03"),
         Mention(doc_id, "王明", "Person", at + 12, at + 14, 0, 0, "rule:person", 1.0, "王明")],
        [PositionMention(doc_id, "王明", "会长", "中机质协", at + 10, at + 14, 0, "posts", _number(confidence))],
        [RelationMention(doc_id, org, "hosted", event, 0, 0, sentence, at, at + 18, "主办", "rule:agent",
                         _number(confidence)),
         RelationMention(doc_id, replace(person), "attended", replace(event), 0, 0, sentence, at, at + 18, "出席",
                         "rule:agent", _number(confidence))])


def _values(record) -> list:
    """Every field's value and type, records within records by theirs."""
    out = []
    for f in fields(record):
        v = getattr(record, f.name)
        if isinstance(v, list):
            out.append([_values(x) for x in v])
        elif isinstance(v, Arg):
            out.append(_values(v))
        else:
            out.append((v, type(v)))
    return out


def test_compact_keeps_every_field_and_type_but_the_relations_sentences():
    ex = extraction("a")
    small = compact(ex)
    assert [r.sentence_text for r in small.relations] == ["", ""]
    without = replace(ex, relations=[replace(r, sentence_text="") for r in ex.relations])
    assert _values(small) == _values(without)


@pytest.mark.parametrize("offset, confidence", [("1234", "0.85"), ("70000", "0.6"), ("1", "1.0")])
def test_equal_numbers_of_two_documents_are_one_object_of_their_own_type(offset, confidence):
    a, b = compact(extraction("a", offset, confidence)), compact(extraction("b", offset, confidence))
    for x, y in [(a.mentions[0], b.mentions[0]), (a.positions[0], b.positions[0]), (a.relations[0], b.relations[0]),
                 (a.relations[0].subject, b.relations[0].subject)]:
        assert x.start is y.start and x.end is y.end
    for x, y in [(a.mentions[0], b.mentions[0]), (a.positions[0], b.positions[0]), (a.relations[0], b.relations[0])]:
        assert x.confidence is y.confidence and type(x.confidence) is float
    assert type(a.mentions[2].confidence) is float  # 1.0, beside offsets of 1 and 0


def test_an_argument_of_several_relations_of_a_document_is_one_object():
    hosted, attended = compact(extraction("a")).relations
    assert hosted.object is attended.object and hosted.object == Arg("质量论坛", "Event", 1240, 1244)
    assert compact(extraction("b")).relations[0].object is not hosted.object  # another document's own


def test_numbers_beyond_those_kept_are_left_as_they_are(monkeypatch):
    monkeypatch.setattr(compact_module, "_NUMBERS", {int: {}, float: {}})
    monkeypatch.setattr(compact_module, "NUMBERS_KEPT", 2)
    a, b = compact(extraction("a", "5000")), compact(extraction("b", "5000"))
    assert len(compact_module._NUMBERS[int]) == 2 and len(compact_module._NUMBERS[float]) == 2
    assert _values(a) == _values(compact(extraction("a", "5000")))
    assert a.mentions[0].start is b.mentions[0].start  # (5000, the first kept)
    assert a.mentions[1].end == b.mentions[1].end and a.mentions[1].end is not b.mentions[1].end  # (5010: not kept)


def test_a_negative_zero_is_not_given_a_positive_one():
    """``-0.0 == 0.0`` (and hashes alike): a zero is never shared, so each keeps its sign, whichever came first."""
    first, second = compact(extraction("a", confidence="0.0")), compact(extraction("b", confidence="-0.0"))
    assert str(first.mentions[0].confidence) == "0.0" and str(second.mentions[0].confidence) == "-0.0"
