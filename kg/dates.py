"""The one date grammar: dates as news items in this genre write them, completed and normalized to
ISO dates of the precision the text gives: a day (``2020-09-12``, ``xsd:date``), a month
(``2020-09``, ``xsd:gYearMonth``) or a year (``2020``, ``xsd:gYear``).

Two questions are asked of it. :func:`find_dates` and :func:`complete` read every date a sentence
gives an event (:mod:`extract.articles`); :func:`first_date` reads the full date (a year and a month,
maybe a day) an article or a document states for itself, and :func:`is_dateline` tells a line that is
only such a date (:mod:`kg.ingest.segment`). Both read numerals with :func:`cn_number` and check days
with the same calendar; :func:`iso_precision` and :func:`day_bounds` read the ISO forms back.

Absolute (2020年9月12日), partial (9月11日, 27日上午), ranges (10月12-14日, 10月12日至14日), and
months and years named as a whole where a clause shows they stand alone (2023年5月，… ;
于2023年5月在北京… ; 2021年，…), never inside a name (2021年全国质量月活动, 2021年度…奖).
A partial date takes its missing year and month from context: the year in the event's name
(2020年…活动), then the article's date, then the document's date.

>>> [(d.year, d.month, d.day, d.end_month, d.end_day) for d in find_dates("10月12-14日，大会在京举行")]
[(None, 10, 12, None, 14)]
>>> complete(find_dates("9月11日上午")[0], "2020-09-20")
('2020-09-11', None)
>>> complete(find_dates("10月12日至14日")[0], "2021")
('2021-10-12', '2021-10-14')
>>> complete(find_dates("27日上午")[0], None)  # no month anywhere: not a date
(None, None)
>>> [complete(d, "2023-06-01") for d in find_dates("2023年5月，协会召开年会；6月，论坛开幕。")]
[('2023-05', None), ('2023-06', None)]
>>> first_date(["二〇二一年四月八日，某某公司被评为质量标杆企业"]), first_date(["2021年2月30日"])
('2021-04-08', '2021-02')
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_N = r"[\d一二三四五六七八九十〇零○]"  # a numeral of a date: Arabic or Chinese
_RANGE = r"\s*[-—–~～至到]\s*"
_DATE = re.compile(
    rf"(?:(?P<y>{_N}{{4}})\s*年\s*)?(?:(?P<m>{_N}{{1,2}})\s*月\s*)?(?P<d>{_N}{{1,3}})"
    rf"(?:\s*[日号](?!内|以内|之内)(?:{_RANGE}(?:{_N}{{4}}\s*年\s*)?(?:(?P<m2>{_N}{{1,2}})\s*月\s*)?(?P<d2>{_N}{{1,3}})\s*[日号]?)?"
    rf"|{_RANGE}(?:(?P<m3>{_N}{{1,2}})\s*月\s*)?(?P<d3>{_N}{{1,3}})\s*[日号])"
)
_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?=年|\D|$)")
# a month or a year as a whole: not part of a number, a span (至/到/-) or a name, and followed by
# what ends a dateline clause (a comma, 在/于, a verb of holding, 的) or by 上旬/中旬/下旬/初/底/末
_NOT_AFTER = r"(?<![\d〇零○一二三四五六七八九十至到\-—–~～〔\[［(（/第])"
_ALONE = r"(?=(?:上旬|中旬|下旬|初|底|末)?(?:[，,。；;：:]|在|于|举[办行]|召开|开[幕展]|的))"
_MONTH = re.compile(rf"{_NOT_AFTER}(?:(?P<y>{_N}{{4}})\s*年\s*)?(?P<m>{_N}{{1,2}})\s*月(?:份)?{_ALONE}")
_YEAR_ALONE = re.compile(rf"{_NOT_AFTER}(?P<y>{_N}{{4}})\s*年(?=[，,]|在|于)")


@dataclass(frozen=True, slots=True)
class RawDate:
    """A date as written: the parts the text gives (None where it leaves them out)."""

    start: int  # offsets in the text searched
    end: int
    year: int | None
    month: int | None
    day: int | None  # None: the month (or, without a month, the year) as a whole
    end_month: int | None = None
    end_day: int | None = None


def cn_number(s: str) -> int | None:
    """'2020', '二〇二〇', '十二', '二十三' -> int.

    >>> [cn_number(s) for s in ("2020", "二〇二〇", "十二", "二十三", "年")]
    [2020, 2020, 12, 23, None]
    """
    if s.isdigit():
        return int(s)
    if all(c in _CN_DIGITS for c in s):  # digit-by-digit years
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    if "十" in s:
        a, _, b = s.partition("十")
        tens = _CN_DIGITS.get(a, 1) if a else 1
        ones = _CN_DIGITS.get(b, 0) if b else 0
        if (a and a not in _CN_DIGITS) or (b and b not in _CN_DIGITS):
            return None
        return tens * 10 + ones
    return None


def find_dates(text: str) -> list[RawDate]:
    """Every date expression in ``text``, in order: days, and months and years standing alone."""
    days = _find_days(text)
    taken = [(d.start, d.end) for d in days]
    out = list(days)
    for pattern in (_MONTH, _YEAR_ALONE):
        for mt in pattern.finditer(text):
            if any(s < mt.end() and mt.start() < e for s, e in taken):
                continue
            g = mt.groupdict()
            y = cn_number(g["y"]) if g["y"] else None
            m = cn_number(g["m"]) if g.get("m") else None
            if (g["y"] and y is None) or (g.get("m") and m is None):
                continue
            taken.append((mt.start(), mt.end()))
            out.append(RawDate(mt.start(), mt.end(), y, m, None))
    return sorted(out, key=lambda d: d.start)


def _find_days(text: str) -> list[RawDate]:
    out = []
    for mt in _DATE.finditer(text):
        g = mt.groupdict()
        if g["m"] is None and g["y"] is None and not re.match(rf"{_N}{{1,3}}\s*日", text[mt.start():]):
            continue
        y = cn_number(g["y"]) if g["y"] else None
        m = cn_number(g["m"]) if g["m"] else None
        d = cn_number(g["d"])
        m2 = g["m2"] or g["m3"]
        d2 = g["d2"] or g["d3"]
        if d is None or (g["y"] and y is None) or (g["m"] and m is None):
            continue
        out.append(RawDate(mt.start(), mt.end(), y, m, d,
                           cn_number(m2) if m2 else None, cn_number(d2) if d2 else None))
    return out


# --- the date an article or a document states: a year and a month, maybe a day -----------------
_STATED = re.compile(rf"(?P<y>{_N}{{4}})\s*年\s*(?P<m>{_N}{{1,2}})\s*月(?:\s*(?P<d>{_N}{{1,3}})\s*日)?")
# a line that is only a date (and a few characters: 2021年3月5日 星期五)
_DATELINE = re.compile(r"^[\d一二三四五六七八九十〇零○Ｏ]{2,4}年[\d一二三四五六七八九十]{1,2}月([\d一二三四五六七八九十]{1,3}日)?.{0,4}$")


def _stated(mt: re.Match) -> str | None:
    """The ISO day (or, for a day that does not exist or is not written, month) of a stated date."""
    y, mo = cn_number(mt["y"]), cn_number(mt["m"])
    if y is None or mo is None or not (1900 <= y <= 2100 and 1 <= mo <= 12):
        return None
    d = cn_number(mt["d"]) if mt["d"] else None
    return (_iso(y, mo, d) if d is not None else None) or f"{y:04d}-{mo:02d}"


def first_date(texts) -> str | None:
    """The first full date (a year and a month, maybe a day) the texts state, as an ISO day or month."""
    for t in texts:
        if "年" not in t:  # in every date
            continue
        for mt in _STATED.finditer(t):
            d = _stated(mt)
            if d:
                return d
    return None


def is_dateline(line: str) -> bool:
    """True for a line that is only a date (a masthead's or a notice's date line).

    >>> is_dateline("2021年3月5日"), is_dateline("2021年3月5日，协会召开年会")
    (True, False)
    """
    return _DATELINE.match(line) is not None


def year_in(name: str) -> str | None:
    """The year an event's name states (2020年全国“质量月”活动 -> '2020')."""
    mt = _YEAR.search(name)
    return mt.group(1) if mt else None


def complete(raw: RawDate, *context: str | None) -> tuple[str | None, str | None]:
    """(date, end date) as ISO dates of the precision written (a day, a month or a year), the
    missing year (and, for a day, month) taken from the first context that has them.

    Contexts are ISO dates of any precision ('2020', '2020-09', '2020-09-12'). A date that
    cannot be completed to a valid day, month or year gives ``(None, None)``; only days have an
    end date.
    """
    year, month = raw.year, raw.month
    if raw.day is None and month is None:  # a year as a whole
        return (f"{year:04d}", None) if year is not None and 1900 <= year <= 2100 else (None, None)
    for c in context:
        if not c:
            continue
        parts = c.split("-")
        if year is None:
            year = int(parts[0])
            if month is None and len(parts) > 1:
                month = int(parts[1])
        elif month is None and len(parts) > 1 and int(parts[0]) == year:
            month = int(parts[1])
        if year is not None and month is not None:
            break
    if year is None or month is None:
        return None, None
    if raw.day is None:  # a month as a whole
        return (f"{year:04d}-{month:02d}", None) if 1900 <= year <= 2100 and 1 <= month <= 12 else (None, None)
    start = _iso(year, month, raw.day)
    if start is None:
        return None, None
    end = None
    if raw.end_day is not None:
        end_month = raw.end_month or month
        end = _iso(year, end_month, raw.end_day)
        if end is not None and end <= start:
            end = None
    return start, end


_ISO = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def iso_precision(text: str) -> str:
    """``"day"``, ``"month"`` or ``"year"``: the precision of an ISO date written ``YYYY-MM-DD``,
    ``YYYY-MM`` or ``YYYY`` (the forms the graph, the queries' parameters and gold files use).
    Raises ValueError for anything else, or for a month or day that does not exist.

    >>> [iso_precision(t) for t in ("2020-09-12", "2020-09", "2020")]
    ['day', 'month', 'year']
    """
    mt = _ISO.fullmatch(text.strip())
    if not mt:
        raise ValueError(f"{text!r} is not YYYY-MM-DD, YYYY-MM or YYYY")
    year, month, day = (int(g) if g else None for g in mt.groups())
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"{text!r}: no month {month}")
    if day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"{text!r}: no day {day} in {year:04d}-{month:02d}")
    return "day" if day is not None else "month" if month is not None else "year"


def day_bounds(text: str) -> tuple[str, str]:
    """The first and the last day of an ISO day, month or year (ValueError if it is none).

    >>> day_bounds("2020-02"), day_bounds("2021"), day_bounds("2020-09-12")
    (('2020-02-01', '2020-02-29'), ('2021-01-01', '2021-12-31'), ('2020-09-12', '2020-09-12'))
    """
    precision = iso_precision(text)
    text = text.strip()
    if precision == "day":
        return text, text
    if precision == "year":
        return f"{text}-01-01", f"{text}-12-31"
    year, month = int(text[:4]), int(text[5:7])
    return f"{text}-01", f"{text}-{calendar.monthrange(year, month)[1]:02d}"


def _iso(year: int, month: int, day: int) -> str | None:
    if not (1900 <= year <= 2100 and 1 <= month <= 12):
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"
