"""The records passed between stages pickle as they are (the build keeps its records in a pickle, and
worker processes send them back pickled): every field, equal and of the same type after a round trip."""

from __future__ import annotations

import pickle
from dataclasses import fields

import pytest

from kg.records import (Arg, DocumentExtraction, Evidence, ExtractionFailure, IngestFailure, Mention,
                        PositionMention, RelationMention, Sentence)

ARG = Arg("中机质协", "Association", 0, 4)
RECORDS = [
    Sentence("中机质协主办质量论坛。", 3, 15, 0, 11),
    IngestFailure("a.txt", "not UTF-8"),
    ExtractionFailure("b.txt", "ValueError: boom"),
    Mention("a.txt", "中机质协", "Association", 0, 4, 0, 0, "rule:gazetteer", 0.9, "中机质协", canonical="中国机械工业质量管理协会",
            names=("中机质协",), date=None),
    Mention("a.txt", "质量论坛", "Event", 6, 10, 0, 0, "rule:event", 0.8, "质量论坛", date="2021-05", end_date="2021-05-03"),
    PositionMention("a.txt", "王明", "会长", None, 20, 26, 1, "posts", 0.7),
    ARG,
    RelationMention("a.txt", ARG, "hosted", Arg("质量论坛", "Event", 6, 10), 0, 0, "中机质协主办质量论坛。", 0, 11, "主办",
                    "rule:test", 0.85),
    Evidence("a.txt", "中机质协主办质量论坛。", 0, 11, "rule:test", 0.85, "主办"),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_a_frozen_record_pickles_field_by_field(record):
    again = pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(again) is type(record)
    assert again == record and hash(again) == hash(record)
    assert [getattr(again, f.name) for f in fields(record)] == [getattr(record, f.name) for f in fields(record)]
    with pytest.raises(AttributeError):
        again.__setattr__(fields(record)[0].name, None)  # still frozen


def test_a_document_extraction_pickles_with_its_records():
    ex = DocumentExtraction("a.txt", "corpus/a.txt", "a" * 64, "标题", "2021-05-01", [RECORDS[3], RECORDS[4]],
                            [RECORDS[5]], [RECORDS[7]])
    again = pickle.loads(pickle.dumps(ex, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == ex
    assert [type(m) for m in again.mentions + again.positions + again.relations] == [
        Mention, Mention, PositionMention, RelationMention]
