"""The ``kg`` command line: each command a few lines over a library call; :mod:`kg.report` prints the
results and every failure is reported in one place (:class:`_Commands`)."""

from __future__ import annotations

import atexit
import os
import sys
import textwrap
import threading
import traceback

import click

from kg import report
from kg.errors import EXIT_BUG, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_STATUSES, BadUsage, KgError, exit_status
from kg.executors import EXECUTORS, default_jobs, make_executor
from kg.ingest import NoDocuments, iter_documents
from kg.ingest.readers import DEFAULT_MAX_BYTES
from kg.memory import exit_now
from kg.records import IngestFailure

_paths = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
_max_mb = click.option(
    "--max-mb", type=float, default=DEFAULT_MAX_BYTES / 1e6, show_default=True,
    help="Refuse files larger than this many megabytes.",
)


def _report_failure(f: IngestFailure) -> None:
    click.echo(f"error: {f}", err=True)


def _warn(doc) -> None:
    for w in doc.warnings:
        click.echo(f"warning: {doc.path}: {w}", err=True)


class _Commands(click.Group):
    """The command group: every failure a command meets is reported here, one way for all of them.

    A :class:`kg.errors.KgError` is one line (``error: …``) and the exit status of its kind; an
    operating-system error (a full disk, no permission) names its file and exits 4; anything else is
    a bug: its traceback and exit status 5. click's own usage errors keep click's form (status 2).
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KgError as e:
            click.echo(f"error: {e}", err=True)
            ctx.exit(e.exit_code)
        except BrokenPipeError:
            # the reader stopped early (`kg query … | head`): not an error where what is printed is the
            # command's product; but a build or a training stopped by it (a failure or warning it could not
            # report) has not written what it makes: it could not finish. Nothing more can be said: both
            # streams go to /dev/null, so that flushing them at exit does not fail again
            devnull = os.open(os.devnull, os.O_WRONLY)
            for stream in (sys.stdout, sys.stderr):
                os.dup2(devnull, stream.fileno())
            ctx.exit(EXIT_FAILED if ctx.invoked_subcommand in _MAKES_FILES else 0)
        except OSError as e:
            where = f"{e.filename}: " if e.filename else ""
            click.echo(f"error: {where}{e.strerror or e}", err=True)
            ctx.exit(exit_status(e))
        except Exception:
            click.echo(traceback.format_exc().rstrip(), err=True)
            click.echo("error: an internal error (a bug in kg); please report it with the traceback above", err=True)
            ctx.exit(EXIT_BUG)


#: The commands whose product is files, not what they print (a broken pipe stops them unfinished).
_MAKES_FILES = frozenset({"build", "train"})


def _exit_statuses() -> str:
    lines = ["\b", "Exit status (the same kinds for every command):"]
    for code, meaning in EXIT_STATUSES:
        lines.append(textwrap.fill(meaning, width=78, initial_indent=f"  {code}  ", subsequent_indent="     "))
    return "\n".join(lines)


#: Whether this process is the ``kg`` program (:func:`run`), not a caller of :data:`main` in its own process.
_PROGRAM = False


def run() -> None:
    """The ``kg`` program: :data:`main` as a process of its own, which a build ends at once (:func:`_end`)."""
    global _PROGRAM
    _PROGRAM = True
    main()


def _end(status: int) -> None:
    """End a command with ``status`` (0 returns). In the ``kg`` program the process ends here as the
    interpreter ends one, in the same order: the threads waited for (and with them a process pool's
    manager, which tells its workers to stop), the exit handlers run (logging, multiprocessing, Dask's),
    the streams flushed; but what the build holds is not freed object by object on the way out (the
    records and the resolution of 10,000 documents: about 2 s). A caller in its own process (a
    notebook, ``CliRunner``) goes on."""
    if not _PROGRAM:
        if status:
            sys.exit(status)
        return
    threading._shutdown()
    atexit._run_exitfuncs()
    exit_now(status)


@click.group(cls=_Commands, epilog=_exit_statuses())
@click.version_option(package_name="kg-quality")
def main() -> None:
    """Build a knowledge graph of organizations, people and events from Chinese documents.

    Errors are one line on stderr (`error: …`) naming the file, folder or value at fault and the
    reason; the exit status says which kind of failure it was.
    """


@main.command()
@_paths
@click.option("--jsonl", is_flag=True, help="One JSON object per document on stdout.")
@_max_mb
def ingest(paths: tuple[str, ...], jsonl: bool, max_mb: float) -> None:
    """Read documents, repair conversion damage and split them into articles and sentences.

    PATHS are files (.txt .md .docx .html .pdf) or folders (walked recursively).
    """
    failures, read = [], 0
    for item in iter_documents(paths, max_bytes=int(max_mb * 1e6)):
        if isinstance(item, IngestFailure):
            failures.append(item)
            _report_failure(item)
            continue
        read += 1
        _warn(item)
        if jsonl:
            sys.stdout.write(report.to_jsonl(item.to_dict()))
        else:
            n_sent = sum(1 for _ in item.sentences)
            click.echo(f"{item.path}: {item.encoding}, {len(item.articles)} article(s), {n_sent} sentence(s), "
                       f"title={item.title!r}, date={item.date}")
            for a in item.articles:
                if a.headline:
                    click.echo(f"  [{a.index}] {a.headline.text}  ({a.date or 'no date'})")
    _batch_status(read, failures)


def _batch_status(read: int, failures: list[IngestFailure]) -> None:
    """No document read at all: :class:`NoDocuments` (exit 3); some failed: exit 1."""
    if not read:
        raise NoDocuments(failures)
    if failures:
        sys.exit(EXIT_INCOMPLETE)


_ontology = click.option("--ontology", type=click.Path(file_okay=False, exists=True), default=None,
                         help="Folder with the gazetteer, word lists and ontology (default: the project's ontology/).")
_no_model = click.option("--no-model", is_flag=True,
                         help="Rules alone: leave out the scorers trained on the development gold (kg train).")


@main.command()
@_paths
@click.option("--jsonl", is_flag=True, help="One JSON object per document on stdout (the default output).")
@_ontology
@_max_mb
@_no_model
def extract(paths: tuple[str, ...], jsonl: bool, ontology: str | None, max_mb: float, no_model: bool) -> None:
    """Extract mentions, posts, relations (with evidence) and resolved entities, one JSON object per document."""
    from kg.build import extract_corpus, resolve_corpus

    failures, read = [], 0
    for item in extract_corpus(paths, ontology, int(max_mb * 1e6), on_document=_warn, use_model=not no_model):
        if isinstance(item, IngestFailure):
            failures.append(item)
            _report_failure(item)
            continue
        read += 1
        resolved = resolve_corpus([item], ontology)
        res = resolved.resolution
        out = {
            "path": item.path, "doc_id": item.doc_id, "title": item.title, "date": item.date,
            "mentions": [dict(m.to_dict(), entity=res.entity_of(m)) for m in item.mentions],
            "entities": [e.to_dict() for e in res.entities],
            "positions": [p.to_dict() for p in resolved.positions],
            "relations": [r.to_dict() for r in resolved.relations],
        }
        sys.stdout.write(report.to_jsonl(out))
    _batch_status(read, failures)


@main.command()
@_paths
@click.option("-o", "--out", "out_dir", default="out", show_default=True, type=click.Path(file_okay=False),
              help="Output folder.")
@_ontology
@_max_mb
@click.option("--full", is_flag=True, help="Extract every document again instead of reusing the cache in OUT/.cache.")
@click.option("--base-iri", metavar="IRI", default=None,
              help="Mint IRIs under IRI/id/ (ending with / or #) [default: base_iri in ./kg.toml, else "
                   "https://example.org/cnqkg/, a placeholder].")
@_no_model
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help=f"Extract documents in N worker processes [default: every core, {default_jobs()} here]; "
                   "the output is the same for any N.")
@click.option("--executor", type=click.Choice(EXECUTORS), default="local", show_default=True,
              help="Where documents are extracted: this machine, or a Dask cluster (needs --address; "
                   "pip install 'kg-quality[cluster]').")
@click.option("--address", metavar="ADDR", default=None,
              help="The Dask scheduler's address for --executor dask, e.g. tcp://HOST:8786.")
def build(paths: tuple[str, ...], out_dir: str, ontology: str | None, max_mb: float, full: bool,
          base_iri: str | None, no_model: bool, jobs: int | None, executor: str, address: str | None) -> None:
    """Build the knowledge graph from documents: OUT/graph.ttl, OUT/graph.trig, OUT/entities.jsonl, OUT/graph.html.

    Only new or changed documents are extracted again (unless --full), in --jobs worker processes
    or on a Dask cluster (--executor dask --address ADDR). A progress bar is shown on a terminal;
    the summary and any errors go to stderr. Exit status 1 if a document failed or the graph
    breaks a SHACL shape.
    """
    from kg.build import build as run_build
    from kg.config import load_config
    from kg.ingest import iter_paths
    from kg.rdf import base_iri_problem

    if base_iri is not None:
        problem = base_iri_problem(base_iri)
        if problem:
            raise BadUsage(f"--base-iri {base_iri!r} {problem}")
    else:
        base_iri = load_config().base_iri
    if executor == "dask" and jobs is not None:
        raise BadUsage(f"--jobs {jobs}: only for --executor local (on a Dask cluster, its workers decide)")
    runner = make_executor(executor, jobs, address)  # a bad choice stops here, before anything is read

    bar = None
    chars = 0
    if sys.stderr.isatty():
        total = sum(1 for _ in iter_paths(paths))
        bar = click.progressbar(length=total, label="building", file=sys.stderr,
                                item_show_func=lambda n: f"{n:,} characters" if n else None)
        bar.__enter__()

    def on_document(doc) -> None:  # called as each document's extraction comes back, in order
        nonlocal chars
        _warn(doc)
        chars += len(doc.text)
        if bar:
            bar.update(1, chars)

    def on_failure(f) -> None:
        if bar:
            bar.update(1)
        _report_failure(f)

    def on_reused(ex) -> None:  # a file unchanged since the last build: not read again
        if bar:
            bar.update(1)

    try:
        result = run_build(paths, out_dir, ontology, int(max_mb * 1e6), on_document=on_document,
                           on_failure=on_failure, incremental=not full, base_iri=base_iri, use_model=not no_model,
                           executor=runner, on_reused=on_reused)
    finally:
        if bar:
            bar.__exit__(None, None, None)
    click.echo(report.format_build(result.summary()), err=True)
    _end(EXIT_INCOMPLETE if result.failures or (result.shacl is not None and not result.shacl.conforms) else 0)


@main.command("eval")
@click.argument("corpus", type=click.Path(file_okay=False, exists=True))
@click.argument("gold_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--split", type=click.Path(dir_okay=False, exists=True), default=None,
              help="A file<TAB>part file (tests/data/dev/split.tsv): score each part apart.")
@click.option("--part", "parts", multiple=True, help="Only these parts of the split (repeat for several).")
@click.option("--no-sets", is_flag=True, help="Do not break parts down by set (the letters of a01, b02 …).")
@click.option("--summary", is_flag=True, help="Only the one-line-per-group summary.")
@click.option("--json", "as_json", is_flag=True, help="Print every figure, miss and spurious item as JSON.")
@_ontology
@_no_model
def eval_cmd(corpus: str, gold_dir: str, split: str | None, parts: tuple[str, ...], no_sets: bool, summary: bool,
             as_json: bool, ontology: str | None, no_model: bool) -> None:
    """Score extraction of the documents in CORPUS against the gold files in GOLD_DIR.

    Each group (a part of the split, each set within it, or the whole corpus) is scored on the graph
    built from its documents alone, as ../shared/tools/score.py scores `kg build GROUP/`:
    precision, recall and F1 of entities (per type), relations (per predicate) and positions;
    duplicated gold entities and event dates.

    \b
      kg eval seeds tests/data/gold-seeds
      kg eval tests/data/dev/texts tests/data/dev/gold --split tests/data/dev/split.tsv --summary
    """
    from kg.evaluate import evaluate

    ev = evaluate(corpus, gold_dir, split, parts or None, by_set=not no_sets, ontology=ontology,
                  use_model=not no_model)
    for f in ev.failures:
        click.echo(f"error: {f}", err=True)
    if as_json:
        click.echo(report.to_json(ev.to_dict()))
    else:
        click.echo(report.format_eval_summary(ev) if summary else report.format_eval(ev))
    if ev.failures:
        sys.exit(EXIT_INCOMPLETE)


@main.command("train")
@click.option("--texts", type=click.Path(file_okay=False, exists=True), default=None,
              help="Folder of the development texts [default: tests/data/dev/texts].")
@click.option("--gold", "gold_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Folder of their gold files [default: tests/data/dev/gold].")
@click.option("--split", type=click.Path(dir_okay=False, exists=True), default=None,
              help="file<TAB>part split [default: tests/data/dev/split.tsv].")
@click.option("--part", default="develop", show_default=True, help="Train (and cross-validate) on this part only.")
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True)
@click.option("--min-precision", type=click.FloatRange(0, 1), default=0.77, show_default=True,
              help="Relation thresholds give the best F1 at this precision at least (on held-out predictions).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Where to write events.json and relations.json [default: the package's extract/models/].")
@click.option("--seeds/--no-seeds", default=True, show_default=True,
              help="Also train on the seeds (seeds/ with tests/data/gold-seeds).")
@click.option("--dry-run", is_flag=True, help="Cross-validate and report; write no model.")
@_ontology
def train_cmd(texts: str | None, gold_dir: str | None, split: str | None, part: str, folds: int, min_precision: float,
              out_dir: str | None, seeds: bool, dry_run: bool, ontology: str | None) -> None:
    """Train the event and relation scorers on the development gold, with document-level cross-validation.

    Prints the reference scorer's figures for the rules alone and, cross-validated, with the models
    (each document scored by models that never saw it); needs scikit-learn (pip install -e '.[train]').
    """
    from pathlib import Path

    from extract.model import MODEL_DIR
    from extract.train import DEV, SEED_GOLD, SEEDS, format_report, train

    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise BadUsage("kg train needs scikit-learn: pip install -e '.[train]'") from None
    trained = train(Path(texts) if texts else DEV / "texts", Path(gold_dir) if gold_dir else DEV / "gold",
                    Path(split) if split else DEV / "split.tsv", part, folds, ontology,
                    log=lambda m: click.echo(m, err=True), min_precision=min_precision,
                    also=[(SEEDS, SEED_GOLD)] if seeds else [])
    click.echo(format_report(trained))
    if not dry_run:
        folder = Path(out_dir) if out_dir else MODEL_DIR
        for m in (trained.events, trained.relations):
            click.echo(f"wrote {m.save(folder / f'{m.name}.json')}", err=True)


@main.command("query")
@click.argument("query", required=False)
@click.option("--graph", "out_dir", default="out", show_default=True, type=click.Path(file_okay=False),
              help="Output folder of `kg build`; its graph.trig (else graph.ttl) is loaded into OUT/store.")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind a parameter of the query (repeat a name for several values).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Stop the query after this many seconds (0: never).")
@click.option("--limit", type=click.IntRange(min=0), default=100, show_default=True,
              help="At most this many rows (a page; 0: all of them).")
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip this many rows first (the next page).")
@click.option("--list", "list_only", is_flag=True, help="List the stored queries with their descriptions and parameters.")
@click.option("--allow-update", is_flag=True, help="Run SPARQL UPDATE (it changes OUT/store until the graph is rebuilt).")
@_ontology
def query_cmd(query: str | None, out_dir: str, params: tuple[str, ...], fmt: str, timeout: float, limit: int,
              offset: int, list_only: bool, allow_update: bool, ontology: str | None) -> None:
    """Run a read-only SPARQL query on the graph: SPARQL text, a .rq file, or a stored query's name.

    \b
      kg query --list
      kg query org-events --param org=中机质协
      kg query events-by-date -p from=2021-01-01 -p to=2021-12-31 --format csv --limit 0
      kg query 'SELECT ?e ?l WHERE { ?e a kg:Event ; rdfs:label ?l }' --format json

    Rows come a page at a time (--limit, --offset). A malformed query exits with status 2 and the
    parser's line and column.
    """
    from kg import query as kq

    if list_only:
        click.echo(report.describe_queries(kq.list_queries(ontology)))
        return
    if not query:
        raise click.UsageError("give a QUERY (SPARQL text, a .rq file or a stored query's name), or --list")
    try:
        result = kq.run_query(query, out_dir, params=kq.parse_param_args(params), timeout=timeout or None,
                              allow_update=allow_update, ontology=ontology, limit=limit or None, offset=offset)
    except kq.UpdateRefusedError as e:  # the library's message, with the option that runs it (exit 2)
        raise kq.UpdateRefusedError(f"{e} (--allow-update runs it on OUT/store, until the graph is rebuilt)") from None
    click.echo(report.format_result(result, fmt))
    if result.kind in ("select", "construct"):
        more = f"; the next page: --offset {offset + limit}, all: --limit 0" if limit and len(result.rows) >= limit else ""
        if fmt == "table" or more:
            click.echo(f"({len(result.rows)} row(s), {result.seconds * 1000:.1f} ms{more})", err=True)


@main.command()
@click.option("--endpoint", required=True, metavar="URL",
              help="Graph Store Protocol endpoint: http://HOST:7878/store (Oxigraph), http://HOST:3030/DATASET/data (Fuseki).")
@click.option("--graph", "out_dir", default="out", show_default=True, type=click.Path(file_okay=False),
              help="Output folder of `kg build` (graph.trig, else graph.ttl).")
@click.option("--replace", is_flag=True, help="Replace each graph (HTTP PUT) instead of adding to it (HTTP POST).")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds to wait for each request.")
def push(endpoint: str, out_dir: str, replace: bool, timeout: float) -> None:
    """Load the graph into a SPARQL 1.1 store: one request per named graph (?graph=IRI) and ?default."""
    from kg.store.push import push_graph

    pushed = push_graph(out_dir, endpoint, replace=replace, timeout=timeout)
    verb = "replaced" if replace else "added to"
    click.echo(f"{pushed.source}: {pushed.triples} triple(s) {verb} {len(pushed.graphs)} graph(s) at {pushed.endpoint}",
               err=True)



# --- the graph as a network: kg stats, kg path, kg export (kg.network) -----------------------------

_graph_dir = click.option("--graph", "out_dir", default="out", show_default=True, type=click.Path(file_okay=False),
                          help="Output folder of `kg build` (graph.trig, else graph.ttl).")


def _network(out_dir: str, provenance: bool = True, ontology: str | None = None):
    """The graph of a build folder (a missing or unreadable one raises kg.rdf's errors: exit status 3)."""
    from kg.network import load_network

    return load_network(out_dir, ontology, provenance=provenance)


@main.command()
@_graph_dir
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1), help="Entities per ranking.")
@click.option("--seed", default=0, show_default=True, help="Seed of the community detection and betweenness sampling.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def stats(out_dir: str, top: int, seed: int, as_json: bool) -> None:
    """Counts per type and relation, the most central organizations and people, communities.

    Reads OUT/graph.ttl when there is one (no provenance is needed), else OUT/graph.trig.
    Betweenness is exact on small graphs and estimated from a fixed-seed sample of sources on
    large ones (the report says which).
    """
    from kg.network import summary

    stats_ = summary(_network(out_dir, provenance=False), top=top, seed=seed)
    click.echo(report.to_json(stats_) if as_json else report.format_stats(stats_))


@main.command("path")
@click.argument("a")
@click.argument("b")
@_graph_dir
@click.option("--max-hops", default=6, show_default=True, type=click.IntRange(min=1), help="Longest path to report.")
@click.option("--limit", default=3, show_default=True, type=click.IntRange(min=1),
              help="Shortest paths to show when there are several.")
@click.option("--json", "as_json", is_flag=True, help="Print the paths as JSON.")
def path_cmd(a: str, b: str, out_dir: str, max_hops: int, limit: int, as_json: bool) -> None:
    """How two entities are connected: each step with its relation and evidence.

    A and B are names or aliases (a part of a name works when only one entity contains it).
    Exit status 2 for an unknown or ambiguous name, 1 when they are not connected.
    """
    from kg.network import connection

    paths = connection(_network(out_dir), a, b, max_hops=max_hops, limit=limit)
    click.echo(report.to_json(paths) if as_json else report.format_paths(paths))


@main.command("export")
@_graph_dir
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="File to write (.graphml or .gexf).")
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf"]), default=None,
              help="Default: from the suffix of the output file.")
def export_cmd(out_dir: str, output: str, fmt: str | None) -> None:
    """Write the graph as GraphML or GEXF for Gephi (lists and evidence flattened to text)."""
    from kg.network import export_graph

    if fmt is None and not output.lower().endswith((".graphml", ".gexf")):
        raise BadUsage(f"{output}: give --format graphml|gexf or a .graphml/.gexf file name")
    G = _network(out_dir)
    export_graph(G, output, fmt)
    click.echo(f"{output}: {G.number_of_nodes()} entities, {G.number_of_edges()} relations", err=True)


# --- the interactive page: kg viz (kg.viz) ---------------------------------------------------------

@main.command("viz")
@_graph_dir
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="HTML file to write [default: OUT/graph.html, or OUT/focus.html with --focus].")
@click.option("--focus", metavar="NAME", default=None,
              help="Only the entities around the one with this name or alias.")
@click.option("--hops", default=2, show_default=True, type=click.IntRange(min=0),
              help="With --focus: how many steps from it to show.")
@click.option("--physics/--no-physics", default=None,
              help="Let the nodes move and settle live in the page [default: off, the layout as computed].")
@click.option("--title", default=None, help="Title of the page.")
@_ontology
def viz_cmd(out_dir: str, output: str | None, focus: str | None, hops: int, physics: bool | None,
            title: str | None, ontology: str | None) -> None:
    """Write the interactive HTML view of the graph: one file that works offline.

    \b
      kg viz                                   # out/graph.html (kg build writes it too)
      kg viz --graph OUT --focus 中机质协 --hops 2 -o focus.html

    Types are coloured and shaped (legend), relations labelled in Chinese and English; search by
    name or alias, filter by type and relation, hover or click for aliases, posts and evidence.
    The page opens on the largest connected part, fitted, its best-connected entities named;
    entities with no relation are listed under the filters, not drawn. A page holds at most
    10,000 entities, the best-connected ones, and says so (kg serve and --focus show the others);
    a --focus page holds its whole neighbourhood.
    An unknown --focus name exits with status 2 and lists close names, an ambiguous one lists the
    entities it names; a missing graph exits with status 3.
    """
    from pathlib import Path

    from kg.viz import page_graph, write_html

    shown, centre = page_graph(out_dir, focus=focus, hops=hops, ontology=ontology)
    if centre is not None:
        click.echo(f"focus: {shown.nodes[centre]['label']} ({shown.nodes[centre]['type']}), {hops} hop(s)", err=True)
    target = Path(output) if output else Path(out_dir) / ("focus.html" if focus is not None else "graph.html")
    write_html(shown, target, hops=hops, physics=physics, title=title, ontology=ontology)
    of = f" (the best-connected of {shown.graph['nodes_total']:,})" if "nodes_total" in shown.graph else ""
    click.echo(f"{target}: {shown.number_of_nodes()} entities{of}, {shown.number_of_edges()} relations", err=True)


# --- the web app and SPARQL endpoint: kg serve (kg.serve) ------------------------------------------

@main.command("serve")
@_graph_dir
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (127.0.0.1: this machine only; 0.0.0.0 opens it to the network).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Stop a SPARQL query after this many seconds.")
@click.option("--row-cap", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="At most this many rows a SPARQL query (the response says so).")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="SPARQL queries run side by side (a worker process each).")
@click.option("--processes", type=click.IntRange(min=1), default=1, show_default=True,
              help="Server processes on the port (each opens the store and keeps its own name index).")
@click.option("--sources", multiple=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Another folder in which to look for the source documents (repeat for several).")
@_ontology
def serve_cmd(out_dir: str, host: str, port: int, timeout: float, row_cap: int, workers: int, processes: int,
              sources: tuple[str, ...], ontology: str | None) -> None:
    """Browse the graph in a web browser and query it over the SPARQL 1.1 Protocol (/sparql).

    \b
      kg serve --graph out            # then open http://127.0.0.1:8000/

    Pages for every entity and source document (each fact with its evidence, highlighted in the
    document's text), a search by name or alias, and a query page with the stored queries.
    """
    from kg.serve import serve

    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: --host {host} lets other machines reach the graph and its documents", err=True)
    click.echo(f"serving {out_dir} at http://{host}:{port}/ (Ctrl-C stops)", err=True)
    serve(out_dir, host=host, port=port, processes=processes, timeout=timeout, row_cap=row_cap, workers=workers,
          sources=sources, ontology=ontology)


if __name__ == "__main__":  # pragma: no cover
    main()
