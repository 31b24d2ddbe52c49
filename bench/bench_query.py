#!/usr/bin/env python
"""Load time and stored-query latency: Oxigraph (the embedded on-disk store) against rdflib (in memory).

Generates a synthetic graph of ``--triples`` triples (default 1,000,000) in the project's ontology,
deterministic for a ``--seed``: organizations of the four kinds with Chinese names, abbreviations
and units (``kg:subOrganizationOf``), people with posts (``org:Membership``/``org:Role``), events
with dates, places, hosts, co-hosts, guiding and supporting bodies, attendees, chairs and speakers,
documents with document numbers and their issuers, awards with conferrers and recipients.
Organizations take part in events with Zipf popularity (s=1), so the first one
(中国机械工业质量管理协会, 中机质协) is in about a third of all events, as the publisher of a
newsletter corpus would be; posts are spread more evenly (s=0.5: a body is named often but employs
few of the people named).

``--shape ttl`` (default) is ``graph.ttl``: every fact once, in the default graph. ``--shape trig`` is
``graph.trig``: entities in the default graph, one named graph per news item with its facts and a
reified provenance statement (10 triples) per relation, so fewer events (and, in proportion, fewer
organizations and people) fit in the same triples.

It then measures
- the load: ``kg.store.load_store`` (Oxigraph bulk load into ``OUT/store`` on disk, including the
  hash of the file) against ``rdflib.Graph().parse`` (``Dataset(default_union=True)`` for TriG);
- for EVERY stored query (``ontology/queries/*.rq``) the median of ``--runs`` runs after one
  warm-up, rows materialized as Python values, in up to three cases: ``typical`` (a question about
  an entity at the 90th percentile of activity, a one-month range), ``(largest)`` (中机质协, the
  most-conferred award, a whole year; every row, and ``(largest, page)``: the first 100, as
  ``kg query`` shows by default) and ``(page)`` (no parameter: the first page of 100 rows of the
  listing); ``--full-listings`` adds ``(all)``, every row of a listing. Oxigraph is
  timed in process (``Store.query``) and through ``kg.query.run_query`` (its worker process); rdflib
  with ``Graph.query`` on the same text, the parameters also passed as ``initBindings`` (as rdflib
  users do; its evaluator joins VALUES late). rdflib runs in a forked child per query, stopped after
  ``--rdflib-timeout`` seconds and reported as "timeout"; its repetitions stop once
  ``--rdflib-budget`` seconds are spent (the number of runs is printed).
Both engines must return the same rows (compared as sorted multisets; GROUP_CONCAT parts sorted).

Target: every stored query under 100 ms on Oxigraph (median, in process) at 1M triples, for a
typical question and for the first page of a listing. The largest entity is reported apart: its
time grows with its rows (about 10-40 us a row here, more where they are counted or sorted).

    python bench/bench_query.py                      # 1M triples, ttl shape, 5 runs (~35 min with rdflib)
    python bench/bench_query.py --triples 100000 --json
    python bench/bench_query.py --shape trig --skip-rdflib
"""

from __future__ import annotations

import argparse
import bisect
import gc
import itertools
import json
import multiprocessing as mp
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402
import rdflib  # noqa: E402

from kg.query import (IRI, bind_parameters, close_workers, entity_lookup, list_queries, paginate,  # noqa: E402
                      resolve_query, run_query, to_python)

PAGE = 100
from kg.store import load_store, open_store, read_manifest  # noqa: E402

TARGET_MS = 100.0
KG = "https://example.org/cnqkg/ontology#"
ID = "https://example.org/cnqkg/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"

# --- vocabulary for names ------------------------------------------------------------------------------
REGIONS = ("北京市 天津市 上海市 重庆市 河北省 山西省 辽宁省 吉林省 黑龙江省 江苏省 浙江省 安徽省 福建省 江西省 山东省 "
           "河南省 湖北省 湖南省 广东省 海南省 四川省 贵州省 云南省 陕西省 甘肃省 青海省 内蒙古自治区 广西壮族自治区 "
           "西藏自治区 宁夏回族自治区 新疆维吾尔自治区 石家庄市 太原市 沈阳市 大连市 长春市 哈尔滨市 南京市 苏州市 无锡市 "
           "杭州市 宁波市 合肥市 福州市 厦门市 南昌市 济南市 青岛市 郑州市 洛阳市 武汉市 长沙市 广州市 深圳市 成都市 "
           "贵阳市 昆明市 西安市 兰州市 徐州市 常州市 潍坊市 株洲市 柳州市 绵阳市 德阳市 襄阳市").split()
INDUSTRIES = ("机械 电工 汽车 机床 工程机械 农业机械 重型机械 通用机械 仪器仪表 电器 轴承 液压 模具 铸造 锻压 焊接 "
              "热处理 齿轮 电机 电线电缆 石化装备 矿山机械 起重运输 内燃机 工业自动化 机器人 数控 传感器 电力装备 "
              "风电装备 核电装备 轨道交通装备 船舶装备 航空装备 医疗器械 食品机械 包装机械 纺织机械 印刷机械 "
              "环保装备 智能制造 增材制造 标准化 计量 检验检测 认证认可 质量管理 可靠性 品牌建设").split()
BRANDS = "华宇 恒通 东方 中联 宏达 天成 金鼎 瑞丰 新华 长城 远大 博奥 正泰 鸿运 兴业 安泰 永昌 泰山 黄河 长江".split()
ORG_KINDS = (  # (type, share, suffixes, alias suffix)
    ("GovernmentBody", 0.22, ("工业和信息化局", "市场监督管理局", "科学技术厅", "质量技术监督局", "发展和改革委员会"), "局"),
    ("Association", 0.33, ("行业协会", "质量管理协会", "学会", "产业联盟", "标准化技术委员会", "联合会"), "协"),
    ("Company", 0.33, ("有限公司", "股份有限公司", "集团有限公司", "科技有限公司"), "公司"),
    ("ResearchInstitute", 0.12, ("研究院", "研究所", "大学", "职业技术学院", "检测研究院"), "院"),
)
UNITS = ("秘书处", "办公室", "质量处", "科技司", "标准化部", "学术研究部", "培训中心", "检测中心", "综合处", "会员部")
TOP_ORGS = (  # the most popular bodies, as in the real corpus
    ("中国机械工业质量管理协会", "Association", ("中机质协",)),
    ("工业和信息化部", "GovernmentBody", ("工信部",)),
    ("国家市场监督管理总局", "GovernmentBody", ("市场监管总局", "国家市场监管总局")),
    ("中国质量协会", "Association", ("中国质协",)),
    ("中国机械工业联合会", "Association", ("中机联",)),
    ("机械工业北京电工技术经济研究所", "ResearchInstitute", ("电工所",)),
)
SURNAMES = ("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 袁 潘 "
            "于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 贾 夏 韦 付 方 白 邹 孟 熊 秦 邱 "
            "江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 覃 武 戴 莫 孔 向 汤").split()
GIVEN = ("建 国 明 华 伟 强 军 平 刚 勇 杰 涛 斌 超 波 辉 磊 鹏 宇 浩 凯 峰 新 志 春 海 东 文 立 永 红 丽 芳 敏 静 燕 艳 "
         "娟 霞 玲 梅 琳 颖 晶 洁 雪 慧 婷 倩 兰 云 和 宏 庆 德 胜 利 民 安 福 荣 祥 瑞 亮 林 松 清 正 光 天 学 思 晓 "
         "宁 远 成 良 忠 卫 振 跃 钢 铁 贵 生 泉 江 山 翔 飞 龙 虎 晨 阳 旭 昊 然 博 睿 哲 瑶 琦 璐 蕾 楠 欣 悦 妍").split()
TITLES = ("会长 副会长 常务副会长 秘书长 副秘书长 副会长兼秘书长 理事长 副理事长 理事 监事长 主任委员 副主任委员 委员 "
          "部长 副部长 司长 副司长 局长 副局长 处长 副处长 主任 副主任 科长 调研员 巡视员 一级巡视员 董事长 总经理 "
          "副总经理 总工程师 质量总监 首席质量官 院长 副院长 所长 副所长 校长 教授 研究员 高级工程师 工程师 院士").split()
EVENT_KINDS = ("质量工作会议 质量品牌工作会议 质量发展论坛 质量管理培训班 专家座谈会 质量技术研讨会 表彰大会 成果发布会 "
               "质量管理小组活动成果交流会 标准宣贯会 现场推进会 年会 质量月活动 用户满意工程推进会 可靠性技术交流会 "
               "首席质量官培训班 质量标杆经验交流会 品牌价值评价发布会").split()
AWARD_KINDS = ("质量奖 质量技术奖 优秀质量管理小组 用户满意产品 质量标杆 品牌培育示范企业 优秀论文一等奖 先进单位 "
               "先进个人 质量勋章 科技进步奖 标准创新贡献奖").split()
DOC_KINDS = ("关于开展{y}年{i}质量品牌活动的通知 关于做好{y}年{i}质量提升工作的通知 {i}质量发展规划（{y}—{z}年） "
             "关于印发{i}可靠性提升实施方案的通知 关于公布{y}年{i}质量标杆名单的通知 关于举办{i}首席质量官培训班的通知 "
             "{i}质量管理体系要求（{y}版） 关于征集{y}年{i}质量案例的通知").split()


class Writer:
    """Turtle/TriG with full IRIs, subject blocks, a triple counter and no duplicate triples by construction."""

    def __init__(self, f):
        self.f, self.n, self.bnodes = f, 0, 0

    @staticmethod
    def iri(s: str) -> str:
        return f"<{s}>"

    @staticmethod
    def lit(s: str, lang: str | None = "zh", dtype: str | None = None) -> str:
        body = s.replace("\\", "\\\\").replace('"', '\\"')
        if dtype:
            return f'"{body}"^^<{dtype}>'
        return f'"{body}"@{lang}' if lang else f'"{body}"'

    def block(self, subject: str, pairs: list[tuple[str, str]], indent: str = "") -> None:
        if not pairs:
            return
        body = f" ;\n{indent}    ".join(f"<{p}> {o}" for p, o in pairs)
        self.f.write(f"{indent}{subject} {body} .\n")
        self.n += len(pairs)


def _zipf_cum(n: int, s: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (i + 1) ** s for i in range(n)))


def _pick_distinct(rng: random.Random, cum: list[float], k: int) -> list[int]:
    out: list[int] = []
    total = cum[-1]
    tries = 0
    while len(out) < k and tries < 20 * k:
        i = bisect.bisect_left(cum, rng.random() * total)
        if i not in out:
            out.append(i)
        tries += 1
    return out


def generate(path: Path, n_triples: int, seed: int = 7, shape: str = "ttl") -> dict:
    """Write a synthetic graph of about ``n_triples`` triples (the count is exact in the result)."""
    rng = random.Random(seed)
    # TriG spends ~10 triples of provenance on each relation, so the same triples hold about a fifth
    # as many news items: the pools of organizations, people and awards shrink with them
    scale = n_triples / 1_000_000 / (5 if shape == "trig" else 1)
    n_orgs = max(60, int(20_000 * scale))
    n_people = max(150, int(60_000 * scale))
    n_awards = max(20, int(800 * scale))
    trig = shape == "trig"
    stats: dict = {}
    with path.open("w", encoding="utf-8") as f:
        w = Writer(f)
        f.write("# synthetic graph for bench/bench_query.py\n")
        # ---- ontology axioms
        for t in ("GovernmentBody", "Association", "Company", "ResearchInstitute"):
            w.block(w.iri(KG + t), [(RDFS + "subClassOf", w.iri(KG + "Organization"))])
        # ---- places
        places = []
        for r in REGIONS:
            iri = ID + "place/" + r
            places.append(iri)
            w.block(w.iri(iri), [(RDF_TYPE, w.iri(KG + "Place")), (RDFS + "label", w.lit(r))])
        # ---- organizations
        orgs: list[tuple[str, str, str]] = []  # (iri, type, label)
        names: set[str] = set()
        aliases_of: dict[int, list[str]] = {}
        for label, typ, aliases in TOP_ORGS:
            names.add(label)
            aliases_of[len(orgs)] = list(aliases)
            orgs.append((ID + "org/" + label, typ, label))
        kinds_cum = list(itertools.accumulate(k[1] for k in ORG_KINDS))
        while len(orgs) < n_orgs:
            typ, _, suffixes, alias_suffix = ORG_KINDS[bisect.bisect_left(kinds_cum, rng.random() * kinds_cum[-1])]
            region, ind, suf = rng.choice(REGIONS), rng.choice(INDUSTRIES), rng.choice(suffixes)
            label = f"{region}{ind}{suf}"
            if typ == "Company" or label in names:
                label = f"{region}{rng.choice(BRANDS)}{ind}{suf}"
            if label in names:
                label = f"{region}{rng.choice(BRANDS)}{rng.choice(BRANDS)}{ind}{suf}"
            if label in names:
                continue
            names.add(label)
            al = []
            if rng.random() < 0.8:
                al.append(region.rstrip("省市") [:2] + ind[:2] + alias_suffix)  # abbreviations may collide: realistic
            if rng.random() < 0.3:
                al.append(label.replace(region, "", 1))
            aliases_of[len(orgs)] = al
            orgs.append((ID + "org/" + label, typ, label))
        org_cum = _zipf_cum(len(orgs), 1.0)
        # units of organizations: 12% of organizations get units, popular ones more often
        n_units = int(len(orgs) * 0.12)
        parent_of: dict[int, int] = {}
        for _ in range(n_units):
            p = _pick_distinct(rng, org_cum, 1)[0]
            unit = rng.choice(UNITS)
            label = orgs[p][2] + unit
            if label in names:
                continue
            names.add(label)
            parent_of[len(orgs)] = p
            aliases_of[len(orgs)] = []
            orgs.append((ID + "org/" + label, orgs[p][1], label))
        org_cum = _zipf_cum(len(orgs), 1.0)  # units join the tail
        for i, (iri, typ, label) in enumerate(orgs):
            pairs = [(RDF_TYPE, w.iri(KG + typ)), (RDFS + "label", w.lit(label))]
            pairs += [(SKOS + "altLabel", w.lit(a)) for a in dict.fromkeys(aliases_of.get(i, [])) if a != label]
            if i in parent_of:
                pairs.append((KG + "subOrganizationOf", w.iri(orgs[parent_of[i]][0])))
            w.block(w.iri(iri), pairs)
        # ---- people and their posts
        people: list[str] = []
        pnames: set[str] = set()
        while len(people) < n_people:
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
            if name in pnames:
                continue
            pnames.add(name)
            people.append(name)
            w.block(w.iri(ID + "person/" + name), [(RDF_TYPE, w.iri(KG + "Person")), (RDFS + "label", w.lit(name))])
        for t in TITLES:
            w.block(w.iri(ID + "role/" + t), [(RDF_TYPE, w.iri(ORG + "Role")), (RDFS + "label", w.lit(t))])
        # posts are spread more evenly than events: an association is named in many news items but
        # only a few dozen of the people named hold a post in it
        post_cum = _zipf_cum(len(orgs), 0.5)
        n_memberships = 0
        for pi, name in enumerate(people):
            for k in range(rng.choice((1, 1, 1, 2, 2, 3))):
                title = rng.choice(TITLES)
                pairs = [(RDF_TYPE, w.iri(ORG + "Membership")), (ORG + "member", w.iri(ID + "person/" + name)),
                         (ORG + "role", w.iri(ID + "role/" + title))]
                if rng.random() < 0.92:
                    oi = _pick_distinct(rng, post_cum, 1)[0]
                    pairs.append((ORG + "organization", w.iri(orgs[oi][0])))
                w.block(w.iri(f"{ID}membership/{pi}-{k}"), pairs)
                n_memberships += 1
        # ---- awards
        awards = []
        for i in range(n_awards):
            label = (f"{rng.choice(INDUSTRIES)}{rng.choice(AWARD_KINDS)}" if i % 3 else
                     f"{rng.randint(2015, 2024)}年度{rng.choice(INDUSTRIES)}{rng.choice(AWARD_KINDS)}")
            iri = ID + "award/" + label
            if iri in awards:
                continue
            awards.append(iri)
            w.block(w.iri(iri), [(RDF_TYPE, w.iri(KG + "Award")), (RDFS + "label", w.lit(label))])
        award_cum = _zipf_cum(len(awards), 1.0)
        person_cum = _zipf_cum(len(people), 0.6)
        # ---- events (and documents), until the triple budget is spent
        n_events = n_docs = n_stmt = 0
        ev_names: set[str] = set()
        doc_names: set[str] = set()
        award_facts: set[tuple[str, str, str]] = set()  # the same conferral is one triple, however often told
        org_events: dict[str, int] = {}
        org_docs: dict[str, int] = {}
        award_count: dict[str, int] = {}
        while w.n < n_triples:
            y = rng.randint(2015, 2024)
            kind = rng.choice(EVENT_KINDS)
            label = f"{y}年{rng.choice(REGIONS)}{rng.choice(INDUSTRIES)}{kind}"
            if label in ev_names:
                label = f"第{rng.randint(2, 30)}届{label}"
                if label in ev_names:
                    continue
            ev_names.add(label)
            ev = ID + "event/" + label
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            epairs = [(RDF_TYPE, w.iri(KG + "Event")), (RDFS + "label", w.lit(label)),
                      (KG + "date", w.lit(f"{y}-{month:02d}-{day:02d}", dtype=XSD + "date"))]
            if rng.random() < 0.1:
                epairs.append((KG + "endDate", w.lit(f"{y}-{month:02d}-{min(28, day + rng.randint(1, 20)):02d}",
                                                     dtype=XSD + "date")))
            if rng.random() < 0.3:
                epairs.append((SKOS + "altLabel", w.lit(label[5:] if label[4] == "年" else label[:12])))
            if rng.random() < 0.7:
                epairs.append((KG + "heldIn", w.iri(rng.choice(places))))
            facts: list[tuple[str, str, str]] = []  # (subject, predicate, object IRI) relations
            orgs_here = _pick_distinct(rng, org_cum, rng.choice((1, 1, 2, 2, 3, 3, 4, 5)))
            roles = ["hosted"] + [rng.choice(("hosted", "coHosted", "coHosted", "guided", "supported"))
                                  for _ in orgs_here[1:]]
            for oi, role in zip(orgs_here, roles):
                facts.append((orgs[oi][0], KG + role, ev))
            for oi in _pick_distinct(rng, org_cum, rng.choice((0, 0, 1, 2, 3))):
                if oi not in orgs_here:
                    facts.append((orgs[oi][0], KG + "attended", ev))
            ps = _pick_distinct(rng, person_cum, rng.randint(1, 8))
            for j, pi in enumerate(ps):
                person = ID + "person/" + people[pi]
                facts.append((person, KG + "attended", ev))
                if j == 0 and rng.random() < 0.6:
                    facts.append((person, KG + "chaired", ev))
                elif j <= 3 and rng.random() < 0.6:
                    facts.append((person, KG + "spokeAt", ev))
            if rng.random() < 0.08:
                a = awards[_pick_distinct(rng, award_cum, 1)[0]]
                facts.append((ev if rng.random() < 0.5 else orgs[orgs_here[0]][0], KG + "awarded", a))
                for oi in _pick_distinct(rng, org_cum, rng.randint(1, 4)):
                    facts.append((orgs[oi][0], KG + "receivedAward", a))
                if rng.random() < 0.5:
                    facts.append((ID + "person/" + people[ps[0]], KG + "receivedAward", a))
            doc_blocks = []
            if rng.random() < 0.3:
                ind = rng.choice(INDUSTRIES)
                title = rng.choice(DOC_KINDS).format(y=y, z=y + 5, i=ind)
                if title not in doc_names:
                    doc_names.add(title)
                    d = ID + "document/" + title
                    issuer = orgs[orgs_here[0]]
                    number = f"{aliases_of.get(orgs_here[0]) and aliases_of[orgs_here[0]][0] or issuer[2][:4]}〔{y}〕{rng.randint(1, 200)}号"
                    doc_blocks.append((d, [(RDF_TYPE, w.iri(KG + "Document")), (RDFS + "label", w.lit(title)),
                                           (SKOS + "altLabel", w.lit(number))]))
                    for oi in [orgs_here[0]] + _pick_distinct(rng, org_cum, rng.choice((0, 0, 0, 1))):
                        if (orgs[oi][0], KG + "issued", d) not in facts:
                            facts.append((orgs[oi][0], KG + "issued", d))
                    n_docs += 1
            facts = list(dict.fromkeys(facts))
            if not trig:
                facts = [x for x in facts if not (x[1] in (KG + "awarded", KG + "receivedAward") and x in award_facts)]
            for x in facts:
                if x[1] in (KG + "awarded", KG + "receivedAward"):
                    award_facts.add(x)
                    award_count[x[2]] = award_count.get(x[2], 0) + 1
                elif x[2] == ev and x[0].startswith(ID + "org/"):
                    org_events[x[0]] = org_events.get(x[0], 0) + 1
                elif x[1] == KG + "issued":
                    org_docs[x[0]] = org_docs.get(x[0], 0) + 1
            if trig:
                f.write(f"<https://example.org/cnqkg/id/source/news-{n_events:07d}.txt> {{\n")
            w.block(w.iri(ev), epairs, "  " if trig else "")
            for d, pairs in doc_blocks:
                w.block(w.iri(d), pairs, "  " if trig else "")
            by_subject: dict[str, list[tuple[str, str]]] = {}
            for s, p, o in facts:
                by_subject.setdefault(s, []).append((p, w.iri(o)))
            for s, pairs in by_subject.items():
                w.block(w.iri(s), pairs, "  " if trig else "")
            if trig:
                src = f"https://example.org/cnqkg/id/source/news-{n_events:07d}.txt"
                for k, (s, p, o) in enumerate(facts):
                    start = rng.randint(0, 5000)
                    w.block(f"_:st{n_events}x{k}", [
                        (RDF_TYPE, w.iri(RDF + "Statement")), (RDF + "subject", w.iri(s)),
                        (RDF + "predicate", w.iri(p)), (RDF + "object", w.iri(o)),
                        (PROV + "wasDerivedFrom", w.iri(src)),
                        (KG + "sentenceText", w.lit(f"{label}在京召开。", lang=None)),
                        (KG + "startOffset", w.lit(str(start), lang=None, dtype=XSD + "integer")),
                        (KG + "endOffset", w.lit(str(start + 40), lang=None, dtype=XSD + "integer")),
                        (KG + "extractor", w.lit("rule:" + p.rsplit("#", 1)[1], lang=None)),
                        (KG + "confidence", w.lit("0.9", lang=None, dtype=XSD + "decimal"))], "  ")
                    n_stmt += 1
                f.write("}\n")
            n_events += 1
        stats.update(triples=w.n, organizations=len(orgs), units=len(parent_of), people=len(people),
                     memberships=n_memberships, events=n_events, documents=n_docs, awards=len(awards),
                     statements=n_stmt, bytes=f.tell())
    def p90(counts: dict[str, int]) -> str:  # a busy but not exceptional entity: 90th percentile
        ranked = sorted(counts, key=lambda k: (counts[k], k))
        return ranked[int(len(ranked) * 0.9)]

    typical_org = p90(org_events).split("/org/", 1)[1]
    stats["params"] = {
        "typical": {
            "event": sorted(ev_names)[len(ev_names) // 2],
            "org": typical_org,
            "person": people[len(people) // 2],
            "award": p90(award_count).split("/award/", 1)[1],
            "from": "2020-06-01", "to": "2020-06-30",
            "name": typical_org,
        },
        "typical_for": {  # where the typical organization has no rows: a typical issuer of documents
            "org-documents": {"org": p90(org_docs).split("/org/", 1)[1]},
        },
        "largest": {  # the entity with the most facts, the longest range
            "org": "中机质协",
            "award": max(award_count, key=lambda k: (award_count[k], k)).split("/award/", 1)[1],
            "from": "2020-01-01", "to": "2020-12-31",
            "name": "中机质协",
        },
    }
    stats["events_of"] = {"typical_org": org_events[ID + "org/" + typical_org],
                          "top_org": org_events[ID + "org/中国机械工业质量管理协会"]}
    return stats


# --- measuring ------------------------------------------------------------------------------------------
def _norm_value(v) -> str:
    if hasattr(v, "toPython"):
        v = v.toPython()
    s = v.isoformat() if hasattr(v, "isoformat") else str(v)
    return " / ".join(sorted(s.split(" / "))) if " / " in s else s


def _signature(rows) -> tuple[int, int]:
    """Order-independent fingerprint of a result: (row count, hash of the sorted rows)."""
    norm = sorted(tuple(_norm_value(v) for v in r) for r in rows)
    return len(norm), hash(tuple(norm))


def _time_runs(fn, runs: int, budget: float | None = None) -> tuple[list[float], list]:
    out = fn()  # warm-up
    times: list[float] = []
    spent = 0.0
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        times.append(dt)
        spent += dt
        if budget is not None and spent > budget:
            break
    return times, out


def _rdflib_child(conn, graph, text: str, bindings: dict, runs: int, budget: float) -> None:
    try:
        def run():
            return [tuple(r) for r in graph.query(text, initBindings=bindings)]

        t = time.perf_counter()
        rows = run()
        first = time.perf_counter() - t
        if first > budget:  # one run is all the budget allows: report it
            conn.send(("ok", [first], _signature(rows)))
            return
        times, rows = _time_runs(run, runs, budget)
        conn.send(("ok", times, _signature(rows)))
    except Exception as e:  # report, do not crash the benchmark
        conn.send(("error", f"{type(e).__name__}: {e}"))


def time_rdflib(graph, text: str, bindings: dict, runs: int, budget: float, timeout: float) -> dict:
    ctx = mp.get_context("fork")  # the child shares the loaded graph copy-on-write
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_rdflib_child, args=(child, graph, text, bindings, runs, budget))
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            proc.kill()
            return {"status": "timeout", "median_ms": None, "runs": 0}
        reply = parent.recv()
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
    if reply[0] == "error":
        return {"status": "error", "error": reply[1], "median_ms": None, "runs": 0}
    _, times, sig = reply
    return {"status": "ok", "median_ms": statistics.median(times) * 1000, "runs": len(times),
            "rows": sig[0], "signature": sig[1]}


def cases(params: dict, full_listings: bool = False) -> list[tuple[str, str, str, dict]]:
    """(label, kind, stored query, parameters) for every stored query.

    kind ``typical``: a typical question (a 90th-percentile entity, one month); ``largest``: the
    entity with the most facts or a whole year; ``page``: no parameter, the first page of the
    listing; ``all``: no parameter, every row (only with ``full_listings``). A query whose parameter
    is required has no listing.
    """
    out = []
    for q in list_queries():
        names = [x.name for x in q.params]
        typical = {**params["typical"], **params.get("typical_for", {}).get(q.name, {})}
        out.append((q.name, "typical", q.name, {n: typical[n] for n in names if n in typical}))
        big = {n: params["largest"][n] for n in names if n in params["largest"]}
        if big:
            out.append((f"{q.name} (largest)", "largest", q.name, big))
            out.append((f"{q.name} (largest, page)", "largest-page", q.name, big))
        if names and not any(p.required for p in q.params):
            out.append((f"{q.name} (page)", "page", q.name, {}))
            if full_listings:
                out.append((f"{q.name} (all)", "all", q.name, {}))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--shape", choices=("ttl", "trig"), default="ttl")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-rdflib", action="store_true")
    ap.add_argument("--rdflib-budget", type=float, default=30.0,
                    help="stop repeating an rdflib query once this many seconds are spent (default 30)")
    ap.add_argument("--rdflib-timeout", type=float, default=60.0,
                    help="stop an rdflib query after this many seconds (default 60)")
    ap.add_argument("--workdir", type=Path, default=None, help="keep the generated graph and store here")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--full-listings", action="store_true",
                    help="also time every listing in full (no page; seconds each at 1M triples)")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 unless every typical question and first page is under the target")
    args = ap.parse_args()

    tmp = None
    work = args.workdir
    if work is None:
        tmp = tempfile.mkdtemp(prefix="bench-query-")
        work = Path(tmp)
    work.mkdir(parents=True, exist_ok=True)

    def log(*a):
        print(*a, file=sys.stderr, flush=True)

    try:
        gfile = work / f"graph.{args.shape}"
        for other in ("graph.ttl", "graph.trig"):
            if other != gfile.name:
                (work / other).unlink(missing_ok=True)
        t = time.perf_counter()
        stats = generate(gfile, args.triples, args.seed, args.shape)
        gen_s = time.perf_counter() - t
        log(f"generated {stats['triples']:,} triples ({stats['bytes'] / 1e6:.0f} MB, {args.shape}) in {gen_s:.1f} s: "
            f"{stats['organizations']:,} organizations, {stats['people']:,} people, {stats['events']:,} events, "
            f"{stats['documents']:,} documents, {stats['memberships']:,} posts")

        t = time.perf_counter()
        load_store(work, force=True)
        ox_load = time.perf_counter() - t
        quads = read_manifest(work)["quads"]
        log(f"oxigraph: load_store {ox_load:.1f} s ({quads:,} quads)")

        todo = cases(stats["params"], args.full_listings)
        results = {}
        store = open_store(work, refresh=False)
        lookup = entity_lookup(work, timeout=None)  # a name parameter is bound as its entity's IRI
        for label, kind, name, params in todo:
            q = resolve_query(name)
            limit = PAGE if kind in ("page", "largest-page") else None
            bound = {k: lookup(v, q.param(k).type) if q.param(k).type.startswith("name") else v
                     for k, v in params.items()}
            text = paginate(bind_parameters(q, bound), limit)

            def ox_run(text=text):
                r = store.query(text)  # the default graph: every fact once (kg.store)
                return [tuple(to_python(v) for v in sol) for sol in r]

            times, rows = _time_runs(ox_run, args.runs)
            rq_times, rq = _time_runs(lambda: run_query(name, work, params=params, timeout=None, limit=limit), args.runs)
            assert _signature(rq.rows) == _signature(rows), label
            res = results[label] = {
                "query": name, "kind": kind, "params": params, "bound": bound, "text": text,
                "oxigraph": {"median_ms": statistics.median(times) * 1000, "runs": len(times), "rows": len(rows),
                             "signature": _signature(rows)[1]},
                "run_query_ms": statistics.median(rq_times) * 1000,
            }
            res["target_met"] = res["oxigraph"]["median_ms"] < TARGET_MS
            log(f"  oxigraph {label}: {res['oxigraph']['median_ms']:.1f} ms, {len(rows)} rows")
        del store
        close_workers()
        gc.collect()

        rdf_load = None
        if not args.skip_rdflib:
            t = time.perf_counter()
            if args.shape == "trig":
                graph = rdflib.Dataset(default_union=True)
                graph.parse(gfile, format="trig")
            else:
                graph = rdflib.Graph()
                graph.parse(gfile, format="turtle")
            rdf_load = time.perf_counter() - t
            log(f"rdflib: parse {rdf_load:.1f} s ({len(graph):,} triples)")
            for label, _, _, params in todo:
                res = results[label]
                # rdflib gets the same text and, as rdflib users do, the parameters as initBindings too,
                # so that its evaluator binds them before matching (VALUES alone are joined late)
                bindings = {rdflib.Variable(k): rdflib.URIRef(v) if isinstance(v, IRI) else rdflib.Literal(v, lang="zh")
                            if k not in ("from", "to") else rdflib.Literal(v, datatype=rdflib.XSD.date)
                            for k, v in res["bound"].items()}
                r = time_rdflib(graph, res["text"], bindings, args.runs, args.rdflib_budget, args.rdflib_timeout)
                res["rdflib"] = r
                if r["status"] == "ok" and res["kind"] not in ("page", "largest-page"):
                    # (a page of an unsorted or tied listing may hold other rows in another engine)
                    res["same_rows"] = (r["rows"], r["signature"]) == (res["oxigraph"]["rows"],
                                                                       res["oxigraph"]["signature"])
                log(f"  rdflib {label}: {r['median_ms'] and round(r['median_ms'], 1)} ms ({r['status']}, {r['runs']} runs)")
            del graph
            gc.collect()

        for r in results.values():
            r.pop("text")
            r.pop("bound")
            r["oxigraph"].pop("signature", None)
            if "rdflib" in r:
                r["rdflib"].pop("signature", None)
        by_kind = {k: all(r["target_met"] for r in results.values() if r["kind"] == k)
                   for k in ("typical", "page", "largest", "largest-page", "all")
                   if any(r["kind"] == k for r in results.values())}
        report = {
            "triples": stats["triples"], "quads_loaded": quads, "shape": args.shape, "seed": args.seed,
            "runs": args.runs, "graph": {k: v for k, v in stats.items() if k != "params"}, "params": stats["params"],
            "load_seconds": {"oxigraph_load_store": round(ox_load, 2), "rdflib_parse": rdf_load and round(rdf_load, 2)},
            "target_ms": TARGET_MS, "queries": results, "target_met": by_kind,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "pyoxigraph": getattr(ox, "__version__", "?"), "rdflib": rdflib.__version__},
        }
        if args.json:
            print(json.dumps(report, ensure_ascii=False, indent=1, default=str))
        else:
            print_report(report)
        if args.check and not (by_kind["typical"] and by_kind.get("page", True)):
            sys.exit(1)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def print_report(rep: dict) -> None:
    g = rep["graph"]
    print(f"{rep['triples']:,} triples ({rep['shape']}, seed {rep['seed']}): {g['organizations']:,} organizations "
          f"({g['units']:,} units), {g['people']:,} people, {g['events']:,} events, {g['documents']:,} documents, "
          f"{g['awards']:,} awards, {g['memberships']:,} posts"
          + (f", {g['statements']:,} provenance statements" if g["statements"] else ""))
    ld = rep["load_seconds"]
    rd = f"rdflib in-memory parse {ld['rdflib_parse']:.1f} s" if ld["rdflib_parse"] is not None else "rdflib skipped"
    print(f"load: Oxigraph bulk load to disk (kg.store.load_store) {ld['oxigraph_load_store']:.1f} s; {rd}")
    print(f"median of {rep['runs']} runs after a warm-up, rows materialized as Python values "
          f"(oxigraph: Store.query in process; run_query: kg.query.run_query via its worker process)")
    head = ("query", "rows", "oxigraph ms", "run_query ms", "rdflib ms", "rdflib/ox", "same", "<100ms")
    lines = []
    for label, r in rep["queries"].items():
        ox_ms = r["oxigraph"]["median_ms"]
        rdr = r.get("rdflib")
        if not rdr:
            rd_s, ratio = "-", "-"
        elif rdr["status"] != "ok":
            rd_s, ratio = rdr["status"], "-"
        else:
            rd_s = f"{rdr['median_ms']:.1f}" + ("" if rdr["runs"] >= rep["runs"] else f" ({rdr['runs']} run)")
            ratio = f"{rdr['median_ms'] / ox_ms:.0f}x" if ox_ms else "-"
        same = {True: "yes", False: "NO", None: "-"}[r.get("same_rows")]
        lines.append((label, str(r["oxigraph"]["rows"]), f"{ox_ms:.1f}", f"{r['run_query_ms']:.1f}", rd_s, ratio, same,
                      "ok" if r["target_met"] else "MISSED"))
    widths = [max(len(h), *(len(x[i]) for x in lines)) for i, h in enumerate(head)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    for x in lines:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(x, widths))))
    for kind in ("typical", "largest"):
        print(f"{kind} parameters: " + ", ".join(f"{k}={v}" for k, v in rep["params"][kind].items()))
    for name, p in rep["params"].get("typical_for", {}).items():
        print(f"typical parameters of {name}: " + ", ".join(f"{k}={v}" for k, v in p.items()))
    ev = rep["graph"]["events_of"]
    print(f"events of the typical organization: {ev['typical_org']}; of 中机质协: {ev['top_org']}")
    tm = rep["target_met"]
    print(f"target < {rep['target_ms']:.0f} ms on Oxigraph: typical questions {'met' if tm['typical'] else 'MISSED'}; "
          f"first pages of listings {'met' if tm.get('page', True) else 'MISSED'}; "
          f"largest entity {'met' if tm['largest'] else 'not met'} "
          f"(its first page {'met' if tm.get('largest-page', True) else 'not met'})"
          + (f"; full listings {'met' if tm['all'] else 'not met'}" if "all" in tm else ""))
    m = rep["machine"]
    print(f"machine: {m['cpus']} CPUs shared with other work, Python {m['python']}, pyoxigraph {m['pyoxigraph']}, "
          f"rdflib {m['rdflib']}")


if __name__ == "__main__":
    main()
