"""Synthetic corpora for bench_scale.py: copies of the development texts and the seeds, each altered.

Copy ``i`` of a text gets other years and days, other person names (those its gold file lists, and
each copy draws new ones) and other company names (city and brand swapped), so extraction sees distinct
entities in every copy, not the same text with one byte changed. Deterministic: the same size gives
the same files.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "dev"
SEEDS = ROOT / "seeds"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国志红斌宇浩凯健俊帆帅旭宁晨阳佳欣雪琳晶博文立新海波峰毅"
CITIES = ["苏州", "无锡", "常州", "宁波", "温州", "洛阳", "襄阳", "株洲", "柳州", "芜湖", "烟台", "潍坊", "徐州", "绵阳",
          "德阳", "宝鸡", "泉州", "佛山", "东莞", "嘉兴", "台州", "绍兴", "扬州", "镇江", "南通", "盐城", "淄博", "济宁"]
BRANDS = "恒瑞华盛天诚博远宏达永信金鼎中科精工新源鑫泰巨力东方昊天联创海纳启明正泰长城"


def _rng(*parts) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def _person(i: int, name: str) -> str:
    r = _rng(i, name)
    given = GIVEN[r % len(GIVEN)] + (GIVEN[(r >> 8) % len(GIVEN)] if len(name) > 2 else "")
    return SURNAMES[(r >> 16) % len(SURNAMES)] + given


def _company(i: int, name: str) -> str:
    r = _rng(i, name, "c")
    brand = BRANDS[r % len(BRANDS)] + BRANDS[(r >> 8) % len(BRANDS)]
    return CITIES[(r >> 16) % len(CITIES)] + brand + name[4:]


def _sources() -> list[tuple[str, str, list[str], list[str]]]:
    """(name, text, person names, company names) of each source text."""
    out = []
    for p in sorted((DEV / "texts").glob("*.txt")) + sorted(SEEDS.glob("*.txt")):
        text = p.read_text(encoding="utf-8")
        people, companies = [], []
        gold = DEV / "gold" / f"{p.name}.json"
        if gold.is_file():
            for e in json.loads(gold.read_text(encoding="utf-8")).get("entities", []):
                names = [n for n in e.get("names", []) if n in text]
                if e.get("type") == "Person":
                    people += [n for n in names if 2 <= len(n) <= 3]
                elif e.get("type") == "Company":
                    companies += [n for n in names if len(n) >= 8]
        out.append((p.stem, text, sorted(set(people), key=len, reverse=True),
                    sorted(set(companies), key=len, reverse=True)))
    return out


_YEAR = re.compile(r"20[0-2]\d(?=年|-|届|\b)")
_DAY = re.compile(r"(\d{1,2})日")


def variant(i: int, text: str, people: list[str], companies: list[str]) -> str:
    """Copy ``i`` of ``text``: names and dates swapped (copy 0 is the text itself)."""
    if i == 0:
        return text
    shift = i % 23 - 11
    text = _YEAR.sub(lambda m: str(int(m.group()) + shift), text)
    text = _DAY.sub(lambda m: f"{(int(m.group(1)) + i) % 28 + 1}日", text)
    for n in companies:
        text = text.replace(n, _company(i, n))
    for n in people:
        text = text.replace(n, _person(i, n))
    return text


def make_corpus(folder: Path, size: int) -> int:
    """Write ``size`` distinct documents into ``folder``; the number of characters written."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = _sources()
    seen: set[str] = set()
    chars = 0
    for k in range(size):
        name, text, people, companies = sources[k % len(sources)]
        copy = k // len(sources)
        t = variant(copy, text, people, companies)
        h = hashlib.sha256(t.encode()).hexdigest()
        if h in seen:  # a text with nothing to swap: still a distinct document
            t += f"\n（第{copy}期）\n"
        seen.add(hashlib.sha256(t.encode()).hexdigest())
        (folder / f"{k:05d}_{name}.txt").write_text(t, encoding="utf-8")
        chars += len(t)
    return chars
