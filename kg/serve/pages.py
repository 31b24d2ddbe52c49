"""The HTML pages: Jinja2 templates (``kg/serve/templates/``, autoescaped: every text from a document
is escaped) rendered into responses; data for scripts goes into ``<script type="application/json">``
with ``<``, ``>`` and ``&`` escaped (the CSP allows no inline script)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

from kg.ontology import relation_labels, type_labels
from kg.viz import TYPE_STYLES

__all__ = ["Pages", "script_json"]

TEMPLATES = Path(__file__).parent / "templates"


def script_json(obj) -> Markup:
    """``obj`` as JSON safe inside ``<script type="application/json">``."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for a, b in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(a, b)
    return Markup(text)


class Pages:
    """Renders the templates; ``href(snapshot, iri)`` makes the URL of an entity's or document's page."""

    def __init__(self, href: Callable):
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.filters["script_json"] = script_json
        self.href = href
        self.types = type_labels()
        self.relations = relation_labels()

    def render(self, name: str, snap, status: int = 200, headers: dict | None = None, **context) -> HTMLResponse:
        def link(iri: str) -> str:
            return self.href(snap, iri)

        colours = {t: c for t, (_, c) in TYPE_STYLES.items()}
        html = self.env.get_template(name).render(link=link, type_names=self.types, relation_names=self.relations,
                                                  colours=colours, **context)
        return HTMLResponse(html, status_code=status, headers=headers)
