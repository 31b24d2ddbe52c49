"""kg.dates: dates as this genre writes them, found (find_dates), and completed from context to
ISO dates of the precision the text gives: days, months or years (complete, year_in, iso_precision).

The contexts ``complete`` takes are, in order, the year in the event's name, the article's date and
the document's date, each an ISO date of any precision. Known defects are kept as
``xfail`` (strict) with the cause.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.dates import RawDate, complete, find_dates, iso_precision, year_in


def parts(text: str) -> list[tuple]:
    """(matched text, year, month, day, end month, end day) of every date found."""
    return [(text[d.start:d.end], d.year, d.month, d.day, d.end_month, d.end_day) for d in find_dates(text)]


def xfail(reason: str):
    return pytest.mark.xfail(reason=reason)


# --- find_dates --------------------------------------------------------------------------------

FOUND = [
    ("2021年9月11日，协会在杭州举办论坛。", [("2021年9月11日", 2021, 9, 11, None, None)]),
    ("9月11日上午，论坛在杭州开幕。", [("9月11日", None, 9, 11, None, None)]),
    ("27日下午，与会代表参观了企业。", [("27日", None, None, 27, None, None)]),
    ("9月11号，论坛开幕。", [("9月11号", None, 9, 11, None, None)]),
    ("二〇二一年九月十一日", [("二〇二一年九月十一日", 2021, 9, 11, None, None)]),
    ("九月二十日上午", [("九月二十日", None, 9, 20, None, None)]),
    ("2021年 9 月 11 日", [("2021年 9 月 11 日", 2021, 9, 11, None, None)]),  # spaces a PDF left
    ("今年9月11日，论坛开幕。", [("9月11日", None, 9, 11, None, None)]),
    # ranges
    ("10月12-14日，培训班在西安举办。", [("10月12-14日", None, 10, 12, None, 14)]),
    ("10月12—14日", [("10月12—14日", None, 10, 12, None, 14)]),
    ("10月12~14日", [("10月12~14日", None, 10, 12, None, 14)]),
    ("10月12日至14日", [("10月12日至14日", None, 10, 12, None, 14)]),
    ("10月12日-14日", [("10月12日-14日", None, 10, 12, None, 14)]),
    ("2021年10月12日—14日", [("2021年10月12日—14日", 2021, 10, 12, None, 14)]),
    ("10月30日至11月2日", [("10月30日至11月2日", None, 10, 30, 11, 2)]),
    ("27日至29日", [("27日至29日", None, None, 27, None, 29)]),
    # two dates in one sentence, in order
    ("3月1日印发通知，3月15日召开会议。", [("3月1日", None, 3, 1, None, None), ("3月15日", None, 3, 15, None, None)]),
    # months and years standing alone: before a comma, 在/于, a verb of holding or 的
    ("2021年9月，协会举办论坛。", [("2021年9月", 2021, 9, None, None, None)]),
    ("协会于2023年5月在北京召开年会。", [("2023年5月", 2023, 5, None, None, None)]),
    ("2023年5月中旬，论坛开幕。", [("2023年5月", 2023, 5, None, None, None)]),
    ("二〇二三年五月，论坛开幕。", [("二〇二三年五月", 2023, 5, None, None, None)]),
    ("今年5月，协会召开年会。", [("5月", None, 5, None, None, None)]),
    ("2023年5月的质量论坛", [("2023年5月", 2023, 5, None, None, None)]),
    ("2021年，协会举办了三场论坛。", [("2021年", 2021, None, None, None, None)]),
    ("3月1日印发通知，5月召开会议。", [("3月1日", None, 3, 1, None, None), ("5月", None, 5, None, None, None)]),
    # not dates, or not standing alone (a year inside a name, a month in a count or a span)
    ("2021年", []),
    ("2021年全国质量月活动", []),
    ("2021年度华夏质量奖", []),
    ("2023年5月18日", [("2023年5月18日", 2023, 5, 18, None, None)]),  # the day, not also the month
    ("5月份以来，各地开展活动。", []),
    ("三个月，一月一次", []),
    ("2021年9月至10月，协会举办论坛。", []),
    ("《2021年第3期》", []),
    ("中机质协〔2021〕3号", []),
    ("工信厅科函〔2020〕59号文件", []),
    ("GB/T 12345-2020", []),
    ("“十四五”（2021-2025年）规划", []),
    ("1-3号展厅", []),
    ("上午9时", []),
    ("共有11号选手参赛", []),
    ("", []),
    pytest.param("2020年12月31日至2021年1月2日", [("2020年12月31日至2021年1月2日", 2020, 12, 31, 1, 2)], id="range-across-years-with-years"),
    pytest.param("请于30日内报送材料。", [], id="duration-is-not-a-date"),
]


@pytest.mark.parametrize("text, expected", FOUND)
def test_find_dates(text, expected):
    assert parts(text) == expected


def test_offsets_are_those_of_the_text_searched():
    text = "会议通知：10月12日至14日，培训班在西安举办。"
    (d,) = find_dates(text)
    assert text[d.start:d.end] == "10月12日至14日"


def test_fullwidth_digits_are_read():
    assert parts("１０月１２日") == [("１０月１２日", None, 10, 12, None, None)]


# --- year_in -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, year", [
    ("2021年智能装备质量论坛", "2021"),
    ("2021年全国“质量月”活动", "2021"),
    ("2021年度华夏质量奖", "2021"),
    ("“十四五”（2021-2025年）质量规划宣贯会", "2021"),
    ("第五届智能装备质量论坛", None),
    ("智能装备质量管理培训班", None),
    ("第12021届论坛", None),  # not a year: part of a longer number
    ("GB/T 12345-2020宣贯会", "2020"),
    pytest.param("二〇二一年智能装备质量论坛", "2021", id="year-in-chinese-digits",
                 marks=xfail("year_in reads Arabic digits only: a name with 二〇二一年 gives no year")),
])
def test_year_in(name, year):
    assert year_in(name) == year


# --- complete --------------------------------------------------------------------------------------

def raw(text: str) -> RawDate:
    (d,) = find_dates(text)
    return d


COMPLETED = [
    # months and years as a whole
    ("2023年5月，", (), ("2023-05", None)),
    ("2023年5月，", ("2019", "2018-01-01"), ("2023-05", None)),
    ("5月，", ("2021",), ("2021-05", None)),
    ("5月，", (None, "2020-12-20"), ("2020-05", None)),
    ("5月，", (), (None, None)),
    ("2021年，", (), ("2021", None)),
    ("2021年，", ("2019-05",), ("2021", None)),
    ("1850年，", (), (None, None)),
    # absolute dates need no context
    ("2021年9月11日", (), ("2021-09-11", None)),
    ("2021年9月11日", ("2019", "2018-01-01"), ("2021-09-11", None)),
    # the year from the first context that has one (the event's name before the article's date)
    ("9月11日", ("2021",), ("2021-09-11", None)),
    ("9月11日", ("2021", "2020-12-20"), ("2021-09-11", None)),
    ("9月11日", (None, "2020-12-20"), ("2020-09-11", None)),
    ("9月11日", (None, None, "2019-05"), ("2019-09-11", None)),
    # a day alone takes year and month from context
    ("27日", ("2021-09-20",), ("2021-09-27", None)),
    ("27日", ("2021", "2021-09-20"), ("2021-09-27", None)),
    # ... but not a month of another year
    ("27日", ("2021", "2020-09-20"), (None, None)),
    ("27日", ("2021",), (None, None)),
    ("27日", (), (None, None)),
    ("9月11日", (), (None, None)),
    # ranges
    ("10月12-14日", ("2021",), ("2021-10-12", "2021-10-14")),
    ("10月12日至14日", ("2021",), ("2021-10-12", "2021-10-14")),
    ("10月30日至11月2日", ("2021",), ("2021-10-30", "2021-11-02")),
    ("27日至29日", ("2021-09",), ("2021-09-27", "2021-09-29")),
    ("10月14日至12日", ("2021",), ("2021-10-14", None)),  # an end before the start is dropped
    # impossible days
    ("2月30日", ("2021",), (None, None)),
    ("2月29日", ("2021",), (None, None)),
    ("2月29日", ("2020",), ("2020-02-29", None)),
    ("9月31日", ("2021",), (None, None)),
    ("13月1日", ("2021",), (None, None)),
    ("10月30日至32日", ("2021",), ("2021-10-30", None)),
    # Chinese numerals
    ("二〇二一年九月十一日", (), ("2021-09-11", None)),
    ("九月三十日", ("2021",), ("2021-09-30", None)),
    pytest.param("12月30日至1月2日", ("2021",), ("2021-12-30", "2022-01-02"), id="range-into-next-year",
                 marks=xfail("a range that runs into January is completed with the start's year, so its end "
                             "(2021-01-02) falls before the start and is dropped")),
]


@pytest.mark.parametrize("text, context, expected", COMPLETED)
def test_complete(text, context, expected):
    assert complete(raw(text), *context) == expected


@settings(max_examples=50, deadline=None)
@given(st.integers(1900, 2100), st.integers(1, 12), st.integers(1, 31))
def test_written_out_dates_round_trip(y, m, d):
    """Any y年m月d日 is found whole and completed to itself, or to nothing when the day does not exist."""
    import calendar

    text = f"{y}年{m}月{d}日"
    (found,) = find_dates(text)
    assert (found.start, found.end, found.year, found.month, found.day) == (0, len(text), y, m, d)
    valid = d <= calendar.monthrange(y, m)[1]
    assert complete(found) == ((f"{y:04d}-{m:02d}-{d:02d}", None) if valid else (None, None))


@settings(max_examples=50, deadline=None)
@given(st.text(st.sampled_from(list("0123456789年月日号至到-—~，。上午下午第期〔〕一二三十〇")), max_size=40),
       st.one_of(st.none(), st.sampled_from(["2021", "2021-09", "2021-09-20", "1899-01", "2101"])))
def test_random_text_gives_valid_iso_dates_or_nothing(text, context):
    import datetime

    for d in find_dates(text):
        assert 0 <= d.start < d.end <= len(text)
        start, end = complete(d, context)
        if start is None:
            assert end is None
            continue
        assert iso_precision(start) == ("day" if d.day is not None else "month" if d.month is not None else "year")
        if end is not None:
            assert datetime.date.fromisoformat(end) > datetime.date.fromisoformat(start)


# --- iso_precision: the one grammar of ISO dates of any precision (graph, queries, evaluation) ------

@pytest.mark.parametrize("text, precision", [
    ("2020-09-12", "day"), ("2020-09", "month"), ("2020", "year"), ("2020-02-29", "day"), (" 2020-09 ", "month"),
])
def test_iso_precision(text, precision):
    assert iso_precision(text) == precision


@pytest.mark.parametrize("text", ["2020-13", "2020-00", "2021-02-29", "2020-9", "20", "2020-09-12T10:00", "二〇二〇",
                                  "2020/09", "", "2020-09-12\"^^xsd:string"])
def test_iso_precision_refuses_what_is_not_an_iso_date(text):
    with pytest.raises(ValueError):
        iso_precision(text)
