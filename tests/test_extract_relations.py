"""Relation extraction on small hand-written news items (kg.ingest.ingest_text + extract.pipeline +
kg.build.resolve_corpus).

Every organization, person and event here is invented for the test in the style of Chinese
industry-association news; only bodies that stand in the gazetteer (工业和信息化部, 科技部,
国家市场监督管理总局, 中机质协 …) are real. Expectations follow ``/work/shared/ANNOTATION.md``.
The cases test the rules (``use_model=False``): most state the *exact* set of resolved facts
(subject label, predicate, object label) a reader of the snippet would write down; where the extractor gets a case wrong the case keeps the
right answer and is marked ``xfail`` (strict) with the cause, so a fix shows up as an XPASS.

The last sections check properties of every case above and of random text, read by the rules and
with the trained scorers: evidence offsets, confidences, domains and ranges, implied attendance,
events never from another article.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.pipeline import extract_document
from kg.build import resolve_corpus
from kg.ingest import ingest_text
from kg.records import ORG_TYPES
from kg.ontology.kinds import SIGNATURES, kind

EVENT_REF = "EventRef"

ALL_TEXTS: set[str] = set()  # every text used below, for the property tests at the end
PROPERTY_XFAIL: dict[str, str] = {}  # texts on which the evidence property itself is known to fail


def case(text: str, *values, xfail: str | None = None, id: str | None = None, property_xfail: str | None = None):
    """A test parameter (text, *values), recorded for the property tests; ``xfail`` gives the reason,
    ``property_xfail`` the reason the evidence property of the last section fails on this text."""
    ALL_TEXTS.add(text)
    if property_xfail:
        PROPERTY_XFAIL[text] = property_xfail
    marks = [pytest.mark.xfail(reason=xfail)] if xfail else []
    return pytest.param(text, *values, marks=marks, id=id or text.replace("\n", "/")[:28])


@functools.lru_cache(maxsize=None)
def run(text: str, use_model: bool = False):
    """(Document, DocumentExtraction, Resolved) of ``text`` read by the rules (``use_model``: with the
    trained scorers); the pipeline is built once per process."""
    doc = ingest_text(text, doc_id="t.txt")
    ex = extract_document(doc, use_model=use_model)
    return doc, ex, resolve_corpus([ex])


def facts(text: str, *predicates: str) -> set[tuple[str, str, str]]:
    """Resolved facts as (subject label, predicate, object label), subOrganizationOf left out
    unless asked for (it comes from names, not from the sentence's verbs)."""
    _, _, resolved = run(text)
    ents = resolved.resolution.by_id()
    wanted = set(predicates) or set(SIGNATURES) - {"subOrganizationOf"}
    return {(ents[r.subject].label, r.predicate, ents[r.object].label)
            for r in resolved.relations if r.predicate in wanted}


def events(text: str) -> dict[str, tuple[str | None, str | None]]:
    """Resolved events: label -> (date, end date)."""
    _, _, resolved = run(text)
    return {e.label: (e.date, e.end_date) for e in resolved.resolution.entities if e.type == "Event"}


# invented bodies (typed by their suffixes; the gazetteer knows none of them) ...
XH = "华夏智能装备行业协会"
ZZ = "东海轴承工业协会"
DH = "东海精密仪器研究院"
BF = "北方电气股份有限公司"
DF = "东方精工有限公司"
JN = "江南工业大学"
# ... and real ones the gazetteer knows
KJS = "工业和信息化部科技司"
MIIT = "工业和信息化部"
SAMR = "国家市场监督管理总局"

# an article about one meeting: the headline names it, the body refers to it (会议, 大会, or nothing)
MEETING = "2021年会员代表大会"
HEAD = f"{XH}召开{MEETING}\n\n"
HOSTED_MEETING = (XH, "hosted", MEETING)


# --- hosted / coHosted / guided / supported ----------------------------------------------------

EV = "2021年智能装备质量提升活动"
FORUM = "2021年智能装备质量论坛"
TRAINING = "2021年智能装备质量管理培训班"

ORGANIZERS = [
    case(f"由{XH}主办，{DH}、{BF}和{JN}联合承办的“{EV}”在杭州举办。",
         {(XH, "hosted", EV), (DH, "coHosted", EV), (BF, "coHosted", EV), (JN, "coHosted", EV),
          (EV, "heldIn", "杭州")}, id="passive-list-of-cohosts"),
    case(f"{XH}联合{ZZ}、{DH}共同举办{FORUM}。",
         {(XH, "hosted", FORUM), (ZZ, "hosted", FORUM), (DH, "hosted", FORUM)}, id="joint-hosts-lianhe"),
    case(f"{XH}与{ZZ}在宁波联合主办2021年轴承质量高峰论坛。",
         {(XH, "hosted", "2021年轴承质量高峰论坛"), (ZZ, "hosted", "2021年轴承质量高峰论坛")},
         id="joint-hosts-yu"),
    case(f"{XH}召开2021年工作会议", {(XH, "hosted", "2021年工作会议")}, id="headline-alone"),
    case(f"{KJS}组织召开2021年机床行业质量座谈会。", {(KJS, "hosted", "2021年机床行业质量座谈会")},
         id="zuzhi-zhaokai"),
    case(f"{XH}发起2021年智能装备质量提升征集活动。", {(XH, "hosted", "2021年智能装备质量提升征集活动")},
         id="faqi"),
    case(f"{FORUM}由{XH}、{ZZ}共同主办，{BF}承办。",
         {(XH, "hosted", FORUM), (ZZ, "hosted", FORUM), (BF, "coHosted", FORUM)}, id="event-first-passive"),
    case(f"{FORUM}在成都举行。本次论坛由{XH}主办，{DH}承办。",
         {(FORUM, "heldIn", "成都"), (XH, "hosted", FORUM), (DH, "coHosted", FORUM)}, id="reference-benci"),
    case(f"在{KJS}指导下，{XH}在南京举办{FORUM}。",
         {(KJS, "guided", FORUM), (XH, "hosted", FORUM), (FORUM, "heldIn", "南京")}, id="zai-zhidao-xia"),
    case(f"{FORUM}由{XH}、{ZZ}共同主办，{BF}承办，{DF}协办。",
         {(XH, "hosted", FORUM), (ZZ, "hosted", FORUM), (BF, "coHosted", FORUM), (DF, "coHosted", FORUM)},
         id="xieban-after-comma"),
    case(f"{FORUM}由{XH}主办，{KJS}指导。",
         {(XH, "hosted", FORUM), (KJS, "guided", FORUM)}, id="zhidao-as-verb"),
    case(f"{SAMR}联合{MIIT}、科技部，共同部署开展2021年全国“质量月”活动。",
         {(SAMR, "hosted", "2021年全国“质量月”活动"), (MIIT, "hosted", "2021年全国“质量月”活动"),
          ("科学技术部", "hosted", "2021年全国“质量月”活动")}, id="bushu-kaizhan-list",
         xfail="联合 is glued to the name: the mention is 联合工业和信息化部 (a new entity, with a bogus "
               "subOrganizationOf 联合), so 工业和信息化部 does not get hosted"),
]


@pytest.mark.parametrize("text, expected", ORGANIZERS)
def test_organizers(text, expected):
    assert facts(text) == expected


NOTICE = (f"关于举办{TRAINING}的通知\n各会员单位：\n为提升质量管理水平，现将有关事项通知如下。\n")
LABELS = [
    case(NOTICE + f"主办单位：{XH}、{ZZ}；承办单位：{BF}；协办单位：{JN}。",
         {(XH, "hosted", TRAINING), (ZZ, "hosted", TRAINING), (BF, "coHosted", TRAINING),
          (JN, "coHosted", TRAINING)}, id="labels-host-cohost"),
    case(NOTICE + f"指导单位：{KJS}；支持单位：{BF}、{DH}。",
         {(KJS, "guided", TRAINING), (BF, "supported", TRAINING), (DH, "supported", TRAINING)},
         id="labels-guide-support"),
    case(NOTICE + f"主办单位：{XH}\n承办单位：{BF}、{DF}\n",
         {(XH, "hosted", TRAINING), (BF, "coHosted", TRAINING), (DF, "coHosted", TRAINING)},
         id="labels-one-per-line"),
]


@pytest.mark.parametrize("text, expected", LABELS)
def test_field_labels_list_the_organizers_of_the_article_event(text, expected):
    doc, _, _ = run(text)
    assert len(doc.articles) == 1 and doc.articles[0].headline is not None
    assert facts(text) == expected


LABELS_ALONE = case(f"主办单位：{XH}、{ZZ}；承办单位：{BF}。").values[0]


def test_field_labels_without_an_event_in_the_article_give_nothing():
    text = LABELS_ALONE
    assert facts(text) == set()


# --- attended / chaired / spokeAt ---------------------------------------------------------------

ATTENDANCE = [
    case(HEAD + "会议由协会副会长兼秘书长孙晓东主持。",
         {("孙晓东", "chaired", MEETING), ("孙晓东", "attended", MEETING)}, id="passive-chair"),
    case(HEAD + "协会副会长兼秘书长孙晓东主持会议并作工作报告。",
         {("孙晓东", "chaired", MEETING), ("孙晓东", "attended", MEETING), ("孙晓东", "spokeAt", MEETING)},
         id="chair-and-report"),
    case(HEAD + f"{KJS}副司长赵丽华，{XH}会长李明华，{BF}董事长刘志刚出席并讲话。",
         {(p, r, MEETING) for p in ("赵丽华", "李明华", "刘志刚") for r in ("attended", "spokeAt")},
         id="officials-list-implicit-event"),
    case(HEAD + f"{KJS}副司长赵丽华、{XH}会长李明华出席会议并讲话。",
         {(p, r, MEETING) for p in ("赵丽华", "李明华") for r in ("attended", "spokeAt")},
         id="officials-dunhao-list"),
    case(HEAD + "李明华、王建国、陈志强等出席会议。",
         {(p, "attended", MEETING) for p in ("李明华", "王建国", "陈志强")}, id="bare-names-deng"),
    case(HEAD + "协会会长李明华致辞。江南工业大学教授王建国作专题报告。协会副秘书长孙晓东宣读了表彰决定。",
         {(p, r, MEETING) for p in ("李明华", "王建国", "孙晓东") for r in ("attended", "spokeAt")},
         id="zhici-baogao-xuandu"),
    case(HEAD + "协会会长李明华致开幕词，副会长王建国作总结发言。",
         {(p, r, MEETING) for p in ("李明华", "王建国") for r in ("attended", "spokeAt")}, id="kaimuci-zongjie"),
    case(HEAD + f"会上，{JN}教授王建国、{DH}院长陈志强分别作了专题报告。",
         {(p, r, MEETING) for p in ("王建国", "陈志强") for r in ("attended", "spokeAt")}, id="fenbie-baogao"),
    case(HEAD + f"会议由协会会长李明华主持，{KJS}副司长赵丽华致辞。",
         {("李明华", "chaired", MEETING), ("李明华", "attended", MEETING),
          ("赵丽华", "spokeAt", MEETING), ("赵丽华", "attended", MEETING)}, id="chair-then-speaker"),
    case(HEAD + f"出席会议的领导有{KJS}副司长赵丽华、{XH}会长李明华。",
         {("赵丽华", "attended", MEETING), ("李明华", "attended", MEETING)}, id="listed-after-you"),
    case(HEAD + f"{BF}、{DF}等50余家会员单位参加会议。",
         {(BF, "attended", MEETING), (DF, "attended", MEETING)}, id="companies-attend"),
    case(HEAD + f"{DF}参加会议并发言。", {(DF, "attended", MEETING)}, id="company-attends-and-speaks"),
    case(HEAD + "协会会长李明华在会上作了重要讲话。",
         {("李明华", "attended", MEETING), ("李明华", "spokeAt", MEETING)}, id="zai-hui-shang-jianghua"),
    case(HEAD + "协会会长李明华作了题为《坚持质量第一 推动高质量发展》的主旨报告。",
         {("李明华", "attended", MEETING), ("李明华", "spokeAt", MEETING)}, id="ti-wei-zhuzhi-baogao"),
    case(HEAD + f"{KJS}副司长赵丽华到会指导并讲话。",
         {("赵丽华", "attended", MEETING), ("赵丽华", "spokeAt", MEETING)}, id="daohui-zhidao-bing-jianghua",
         xfail="到会指导并讲话: _COORDINATED only shares the subjects when 并 alone stands between the verbs, "
               "so 讲话 after 指导并 finds no subject and spokeAt is lost"),
]


@pytest.mark.parametrize("text, expected", ATTENDANCE)
def test_attendance_chairs_and_speakers(text, expected):
    assert facts(text) == expected | {HOSTED_MEETING}


SYMPOSIUM = "2021年质量专家座谈会"
TOPIC_FIRST = [
    case(f"{XH}召开{SYMPOSIUM}\n\n会议邀请{DH}院长陈志强、{JN}教授王建国等参加座谈。",
         {("陈志强", "attended", SYMPOSIUM), ("王建国", "attended", SYMPOSIUM)}, id="huiyi-yaoqing"),
    case(f"{SYMPOSIUM}在北京召开\n\n3月15日，{XH}在北京召开{SYMPOSIUM}。座谈会由协会秘书长孙晓东主持。",
         {("孙晓东", "chaired", SYMPOSIUM), ("孙晓东", "attended", SYMPOSIUM),
          (SYMPOSIUM, "heldIn", "北京")}, id="zuotanhui-you-zhuchi"),
]


@pytest.mark.parametrize("text, expected", TOPIC_FIRST)
def test_topic_first_and_passive_attendance(text, expected):
    assert facts(text) == expected | {(XH, "hosted", SYMPOSIUM)} | (
        {(SYMPOSIUM, "heldIn", "北京")} if "北京" in text else set())


CHAIR_AND_SPEAKER = case(HEAD + "会议由协会会长李明华主持，江南工业大学教授王建国作专题报告。").values[0]


def test_chair_and_speaker_attendance_is_implied_with_its_own_evidence():
    text = CHAIR_AND_SPEAKER
    _, _, resolved = run(text)
    ents = resolved.resolution.by_id()
    attended = {ents[r.subject].label: r for r in resolved.relations if r.predicate == "attended"}
    assert set(attended) == {"李明华", "王建国"}
    assert [e.extractor for e in attended["李明华"].evidence] == ["implied-by:chaired"]
    assert [e.extractor for e in attended["王建国"].evidence] == ["implied-by:spokeAt"]
    assert all(0 < e.confidence < 1 for r in attended.values() for e in r.evidence)


AFFILIATED = case(HEAD + f"{KJS}副司长赵丽华出席会议。").values[0]


def test_affiliation_before_a_post_is_not_an_attendee():
    """工信部科技司副司长赵丽华出席: 赵丽华 attended; the 司 is her affiliation, not a participant."""
    text = AFFILIATED
    assert facts(text, "attended") == {("赵丽华", "attended", MEETING)}


# --- event references stay inside their article ------------------------------------------------

TRAINING_B = "2021年计量技术培训班"
TWO_ARTICLES = case(
    f"{XH}召开{MEETING}\n\n3月15日，{XH}在北京召开{MEETING}。协会会长李明华出席会议并讲话。\n\n"
    f"{DH}举办{TRAINING_B}\n\n4月20日，{DH}在上海举办{TRAINING_B}。研究院院长陈志强出席并致辞。",
    id="two-articles-two-events").values[0]
SECOND_WITHOUT_EVENT = case(
    f"{XH}召开{MEETING}\n\n3月15日，{XH}在北京召开{MEETING}。\n\n"
    "协会开展质量宣传\n\n协会秘书长孙晓东出席会议并讲话，各会员单位代表参加会议。",
    id="second-article-without-event").values[0]


def article_span(doc, index: int) -> tuple[int, int]:
    a = doc.articles[index]
    sents = ([a.headline] if a.headline else []) + list(a.sentences)
    return min(s.start for s in sents), max(s.end for s in sents)


def test_two_article_document_is_split_in_two():
    for text in (TWO_ARTICLES, SECOND_WITHOUT_EVENT):
        doc, _, _ = run(text)
        assert len(doc.articles) == 2
        assert all(a.headline is not None for a in doc.articles)


def test_references_resolve_to_the_event_of_their_own_article():
    assert facts(TWO_ARTICLES) == {
        (XH, "hosted", MEETING), (MEETING, "heldIn", "北京"),
        ("李明华", "attended", MEETING), ("李明华", "spokeAt", MEETING),
        (DH, "hosted", TRAINING_B), (TRAINING_B, "heldIn", "上海"),
        ("陈志强", "attended", TRAINING_B), ("陈志强", "spokeAt", TRAINING_B),
    }
    doc, ex, _ = run(TWO_ARTICLES)
    for r in ex.relations:  # both arguments lie in the article of the evidence sentence
        s, e = article_span(doc, r.article)
        assert s <= r.start and r.end <= e, r
        for a in (r.subject, r.object):
            assert s <= a.start and a.end <= e, (a, r)


def test_each_article_dates_its_own_event():
    assert events(TWO_ARTICLES) == {MEETING: ("2021-03-15", None), TRAINING_B: ("2021-04-20", None)}


def test_reference_in_an_article_without_an_event_is_dropped():
    """出席会议并讲话 in the second article must not attach to the first article's meeting."""
    assert facts(SECOND_WITHOUT_EVENT) == {(XH, "hosted", MEETING), (MEETING, "heldIn", "北京")}
    _, ex, _ = run(SECOND_WITHOUT_EVENT)
    assert not [r for r in ex.relations if r.article == 1]


ONLY_REFERENCES = case(HEAD + "会议在杭州召开。协会会长李明华主持会议。").values[0]


def test_headline_event_is_the_article_event_when_the_body_only_refers_to_it():
    text = ONLY_REFERENCES
    assert facts(text) == {HOSTED_MEETING, (MEETING, "heldIn", "杭州"),
                           ("李明华", "chaired", MEETING), ("李明华", "attended", MEETING)}


# --- issued -----------------------------------------------------------------------------------

PLAN = "智能装备质量提升行动方案"
DOC_NUMBER_SWALLOWS = (
    "the document-number pattern (extract/components.py _DOC_NUMBER) takes up to 12 CJK characters before 〔 "
    "as the number's prefix, swallowing the issuer and the verb: the Document is 能装备行业协会印发华智协〔2021〕3号文 "
    "/ 工业质量管理协会中机质协〔2021〕3号文 and the issuer is lost or issues that wrong name")
MIIT_NOTICE = "工业和信息化部关于开展2021年机床质量提升行动的通知"
ISSUED = [
    case(f"{XH}印发《{PLAN}》。", {(XH, "issued", PLAN)}, id="yinfa"),
    case(f"{XH}发布了《2021年度机床行业质量报告》。", {(XH, "issued", "2021年度机床行业质量报告")}, id="fabu-le"),
    case(f"《{PLAN}》由{XH}发布。", {(XH, "issued", PLAN)}, id="passive-you-fabu"),
    case(f"{MIIT}、{SAMR}联合印发《机床行业质量提升实施意见》。",
         {(MIIT, "issued", "机床行业质量提升实施意见"), (SAMR, "issued", "机床行业质量提升实施意见")},
         id="joint-issuers"),
    case(f"{XH}和{ZZ}联合发布《2021年度机床行业质量报告》。",
         {(XH, "issued", "2021年度机床行业质量报告"), (ZZ, "issued", "2021年度机床行业质量报告")},
         id="joint-issuers-he"),
    case(f"根据《{MIIT_NOTICE}》要求，各单位积极申报。", {(MIIT, "issued", MIIT_NOTICE)}, id="title-guanyu"),
    case(f"近日，{MIIT}印发《{MIIT_NOTICE}》。", {(MIIT, "issued", MIIT_NOTICE)}, id="title-guanyu-and-verb"),
    case("按照中机质协〔2021〕3号通知要求，各单位积极申报。",
         {("中国机械工业质量管理协会", "issued", "中机质协〔2021〕3号")}, id="number-prefix"),
    case("中国机械工业质量管理协会印发《2021年质量工作要点》（中机质协〔2021〕3号）。",
         {("中国机械工业质量管理协会", "issued", "2021年质量工作要点")}, id="title-and-number-one-entity"),
    case("根据《关于开展2021年质量标杆活动的通知》（中机质协〔2021〕3号）要求，各单位积极申报。",
         {("中国机械工业质量管理协会", "issued", "关于开展2021年质量标杆活动的通知")},
         id="number-beside-title",
         xfail="the document-number rule reads only the mention's text (the title); the number 中机质协〔2021〕3号 "
               "kept in Mention.names is never checked for an issuer prefix"),
    case(f"根据《{MIIT} {SAMR}关于推进机床行业质量提升的指导意见》，协会组织申报。",
         {(MIIT, "issued", f"{MIIT} {SAMR}关于推进机床行业质量提升的指导意见"),
          (SAMR, "issued", f"{MIIT} {SAMR}关于推进机床行业质量提升的指导意见")},
         id="two-issuers-in-title",
         xfail="the two issuers before 关于 (separated by a space) become one organization "
               "'工业和信息化部 国家市场监督管理总局', which then issues the document (and is made a "
               "subOrganizationOf 工业和信息化部)"),
    case(f"{XH}印发华智协〔2021〕3号文件。", {(XH, "issued", "华智协〔2021〕3号")}, id="number-after-verb",
         xfail=DOC_NUMBER_SWALLOWS),
    case("根据中国机械工业质量管理协会中机质协〔2021〕3号文件要求，各单位积极申报。",
         {("中国机械工业质量管理协会", "issued", "中机质协〔2021〕3号")}, id="issuer-name-before-number",
         xfail=DOC_NUMBER_SWALLOWS),
]


@pytest.mark.parametrize("text, expected", ISSUED)
def test_issued(text, expected):
    assert facts(text) == expected


# --- awarded / receivedAward ----------------------------------------------------------------------

AWARD = "2021年度华夏质量奖"
PRIZE = "华夏质量贡献奖"
AWARDS = [
    case(f"{BF}荣获{AWARD}。", {(BF, "receivedAward", AWARD)}, id="ronghuo"),
    case(f"王建国获得{PRIZE}。", {("王建国", "receivedAward", PRIZE)}, id="huode-person"),
    case(f"{XH}颁发{AWARD}。", {(XH, "awarded", AWARD)}, id="banfa-org"),
    case(HEAD + f"会上还颁发了{AWARD}。", {HOSTED_MEETING, (MEETING, "awarded", AWARD)}, id="banfa-at-the-meeting"),
    case(f"{XH}授予{BF}“华夏质量标杆示范单位”称号。",
         {(XH, "awarded", "华夏质量标杆示范单位"), (BF, "receivedAward", "华夏质量标杆示范单位")}, id="shouyu-x"),
    case(f"{XH}表彰{AWARD}获奖企业。", {(XH, "awarded", AWARD)}, id="biaozhang-huojiang-qiye",
         xfail="the Award mention runs on into 获奖 (2021年度华夏质量奖获奖), so the fact names an award that "
               "does not exist"),
    case(HEAD + f"会议对获得{AWARD}的企业进行了表彰，{BF}、{DF}获得{AWARD}。",
         {HOSTED_MEETING, (MEETING, "awarded", AWARD), (BF, "receivedAward", AWARD), (DF, "receivedAward", AWARD)},
         id="meeting-commends-list-receives"),
    case(HEAD + f"大会表彰了荣获{AWARD}的{BF}。",
         {HOSTED_MEETING, (MEETING, "awarded", AWARD), (BF, "receivedAward", AWARD)}, id="relative-ronghuo-de",
         xfail="荣获…的X (the recipient after the award, in a relative clause) is not read: the receivedAward "
               "trigger takes subjects only before it"),
    case(HEAD + f"会上，{XH}为{BF}颁发了{PRIZE}。",
         {HOSTED_MEETING, (XH, "awarded", PRIZE), (BF, "receivedAward", PRIZE)}, id="wei-x-banfa"),
    case(f"{XH}为{DH}授牌“华夏质量标杆示范单位”称号。",
         {(XH, "awarded", "华夏质量标杆示范单位"), (DH, "receivedAward", "华夏质量标杆示范单位")},
         id="wei-x-shoupai"),
    case(f"{XH}向{BF}颁发“{PRIZE}”。",
         {(XH, "awarded", PRIZE), (BF, "receivedAward", PRIZE)}, id="xiang-x-banfa",
         xfail="华夏智能装备行业协会 before 向 is not recognized as an organization at all, and the recipient "
               "北方电气股份有限公司 comes out as awarded"),
]


@pytest.mark.parametrize("text, expected", AWARDS)
def test_awards(text, expected):
    assert facts(text) == expected


# --- heldIn and event dates --------------------------------------------------------------------

MASTHEAD = "华夏智能装备行业简报\n2021年第3期\n2021年10月20日\n\n"
DATES = [
    case(f"2021年9月11日，{XH}在杭州举办{FORUM}。", FORUM, ("2021-09-11", None), "杭州", id="absolute"),
    case(f"9月11日，{XH}在杭州举办{FORUM}。", FORUM, ("2021-09-11", None), "杭州", id="partial-year-from-name"),
    case(f"{XH}于9月11日在南京举办{FORUM}。", FORUM, ("2021-09-11", None), "南京", id="yu-date-mid-sentence"),
    case(f"{FORUM}在杭州举办\n\n9月11日，由{XH}主办的{FORUM}在杭州举办。", FORUM, ("2021-09-11", None), "杭州",
         id="headline-and-dated-body"),
    case(f"“智能装备质量管理培训班”在西安举办\n\n2021年10月，{XH}举办了多期培训。"
         f"10月12日，由{XH}主办的“智能装备质量管理培训班”在西安举办。",
         "智能装备质量管理培训班", ("2021-10-12", None), "西安", id="partial-year-from-article"),
    case(MASTHEAD + f"协会举办质量管理培训班\n\n10月12-14日，{XH}在西安举办“智能装备质量管理培训班”。",
         "智能装备质量管理培训班", ("2021-10-12", "2021-10-14"), "西安", id="range-year-from-document"),
    case(f"10月12日至14日，{XH}在西安举办{TRAINING}。", TRAINING, ("2021-10-12", "2021-10-14"), "西安",
         id="range-zhi"),
    case(f"10月30日至11月2日，{XH}在西安举办2021年智能装备博览会。", "2021年智能装备博览会",
         ("2021-10-30", "2021-11-02"), "西安", id="range-across-months"),
    case(f"9月2日，2021年全国“质量月”活动在北京启动。", "2021年全国“质量月”活动", ("2021-09-02", None), "北京",
         id="campaign-launch"),
    case(f"{XH}举办第五届智能装备质量论坛\n\n9月11日，{XH}在杭州举办第五届智能装备质量论坛。",
         "第五届智能装备质量论坛", (None, None), "杭州", id="no-year-anywhere"),
    # no such day: the event is dated by the year its name states, no more
    case(f"2月30日，{XH}在西安举办2021年智能装备博览会。", "2021年智能装备博览会", ("2021", None), "西安",
         id="impossible-day"),
    case(f"在{KJS}指导下，{XH}于9月11日在南京举办{FORUM}。", FORUM, ("2021-09-11", None), "南京",
         id="date-after-opening-clause"),
]


@pytest.mark.parametrize("text, event, dates, place", DATES)
def test_event_date_and_place(text, event, dates, place):
    assert events(text) == {event: dates}
    assert facts(text, "heldIn") == {(event, "heldIn", place)}


HELD_IN_NOT = [
    case(HEAD + "会议在杭州召开。来自北京、上海等地的200余名代表参加会议。", {(MEETING, "heldIn", "杭州")},
         id="origin-of-guests-is-not-the-venue"),
    case(HEAD + "北京智造科技有限公司参加会议。", set(), id="place-inside-a-company-name"),
    case(f"{FORUM}在杭州召开\n\n王建国曾在上海工作多年。", {(FORUM, "heldIn", "杭州")}, id="place-of-work"),
]


@pytest.mark.parametrize("text, expected", HELD_IN_NOT)
def test_held_in_only_for_the_venue(text, expected):
    assert facts(text, "heldIn") == expected


# --- what must stay silent ----------------------------------------------------------------------

# an event a notice announces by name has its organizers and its place (ANNOTATION.md), but
# nobody has attended, chaired or spoken at it yet
ANNOUNCED = [
    case(f"{XH}将于明年举办2022年智能装备质量论坛。", {(XH, "hosted", "2022年智能装备质量论坛")}, id="plan-jiang-yu"),
    case(f"{XH}拟召开2022年会员代表大会。", {(XH, "hosted", "2022年会员代表大会")}, id="plan-ni"),
    case(f"{XH}计划在杭州举办2022年智能装备质量论坛。",
         {(XH, "hosted", "2022年智能装备质量论坛"), ("2022年智能装备质量论坛", "heldIn", "杭州")}, id="plan-with-venue"),
    case(f"{XH}将于明年举办2022年智能装备质量论坛，协会会长李明华将出席并讲话。",
         {(XH, "hosted", "2022年智能装备质量论坛")}, id="plan-with-speaker"),
]


@pytest.mark.parametrize("text, expected", ANNOUNCED)
def test_an_announced_event_has_its_organizers_but_no_attendance_yet(text, expected):
    assert facts(text) == expected


SILENT = [
    case(f"各会员单位要加强质量管理，积极参加{FORUM}。", id="duty-generic-subject"),
    case(f"{XH}没有举办{FORUM}。", id="negation-meiyou"),
    case("质量第一，效益优先，共建质量强国。", id="slogan"),
    case("开展质量提升行动，建设质量强国。", id="slogan-with-trigger"),
    case("以“质量第一”为主题开展宣传，提升全民质量意识。", id="slogan-theme"),
    case("今天天气很好，我们去公园散步吧。", id="no-entities"),
    case("", id="empty"),
]


@pytest.mark.parametrize("text", SILENT)
def test_plans_duties_negations_and_slogans_give_no_facts(text):
    assert facts(text) == set()


IN_A_MEETING_ARTICLE = [
    case(HEAD + "协会会长李明华因故未参加会议。", id="negation-wei"),
    case(HEAD + "各会员单位、企业代表共200余人参加会议。", id="generic-attendees"),
    case(HEAD + "会议要求，各会员单位要认真开展质量提升活动。", id="duty-yao"),
    case(HEAD + f"会议指出，各会员单位要积极举办质量培训，加强与{JN}的合作。", id="duty-with-a-named-body"),
    case(HEAD + "李明华在讲话中指出，要坚持质量第一。", id="content-of-a-speech"),
]


@pytest.mark.parametrize("text", IN_A_MEETING_ARTICLE)
def test_sentence_adds_nothing_beyond_the_headline(text):
    expected = {HOSTED_MEETING}
    if "李明华在讲话中" in text:  # he spoke at the meeting; what he said is not a fact about it
        expected |= {("李明华", "spokeAt", MEETING), ("李明华", "attended", MEETING)}
    assert facts(text) == expected


# --- properties of every case above -----------------------------------------------------------

_WS = re.compile(r"\s+")


_ASCII_PUNCT = str.maketrans({".": "。"})


def squash(s: str) -> str:
    """Whitespace removed; compatibility forms folded (ingest turns ３ into 3, , into ， and . into 。)."""
    return unicodedata.normalize("NFKC", _WS.sub("", s)).translate(_ASCII_PUNCT)


def check_relations(doc, ex, resolved) -> None:
    src = doc.source_text
    ents = resolved.resolution.by_id()
    for r in ex.relations:
        # evidence: the original offsets of the sentence, which holds the trigger
        assert 0 <= r.start < r.end <= len(src), r
        assert squash(src[r.start:r.end]) == squash(r.sentence_text), (src[r.start:r.end], r)
        assert r.trigger and squash(r.trigger) in squash(src[r.start:r.end]), r
        assert r.extractor.startswith("relations:"), r
        assert 0.0 < r.confidence <= 1.0, r
        # arguments: original offsets of their own characters, references already tied to an event
        for a in (r.subject, r.object):
            assert a.type != EVENT_REF, r
            assert 0 <= a.start < a.end <= len(src), a
            assert squash(src[a.start:a.end]) == squash(a.text), (src[a.start:a.end], a)
        dom, rng = SIGNATURES[r.predicate]
        assert kind(r.subject.type) in dom and kind(r.object.type) in rng, r
        # events never from another article; a body referred to (协会, 本会) may be named in the
        # document's first lines (its masthead)
        s, e = article_span(doc, r.article)
        assert s <= r.start and r.end <= e, r
        head_end = max((sent.end for sent in list(doc.sentences)[:3]), default=0)
        for a in (r.subject, r.object):
            assert (s <= a.start and a.end <= e) or (a.type in ORG_TYPES and a.end <= head_end), (a, r)
    facts_ = {(r.subject, r.predicate, r.object) for r in resolved.relations}
    for r in resolved.relations:
        dom, rng = SIGNATURES[r.predicate]
        assert kind(ents[r.subject].type) in dom and kind(ents[r.object].type) in rng, r
        assert 0.0 < r.confidence <= 1.0 and r.evidence, r
        for ev in r.evidence:
            assert 0 <= ev.start < ev.end <= len(src) and 0.0 < ev.confidence <= 1.0, ev
            assert squash(src[ev.start:ev.end]) == squash(ev.sentence), ev
        if r.predicate in ("chaired", "spokeAt"):
            assert (r.subject, "attended", r.object) in facts_, r


@pytest.mark.parametrize("text", [
    pytest.param(t, id=t.replace("\n", "/")[:20] or "empty",
                 marks=[pytest.mark.xfail(reason=PROPERTY_XFAIL[t])] if t in PROPERTY_XFAIL else [])
    for t in sorted(ALL_TEXTS)])
@pytest.mark.parametrize("use_model", [False, True], ids=["rules", "model"])
def test_evidence_points_at_the_sentence_and_arguments_fit_the_ontology(text, use_model):
    assert len(ALL_TEXTS) > 60  # every case above took part
    check_relations(*run(text, use_model))


REPAIRED = ("\r\n\r\n华夏智能装备行业协会召开2021年会员代表大会\r\n\r\n"
            "３月１５日,华夏智能装备行业协会在北京召开2021年会员代表大会.协会会长李明华出席会议并讲话.\r\n")


@pytest.mark.parametrize("use_model", [False, True], ids=["rules", "model"])
def test_evidence_offsets_survive_ingest_repairs(use_model):
    """CRLF, leading blank lines, full-width digits and ASCII punctuation: offsets are the original's."""
    doc, ex, resolved = run(REPAIRED, use_model)
    assert doc.text != doc.source_text
    check_relations(doc, ex, resolved)
    spoke = [r for r in ex.relations if r.predicate == "spokeAt"]
    assert len(spoke) == 1 or use_model  # a scorer may keep the rule's reading and another candidate's
    for r in spoke:
        assert doc.source_text[r.start:r.end] == "协会会长李明华出席会议并讲话."
        assert doc.source_text[r.object.start:r.object.end] == MEETING  # the headline's mention
    assert len([r for r in resolved.relations if r.predicate == "spokeAt"]) == 1
    assert events(REPAIRED) == {MEETING: ("2021-03-15", None)}


def test_the_evidence_check_catches_a_shifted_sentence():
    """The property above is not vacuous: evidence moved by one character fails it."""
    import dataclasses

    doc, ex, resolved = run(f"{XH}印发《{PLAN}》。")
    assert ex.relations
    bad = dataclasses.replace(ex, relations=[dataclasses.replace(r, start=r.start + 1) for r in ex.relations])
    with pytest.raises(AssertionError):
        check_relations(doc, bad, resolved)


# --- random text ---------------------------------------------------------------------------------

_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_PUNCT = st.sampled_from(list("，。、；：！？“”《》（）〔〕·—\n 0123456789年月日号"))
_FRAGMENTS = [
    XH, ZZ, DH, BF, DF, JN, KJS, MIIT, SAMR, "中机质协", "科技部", "李明华", "王建国", "孙晓东", "赵丽华",
    "会长", "副司长", "教授", "董事长", FORUM, MEETING, EV, f"《{PLAN}》", AWARD, PRIZE, "杭州", "北京",
    "由", "主办", "承办", "联合承办", "协办", "指导下", "主办单位：", "承办单位：", "支持单位：", "召开", "举办", "在",
    "出席", "参加", "主持", "讲话", "致辞", "作专题报告", "宣读", "并", "会议", "本次论坛", "印发", "发布", "荣获",
    "颁发", "表彰", "授牌", "将", "拟", "未", "要", "各会员单位", "9月11日", "10月12-14日", "2021年3月15日",
    "，", "、", "和", "。", "\n\n", "关于开展质量提升行动的通知", "（华智协〔2021〕3号）",
]


def _check_random(text: str) -> None:
    for use_model in (False, True):
        doc = ingest_text(text, doc_id="random.txt")
        ex = extract_document(doc, use_model=use_model)
        check_relations(doc, ex, resolve_corpus([ex]))


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.one_of(_CJK, _PUNCT), max_size=120))
def test_random_cjk_text_never_crashes(text):
    _check_random(text)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=30))
def test_random_news_like_text_keeps_every_relation_in_its_domain_and_article(parts):
    _check_random("".join(parts))

