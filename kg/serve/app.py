"""The web application: routes over :mod:`kg.serve.graph` (the store), :mod:`kg.serve.entity` and
:mod:`kg.serve.document` (what pages show), :mod:`kg.serve.sparql` (the endpoint) and
:mod:`kg.serve.pages` (templates).

Starlette (the ASGI toolkit FastAPI is built on: small, typed, its own test client) with Jinja2
templates, served by uvicorn. No URL path reaches the file system except the package's own static
folder; entities and documents are found by IRI in the store (``/id/…`` is the IRI's path under the
graph's ``id:`` namespace). Every HTML response carries a Content-Security-Policy that allows scripts
and styles from this server only (no inline script: data goes in ``<script type="application/json">``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote

import anyio
import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kg.lookup import AmbiguousName, NameNotFound, close_names, find_entity
from kg.query import DEFAULT_TIMEOUT, list_queries
from kg.records import ENTITY_TYPES, ORG_TYPES
from kg.serve.document import document_page, segments
from kg.serve.entity import entity_page, is_known
from kg.serve.graph import GraphView, Snapshot
from kg.serve.negotiate import best
from kg.serve.pages import Pages
from kg.serve.sparql import DEFAULT_ROW_CAP, Endpoint
from kg.viz import vis_network_files

__all__ = ["create_app", "CSP", "PAGE_SIZE"]

CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
PAGE_SIZE = 20
STATIC = Path(__file__).parent / "static"
RDF_TYPES = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD,
             "application/n-triples": ox.RdfFormat.N_TRIPLES}
#: ``?format=`` on an entity's or document's URL: what a link can ask for instead of an Accept header.
FORMAT_PARAM = {"ttl": "text/turtle", "turtle": "text/turtle", "jsonld": "application/ld+json",
                "nt": "application/n-triples", "ntriples": "application/n-triples", "html": "text/html"}


class _SecurityHeaders:
    """ASGI middleware: the CSP on every HTML response, and no sniffing of any."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if ctype.startswith(b"text/html"):
                    headers.append((b"content-security-policy", CSP.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def href(snap: Snapshot, iri: str) -> str:
    """The URL of the page of ``iri`` on this server (``/id/…``; ``/resource?iri=…`` for a foreign IRI)."""
    short = snap.short(iri)
    if short is None:
        return "/resource?iri=" + quote(iri, safe="")
    return "/id/" + quote(short, safe="/:@!$&'()*+,;=-._~")


def create_app(out_dir: str | os.PathLike = "out", *, timeout: float = DEFAULT_TIMEOUT, row_cap: int = DEFAULT_ROW_CAP,
               workers: int = 2, sources: tuple[str | os.PathLike, ...] = (), threads: int = 16,
               ontology: str | os.PathLike | None = None) -> Starlette:
    """The web app of the graph in ``out_dir`` (an ASGI application: run it with uvicorn, or ``kg serve``).

    ``timeout`` and ``row_cap`` bound each SPARQL query (seconds, rows), ``workers`` is the number of
    query worker processes, ``sources`` further folders in which to look for the source documents,
    ``threads`` how many page queries run at once. Raises :class:`kg.rdf.GraphNotFoundError` if
    ``out_dir`` holds no graph.
    """
    out = Path(out_dir)
    view = GraphView(out)
    endpoint = Endpoint(view, timeout=timeout, row_cap=row_cap, workers=workers, ontology=ontology)
    roots = tuple(dict.fromkeys(Path(p).resolve() for p in (*sources, Path.cwd(), out.resolve().parent)))
    limiter = anyio.CapacityLimiter(threads)
    pages = Pages(href)
    stored = {q.name: q for q in list_queries(ontology)}
    vis_js, vis_css = vis_network_files()

    async def in_thread(fn, *args):
        return await anyio.to_thread.run_sync(fn, *args, limiter=limiter)

    # Every handler asks view.current() in a thread: a store replaced by a build is reopened (and its
    # names indexed, seconds for a large graph) there, while the event loop goes on serving.

    async def home(request: Request) -> Response:
        def render() -> Response:
            snap = view.current()
            return pages.render("home.jinja", snap, counts=snap.counts, queries=list(stored.values()))

        return await in_thread(render)

    async def search(request: Request) -> Response:
        return await in_thread(_search, request.query_params)

    def _search(params) -> Response:
        snap = view.current()
        q = params.get("q", "").strip()
        want = params.get("type", "")
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1
        listing = params.get("list") == "1"
        types = ORG_TYPES if want == "Organization" else (want,) if want in ENTITY_TYPES else None
        results, message, suggestions = [], None, []
        if q:
            names = snap.names
            if types is not None:
                names = _TypeFilter(names, types)
            try:  # the rule of kg path and kg query: one entity -> its page; several -> the list
                one = find_entity(names, q)
                if not listing and page == 1:
                    return RedirectResponse(href(snap, one.node), status_code=303)
            except AmbiguousName:
                message = "ambiguous"
            except NameNotFound:
                message = "none"
                suggestions = close_names(q, snap.names.close_candidates(q))
            results = _ranked(names, q)
        elif types is not None:
            results = sorted((c for c in snap.names.entities.values() if c.type in types),
                             key=lambda c: (c.label, c.node))
        total = len(results)
        shown = results[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        status = 404 if message == "none" else 200
        return pages.render("search.jinja", snap, status=status, q=q, type=want, results=shown, total=total,
                            page=page, pages=max(1, -(-total // PAGE_SIZE)), message=message,
                            suggestions=suggestions, types=ENTITY_TYPES)

    def negotiated(request: Request) -> str | None:
        fmt = request.query_params.get("format")
        if fmt is not None:
            return FORMAT_PARAM.get(fmt)
        return best(request.headers.get("accept"), ["text/html", *RDF_TYPES])

    async def resource(request: Request) -> Response:
        return await in_thread(_iri_response, request.query_params.get("iri", ""), None, negotiated(request))

    async def by_id(request: Request) -> Response:
        raw = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
        return await in_thread(_iri_response, None, unquote(raw[len("/id/"):]), negotiated(request))

    def _iri_response(iri: str | None, local: str | None, media: str | None) -> Response:
        """The page (or RDF) of ``iri``, or of ``local`` under the graph's ``id:``: one trip to a thread
        for the queries and the template."""
        snap = view.current()
        iri = snap.namespace + local if iri is None else iri
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            return pages.render("error.jinja", snap, status=400, message=f"not an IRI: {iri}")
        kind = is_known(snap, node.value)
        if kind is None:
            return pages.render("error.jinja", snap, status=404, message=f"no entity or document with the IRI {node.value}")
        if media is None:
            return PlainTextResponse(f"406: ask for text/html or one of {', '.join(RDF_TYPES)} (Accept), or "
                                     f"format={'|'.join(FORMAT_PARAM)}\n", status_code=406)
        if media in RDF_TYPES:
            return Response(_describe(snap, node, kind, RDF_TYPES[media]), media_type=media, headers={"Vary": "Accept"})
        if kind == "document":
            doc = document_page(snap, node.value, roots)
            return pages.render("document.jinja", snap, doc=doc, headers={"Vary": "Accept"},
                                segments=segments(doc.text, doc.spans) if doc.text is not None else [])
        return pages.render("entity.jinja", snap, e=entity_page(snap, node.value), headers={"Vary": "Accept"})

    async def sparql(request: Request) -> Response:
        query, stored_name, params = None, None, {}
        items = list(request.query_params.multi_items())
        if request.method == "POST":
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype == "application/sparql-query":
                query = (await request.body()).decode("utf-8", errors="replace")
            elif ctype == "application/sparql-update":
                return PlainTextResponse("SPARQL UPDATE refused: this endpoint is read-only\n", status_code=403)
            elif ctype == "application/x-www-form-urlencoded":
                body = (await request.body()).decode("utf-8", errors="replace")
                items += parse_qsl(body, keep_blank_values=True)
            else:
                return PlainTextResponse("POST a query as application/sparql-query or a form "
                                         "(application/x-www-form-urlencoded)\n", status_code=415)
        for k, v in items:
            if k in ("default-graph-uri", "named-graph-uri"):
                return PlainTextResponse(f"{k} is not supported: the default graph holds every fact once and each "
                                         "document is a named graph (ask for it with GRAPH)\n", status_code=400)
            if k == "query" and query is None:
                query = v
            elif k == "update":
                return PlainTextResponse("SPARQL UPDATE refused: this endpoint is read-only\n", status_code=403)
            elif k == "stored":
                stored_name = v
            elif k == "param":
                name, sep, value = v.partition("=")
                if not sep:
                    return PlainTextResponse(f"param {v!r}: give NAME=VALUE\n", status_code=400)
                params.setdefault(name.strip(), []).append(value)
        if query is None and stored_name is None and request.method == "GET":
            return RedirectResponse("/query", status_code=303) if "text/html" in request.headers.get("accept", "") \
                else PlainTextResponse("no query: give query=… (SPARQL text)\n", status_code=400)
        if stored_name is not None and stored_name not in stored:
            return PlainTextResponse(f"no stored query named {stored_name!r} (stored queries: "
                                     f"{', '.join(stored)})\n", status_code=400)
        reply = await anyio.to_thread.run_sync(
            lambda: endpoint.run(query, request.headers.get("accept"), stored=stored_name, params=params or None))
        return Response(reply.body, status_code=reply.status, media_type=reply.media_type,
                        headers={**reply.headers, "Vary": "Accept"})

    async def query_page(request: Request) -> Response:
        def render() -> Response:
            return pages.render("query.jinja", view.current(), queries=list(stored.values()),
                                queries_json={q.name: q.text for q in stored.values()},
                                chosen=request.query_params.get("stored", ""), timeout=timeout, row_cap=row_cap)

        return await in_thread(render)

    async def vis_file(request: Request) -> Response:
        path = vis_js if request.path_params["name"] == "vis-network.min.js" else vis_css
        return FileResponse(path, media_type="text/javascript" if path.suffix == ".js" else "text/css")

    async def not_found(request: Request, exc) -> Response:
        return pages.render("error.jinja", view.last(), status=getattr(exc, "status_code", 404),
                            message=getattr(exc, "detail", "not found"))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await anyio.to_thread.run_sync(endpoint.pool.warm)
        try:
            yield
        finally:
            endpoint.close()

    routes = [
        Route("/", home),
        Route("/search", search),
        Route("/resource", resource),
        Route("/id/{rest:path}", by_id),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/query", query_page),
        Route("/static/vis/{name:str}", vis_file),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: not_found, 405: not_found})
    app.state.view, app.state.endpoint = view, endpoint
    app.add_middleware(_SecurityHeaders)
    return app


def _describe(snap: Snapshot, node: ox.NamedNode, kind: str, fmt: ox.RdfFormat) -> bytes:
    """The triples about ``node`` (its facts in and out; a document's own graph) written by pyoxigraph."""
    if kind == "document":
        q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }}"
    else:
        q = f"CONSTRUCT {{ {node} ?p ?o . ?s ?q {node} }} WHERE {{ {{ {node} ?p ?o }} UNION {{ ?s ?q {node} }} }}"
    return snap.store.query(q).serialize(format=fmt)


class _TypeFilter:
    """:class:`kg.lookup.Names` of only the entities of some types."""

    def __init__(self, names, types):
        self.names, self.types = names, set(types)

    def named(self, name):
        return [c for c in self.names.named(name) if c.type in self.types]

    def containing(self, name):
        return [c for c in self.names.containing(name) if c.type in self.types]

    def all_names(self):
        return self.names.all_names()


def _ranked(names, q: str) -> list:
    """Entities whose name is ``q`` first (own label before alias), then those whose name starts with it,
    then those containing it; shorter names first in each."""
    exact = names.named(q)
    part = [c for c in names.containing(q) if c not in exact]

    def rank(c):
        starts = c.label.startswith(q) or any(a.startswith(q) for a in c.aliases)
        return (not starts, len(c.label), c.label, c.node)

    return sorted(exact, key=lambda c: (c.label != q, len(c.label), c.label)) + sorted(part, key=rank)
