"""Segmentation (kg.ingest.segment): sentences, articles, dates, over-long sentences."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.dates import first_date
from kg.ingest import ingest_text
from kg.ingest.segment import DEFAULT_MAX_SENTENCE, protected_spans, sentence_bounds, split_sentences


def sentences_of(para: str, max_len: int = DEFAULT_MAX_SENTENCE) -> list[str]:
    spans = split_sentences(para, max_len)
    out = [para[s:e] for s, e in spans]
    assert "".join(out) == para, "sentence spans must tile the paragraph"
    return out


# --- sentences --------------------------------------------------------------------------------

SENTENCE_CASES = [
    ("full-width enders", "会议召开。代表发言！是否通过？一是加强；二是推进。",
     ["会议召开。", "代表发言！", "是否通过？", "一是加强；", "二是推进。"]),
    ("ascii enders", "会议召开!代表发言?是否通过;会议结束", ["会议召开!", "代表发言?", "是否通过;", "会议结束"]),
    ("repeated enders", "真的吗？！我们做到了。", ["真的吗？！", "我们做到了。"]),
    ("ellipsis", "会议指出……要加强质量管理。", ["会议指出……", "要加强质量管理。"]),
    ("no split inside quotes", "他说：“我们要加强质量。我们要推进改革！”会议随后结束。",
     ["他说：“我们要加强质量。我们要推进改革！”", "会议随后结束。"]),
    ("no split inside book title", "学习《质量第一！安全第一！》专题材料。下一步工作。",
     ["学习《质量第一！安全第一！》专题材料。", "下一步工作。"]),
    ("closing quote stays with its sentence", "他说：“质量第一。”随后离开。", ["他说：“质量第一。”", "随后离开。"]),
    ("closing quote after question", "他问：“是否通过？”大家表示同意。", ["他问：“是否通过？”", "大家表示同意。"]),
    ("closing bracket after period", "会议通过了决议（全票。）下一步工作。", ["会议通过了决议（全票。）", "下一步工作。"]),
    ("unbalanced open quote", "他说：“质量第一。随后离开。第二句话。第三句话。",
     ["他说：“质量第一。", "随后离开。", "第二句话。", "第三句话。"]),
    ("unbalanced open book title", "学习《质量纲要。随后离开。下一步。", ["学习《质量纲要。", "随后离开。", "下一步。"]),
    ("stray closing quote", "质量第一。”随后离开。下一步。", ["质量第一。”", "随后离开。", "下一步。"]),
    ("no ender", "会议由张三主持", ["会议由张三主持"]),
]


@pytest.mark.parametrize("para, expected", [c[1:] for c in SENTENCE_CASES], ids=[c[0] for c in SENTENCE_CASES])
def test_split_sentences(para, expected):
    assert sentences_of(para) == expected


def test_unbalanced_quote_does_not_swallow_a_long_paragraph():
    para = "他说：“" + "这是一个句子。" * 60  # 420 characters after an opener that never closes
    out = sentences_of(para)
    assert len(out) == 60
    assert max(len(s) for s in out) <= len("他说：“这是一个句子。")


def test_unbalanced_quote_is_not_closed_by_a_far_away_quote_mark():
    # the opener's closing mark is missing; a stray closer 400 characters later must not turn
    # everything in between into one quotation
    para = "他说：“质量第一。" + "这是一个句子。" * 60 + "安全第一”。"
    out = sentences_of(para)
    assert len(out) == 62
    assert out[-1] == "安全第一”。"


def test_sentences_in_document_map_to_source(ingest_check_offsets):
    src = "会议由张三主持。他说：“质量第一!”大家鼓掌?随后散会"
    doc = ingest_text(src)
    ingest_check_offsets(doc)
    assert [s.text for s in doc.sentences] == ["会议由张三主持。", "他说：“质量第一！”", "大家鼓掌？", "随后散会"]
    for s in doc.sentences:
        assert s.text == doc.text[s.clean_start:s.clean_end]
        assert (s.start, s.end) == doc.original_span(s.clean_start, s.clean_end)
        assert len(doc.source_text[s.start:s.end]) == len(s.text)


# --- articles ---------------------------------------------------------------------------------

TWO_ITEMS = (
    "某某协会召开年度工作会议\n\n"
    "3月5日，某某协会在北京召开年度工作会议，总结上一年度工作。会议由会长张三主持。\n\n"
    "会议还表彰了先进单位和个人。\n\n"
    "某某公司获评质量标杆企业\n\n"
    "近日，某某公司被评为全国质量标杆企业，这是该公司连续第三年获此荣誉。\n"
)


def test_two_news_items_in_one_file():
    doc = ingest_text(TWO_ITEMS)
    assert [a.headline.text if a.headline else None for a in doc.articles] == [
        "某某协会召开年度工作会议",
        "某某公司获评质量标杆企业",
    ]
    first, second = doc.articles
    assert [s.text for s in first.sentences] == [
        "3月5日，某某协会在北京召开年度工作会议，总结上一年度工作。",
        "会议由会长张三主持。",
        "会议还表彰了先进单位和个人。",
    ]
    assert [s.text for s in second.sentences] == ["近日，某某公司被评为全国质量标杆企业，这是该公司连续第三年获此荣誉。"]
    assert [a.index for a in doc.articles] == [0, 1]
    assert doc.title == "某某协会召开年度工作会议"
    # headlines are sentences of the document too, with their source span
    h = second.headline
    assert doc.source_text[h.start:h.end] == "某某公司获评质量标杆企业"


def test_two_news_items_hard_wrapped():
    lines = [
        "3月5日，某某协会在北京召开年度工作会议",
        "，总结上一年度工作，部署本年度重点任务",
        "。会议由会长张三主持，副会长李四作工作",
        "报告，全体理事参加会议并进行了分组讨论",
        "。会议还表彰了先进单位和个人。",
        "近日，某某公司被评为全国质量标杆企业，",
        "这是该公司连续第三年获此荣誉。公司负责",
        "人王五表示，将继续坚持质量第一的方针，",
        "不断提升产品和服务质量，回报社会各界的",
        "关心和支持。",
    ]
    src = ("某某协会召开年度工作会议\n\n" + "\n\n".join(lines[:5]) + "\n\n某某公司获评质量标杆企业\n\n"
           + "\n\n".join(lines[5:]) + "\n")
    doc = ingest_text(src)
    assert [a.headline.text for a in doc.articles if a.headline] == ["某某协会召开年度工作会议", "某某公司获评质量标杆企业"]
    assert "会议由会长张三主持，副会长李四作工作报告，" in "".join(s.text for s in doc.articles[0].sentences)
    assert "公司负责人王五表示" in "".join(s.text for s in doc.articles[1].sentences)


def test_masthead_run_headline_is_the_title_and_date_from_masthead():
    src = (
        "某某协会动态\n\n第2期\n\n2020年4月编发\n\n"
        "某某协会召开年度工作会议\n\n"
        "会议总结了上一年度的工作，部署了本年度的重点任务。\n"
    )
    doc = ingest_text(src)
    assert [a.headline.text for a in doc.articles if a.headline] == ["某某协会召开年度工作会议"]
    assert doc.title == "某某协会召开年度工作会议"
    assert doc.date == "2020-04"
    body = next(a for a in doc.articles if a.headline)
    assert [s.text for s in body.sentences] == ["会议总结了上一年度的工作，部署了本年度的重点任务。"]


def test_last_of_a_run_of_short_lines_is_the_headline():
    src = (
        "某某协会文件\n\n某协发〔2021〕3号\n\n关于开展质量月活动的通知\n\n各会员单位：\n\n"
        "为贯彻落实有关要求，现就开展质量月活动通知如下。\n"
    )
    doc = ingest_text(src)
    assert [a.headline.text for a in doc.articles if a.headline] == ["关于开展质量月活动的通知"]
    assert doc.title == "关于开展质量月活动的通知"
    notice = doc.articles[-1]
    assert [s.text for s in notice.sentences] == ["各会员单位：", "为贯彻落实有关要求，现就开展质量月活动通知如下。"]


def test_masthead_date_beats_an_article_signature_date():
    src = (
        "某某协会动态\n\n第2期\n\n2020年4月编发\n\n"
        "某某协会召开年度工作会议\n\n"
        "会议总结了上一年度的工作，部署了本年度的重点任务。\n\n某某协会\n\n2020年3月31日\n"
    )
    doc = ingest_text(src)
    assert doc.date == "2020-04"  # the date, not the date the article was signed
    assert doc.articles[-1].date == "2020-03-31"


def test_notice_with_salutation_and_signature_date():
    src = (
        "关于开展质量月活动的通知\n\n各会员单位：\n\n"
        "为贯彻落实有关要求，现就开展质量月活动通知如下。\n\n"
        "某某协会\n\n二〇二一年一月二十日\n"
    )
    doc = ingest_text(src)
    (article,) = doc.articles
    assert article.headline.text == "关于开展质量月活动的通知"
    assert article.date == "2021-01-20"
    assert doc.date == "2021-01-20"


def test_text_without_headline_is_one_article():
    doc = ingest_text("会议由张三主持，一百余人参加。会议通过了决议。")
    (article,) = doc.articles
    assert article.headline is None
    assert len(list(article.sentences)) == 2


# --- dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("二〇二一年一月二十日", "2021-01-20"),
        ("二〇二〇年十二月三十一日", "2020-12-31"),
        ("一九九八年七月", "1998-07"),
        ("二○一九年十月九日", "2019-10-09"),  # ○ (white circle) used for zero
        ("2020年9月12日", "2020-09-12"),
        ("2020年 9月 12日", "2020-09-12"),
        ("2019年10月", "2019-10"),
        ("于2021年3月5日至6日举行", "2021-03-05"),
    ],
)
def test_dates(text, expected):
    assert first_date([text]) == expected


@pytest.mark.parametrize("text", ["2021年13月5日", "1800年1月1日", "3月5日", "二〇三五年远景目标"])
def test_not_dates(text):
    assert first_date([text]) is None


def test_impossible_day_falls_back_to_month():
    assert first_date(["2021年2月30日"]) == "2021-02"
    assert first_date(["2020年2月29日"]) == "2020-02-29"


def test_first_valid_date_wins():
    assert first_date(["2021年13月1日发布，2021年3月1日实施"]) == "2021-03-01"


def test_article_dates_are_per_article():
    src = (
        "某某协会召开年度工作会议\n\n"
        "2021年3月5日，某某协会在北京召开年度工作会议，总结上一年度工作。\n\n"
        "某某公司获评质量标杆企业\n\n"
        "二〇二一年四月八日，某某公司被评为全国质量标杆企业，这是该公司连续第三年获此荣誉。\n"
    )
    doc = ingest_text(src)
    assert [a.date for a in doc.articles] == ["2021-03-05", "2021-04-08"]


# --- over-long sentences ----------------------------------------------------------------------

def test_200k_characters_without_punctuation_are_capped_with_warning():
    line = ("质量管理协会召开会议中国机械工业联合会" * 10_527)[:200_000]
    doc = ingest_text(line)
    sents = list(doc.sentences)
    assert all(len(s.text) <= DEFAULT_MAX_SENTENCE for s in sents)
    assert "".join(s.text for s in sents) == line  # nothing lost
    assert len(sents) == 200
    (w,) = doc.warnings
    assert "1 passage(s)" in w and "longest 200000" in w and f"than {DEFAULT_MAX_SENTENCE} characters" in w
    # offsets stay exact at the far end
    assert doc.source_text[sents[-1].start:sents[-1].end] == sents[-1].text


def test_long_passage_is_split_at_commas_and_warned():
    clause = "质量管理协会召开会议中国机械工业联合会主持，"
    para = clause * 500  # 11,000 characters, commas but no sentence end
    doc = ingest_text(para)
    sents = list(doc.sentences)
    assert all(len(s.text) <= DEFAULT_MAX_SENTENCE for s in sents)
    assert all(s.text.endswith("，") for s in sents)  # cut at a comma, not mid-word
    assert "".join(s.text for s in sents) == para
    assert len(doc.warnings) == 1 and f"longest {len(para)}" in doc.warnings[0]


def test_max_sentence_parameter():
    short = "质量管理协会召开会议。"  # 11 characters
    long_ = "质" * 120 + "。"
    assert ingest_text(short * 20, max_sentence=50).warnings == []
    doc = ingest_text(short * 20 + long_, max_sentence=50)
    assert all(len(s.text) <= 50 for s in doc.sentences)
    (w,) = doc.warnings
    assert "longest 121" in w and "50" in w


def test_sentence_of_exactly_max_length_is_not_warned():
    para = "质" * (DEFAULT_MAX_SENTENCE - 1) + "。"
    doc = ingest_text(para)
    assert [len(s.text) for s in doc.sentences] == [DEFAULT_MAX_SENTENCE]
    assert doc.warnings == []


# --- sentences end where the plainly written rule ends them ----------------------------------
# segment.py writes its boundary pattern to start with a character class (re scans quickly for it);
# the sentences are those of the rule written plainly: after a run of 。！？； (or their ASCII forms)
# with the closing quotes after it, or after an ellipsis ……, never inside quotes or 《》.

_PLAIN_BOUNDARY = re.compile(r"[。！？!?；;]+[”’」』）)]*|…{2,}[”’」』]?")


def plain_sentence_bounds(para: str) -> list[tuple[int, int]]:
    quoted = protected_spans(para)
    cuts = [m.end() for m in _PLAIN_BOUNDARY.finditer(para) if not any(o < m.end() <= c for o, c in quoted)]
    edges = [0] + [c for c in cuts if 0 < c < len(para)] + [len(para)]
    return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="。！？!?；;…”’」』）)“《》甲乙 ，", max_size=40))
def test_sentences_end_where_the_plain_rule_ends_them(text):
    assert sentence_bounds(text) == plain_sentence_bounds(text)
