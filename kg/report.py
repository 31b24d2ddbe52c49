"""How results are shown: display widths, truncation, tables, CSV, JSON and the text reports of every command.

The stages return plain data (rows of Python values, dicts and lists); this module alone turns it into
text, the same way for every command, and :mod:`kg.cli` only chooses which function prints what.

Widths are terminal columns: East Asian wide and full-width characters take two, combining marks none,
and the characters whose width depends on the context (``ambiguous``: “”…— in Chinese text) one in a
terminal table and two in a page of Chinese text (:mod:`kg.ingest.clean` measures hard-wrapped lines so).

>>> display_width("中机质协 ab"), display_width("“质量”"), display_width("“质量”", ambiguous=2)
(11, 6, 8)
>>> truncate("中国机械工业质量管理协会", 9), pad("中机", 6) + "|"
('中国机械…', '中机  |')
"""

from __future__ import annotations

import csv
import datetime as _dt
import html
import io
import json
import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence

from kg.ontology.namespaces import PREFIXES
from kg.records import IRI

__all__ = ["display_width", "printable", "truncate", "pad", "wrap", "to_json", "to_jsonl", "compact_iri", "cell_text",
           "format_table", "format_csv", "format_json", "format_html", "format_result", "FORMATS", "describe_queries",
           "format_stats", "format_paths", "format_build", "format_eval", "format_eval_group", "format_eval_summary"]

#: Columns of the text reports (kg stats).
REPORT_WIDTH = 100


# --- widths and truncation ------------------------------------------------------------------------
def _width_of(c: str, ambiguous: int) -> int:
    """The columns of one character, by :mod:`unicodedata` (the rule of :func:`display_width`)."""
    if unicodedata.combining(c):
        return 0
    eaw = unicodedata.east_asian_width(c)
    return 2 if eaw in ("W", "F") else ambiguous if eaw == "A" else 1


_char_width = lru_cache(maxsize=4096)(_width_of)


@lru_cache(maxsize=2)
def _not_two_columns(ambiguous: int) -> re.Pattern:
    """A character of the Basic Multilingual Plane that is not two columns wide, or any other character
    (built once from :mod:`unicodedata`; a class of the BMP alone is a bitmap for ``re``, so Chinese
    text, mostly wide, is measured by finding its few other characters)."""
    spans: list[list[int]] = []
    for cp in range(0x10000):
        if _width_of(chr(cp), ambiguous) == 2:
            if spans and spans[-1][1] == cp - 1:
                spans[-1][1] = cp
            else:
                spans.append([cp, cp])
    return re.compile("[^" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "")
                                     for a, b in spans) + "]")


def display_width(s: str, ambiguous: int = 1) -> int:
    """Columns ``s`` takes in a fixed-width font: wide and full-width characters 2, combining marks 0,
    characters of ambiguous width ``ambiguous`` (1 in a terminal, 2 in Chinese text), the rest 1."""
    others = _not_two_columns(ambiguous).findall(s)  # ASCII takes one column: only the rest is looked up
    return 2 * len(s) - len(others) + sum(_char_width(c, ambiguous) - 1 for c in others if c > "\x7f")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(s: str) -> str:
    """``s`` with no control character left for a terminal: line breaks and tabs as spaces, others as ``\\xNN``
    (text from documents is data).

    >>> printable("a\\nb\\x1b[31m")
    'a b\\\\x1b[31m'
    """
    return _CONTROL.sub(lambda m: " " if m.group() in "\n\r\t" else f"\\x{ord(m.group()):02x}", s)


def truncate(s: str, width: int | None, *, width_of: Callable[[str], int] = display_width) -> str:
    """``s`` cut to at most ``width`` columns, ending with … when cut (None: not cut). ``width_of``
    measures (``len`` counts characters, as the page's canvas labels do)."""
    if width is None or width_of(s) <= width:
        return s
    out, w = [], 0
    for c in s:
        cw = width_of(c)
        if w + cw > width - 1:
            break
        out.append(c)
        w += cw
    return "".join(out) + "…"


def pad(s: str, width: int) -> str:
    """``s`` followed by spaces up to ``width`` columns."""
    return s + " " * (width - display_width(s))


def wrap(items: Iterable[str], width: int = REPORT_WIDTH, indent: str = "  ") -> list[str]:
    """Items two spaces apart in lines of at most ``width`` columns (an item longer than that stands alone).

    >>> wrap(["中机质协 3", "工信部 2", "市场监管总局 1"], width=24)
    ['  中机质协 3  工信部 2', '  市场监管总局 1']
    """
    lines, line = [], indent
    for item in items:
        if line.strip() and display_width(line) + 2 + display_width(item) > width:
            lines.append(line)
            line = indent
        line += ("  " if line.strip() else "") + item
    return lines + ([line] if line.strip() else [])


def to_json(data: Any) -> str:
    """The JSON every ``--json`` prints: UTF-8 text as it is, one space of indent."""
    return json.dumps(data, ensure_ascii=False, indent=1)


def to_jsonl(data: Any) -> str:
    """One line of the JSON lines ``--jsonl`` prints (``kg ingest``, ``kg extract``), its newline included."""
    return json.dumps(data, ensure_ascii=False) + "\n"


# --- query results (kg query) -----------------------------------------------------------------------
class Result(Protocol):
    """What :func:`kg.query.run_query` returns (:class:`kg.query.QueryResult`)."""

    kind: str
    columns: list[str]
    rows: list[tuple]
    boolean: bool | None


def compact_iri(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """``https://example.org/cnqkg/id/org/中机质协`` -> ``id:org/中机质协`` (the longest matching namespace)."""
    best = max((ns for ns in prefixes.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return iri
    prefix = next(k for k, v in prefixes.items() if v == best)
    return f"{prefix}:{iri[len(best):]}"


def cell_text(v: Any, compact: bool) -> str:
    """A result value as text: unbound empty, booleans ``true``/``false``, dates ISO, IRIs compacted if ``compact``."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, IRI):
        return compact_iri(v) if compact else str(v)
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    return str(v)


def _table(head: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    widths = [max([display_width(h)] + [display_width(r[i]) for r in body]) for i, h in enumerate(head)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(pad(c, w) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(r) for r in body])


def format_table(result: Result, max_width: int | None = 60) -> str:
    """An aligned text table (IRIs compacted, wide characters counted as two columns, cells cut at
    ``max_width`` columns with …)."""
    if result.kind == "ask":
        return "true" if result.boolean else "false"
    if result.kind == "update":
        return "update done"
    return _table(list(result.columns), [[truncate(printable(cell_text(v, True)), max_width) for v in row]
                                         for row in result.rows])


def _json_value(v: Any) -> Any:
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return str(v)
    return v


def format_json(result: Result) -> str:
    """``{"columns": [...], "rows": [{column: value}, ...]}``, one row a line (full IRIs, ISO dates,
    decimals as strings, unbound as null); ``{"boolean": b}`` for ASK."""
    if result.kind == "ask":
        return json.dumps({"boolean": result.boolean})
    if result.kind == "update":
        return json.dumps({"update": "done"})
    rows = [json.dumps({c: _json_value(v) for c, v in zip(result.columns, r)}, ensure_ascii=False)
            for r in result.rows]
    body = ",\n  ".join(rows)
    return (f'{{"columns": {json.dumps(result.columns, ensure_ascii=False)},\n "rows": ['
            + (f"\n  {body}\n ]}}" if rows else "]}"))


def format_csv(result: Result) -> str:
    """CSV with a header row (full IRIs; empty cell for unbound)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if result.kind == "ask":
        w.writerows([["boolean"], ["true" if result.boolean else "false"]])
    elif result.kind != "update":
        w.writerow(result.columns)
        w.writerows([[cell_text(v, False) for v in r] for r in result.rows])
    return buf.getvalue().rstrip("\n")


def format_html(result: Result) -> str:
    """An HTML table, as Jupyter shows a result (every value escaped)."""
    if result.kind == "ask":
        return f"<p>{result.boolean}</p>"
    if result.kind == "update":
        return "<p>updated</p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in result.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell_text(v, True))}</td>" for v in row) + "</tr>"
                   for row in result.rows)
    return (f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<p>{len(result.rows)} row(s)</p>")


FORMATS = {"table": format_table, "csv": format_csv, "json": format_json}


def format_result(result: Result, fmt: str = "table") -> str:
    """``result`` in one of :data:`FORMATS`."""
    try:
        return FORMATS[fmt](result)
    except KeyError:
        raise ValueError(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})") from None


def describe_queries(queries: Iterable) -> str:
    """The text of ``kg query --list``: each stored query's name, title, description and parameters."""
    lines = []
    for q in queries:
        lines.append(f"{q.name}  {q.title}".rstrip())
        if q.description:
            lines.append(f"    {q.description}")
        for p in q.params:
            lines.append(f"    --param {p.name}=…  ({p.type}{', required' if p.required else ''}) {p.description}".rstrip())
        lines.append(f"    [{q.path}]")
    return "\n".join(lines)


# --- kg stats, kg path ----------------------------------------------------------------------------------
def _fit(s: str, width: int) -> str:
    return pad(truncate(s, width), width)


def format_stats(s: dict) -> str:
    """The text report of ``kg stats`` (:func:`kg.network.summary`): one screen for the default ``--top 10``."""
    c, names = s["counts"], s["names"]
    lines = [f"实体 entities: {c['nodes']}   关系 relations: {c['edges']}   "
             f"连通分量 components: {s['components']['count']} (largest {s['components']['largest']}, "
             f"{s['components']['isolated']} isolated)"]
    lines += wrap([f"{names['types'].get(t, t)} {t} {n}" for t, n in c["types"].items()])
    lines += wrap([f"{names['relations'].get(p, [p, p])[0]} {p} {n}" for p, n in c["relations"].items()])
    b = s["betweenness"]
    how = ("exact" if b["exact"] else
           f"estimated from {b['sampled_sources']} of {b['entities']} sources, seed {b['seed']}")
    col = 34
    for kind, title in (("Organization", "机构 organizations"), ("Person", "人物 people")):
        deg, btw = s["central"][kind]["degree"], s["central"][kind]["betweenness"]
        w = max([3] + [len(str(r["score"])) for r in deg])
        lines.append("")
        lines.append(_fit(f"{title} by degree", col + w + 6) + f"by betweenness ({how})")
        if not deg:
            lines.append("  (none)")
        for i in range(max(len(deg), len(btw))):
            left = (f"{i + 1:>3} {_fit(deg[i]['label'], col)}{deg[i]['score']:>{w}}" if i < len(deg)
                    else " " * (col + w + 4))
            right = f"{i + 1:>3} {_fit(btw[i]['label'], col)}{btw[i]['score']:.3f}" if i < len(btw) else ""
            lines.append(f"{left}  {right}".rstrip())
    if s.get("cohosts"):
        lines.append("")
        lines.append("共同主办 organizations that organized events together (events):")
        lines += wrap([f"{r['a']} + {r['b']} {r['events']}" for r in s["cohosts"]])
    cm = s["communities"]
    lines.append("")
    lines.append(f"社区 communities: {cm['count']} of 2+ entities ({cm['method']}); largest:")
    for i, com in enumerate(cm["largest"], 1):
        kinds = ", ".join(f"{t} {n}" for t, n in list(com["types"].items())[:3])
        lines.append(f"{i:>3} {com['size']:>5} entities ({kinds})")
        lines.append("      " + _fit("、".join(com["members"][:12]), REPORT_WIDTH - 6).rstrip())
    return "\n".join(lines)


def format_paths(paths: list[dict], max_evidence: int = 2) -> str:
    """The text of ``kg path`` (:func:`kg.network.connection`): each step with its relation in Chinese
    and English and its evidence."""
    lines = []
    for i, p in enumerate(paths, 1):
        found = p.get("found", len(paths))
        head = f"path {i} of {found}{'+' if found >= 200 else ''}: " if found > 1 else ""
        lines.append(f"{head}{p['nodes'][0]} → {p['nodes'][-1]}: {p['length']} step(s)")
        for j, st in enumerate(p["steps"], 1):
            rel = f"{st['relation_zh']} {st['relation_en']}"
            arrow = f"—[{rel}]→" if st["direction"] == "forward" else f"←[{rel}]—"
            lines.append(f"  {j}. {st['from']} ({st['from_type']}) {arrow} {st['to']} ({st['to_type']})")
            if not st["evidence"]:
                lines.append("       (no evidence recorded)")
            for e in st["evidence"][:max_evidence]:
                where = f"{e['doc']} [{e['start']}–{e['end']}]" if e["start"] is not None else e["doc"]
                lines.append(f"       {where}: {e['sentence'] or '(no sentence recorded)'}")
            if len(st["evidence"]) > max_evidence:
                lines.append(f"       (+{len(st['evidence']) - max_evidence} more)")
            for r in st["also"]:
                arrow = "→" if r["direction"] == "forward" else "←"
                lines.append(f"       also {arrow} {r['relation_zh']} {r['relation_en']} ({len(r['evidence'])} evidence)")
        if i < len(paths):
            lines.append("")
    return "\n".join(lines)


# --- kg build, kg eval ----------------------------------------------------------------------------------
def format_build(summary: dict) -> str:
    """The one-screen summary ``kg build`` prints (:meth:`kg.build.BuildResult.summary`)."""
    lines = [f"documents: {summary['documents']} read ({summary['extracted']} extracted, "
             f"{summary['from_cache']} unchanged from the cache), {len(summary['failed'])} failed"]
    lines += [f"  failed: {f}" for f in summary["failed"]]
    for key in ("entities", "relations"):
        counts = summary[key]
        lines.append(f"{key}: {sum(counts.values())}")
        lines.append("  " + ", ".join(f"{k} {v}" for k, v in counts.items()) if counts else "  none")
    lines.append(f"positions: {summary['positions']}")
    shacl = summary.get("shacl")
    if shacl is not None:
        lines.append("SHACL: conforms" if shacl["conforms"] else
                     f"SHACL: {shacl['violations']} violation(s), see {summary['outputs'].get('shacl-report.txt')}")
    lines.append("wrote: " + ", ".join(summary["outputs"].values()))
    return "\n".join(lines)


def _score_row(name: str, s: dict, width: int = 22) -> str:
    return (f"{name:<{width}}{s['precision']:>7.3f}{s['recall']:>7.3f}{s['f1']:>7.3f}"
            f"{s['system']:>7}{s['gold']:>7}")


def format_eval_group(name: str, report: dict, documents: list[str]) -> str:
    """One group's table (:func:`kg.evaluate.score_graph`): entities (any type, typed, per type),
    relations (all, per predicate), positions, duplicates and event dates."""
    head = f"{'':<22}{'P':>7}{'R':>7}{'F1':>7}{'system':>7}{'gold':>7}"
    lines = [f"== {name} ({len(documents)} documents)", head,
             _score_row("entities", report["entities"]), _score_row("entities, typed", report["entities_typed"])]
    lines += [_score_row("  " + t, s) for t, s in report["per_type"].items() if s["system"] or s["gold"]]
    lines.append(_score_row("relations", report["relations"]))
    lines += [_score_row("  " + p, s) for p, s in report["per_predicate"].items()]
    lines.append(_score_row("positions", report["positions"]))
    d = report["event_dates"]
    lines.append(f"duplicated gold entities: {report['duplicated_gold_entities']}; event dates: "
                 f"{d['correct']} correct, {d['wrong']} wrong, {d['missing']} missing")
    return "\n".join(lines)


def format_eval_summary(ev) -> str:
    """One line per group of an :class:`kg.evaluate.Evaluation`: F1 (precision / recall) of typed
    entities, events, relations, positions."""

    def cell(s: dict) -> str:
        return f"{s['f1']:.3f} ({s['precision']:.2f}/{s['recall']:.2f})"

    width = max([5] + [len(k) for k in ev.groups]) + 2
    lines = [f"{'group':<{width}}{'docs':>5}  {'entities':<18}{'events':<18}{'relations':<18}{'positions':<18}"]
    for name, r in ev.groups.items():
        lines.append(f"{name:<{width}}{len(ev.documents[name]):>5}  {cell(r['entities_typed']):<18}"
                     f"{cell(r['per_type']['Event']):<18}{cell(r['relations']):<18}{cell(r['positions']):<18}")
    return "\n".join(lines)


def format_eval(ev) -> str:
    """The text of ``kg eval``: every group's table, then the summary."""
    parts = [format_eval_group(k, v, ev.documents[k]) for k, v in ev.groups.items()]
    return "\n\n".join(parts + ["F1 (precision/recall)\n" + format_eval_summary(ev)])
