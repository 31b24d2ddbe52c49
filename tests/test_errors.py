"""One error type and one exit status per kind of failure, the same from every command (kg.errors)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg import errors
from kg.cli import main

FIXTURE = Path(__file__).parent / "data" / "query_graph.trig"

# every command that reads a built graph, with the arguments it needs besides --graph
GRAPH_READERS = {
    "query": ["query", "organizers"],
    "viz": ["viz"],
    "stats": ["stats"],
    "path": ["path", "中机质协", "工信部"],
    "export": ["export", "-o", "x.gexf"],
    "push": ["push", "--endpoint", "http://127.0.0.1:9/store"],
}


def kg(*args: str):
    return CliRunner().invoke(main, list(args))


def _all(graph: Path, tmp_path: Path) -> dict:
    out = {}
    for name, args in GRAPH_READERS.items():
        args = [a if a != "x.gexf" else str(tmp_path / "x.gexf") for a in args]
        out[name] = kg(*args, "--graph", str(graph))
    return out


def test_a_missing_graph_folder_is_the_same_error_from_every_command(tmp_path):
    missing = tmp_path / "no-such-build"
    results = _all(missing, tmp_path)
    expected = f"error: {missing}: no such folder (build one with `kg build PATH... -o {missing}`)\n"
    for name, r in results.items():
        assert (name, r.exit_code, r.stderr) == (name, errors.EXIT_INPUT, expected)
        assert r.stdout == ""
    assert not missing.exists()


def test_a_folder_without_a_graph_is_the_same_error_from_every_command(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    results = _all(empty, tmp_path)
    expected = (f"error: {empty}: no graph.trig or graph.ttl in this folder "
                f"(build one with `kg build PATH... -o {empty}`)\n")
    for name, r in results.items():
        assert (name, r.exit_code, r.stderr) == (name, errors.EXIT_INPUT, expected)


def test_an_unreadable_graph_is_the_same_error_from_every_command(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "graph.trig").write_text("这不是 TriG {\n", encoding="utf-8")
    results = _all(bad, tmp_path)
    for name, r in results.items():
        assert r.exit_code == errors.EXIT_INPUT, (name, r.stderr)
        assert r.stderr.startswith(f"error: {bad / 'graph.trig'}: not a readable graph: "), (name, r.stderr)
        assert r.stderr.count("\n") == 1, (name, r.stderr)
    assert len({r.stderr for r in results.values()}) == 1


@pytest.fixture
def graph(tmp_path) -> Path:
    d = tmp_path / "out"
    d.mkdir()
    shutil.copy(FIXTURE, d / "graph.trig")
    return d


@pytest.mark.parametrize("args, code, message", [
    (["query", "SELECT * WHERE { ?s ?p }"], errors.EXIT_USAGE, "SPARQL syntax error"),
    (["query", "no-such-query"], errors.EXIT_USAGE, "no stored query named 'no-such-query'"),
    (["query", "org-events", "-p", "orgz=中机质协"], errors.EXIT_USAGE, "takes no parameter 'orgz'"),
    (["query", "DROP ALL"], errors.EXIT_USAGE, "SPARQL UPDATE refused"),
    (["viz", "--focus", "没有这个名字"], errors.EXIT_USAGE, "no entity named '没有这个名字'"),
    (["path", "没有这个名字", "工信部"], errors.EXIT_USAGE, "no entity named '没有这个名字'"),
    (["export", "-o", "x.txt"], errors.EXIT_USAGE, "--format"),
    (["push", "--endpoint", "ftp://example.org/store"], errors.EXIT_USAGE, "is not an http(s) URL"),
    (["push", "--endpoint", "http://127.0.0.1:9/store", "--timeout", "2"], errors.EXIT_FAILED, "cannot reach the store"),
])
def test_each_kind_has_its_exit_status(graph, tmp_path, args, code, message):
    r = kg(*[str(tmp_path / a) if a.startswith("x.") else a for a in args], "--graph", str(graph))
    assert r.exit_code == code, r.output
    assert message in r.stderr and r.stderr.startswith("error: ") or args[-1] == "x.txt"


def test_a_file_that_cannot_be_written_exits_4(graph, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    r = kg("export", "--graph", str(graph), "-o", str(blocker / "x.gexf"))
    assert r.exit_code == errors.EXIT_FAILED
    assert r.stderr.startswith("error: ") and str(blocker) in r.stderr and r.stderr.count("\n") == 1


def test_a_bug_exits_5_with_its_traceback(graph, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("kg.network.summary", broken)
    r = kg("stats", "--graph", str(graph))
    assert r.exit_code == errors.EXIT_BUG
    assert "Traceback" in r.stderr and "ZeroDivisionError: a bug" in r.stderr


def test_help_lists_the_exit_statuses():
    r = kg("--help")
    assert r.exit_code == 0
    text = " ".join(r.stdout.split())
    for code, meaning in errors.EXIT_STATUSES:
        assert f"{code} {' '.join(meaning.split())}" in text


def test_library_errors_are_of_their_kind():
    from kg.build import NoDocuments
    from kg.evaluate import GoldError
    from kg.lookup import AmbiguousName, NameNotFound
    from kg.network import NoConnection
    from kg.ontology import LexiconError
    from kg.query import QueryError, QuerySyntaxError, QueryTimeoutError, StoredQueryError, UpdateRefusedError
    from kg.rdf import GraphNotFoundError, GraphUnreadable
    from kg.store import PushError, StoreError

    kinds = {
        errors.Incomplete: [NoConnection],
        errors.BadUsage: [QuerySyntaxError, StoredQueryError, UpdateRefusedError, NameNotFound, AmbiguousName],
        errors.BadInput: [GraphNotFoundError, GraphUnreadable, StoreError, GoldError, LexiconError, NoDocuments],
        errors.RunFailed: [QueryError, QueryTimeoutError, PushError],
    }
    for kind, classes in kinds.items():
        for cls in classes:
            assert issubclass(cls, kind), cls
            assert cls.exit_code == kind.exit_code, cls
    assert issubclass(GraphNotFoundError, FileNotFoundError) and issubclass(NameNotFound, LookupError)


@pytest.mark.parametrize("command", [["ingest"], ["extract", "--jsonl"]])
def test_no_readable_document_is_bad_input(tmp_path, command):
    typo = tmp_path / "seed"
    r = kg(*command, str(typo))
    assert r.exit_code == errors.EXIT_INPUT
    assert r.stderr.splitlines() == [f"error: {typo}: no such file or folder",
                                     f"error: no document could be read ({typo}: no such file or folder)"]
    assert r.stdout == ""


@pytest.mark.parametrize("command", [["ingest"], ["extract", "--jsonl"]])
def test_some_documents_failing_is_incomplete(tmp_path, command):
    good = tmp_path / "good.txt"
    good.write_text("中机质协在北京召开质量工作会议。", encoding="utf-8")
    r = kg(*command, str(tmp_path / "gone.txt"), str(good))
    assert r.exit_code == errors.EXIT_INCOMPLETE
    assert r.stderr.splitlines() == [f"error: {tmp_path / 'gone.txt'}: no such file or folder"]
    assert str(good) in r.stdout


def test_a_build_whose_reports_cannot_be_written_says_it_could_not_finish(tmp_path):
    """`kg build … 2>&1 | true`: the reader of stderr is gone before the build reports a file it could
    not read, and the build stops there, its graph not written: exit 4 (could not finish), not 0."""
    import os
    import subprocess
    import sys

    good = tmp_path / "good.txt"
    good.write_text("中机质协在北京召开质量工作会议。", encoding="utf-8")
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is said
    kg = Path(sys.executable).with_name("kg")
    try:
        code = subprocess.run([str(kg), "build", str(tmp_path / "gone.txt"), str(good), "-o", str(tmp_path / "out"),
                               "--jobs", "1"], stdout=subprocess.DEVNULL, stderr=write, timeout=300).returncode
    finally:
        os.close(write)
    assert code == errors.EXIT_FAILED
    assert not (tmp_path / "out" / "graph.ttl").exists()


def test_a_reader_that_stops_early_is_not_an_error(tmp_path):
    """`kg ingest … --jsonl | head -c 100`: the pipe closes while kg still writes; kg stops quietly
    (exit 0, nothing on stderr) instead of reporting 'Broken pipe' as a failure (exit 4)."""
    import subprocess
    import sys

    for i in range(300):  # more output than a pipe buffers
        (tmp_path / f"{i}.txt").write_text("中国机械工业质量管理协会在北京召开年会。" * 20, encoding="utf-8")
    kg = Path(sys.executable).with_name("kg")
    proc = subprocess.Popen([str(kg), "ingest", str(tmp_path), "--jsonl"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.read(100)
    proc.stdout.close()  # the reader is done
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert "Broken pipe" not in err and "Traceback" not in err
