"""The catalogue of stored queries: ``.rq`` files with a header that says what they ask and take.

``.rq`` files in ``ontology/queries/`` (or ``$KG_ONTOLOGY/queries/``, which takes precedence; users
add their own there). A file starts with comment lines::

    # title: 机构的活动 — the events of an organization
    # description: Events an organization hosted, co-hosted, guided, supported or attended.
    # param: org name:Organization  The organization, by name or alias; all organizations if not given.

and binds each parameter in a ``VALUES`` block of its body, whose content is the default::

    VALUES ?org { UNDEF }                  # UNDEF: unbound, i.e. no restriction
    ORDER BY ?date  # if ?org

A line whose comment starts with ``# if ?org`` is left out when ``org`` is not given (only for speed;
other SPARQL engines ignore the comment and give the same rows). The parameter types are
:data:`PARAM_TYPES` (see :func:`kg.query.parameters.to_term`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from kg.ontology.loader import DEFAULT_ONTOLOGY_DIR
from kg.query.errors import StoredQueryError
from kg.query.sparql import markers, values_blocks
from kg.records import ENTITY_TYPES

#: The classes a ``name:CLASS`` parameter may name: an entity type, or ``Organization`` (any kind of body).
NAMED_CLASSES = (*ENTITY_TYPES, "Organization")

__all__ = ["PARAM_TYPES", "NAMED_CLASSES", "Param", "StoredQuery", "parse_query_text", "query_dirs", "list_queries", "resolve_query"]

PARAM_TYPES = ("name", "name:CLASS", "text", "text@LANG", "date", "first-day", "last-day", "integer", "decimal",
               "boolean", "iri")
_PARAM_TYPE = re.compile(r"name(?::[A-Za-z]+)?|text(?:@[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)?|date|first-day|last-day"
                         r"|integer|decimal|boolean|iri")
_HEADER = re.compile(r"#\s*(title|description|param)\s*:\s*(.*)")


@dataclass(frozen=True)
class Param:
    """A parameter a stored query declares: ``# param: NAME TYPE [required] description``."""

    name: str
    type: str = "text"
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class StoredQuery:
    """A query with its header: ``name`` (file stem, or None for ad-hoc text), title, description, params."""

    text: str
    name: str | None = None
    path: Path | None = None
    title: str = ""
    description: str = ""
    params: tuple[Param, ...] = ()

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def parse_query_text(text: str, name: str | None = None, path: Path | None = None) -> StoredQuery:
    """Read the ``# title:`` / ``# description:`` / ``# param:`` header of a query and check it."""
    title, desc, params = "", [], []
    where = str(path or name or "query")
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if not s.startswith("#"):
            break
        m = _HEADER.fullmatch(s)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "title":
            title = value
        elif key == "description":
            desc.append(value)
        else:
            parts = value.split(None, 2)
            if len(parts) < 2 or not re.fullmatch(r"\??\w+", parts[0]) or not _PARAM_TYPE.fullmatch(parts[1]):
                raise StoredQueryError(
                    f"{where}: bad '# param:' line {value!r}; expected '# param: NAME TYPE description' "
                    f"with TYPE one of {', '.join(PARAM_TYPES)}")
            cls = parts[1].partition(":")[2] if parts[1].startswith("name:") else None
            if cls is not None and cls not in NAMED_CLASSES:
                raise StoredQueryError(f"{where}: parameter type {parts[1]!r}: no class {cls!r} "
                                       f"(classes: {', '.join(NAMED_CLASSES)})")
            pname = parts[0].lstrip("?")
            if not values_blocks(text, pname):
                raise StoredQueryError(f"{where}: parameter {pname!r} has no 'VALUES ?{pname} {{ … }}' block to bind")
            rest = parts[2] if len(parts) > 2 else ""
            required = rest == "required" or rest.startswith(("required ", "required\t"))
            params.append(Param(pname, parts[1], rest[len("required"):].strip() if required else rest, required))
    declared = {p.name for p in params}
    for _, _, kind, pname in markers(text):
        if pname not in declared:
            raise StoredQueryError(f"{where}: '# {kind} ?{pname}' names no declared parameter")
    return StoredQuery(text=text, name=name, path=path, title=title, description=" ".join(desc), params=tuple(params))


def query_dirs(ontology: str | os.PathLike | None = None) -> list[Path]:
    """Folders searched for stored queries: ``<ontology>/queries`` (``--ontology``/``KG_ONTOLOGY``),
    then the project's own ``ontology/queries``."""
    dirs = []
    chosen = ontology or os.environ.get("KG_ONTOLOGY")
    if chosen:
        dirs.append(Path(chosen) / "queries")
    dirs.append(DEFAULT_ONTOLOGY_DIR / "queries")
    out: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [o.resolve() for o in out]:
            out.append(d)
    return out


def list_queries(ontology: str | os.PathLike | None = None) -> list[StoredQuery]:
    """Every stored query, by name (a name in the user's folder hides the project's)."""
    found: dict[str, StoredQuery] = {}
    for d in query_dirs(ontology):
        for p in sorted(d.glob("*.rq")):
            if p.stem not in found:
                found[p.stem] = parse_query_text(p.read_text(encoding="utf-8"), p.stem, p)
    return [found[k] for k in sorted(found)]


_NAME = re.compile(r"[\w.-]+")


def resolve_query(query: str | os.PathLike, ontology: str | os.PathLike | None = None) -> StoredQuery:
    """SPARQL text, a path to a query file, or a stored query's name, as a :class:`StoredQuery`."""
    if isinstance(query, os.PathLike) or (isinstance(query, str) and "\n" not in query and "{" not in query
                                          and (query.endswith(".rq") or Path(query).is_file())):
        p = Path(query)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise StoredQueryError(f"{p}: cannot read the query file: {e}") from None
        return parse_query_text(text, p.stem, p)
    if _NAME.fullmatch(query):
        for d in query_dirs(ontology):
            p = d / f"{query}.rq"
            if p.is_file():
                return parse_query_text(p.read_text(encoding="utf-8"), query, p)
        names = ", ".join(q.name for q in list_queries(ontology))
        raise StoredQueryError(f"no stored query named {query!r} (stored queries: {names}; `kg query --list`)")
    return parse_query_text(query)
