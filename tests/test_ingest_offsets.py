"""Property tests: the offset map from clean text back to the original is exact.

Whatever the input, every clean character points at the source character it came from (or the
one a documented normalisation rewrote), offsets never go backwards, and every sentence's
original span holds the sentence's characters in order.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.ingest import ingest_text
from kg.ingest.clean import _ASCII_TO_FULL, _FULLWIDTH_ALNUM

CHINESE = list("中国机械工业质量管理协会召开座谈会议由王建和主持部局司处长的了在和年月日号第期")
PIECES = (
    CHINESE
    + list("abcXYZ0189")
    + [" ", "  ", "\u3000", "\xa0", "\t"]
    + list("，。！？；：、（）《》“”…")
    + list(",.:;!?()")
    + list("０１９ＡＺａ％－")
    + ["\n", "\n\n", "\r\n", "\r", "\n \n"]
    + ["[bookmark: _Hlk123]", "[bookmark: _Hlk84941455]\n"]
    + ["工 业 和 信 息 化 部", "2021年 3月 5日", "某协会 [2021]3 号", "1,000", "10:30", "GB/T 1234-2020"]
    + ["**", "# ", "- ", "[链接](http://x.cn/a)"]
)

texts = st.lists(st.sampled_from(PIECES), max_size=120).map("".join)
formats = st.sampled_from(["txt", "md"])  # only Markdown changes the repairs

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def normalised(ch: str) -> str:
    """The documented rewrites of one source character, as a single canonical form."""
    code = ord(ch)
    if code in _FULLWIDTH_ALNUM:
        ch = chr(_FULLWIDTH_ALNUM[code])
    return _ASCII_TO_FULL.get(ch, ch)


def comparable(s: str) -> list[str]:
    return [normalised(c) for c in s if not c.isspace()]


def is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(c in it for c in needle)


@SETTINGS
@given(texts, formats)
def test_offsets_have_one_entry_per_clean_char(text, fmt):
    doc = ingest_text(text, fmt=fmt)
    assert len(doc.offsets) == len(doc.text)
    assert all(0 <= o < len(text) for o in doc.offsets)


@SETTINGS
@given(texts, formats)
def test_offsets_never_go_backwards(text, fmt):
    doc = ingest_text(text, fmt=fmt)
    offs = doc.offsets
    for i in range(1, len(offs)):
        assert offs[i] >= offs[i - 1], (i, doc.text)
        if offs[i] == offs[i - 1]:
            # only an inserted separator shares the offset of the character after it
            assert doc.text[i - 1] in "\n ", (i, doc.text[i - 1], doc.text)


@SETTINGS
@given(texts, formats)
def test_clean_chars_are_source_chars_or_their_normalisation(ingest_check_offsets, text, fmt):
    ingest_check_offsets(ingest_text(text, fmt=fmt))


@SETTINGS
@given(texts, formats)
def test_sentence_spans_hold_the_sentence(text, fmt):
    doc = ingest_text(text, fmt=fmt)
    for s in doc.sentences:
        assert 0 <= s.start < s.end <= len(text)
        assert s.text == doc.text[s.clean_start:s.clean_end]
        original = doc.source_text[s.start:s.end]
        assert is_subsequence(comparable(s.text), comparable(original)), (s.text, original)
        # the span is tight: it starts and ends on characters of the sentence
        assert normalised(original[0]) == normalised(s.text[0])
        assert normalised(original[-1]) == normalised(s.text[-1])


@SETTINGS
@given(st.lists(st.sampled_from(CHINESE + list("，。、")), min_size=1, max_size=60).map("".join),
       st.lists(st.sampled_from(["\n", "\n\n", "[bookmark: _Hlk1]", " ", "\r\n"]), max_size=8))
def test_chinese_text_survives_damage(text, damage):
    """Inserting line breaks, residue and spaces never loses or reorders Chinese characters."""
    damaged = text
    for k, d in enumerate(damage):  # insert damage at spread-out positions
        pos = (k * 7919) % (len(damaged) + 1)
        damaged = damaged[:pos] + d + damaged[pos:]
    doc = ingest_text(damaged)
    chinese = [c for c in text if c in CHINESE]
    assert [c for c in doc.text if c in CHINESE] == chinese
