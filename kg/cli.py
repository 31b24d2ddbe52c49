"""The ``kg`` command line: thin wrappers over the library functions."""

from __future__ import annotations

import json
import sys

import click

from kg.ingest import iter_documents
from kg.ingest.readers import DEFAULT_MAX_BYTES
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


@click.group()
@click.version_option(package_name="kg-quality")
def main() -> None:
    """Build a knowledge graph of organizations, people and events from Chinese documents."""


@main.command()
@_paths
@click.option("--jsonl", is_flag=True, help="One JSON object per document on stdout.")
@_max_mb
def ingest(paths: tuple[str, ...], jsonl: bool, max_mb: float) -> None:
    """Read documents, repair conversion damage and split them into articles and sentences.

    PATHS are files (.txt .md .docx .html .pdf) or folders (walked recursively).
    """
    failed = 0
    for item in iter_documents(paths, max_bytes=int(max_mb * 1e6)):
        if isinstance(item, IngestFailure):
            failed += 1
            _report_failure(item)
            continue
        _warn(item)
        if jsonl:
            sys.stdout.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
        else:
            n_sent = sum(1 for _ in item.sentences)
            click.echo(f"{item.path}: {item.encoding}, {len(item.articles)} article(s), {n_sent} sentence(s), "
                       f"title={item.title!r}, date={item.date}")
            for a in item.articles:
                if a.headline:
                    click.echo(f"  [{a.index}] {a.headline.text}  ({a.date or 'no date'})")
    if failed:
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
