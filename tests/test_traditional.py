"""Documents written in traditional characters (Hong Kong, Macau and Taiwan releases, older pages).

The components read a simplified form of the text (:func:`extract.document.reading_text`: OpenCC's
t2s conversion, the same length, so every offset into the original still holds); the records keep
the document's own script, with the simplified form as a further name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.document import _t2s, reading_text
from extract.pipeline import extract_document
from kg.build import resolve_corpus
from kg.ingest import ingest_text

def _simplified(name: str) -> str:
    return _t2s().convert(name.translate(str.maketrans("「」", "“”")))


DEV = Path(__file__).parent / "data" / "dev" / "texts"
TRAD = "香港品質保證局舉行頒獎典禮\n\n2023年11月23日，香港品質保證局在香港舉行「2023年度可持續發展卓越大獎」頒獎典禮，創新科技署署長甘詠恩致辭。"


def test_names_keep_their_script_and_point_at_the_file():
    doc = ingest_text(TRAD, doc_id="hk.txt")
    ex = extract_document(doc)
    by_text = {m.text: m for m in ex.mentions}
    assert "香港品質保證局" in by_text and "甘詠恩" in by_text
    for m in ex.mentions:
        assert TRAD[m.start:m.end] == m.text  # the original characters, not the simplified ones
    assert "香港品质保证局" in by_text["香港品質保證局"].names  # the simplified form is a further name
    posts = {(p.person, p.title) for p in ex.positions}
    assert ("甘詠恩", "署長") in posts
    facts = {(r.subject.text, r.predicate, r.object.text) for r in ex.relations}
    assert ("甘詠恩", "spokeAt", "2023年度可持續發展卓越大獎」頒獎典禮") in facts or any(
        s == "甘詠恩" and p == "spokeAt" for s, p, _ in facts)


def test_traditional_and_simplified_mentions_are_one_entity():
    a = extract_document(ingest_text("中國機械工業質量管理協會舉辦質量論壇。", doc_id="a.txt"))
    b = extract_document(ingest_text("中国机械工业质量管理协会举办质量论坛。", doc_id="b.txt"))
    ents = [e for e in resolve_corpus([a, b]).resolution.entities if e.type == "Association"]
    assert len(ents) == 1 and "中國機械工業質量管理協會" in [ents[0].label, *ents[0].aliases]


@pytest.mark.parametrize("name", sorted(p.name for p in DEV.glob("g*.txt")))
def test_a_passage_converted_to_simplified_gives_the_same_facts(name):
    """What is read from a traditional passage is what is read from the same passage in simplified
    characters (compared in simplified characters)."""
    original = (DEV / name).read_text(encoding="utf-8")
    simplified = reading_text(original)
    assert simplified != original and len(simplified) == len(original)

    def facts(text: str) -> set:
        ex = extract_document(ingest_text(text, doc_id=name))
        return {(_simplified(r.subject.text), r.predicate, _simplified(r.object.text)) for r in ex.relations}

    assert facts(original) == facts(simplified)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from("質量協會舉辦論壇頒獎典禮中国机械「」『』，。 \n0123abcAB"), max_size=80))
def test_reading_text_has_the_same_length(text):
    view = reading_text(text)
    assert len(view) == len(text)
    assert all((a == b) or not a.isascii() for a, b in zip(text, view))  # only Chinese characters and quotes change
