"""Entity extraction on small hand-written sentences (kg.ingest.ingest_text + extract.pipeline).

Every sentence here is invented for the test (people, companies, associations, events); only
bodies that stand in the gazetteer (工信部, 科技部, 中国电器工业协会, IEC, ISO …) are real.
Expectations follow ``/work/shared/ANNOTATION.md``: where the extractor gets a case wrong the
case states the right answer and is marked ``xfail`` (strict) with the reason, so that a fix
shows up as an XPASS to be promoted.

The last section checks properties of every case above: each mention's original offsets point
at its own characters, no person's name contains a job title, positions lie inside the text.
"""

from __future__ import annotations

import functools
import re
import time
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.pipeline import extract_document, get_nlp
from kg.ingest import ingest_text
from kg.ontology.lexicon import load_lexicon
from kg.records import ENTITY_TYPES, ORG_TYPES
from kg.resolve import resolve

ALL_TEXTS: set[str] = set()  # every sentence used below, for the property tests at the end


def case(text: str, *values, xfail: str | None = None, id: str | None = None):
    """A test parameter (text, *values), recorded for the property tests; ``xfail`` gives the reason."""
    ALL_TEXTS.add(text)
    marks = [pytest.mark.xfail(reason=xfail)] if xfail else []
    return pytest.param(text, *values, marks=marks, id=id or text[:24])


@functools.lru_cache(maxsize=None)
def run(text: str):
    """(Document, DocumentExtraction) of ``text``; the pipeline is built once per process."""
    doc = ingest_text(text, doc_id="t.txt")
    return doc, extract_document(doc)


def mentions(text: str, *types: str) -> list:
    _, ex = run(text)
    return [m for m in ex.mentions if not types or m.type in types]


def texts(text: str, *types: str) -> list[str]:
    return sorted(m.text for m in mentions(text, *types))


def positions(text: str) -> set[tuple]:
    _, ex = run(text)
    return {(p.person, p.title, p.organization) for p in ex.positions}


# --- organizations: typed by suffix and gazetteer ---------------------------------------------

ORG_CASES = [
    case("华夏智能装备行业协会在杭州召开年会。", "华夏智能装备行业协会", "Association"),
    case("北方电气股份有限公司与江南工业大学签约。", "北方电气股份有限公司", "Company"),
    case("北方电气股份有限公司与江南工业大学签约。", "江南工业大学", "ResearchInstitute"),
    case("江南工业大学承办本次培训。", "江南工业大学", "ResearchInstitute"),
    case("东海精密仪器研究院院长陈志强作报告。", "东海精密仪器研究院", "ResearchInstitute"),
    case("中国质量发展研究院发布报告。", "中国质量发展研究院", "ResearchInstitute"),
    case("东方精工（苏州）有限公司参加展会。", "东方精工（苏州）有限公司", "Company"),
    case("北京智造科技有限公司参加展会。", "北京智造科技有限公司", "Company"),
    # gazetteer names and abbreviations
    case("工业和信息化部召开质量工作会议。", "工业和信息化部", "GovernmentBody"),
    case("科技部和工信部联合发文。", "科技部", "GovernmentBody"),
    case("科技部和工信部联合发文。", "工信部", "GovernmentBody"),
    case("中国轴承工业协会发布年度报告。", "中国轴承工业协会", "Association"),
    # known misses
    case("东海市工业和信息化局发布通知。", "东海市工业和信息化局", "GovernmentBody",
         xfail="LAC cuts 东海市工业|和|信息化局 and the suffix rule does not join a name across 和"),
    case("江苏省精密制造研究院承办本次活动。", "江苏省精密制造研究院", "ResearchInstitute",
         xfail="the province prefix is dropped: only 精密制造研究院 is found (LAC tags 江苏省 alone as ORG)"),
    case("1985年，纺织工业部召开质量管理工作会议。", "纺织工业部", "GovernmentBody",
         xfail="部 is a weak suffix accepted only right after another body, so a ministry missing from the "
               "gazetteer (纺织工业部, 轻工业部, 电子工业部) is dropped"),
    case("东海市市场监督管理局开展质量抽查。", "东海市市场监督管理局", "GovernmentBody"),
    case("东海省工业和信息化厅召开会议。", "东海省工业和信息化厅", "GovernmentBody"),
]


@pytest.mark.parametrize("text, name, typ", ORG_CASES)
def test_organization_is_found_and_typed(text, name, typ):
    found = [m for m in mentions(text) if m.text == name]
    assert len(found) == 1, f"{name} not found once in {[(m.text, m.type) for m in mentions(text)]}"
    assert found[0].type == typ


def test_organization_mentions_of_an_ordinary_sentence_are_exactly_the_names():
    text = "北方电气股份有限公司与江南工业大学签约。"
    assert [(m.text, m.type) for m in mentions(text)] == [
        ("北方电气股份有限公司", "Company"), ("江南工业大学", "ResearchInstitute")]


ABBREVIATIONS = [
    case("工信部发布通知。", "工信部", "工业和信息化部", "GovernmentBody"),
    case("科技部和工信部联合发文。", "科技部", "科学技术部", "GovernmentBody"),
    case("中机质协召开理事会。", "中机质协", "中国机械工业质量管理协会", "Association"),
    case("国家工业和信息化部召开会议。", "国家工业和信息化部", "工业和信息化部", "GovernmentBody"),
    case("国家工信部部署专项行动。", "国家工信部", "工业和信息化部", "GovernmentBody"),
]


@pytest.mark.parametrize("text, surface, canonical, typ", ABBREVIATIONS)
def test_abbreviation_resolves_to_the_canonical_name(text, surface, canonical, typ):
    ms = mentions(text)
    # the mention may or may not take in the 国家 prefix; either way it resolves to the canonical name
    found = [m for m in ms if m.text in (surface, surface.removeprefix("国家"))]
    assert len(found) == 1, [(m.text, m.type) for m in ms]
    assert found[0].canonical == canonical
    res = resolve(ms)
    ent = res.by_id()[res.entity_of(found[0])]
    assert (ent.label, ent.type) == (canonical, typ)
    assert ent.id == f"org/{canonical}"
    assert found[0].text == canonical or found[0].text in ent.aliases


# --- chained names: the full name is kept and the parent recorded -----------------------------

CHAINS = [
    case("工信部科技司质量处李明华处长出席会议。", "工信部科技司质量处", "工信部科技司", "GovernmentBody"),
    case("工信部科技司质量处组织召开座谈会。", "工信部科技司质量处", "工信部科技司", "GovernmentBody"),
    case("江南工业大学机械工程学院承办本次培训。", "江南工业大学机械工程学院", "江南工业大学", "ResearchInstitute"),
    case("华东理工大学机械工程学院王建国教授作报告。", "华东理工大学机械工程学院", "华东理工大学", "ResearchInstitute"),
    case("华夏智能装备行业协会标准化工作委员会成立。", "华夏智能装备行业协会标准化工作委员会",
         "华夏智能装备行业协会", "Association",
         xfail="LAC tags the whole chain as one ORG word and _split_inner has no cut after 协会, so no parent"),
]


@pytest.mark.parametrize("text, full, parent, typ", CHAINS)
def test_chained_name_keeps_full_name_and_parent(text, full, parent, typ):
    found = [m for m in mentions(text) if m.text == full]
    assert len(found) == 1, [(m.text, m.parent) for m in mentions(text)]
    assert found[0].parent == parent
    assert found[0].type == typ


RESOLVED_CHAINS = [
    case("工信部科技司质量处组织召开座谈会。", "工信部科技司质量处", "工业和信息化部科技司质量处",
         "org/工业和信息化部科技司"),
    case("华东理工大学机械工程学院王建国教授作报告。", "华东理工大学机械工程学院", "华东理工大学机械工程学院",
         "org/华东理工大学"),
    case("江南工业大学机械工程学院承办本次培训。", "江南工业大学机械工程学院", "江南工业大学机械工程学院",
         "org/江南工业大学"),
]


def test_department_of_an_association_is_an_association():
    ms = {m.text: m for m in mentions("华夏智能装备行业协会质量部组织培训。")}
    assert ms["华夏智能装备行业协会质量部"].parent == "华夏智能装备行业协会"
    assert ms["华夏智能装备行业协会质量部"].type == ms["华夏智能装备行业协会"].type == "Association"


def test_department_of_a_company_is_part_of_the_post_not_a_body():
    """As this genre is annotated, a company's 质量部 is no body of its own; the post names it."""
    text = "东方精工有限公司质量部部长张伟介绍经验。"
    assert [m.text for m in mentions(text) if m.type in ORG_TYPES] == ["东方精工有限公司"]
    assert positions(text) == {("张伟", "质量部部长", "东方精工有限公司")}


@pytest.mark.parametrize("text, full, label, parent_id", RESOLVED_CHAINS)
def test_chained_name_resolves_to_a_sub_organization(text, full, label, parent_id):
    ms = mentions(text)
    res = resolve(ms)
    ent = res.by_id()[res.entity_of(next(m for m in ms if m.text == full))]
    assert ent.label == label
    assert ent.parent == parent_id
    assert parent_id in res.by_id()


GROUP_COMPANY = case("南方重工集团有限公司总经理刘志刚参加会议。").values[0]


def test_group_company_name_is_not_a_chain():
    text = GROUP_COMPANY
    m = next(m for m in mentions(text) if m.text == "南方重工集团有限公司")
    assert m.type == "Company"
    assert m.parent is None


# --- people and posts ---------------------------------------------------------------------------

POSTS = [
    case("处长赵丽华介绍了情况。", "赵丽华", {("处长", None)}),
    case("赵丽华处长介绍了情况。", "赵丽华", {("处长", None)}),
    case("秘书长孙晓东主持会议。", "孙晓东", {("秘书长", None)}),
    case("孙晓东秘书长主持会议。", "孙晓东", {("秘书长", None)}),
    case("张伟教授作报告。", "张伟", {("教授", None)}),
    case("副会长兼秘书长张伟出席。", "张伟", {("副会长兼秘书长", None)}),
    case("张伟副会长兼秘书长出席。", "张伟", {("副会长兼秘书长", None)}),
    case("中国电器工业协会副会长兼秘书长王建国主持会议。", "王建国",
         {("副会长兼秘书长", "中国电器工业协会")}),
    case("工信部科技司质量处处长李明华出席会议。", "李明华", {("处长", "工信部科技司质量处")}),
    case("工信部科技司质量处李明华处长出席会议。", "李明华", {("处长", "工信部科技司质量处")}),
    case("华东理工大学机械工程学院王建国教授作报告。", "王建国", {("教授", "华东理工大学机械工程学院")}),
    case("东方精工有限公司董事长陈志强致辞。", "陈志强", {("董事长", "东方精工有限公司")}),
    # two posts separated by 、
    case("华夏智能装备行业协会会长、东方精工有限公司董事长刘志刚致辞。", "刘志刚",
         {("会长", "华夏智能装备行业协会"), ("董事长", "东方精工有限公司")}),
    case("华夏智能装备行业协会副会长李国和出席会议。", "李国和", {("副会长", "华夏智能装备行业协会")},
         xfail="a given name ending in 和 is cut (LAC reads 和 as a conjunction): the person is 李国"),
    case("东方精工有限公司董事长、总经理刘志刚致辞。", "刘志刚",
         {("董事长", "东方精工有限公司"), ("总经理", "东方精工有限公司")}),
    case("华夏智能装备行业协会副会长、秘书长王建国主持会议。", "王建国",
         {("副会长", "华夏智能装备行业协会"), ("秘书长", "华夏智能装备行业协会")}),
    case("华夏智能装备行业协会会长李明华、副会长王建国出席。", "王建国", {("副会长", "华夏智能装备行业协会")}),
    case("会议由华夏智能装备行业协会副秘书长兼学术研究部部长孙晓东主持。", "孙晓东",
         {("副秘书长兼学术研究部部长", "华夏智能装备行业协会")}),
]


@pytest.mark.parametrize("text, person, posts", POSTS)
def test_person_and_posts(text, person, posts):
    people = texts(text, "Person")
    assert person in people, people
    assert all(not any(t in p for t in ("长", "教授")) for p in people), people
    got = {(title, org) for p, title, org in positions(text) if p == person}
    assert got == posts


TWO_PEOPLE = case("李明华副理事长、王建国秘书长出席会议。").values[0]
NAME_LIST = case("李明华、王建国出席会议。").values[0]


def test_two_people_with_their_own_titles_after_the_names():
    text = TWO_PEOPLE
    assert texts(text, "Person") == ["李明华", "王建国"]
    assert positions(text) == {("李明华", "副理事长", None), ("王建国", "秘书长", None)}


def test_names_listed_without_titles_are_people_without_posts():
    text = NAME_LIST
    assert texts(text, "Person") == ["李明华", "王建国"]
    assert positions(text) == set()


# --- documents ----------------------------------------------------------------------------------

DOCS = [
    case("华夏智能装备行业协会印发《智能装备质量提升行动方案》。", "智能装备质量提升行动方案", ()),
    case("华夏智能装备行业协会印发《智能装备质量提升行动方案》（华智协〔2021〕3号）。",
         "智能装备质量提升行动方案", ("华智协〔2021〕3号",)),
    case("国家标准GB/T 12345-2020《机床主轴精度检验规范》正式实施。", "机床主轴精度检验规范", ("GB/T 12345-2020",)),
    case("《机床主轴精度检验规范》（GB/T 12345-2020）正式实施。", "机床主轴精度检验规范", ("GB/T 12345-2020",)),
    case("华智协〔2021〕3号文件已下发。", "华智协〔2021〕3号", (),
         xfail="_DOC_NUMBER's optional 文 (for …号文) swallows the 文 of 文件: the mention is 华智协〔2021〕3号文"),
]


@pytest.mark.parametrize("text, name, other_names", DOCS)
def test_document_is_one_mention_with_all_its_names(text, name, other_names):
    docs = mentions(text, "Document")
    assert [(m.text, m.names) for m in docs] == [(name, other_names)]


def test_document_title_and_number_resolve_to_one_entity():
    text = "华夏智能装备行业协会印发《智能装备质量提升行动方案》（华智协〔2021〕3号）。"
    res = resolve(mentions(text))
    docs = [e for e in res.entities if e.type == "Document"]
    assert [(e.label, e.aliases) for e in docs] == [("智能装备质量提升行动方案", ["华智协〔2021〕3号"])]


# --- events ----------------------------------------------------------------------------------

EVENTS = [
    case("2021年华夏智能装备行业质量论坛在杭州举办。", ["2021年华夏智能装备行业质量论坛"]),
    case("2021年全国智能制造质量大会在成都召开。", ["2021年全国智能制造质量大会"]),
    case("华夏智能装备行业协会召开2021年机床行业质量论坛", ["2021年机床行业质量论坛"]),
    case("“精益质量沙龙”在苏州召开。", ["精益质量沙龙"]),
    case("2022年全国“质量月”活动在南京启动。", ["2022年全国“质量月”活动"]),
    case("协会召开会议。", []),
    # an event announced by name is an event (ANNOTATION.md); that nobody attended it yet is the relations' part
    case("协会计划举办2023年华夏智能装备行业质量论坛。", ["2023年华夏智能装备行业质量论坛"]),
    case("协会将开展系列质量提升活动。", []),  # a vague intention names no event
    case("华夏智能装备行业协会举办第三届精密测量论坛。", ["第三届精密测量论坛"]),
    case("华夏智能装备行业协会在杭州召开2021年精密制造质量论坛。", ["2021年精密制造质量论坛"]),
    # verbs, conjunctions and quotes inside a name are part of it
    case("机械行业质量检验学习交流会在长沙召开。", ["机械行业质量检验学习交流会"]),
    case("协会与江南工业大学联合举办东海与南海质量合作论坛。", ["东海与南海质量合作论坛"]),
    case("第五届“常联杯”江苏省机械行业质量检验职业技能大赛在常州落幕。",
         ["第五届“常联杯”江苏省机械行业质量检验职业技能大赛"]),
    # without a year, an ordinal or quotes, what happens to it makes it an event
    case("工信部科技司在沈阳召开装备制造业质量品牌提升企业座谈会。", ["装备制造业质量品牌提升企业座谈会"]),
    case("中机质协调研组赴四川开展机械行业质量提升专题调研。", ["机械行业质量提升专题调研"]),
    # two events joined by 和 stay two; X暨Y is one event
    case("协会召开2021年质量工作会议和2021年标准化工作座谈会。", ["2021年标准化工作座谈会", "2021年质量工作会议"]),
    case("2023年可靠性技术年会暨第九届可靠性论坛在苏州召开。", ["2023年可靠性技术年会暨第九届可靠性论坛"]),
    # a date or a reference is not an event
    case("2021年10月，协会举办了多期培训。", []),
    case("本次会议由协会主办。", []),
]


@pytest.mark.parametrize("text, events", EVENTS)
def test_events(text, events):
    assert texts(text, "Event") == events


# --- generic references are not entities --------------------------------------------------------

GENERIC = [
    case("协会召开会议，各会员单位参加。"),
    case("本次会议由协会主办，各会员单位参加。"),
    case("各会员单位积极参加会议。"),
    case("相关行业协会和有关部门派员参会。"),
    case("协会秘书处负责会议组织工作。",
         xfail="组织 (the verb/noun 'organising') is taken as an organization suffix: 会议组织 becomes an Association"),
    case("会议由协会秘书处组织。",
         xfail="组织 is taken as an organization suffix: 协会秘书处组织 becomes an Association"),
]


@pytest.mark.parametrize("text", GENERIC)
def test_generic_references_are_not_entities(text):
    assert [(m.text, m.type) for m in mentions(text)] == []


# --- awards --------------------------------------------------------------------------------------

AWARDS = [
    case("王建国获得华夏质量贡献奖。", "华夏质量贡献奖"),
    case("李明华荣获“金匠奖”。", "金匠奖"),
    case("东方精工有限公司荣获2021年度华夏质量奖。", "华夏质量奖"),
]


@pytest.mark.parametrize("text, award", AWARDS)
def test_award_ending_in_prize(text, award):
    found = texts(text, "Award")
    assert len(found) == 1 and found[0].endswith(award), found


def test_award_winner_is_not_part_of_the_award():
    text = "王建国获得华夏质量贡献奖。"
    assert texts(text, "Award") == ["华夏质量贡献奖"]
    assert texts(text, "Person") == ["王建国"]


# --- places: only where an event is held ------------------------------------------------------

PLACES = [
    case("会议在北京召开。", ["北京"]),
    case("会议在北京顺利召开。", ["北京"]),
    case("华夏智能装备行业协会于2022年在西安举办年会。", ["西安"]),
    case("2021年华夏智能装备行业质量论坛在杭州举办。", ["杭州"]),
    case("王建国在北京工作多年。", []),
    case("北京智造科技有限公司参加展会。", []),
]


@pytest.mark.parametrize("text, places", PLACES)
def test_place_only_where_an_event_is_held(text, places):
    assert texts(text, "Place") == places


# --- bad input -----------------------------------------------------------------------------------

NO_ENTITIES = [
    case("今天天气很好，我们去公园散步吧。", id="plain-sentence"),
    case("", id="empty"),
    case("   \n\n\t  ", id="whitespace"),
    case(",,,。。。！！？？", id="punctuation"),
    case("Hello world, no Chinese here.", id="latin-prose"),
    case("１２３４５", id="fullwidth-digits-only"),
]


@pytest.mark.parametrize("text", NO_ENTITIES)
def test_text_without_entities_gives_no_mentions(text):
    _, ex = run(text)
    assert ex.mentions == []
    assert ex.positions == []


LONG_PHRASE = "王建国在工厂检查质量"  # 10 characters, no punctuation


@pytest.mark.slow
def test_very_long_sentence_without_punctuation_completes_with_offsets_inside():
    text = LONG_PHRASE * (200_000 // len(LONG_PHRASE) + 1)
    assert len(text) >= 200_000
    get_nlp()  # pipeline load is not part of what is measured here
    t0 = time.perf_counter()
    doc = ingest_text(text, doc_id="long.txt")
    ex = extract_document(doc)
    elapsed = time.perf_counter() - t0
    assert elapsed < 120, f"{len(text)} characters took {elapsed:.0f} s"
    assert doc.warnings  # the missing punctuation is reported
    assert sum(len(s.text) for s in doc.sentences) == len(text)
    assert ex.mentions, "王建国 occurs 20,000 times"
    for m in ex.mentions:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.text
    persons = [m for m in ex.mentions if m.type == "Person"]
    # nearly every repetition is found as 王建国 (a few may be cut where LAC's 256-char windows fall)
    assert sum(m.text == "王建国" for m in persons) >= 0.95 * text.count("王建国")


@pytest.mark.xfail(reason="LAC runs on 256-character windows cut mid-word when a passage has no "
                                       "comma, so names on a window edge are cut (王建 + 国)")
@pytest.mark.slow
def test_very_long_sentence_names_are_not_cut_at_window_edges():
    text = LONG_PHRASE * 2_400  # 24,000 characters: windows end at 256, 512 (inside 王建国), ...
    doc = ingest_text(text, doc_id="long.txt")
    ex = extract_document(doc)
    assert {m.text for m in ex.mentions if m.type == "Person"} == {"王建国"}


TRADITIONAL = case("中國機械工業質量管理協會舉辦論壇。", id="traditional")


def test_traditional_characters_do_not_crash():
    text = TRADITIONAL.values[0]
    doc, ex = run(text)
    assert [s.text for s in doc.sentences] == [text]
    assert all(m.type in ENTITY_TYPES + ORG_TYPES for m in ex.mentions)
    assert not [m for m in ex.mentions if m.type == "Person"]


def test_traditional_characters_association_is_found():
    """The components read simplified characters; the mention keeps the document's own script."""
    text = TRADITIONAL.values[0]
    found = [m for m in mentions(text) if m.type in ORG_TYPES]
    assert [(m.text, m.type, m.canonical) for m in found] == [
        ("中國機械工業質量管理協會", "Association", "中国机械工业质量管理协会")]
    assert found[0].key == "中国机械工业质量管理协会"  # resolves with its simplified mentions


LATIN = [
    case("IEC和ISO联合发布新标准。", id="iec-iso"),
    case("IEC与ISO代表出席了PTC ASIA展会。", id="iec-iso-ptc-asia"),
    case("PTC ASIA", id="ptc-asia-alone"),
]


@pytest.mark.parametrize("text", LATIN)
def test_latin_script_names(text):
    orgs = {m.text: (m.type, m.canonical) for m in mentions(text) if m.type in ORG_TYPES}
    if "IEC" in text:
        assert orgs["IEC"] == ("Association", "国际电工委员会")
        assert orgs["ISO"] == ("Association", "国际标准化组织")
    assert not [m for m in mentions(text) if m.type == "Person"]


@pytest.mark.parametrize("text", [
    case("IEC和ISO联合发布新标准。", id="iec-iso"),
    case("IEC与ISO代表出席了PTC ASIA展会。", id="iec-iso-ptc-asia"),
])
def test_mentions_never_cut_a_latin_word(text):
    doc, ex = run(text)
    src = doc.source_text
    for m in ex.mentions:
        before = src[m.start - 1:m.start] if m.start else ""
        after = src[m.end:m.end + 1]
        assert not (before.isascii() and before.isalnum() and src[m.start].isascii()), m
        assert not (after.isascii() and after.isalnum() and src[m.end - 1].isascii()), m
        # a Latin name with a space inside belongs together: PTC ASIA
        assert not re.search(r"[A-Za-z] $", src[max(0, m.start - 2):m.start]), m


FULLWIDTH = case("２０２１年华夏智能装备行业质量论坛在杭州举办。", id="fullwidth-year")


def test_fullwidth_digits_are_normalised():
    text = FULLWIDTH.values[0]
    doc, ex = run(text)
    assert doc.text.startswith("2021年")
    events = mentions(text, "Event")
    assert [m.text for m in events] == ["2021年华夏智能装备行业质量论坛"]
    assert doc.source_text[events[0].start:events[0].end] == "２０２１年华夏智能装备行业质量论坛"


LETTER_SPACED = case("2021年3月，工 业 和 信 息 化 部召开会议。", id="letter-spaced").values[0]


def test_ingest_repairs_reach_the_extractor():
    text = LETTER_SPACED
    orgs = mentions(text, *ORG_TYPES)
    assert len(orgs) == 1 and orgs[0].type == "GovernmentBody"
    assert text[orgs[0].start:orgs[0].end] == "工 业 和 信 息 化 部"
    assert [e.label for e in resolve(orgs).entities] == ["工业和信息化部"]


@pytest.mark.xfail(reason="ingest leaves the last space of a letter-spaced run that is followed by "
                                       "unspaced text: 工 业 和 信 息 化 部召开 -> 工业和信息化 部召开")
def test_letter_spaced_name_has_no_space_in_the_mention():
    assert texts(LETTER_SPACED, *ORG_TYPES) == ["工业和信息化部"]


# --- properties of every case above -----------------------------------------------------------

_WS = re.compile(r"\s+")


def squash(s: str) -> str:
    """Whitespace removed; compatibility forms folded (ingest turns ２ into 2 and ASCII ( into （)."""
    return unicodedata.normalize("NFKC", _WS.sub("", s))


def check_records(doc, ex) -> None:
    src = doc.source_text
    titles = load_lexicon().titles
    for m in ex.mentions:
        assert m.doc_id == doc.doc_id
        assert m.type in ENTITY_TYPES + ORG_TYPES, m
        assert 0 <= m.start < m.end <= len(src), m
        assert squash(src[m.start:m.end]) == squash(m.text), (src[m.start:m.end], m)
        assert 0.0 < m.confidence <= 1.0, m
        assert m.extractor, m
        if m.type == "Person":
            assert not any(m.text.startswith(t) or m.text.endswith(t) for t in titles), m
    for p in ex.positions:
        assert 0 <= p.start < p.end <= len(src), p
        phrase = squash(src[p.start:p.end])
        assert squash(p.person) in phrase, (phrase, p)
        assert p.title and p.title not in p.person, p
        assert any(m.type == "Person" and m.text == p.person for m in ex.mentions), p
        if p.organization:
            assert any(m.text == p.organization for m in ex.mentions), p


@pytest.mark.parametrize("text", sorted(ALL_TEXTS), ids=lambda t: t[:20] or "empty")
def test_offsets_point_at_the_mention(text):
    assert len(ALL_TEXTS) > 60  # every case above took part
    check_records(*run(text))


_PIECES = sorted(t for t in ALL_TEXTS if t.strip())
_SEPARATORS = ["", "\n", "\n\n", " ", "　", "\r\n"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_SEPARATORS)), min_size=1, max_size=5))
def test_offsets_hold_in_multi_paragraph_documents(parts):
    """Sentences joined into one document with line breaks and spaces: offsets still exact."""
    text = "".join(p + sep for p, sep in parts)
    doc = ingest_text(text, doc_id="joined.txt")
    check_records(doc, extract_document(doc))


def test_the_offset_check_catches_a_shifted_mention():
    """The property above is not vacuous: a mention moved by one character fails it."""
    import dataclasses

    doc, ex = run("东方精工有限公司董事长陈志强致辞。")
    assert ex.mentions
    m = ex.mentions[0]
    shifted = dataclasses.replace(m, start=m.start + 1, end=m.end + 1)
    bad = dataclasses.replace(ex, mentions=[shifted], positions=[])
    with pytest.raises(AssertionError):
        check_records(doc, bad)


# --- posts as this genre writes them ------------------------------------------------------------

@pytest.mark.parametrize("text, person, posts", [
    # a department of a company or an association is part of the title; a government division is the body
    case("中机科测认证有限公司可靠性技术部部长焦红梅作报告。", "焦红梅", {("可靠性技术部部长", "中机科测认证有限公司")}),
    case("中国机械工业质量管理协会行业发展部主任庞心怡参加。", "庞心怡", {("行业发展部主任", "中国机械工业质量管理协会")}),
    case("工业和信息化部科技司副司长韩振宇讲话，科技司质量处处长石佩兰主持会议。", "石佩兰", {("处长", "科技司质量处")}),
    # 与 inside a body's name
    case("中国计量大学质量与安全工程学院教授方启明出席。", "方启明", {("教授", "中国计量大学质量与安全工程学院")}),
    case("烟台市质量管理与品牌促进会会长尹春生出席。", "尹春生", {("会长", "烟台市质量管理与品牌促进会")}),
    # a later mention of the same post is not a new one with another body
    case("中机质协会长罗振邦、江苏省机械工业质量管理协会理事长钱志远出席。罗振邦会长致辞。", "罗振邦", {("会长", "中机质协")}),
])
def test_posts_as_written(text, person, posts):
    _, ex = run(text)
    assert {(p.title, p.organization) for p in ex.positions if p.person == person and p.organization} == posts


@pytest.mark.parametrize("text, names", [
    case("郑宏远任组长，刘副秘书长主持，全体委员出席。", ["郑宏远"]),  # 任 is not part of the name; 刘副, 全体 are no names
    case("温州市质量协会会长林建勋代表协会致辞。", ["林建勋"]),
])
def test_person_names_stop_where_they_end(text, names):
    assert texts(text, "Person") == names


@pytest.mark.parametrize("text, posts", [
    case("华夏智能装备行业协会召开会员代表大会\n\n四届一次理事会选举东方精工有限公司董事长李明华为会长，王建国为常务副会长兼秘书长，"
         "孙晓东、赵丽华等11人为副会长，刘志刚任监事长。",
         {("李明华", "会长"), ("王建国", "常务副会长兼秘书长"), ("孙晓东", "副会长"), ("赵丽华", "副会长"), ("刘志刚", "监事长")}),
    case("华夏智能装备行业协会召开会员代表大会\n\n东方精工有限公司董事长李明华当选为会长。", {("李明华", "会长")}),
])
def test_posts_given_in_an_election_belong_to_the_association_of_the_article(text, posts):
    _, ex = run(text)
    got = {(p.person, p.title) for p in ex.positions if p.organization == "华夏智能装备行业协会"}
    assert posts <= got, got


@pytest.mark.parametrize("text, posts", [
    case("发言嘉宾：邵卫国（天津渤海重型装备集团有限公司董事长）、龙嘉怡（北京市质量协会秘书长）",
         {("邵卫国", "董事长", "天津渤海重型装备集团有限公司"), ("龙嘉怡", "秘书长", "北京市质量协会")}),
    case("顾伟明　上海浦江电梯股份有限公司首席质量官", {("顾伟明", "首席质量官", "上海浦江电梯股份有限公司")}),
    case("出席委员：钱立群（主任委员）、郑海涛（副主任委员）", {("钱立群", "主任委员", None), ("郑海涛", "副主任委员", None)}),
])
def test_a_post_written_after_the_name(text, posts):
    assert positions(text) == posts
