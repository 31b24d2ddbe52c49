"""An incremental build reads only the files that changed since the last one (issue 16).

The cache keeps an index of the files a build read (path, size, modification and change times,
inode, content hash); a file whose entry still matches is not read, segmented or hashed again, and
its cached extraction goes on as it is. A document's graph whose inputs did not change (its
extraction, what resolution across the corpus says of the entities it names) is copied from the
last build. The output is the same bytes as a build from scratch.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest

import kg.ingest
import kg.rdf.write
from kg.build import build
from kg.cache import CACHE_DIR

OUTPUTS = ("graph.ttl", "graph.trig", "entities.jsonl")

TEXTS = {
    "a.txt": "中国机械工业质量管理协会在北京召开2021年质量工作会议。协会会长张维德出席会议并讲话。",
    "b.txt": "工业和信息化部发布《关于推进机械工业质量提升的指导意见》。",
    "c.txt": "2022年5月，上海市质量协会主办第五届长三角质量论坛，市场监管总局副局长王明出席。",
}


@pytest.fixture
def corpus(text_corpus) -> Path:
    return text_corpus(TEXTS)


@pytest.fixture
def reads(calls) -> list[str]:
    """The files the builds read, by name."""
    return calls(kg.ingest, "ingest_file", lambda path: Path(path).name)


def same_outputs(a: Path, b: Path) -> None:
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs"


def test_a_rebuild_of_unchanged_files_reads_none_of_them(corpus, reads, tmp_path):
    out = tmp_path / "out"
    build([str(corpus)], out)
    assert sorted(reads) == sorted(TEXTS)
    reads.clear()
    reused = []
    result = build([str(corpus)], out, on_reused=reused.append)
    assert reads == []
    assert sorted(ex.doc_id for ex in reused) == sorted(TEXTS)
    assert result.cached == len(TEXTS) and len(result.extractions) == len(TEXTS)


def test_only_the_changed_file_is_read_and_the_output_is_a_fresh_builds(corpus, reads, tmp_path):
    out = tmp_path / "out"
    build([str(corpus)], out)
    (corpus / "b.txt").write_text(TEXTS["b.txt"].replace("工业和信息化部", "国家市场监督管理总局"), encoding="utf-8")
    (corpus / "d.txt").write_text("江苏省质量协会在南京举办质量管理小组成果发表会。", encoding="utf-8")
    reads.clear()
    build([str(corpus)], out)
    assert sorted(reads) == ["b.txt", "d.txt"]
    fresh = tmp_path / "fresh"
    build([str(corpus)], fresh, incremental=False)
    same_outputs(out, fresh)


def test_a_file_rewritten_with_its_old_size_and_modification_time_is_read_again(corpus, reads, tmp_path):
    """Same size, same mtime restored (cp -p, an archive unpacked again): the change time and the
    inode still tell, so the new words are read."""
    out = tmp_path / "out"
    build([str(corpus)], out)
    target = corpus / "a.txt"
    st = target.stat()
    new = TEXTS["a.txt"].replace("张维德", "李明华")
    assert len(new.encode("utf-8")) == st.st_size
    target.unlink()
    target.write_text(new, encoding="utf-8")
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    reads.clear()
    build([str(corpus)], out)
    assert reads == ["a.txt"]
    assert "李明华" in (out / "graph.ttl").read_text(encoding="utf-8")


def test_a_full_build_reads_every_file_and_the_next_one_none(corpus, reads, tmp_path):
    out = tmp_path / "out"
    build([str(corpus)], out)
    reads.clear()
    build([str(corpus)], out, incremental=False)  # kg build --full
    assert sorted(reads) == sorted(TEXTS)
    reads.clear()
    build([str(corpus)], out)
    assert reads == []


def test_a_file_written_just_before_the_build_is_read_again_next_time(tmp_path, reads):
    """It may be still being written while the build reads it: its entry is not kept."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXTS["a.txt"], encoding="utf-8")
    out = tmp_path / "out"
    build([str(folder)], out)
    reads.clear()
    build([str(folder)], out)
    assert reads == ["a.txt"]


def test_a_moved_corpus_is_read_again(corpus, reads, tmp_path):
    out = tmp_path / "out"
    build([str(corpus)], out)
    moved = tmp_path / "moved"
    shutil.move(str(corpus), moved)
    reads.clear()
    build([str(moved)], out)
    assert sorted(reads) == sorted(TEXTS)


# --- what the extraction cache depends on -------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def _fingerprint_of(project: Path) -> str:
    """The extraction fingerprint computed by the ``kg`` package found in ``project``."""
    import subprocess
    import sys

    code = "from kg.cache import fingerprint; print(fingerprint())"
    out = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(project)}, check=True)
    return out.stdout.strip()


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A copy of the project's code and data (kg/, extract/, ontology/) to edit."""
    dest = tmp_path / "project"
    for name in ("kg", "extract", "ontology"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


@pytest.mark.parametrize("edited, re_extracts", [
    ("kg/viz/page.py", False),          # the page
    ("kg/rdf/write.py", False),         # the graph writers
    ("kg/resolve/entities.py", False),  # resolution runs on every build anyway
    ("kg/serve/app.py", False),
    ("kg/ingest/clean.py", True),       # what extraction reads
    ("kg/ontology/lexicon.py", True),
    ("extract/events.py", True),
    ("ontology/gazetteer/organizations.tsv", True),
    ("ontology/shapes.ttl", False),     # validation only
])
def test_only_a_change_to_what_extraction_depends_on_re_extracts(project_copy, edited, re_extracts):
    before = _fingerprint_of(project_copy)
    path = project_copy / edited
    assert path.is_file(), edited
    with open(path, "a", encoding="utf-8") as f:
        f.write("\n# edited\n")
    assert (_fingerprint_of(project_copy) != before) is re_extracts


def test_every_kg_module_an_extraction_imports_is_in_the_fingerprint():
    """A worker's modules after it extracted a document (some are imported only then)."""
    import subprocess
    import sys

    from kg.cache import EXTRACTION_CODE, TRANSPORT_MODULES

    code = ("import sys; from kg.executors.task import ExtractTask; from kg.ingest import ingest_text; "
            "ExtractTask(encode=True)([ingest_text('工信部召开质量工作会议。', 'a.txt')]); "
            "print('\\n'.join(f'{m} {sys.modules[m].__file__}' for m in sys.modules if m.split('.')[0] == 'kg'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    covered = [ROOT / p for p in EXTRACTION_CODE]
    missing = [m for m, f in (line.split(" ", 1) for line in out.splitlines())
               if m not in TRANSPORT_MODULES and not any(Path(f) == c or c in Path(f).parents for c in covered)]
    assert missing == []


def test_a_moved_corpus_built_again_keeps_its_new_paths(corpus, tmp_path):
    """The cache holds the extraction made at the old path: a second build after the move, which
    reads no file, still writes the files' present paths, as a build from scratch does."""
    out = tmp_path / "out"
    build([str(corpus)], out)
    moved = tmp_path / "moved"
    shutil.move(str(corpus), moved)
    time.sleep(1.1)  # (renaming the folder may change the files' change times)
    build([str(moved)], out)
    build([str(moved)], out)
    assert str(corpus) not in (out / "graph.trig").read_text(encoding="utf-8")
    fresh = tmp_path / "fresh"
    build([str(moved)], fresh, incremental=False)
    same_outputs(out, fresh)


@pytest.fixture
def made(calls) -> list[str]:
    """The documents whose graph a build made (rather than copied from the last build), by id."""
    return calls(kg.rdf.write, "document_triples")


def test_graphs_are_copied_unless_what_they_say_changed_and_the_output_is_a_fresh_builds(corpus, made, tmp_path,
                                                                                        cache_entries):
    """A new document joins two documents' entities into one (a title and its number): the graphs
    of both change though their files did not, and are made again; the others are copied."""
    (corpus / "e.txt").write_text("工信部〔2021〕5号要求各地开展质量提升行动。", encoding="utf-8")
    out = tmp_path / "out"
    first = build([str(corpus)], out)
    ids = {e.id for e in first.resolution.entities}
    assert "document/工信部[2021]5号" in ids  # its own entity, for now
    assert sorted(made) == ["a.txt", "b.txt", "c.txt", "e.txt"]
    (corpus / "c.txt").write_text(TEXTS["c.txt"].replace("王明", "李强"), encoding="utf-8")
    (corpus / "f.txt").write_text("工业和信息化部印发《关于推进机械工业质量提升的指导意见》（工信部〔2021〕5号）。",
                                  encoding="utf-8")
    made.clear()
    second = build([str(corpus)], out)
    assert "document/工信部[2021]5号" not in {e.id for e in second.resolution.entities}
    assert {"b.txt", "c.txt", "e.txt", "f.txt"} <= set(made) and "a.txt" not in made
    fresh = tmp_path / "fresh"
    build([str(corpus)], fresh, incremental=False)
    same_outputs(out, fresh)
    assert len(cache_entries(out, "graphs")) == 5  # one a document: the graphs of the old c.txt, b.txt, e.txt are gone
    (corpus / "a.txt").unlink()
    made.clear()
    build([str(corpus)], out)
    assert made == []
    assert len(cache_entries(out, "graphs")) == 4
    fresh = tmp_path / "fresh2"
    build([str(corpus)], fresh, incremental=False)
    same_outputs(out, fresh)


def test_a_full_build_makes_every_graph(corpus, made, tmp_path):
    out = tmp_path / "out"
    build([str(corpus)], out)
    made.clear()
    build([str(corpus)], out, incremental=False)
    assert sorted(made) == sorted(TEXTS)


# --- the records kept between builds: written whole, then only what changed -------------------------

def _record(i: int, content: str = "a", path: str | None = None):
    from kg.records import DocumentExtraction

    return DocumentExtraction(f"d{i:02}.txt", path or f"corpus/d{i:02}.txt", content * 64, None, None, [], [], [])


def _saved(out: Path, records, read: bool = True):
    """A build's cache of ``out`` that read the records kept there, then saved ``records``."""
    from kg.cache import ExtractionCache

    cache = ExtractionCache(out, "fp", read=read)
    cache.read_records("v1")
    cache.save_records(records, "v1")
    return cache


def _kept(out: Path, version: str = "v1") -> dict:
    from kg.cache import ExtractionCache

    return {d: (r.sha256, r.path) for d, r in ExtractionCache(out, "fp").read_records(version).items()}


def test_records_that_barely_changed_are_saved_as_their_changes_beside_the_last_whole_save(tmp_path):
    from kg.cache import RECORD_CHANGES_SHARE

    out = tmp_path / "out"
    records = [_record(i) for i in range(60)]
    whole = _saved(out, records).folder / "stages" / "records.pickle"
    before = whole.read_bytes()
    assert RECORD_CHANGES_SHARE * 59 >= 5
    # one document changed, one moved, one gone, one new: then one more gone, on top of those
    step = records[:57] + [_record(57, "b"), _record(58, path="moved/d58.txt"), _record(60)]
    _saved(out, step)
    step = step[1:]
    _saved(out, step)
    assert whole.read_bytes() == before  # not written again
    assert (whole.parent / "records-changes.pickle").exists()
    assert _kept(out) == {r.doc_id: (r.sha256, r.path) for r in step}
    assert _kept(out, "v2") == {}  # other code's records are not read


def test_records_are_saved_whole_again_when_many_changed_and_older_changes_are_never_read(tmp_path):
    out = tmp_path / "out"
    records = [_record(i) for i in range(20)]
    stages = _saved(out, records).folder / "stages"
    _saved(out, records[:-1])
    stale = (stages / "records-changes.pickle").read_bytes()  # d19 gone, against the first save
    many = [_record(i, "c") for i in range(20)]
    _saved(out, many)
    assert not (stages / "records-changes.pickle").exists()
    assert _kept(out) == {r.doc_id: (r.sha256, r.path) for r in many}
    (stages / "records-changes.pickle").write_bytes(stale)  # left by a build killed before it removed it
    assert _kept(out) == {r.doc_id: (r.sha256, r.path) for r in many}
    # kg build --full reads nothing, so it saves them whole
    _saved(out, records, read=False)
    assert _kept(out) == {r.doc_id: (r.sha256, r.path) for r in records}
    assert not (stages / "records-changes.pickle").exists()


def test_builds_that_each_change_a_document_give_a_fresh_builds_output(text_corpus, tmp_path):
    texts = {f"{i:02}.txt": f"{1990 + i}年，中国机械工业质量管理协会在北京召开第{i}届质量工作会议。" for i in range(40)}
    corpus = text_corpus(texts)
    out = tmp_path / "out"
    build([str(corpus)], out)
    whole = next((out / CACHE_DIR).glob("*/stages/records.pickle"))
    before = whole.read_bytes()
    for step in range(3):
        if step == 2:
            (corpus / "03.txt").unlink()
        else:
            (corpus / f"0{step}.txt").write_text(f"工业和信息化部发布第{step}号通知。", encoding="utf-8")
        build([str(corpus)], out)
        if step != 1:
            fresh = tmp_path / f"fresh{step}"
            build([str(corpus)], fresh)
            same_outputs(out, fresh)
    assert whole.read_bytes() == before  # each build saved its changes only


# --- the graph cache, as the forked copies of a build use it ------------------------------------------


def _graph_cache(tmp_path):
    from kg.cache import ExtractionCache
    from kg.rdf.kept import GraphCache

    return GraphCache(ExtractionCache(tmp_path, "fp"), "v1")


def test_a_graph_a_copy_stored_is_read_back_and_one_gone_or_replaced_is_an_error(tmp_path):
    """The build reads back the graph its copy stored under a key, with the SHA-256 the copy said;
    removed meanwhile (another build's prune) or holding other bytes, the build stops saying so."""
    from kg.errors import RunFailed

    graphs = _graph_cache(tmp_path)
    block = "\n<https://example.org/cnqkg/id/source/a.txt> {\n    <x> <y> \"中机质协\" .\n}\n".encode("utf-8")
    sha = graphs.put("k" * 64, block, "note")
    assert graphs.stored("k" * 64, sha) == block
    with pytest.raises(RunFailed, match="was replaced in its cache"):
        graphs.stored("k" * 64, "0" * 64)
    graphs.put("k" * 64, block + b"\n", "note")
    with pytest.raises(RunFailed, match="was replaced in its cache"):
        graphs.stored("k" * 64, sha)
    _graph_cache(tmp_path).prune()  # another build's, which kept none of these
    with pytest.raises(RunFailed, match="is gone from its cache"):
        graphs.stored("k" * 64, sha)


def test_prune_keeps_the_graphs_found_or_stored_and_removes_other_versions(tmp_path):
    """A build keeps one graph a document of its own: the graphs it neither found nor stored (documents gone or
    changed) and those kept for other code are removed; its forked copies' graphs, merged, are kept."""
    from kg.cache import ExtractionCache
    from kg.rdf.kept import GraphCache

    other = GraphCache(ExtractionCache(tmp_path, "fp"), "v0")
    other.put("o" * 64, b"other code's graph")
    first = _graph_cache(tmp_path)
    for k in "abcd":
        first.put(k * 64, f"graph {k}".encode())
    second = _graph_cache(tmp_path)
    assert second.get("a" * 64) == (b"graph a", hashlib.sha256(b"graph a").hexdigest(), None)
    second.put("e" * 64, b"graph e", "note")
    copy = _graph_cache(tmp_path)  # (what a copy found and stored, handed back)
    copy.start_share()
    copy.get("b" * 64)
    second.merge(copy.share())
    assert second.prune() == 2
    assert sorted(_graph_cache(tmp_path).entries()) == ["a" * 64, "b" * 64, "e" * 64]
    assert sorted(p.name for p in second.folder.parent.iterdir()) == ["v1"]
    assert second.hits == 2


def test_a_damaged_graph_cache_is_removed_and_the_build_told_to_run_again(tmp_path):
    """The graphs a build's copies make reach it through the cache: where its pages are damaged, what it
    cannot find is made again, and a graph it cannot store stops the build with the file named; the
    database is removed, and the next build makes it anew."""
    from kg.errors import RunFailed

    graphs = _graph_cache(tmp_path)
    for i in range(200):
        graphs.put(f"{i:064d}", b"<x> <y> <z> ." * 300, "note")
    graphs._db.close()
    data = bytearray(graphs._db.path.read_bytes())
    for page in (3, 8, 30):
        data[page * 4096:(page + 1) * 4096] = os.urandom(4096)
    graphs._db.path.write_bytes(bytes(data))
    damaged = _graph_cache(tmp_path)
    with pytest.raises(RunFailed, match="graphs.sqlite: the cache of the documents' graphs was damaged"):
        for i in range(200):
            damaged.put(f"{i:064d}", b"another graph")
            assert damaged.stored(f"{i:064d}", hashlib.sha256(b"another graph").hexdigest()) == b"another graph"
    assert not damaged._db.path.exists()
    fresh = _graph_cache(tmp_path)
    assert fresh.empty() and fresh.get("0" * 64) is None
    sha = fresh.put("0" * 64, b"graph")
    assert fresh.stored("0" * 64, sha) == b"graph"


def test_which_graphs_are_held_is_known_without_reading_them(tmp_path):
    """What an update counts before it forks copies for the graphs to make (``held``, ``empty``): a graph
    is held once stored; nothing is with ``--full``, whose builds find nothing; temporary files are not."""
    from kg.cache import ExtractionCache
    from kg.rdf.kept import GraphCache

    graphs = _graph_cache(tmp_path)
    assert graphs.empty() and not graphs.held("k" * 64)  # (no database yet, and none made by asking)
    assert not graphs.folder.exists()
    graphs.put("k" * 64, b"graph")
    assert not graphs.empty() and graphs.held("k" * 64) and not graphs.held("j" * 64)
    assert graphs.get("k" * 64) is not None and graphs.hits == 1  # (held: not counted)
    full = GraphCache(ExtractionCache(tmp_path, "fp", read=False), "v1")
    assert full.empty() and not full.held("k" * 64) and full.get("k" * 64) is None


def test_records_are_pickled_a_group_at_a_time_and_read_back_whole(tmp_path, monkeypatch):
    """``records.pickle`` holds the records in pickles of RECORDS_PER_PICKLE (read one after the other:
    each frees what it kept while it was read); read back, every record; a file cut short, or written
    as one pickle of all (an earlier version's), gives none (the next build makes them again)."""
    import pickle

    import kg.cache

    monkeypatch.setattr(kg.cache, "RECORDS_PER_PICKLE", 2)
    out = tmp_path / "out"
    records = [_record(i) for i in range(5)]
    whole = _saved(out, records).folder / "stages" / "records.pickle"
    with open(whole, "rb") as f:
        head = pickle.load(f)
        groups = [pickle.load(f) for _ in range(3)]
        assert f.read() == b""
    assert head[0] == "v1" and head[2] == 5 and [len(g) for g in groups] == [2, 2, 1]
    assert _kept(out) == {r.doc_id: (r.sha256, r.path) for r in records}
    good = whole.read_bytes()
    whole.write_bytes(good[:-40])
    assert _kept(out) == {}
    whole.write_bytes(pickle.dumps(("v1", head[1], {r.doc_id: r for r in records})))
    assert _kept(out) == {}


def test_a_builds_records_are_read_back_when_asked_for_and_not_after_a_later_build(corpus, tmp_path):
    """A build lets go of its records once resolved (they are kept in its cache), and of which mention is
    which entity: its result reads the records back when first asked for, the same records (with their
    mentions and relations), in the order read, from which resolve_corpus tells each mention's entity; after
    a later build in the folder changed them, they cannot be read (RunFailed), rather than be another build's."""
    from kg.build import SavedRecords
    from kg.cache import ExtractionCache, fingerprint
    from kg.errors import RunFailed
    from kg.resolve import compact, resolve_corpus

    out = tmp_path / "out"
    result = build([str(corpus)], out)
    assert isinstance(result.extractions, SavedRecords) and len(result.extractions) == len(TEXTS)
    cache = ExtractionCache(out, fingerprint())
    expected = [compact(cache.get(ex.doc_id, ex.sha256)) for ex in result.extractions]
    assert list(result.extractions) == expected and result.extractions[1] == expected[1]
    assert [ex.doc_id for ex in result.extractions] == sorted(TEXTS)
    assert all(ex.mentions for ex in result.extractions) and any(ex.relations for ex in result.extractions)

    assert result.extractions == expected and result.extractions != expected[:2]
    with pytest.raises(LookupError, match="resolve_corpus"):  # a build keeps the entities, not each mention's
        result.resolution.entity_of(expected[0].mentions[0])
    again = resolve_corpus(result.extractions).resolution
    assert again.entity_of(expected[0].mentions[0]) in {e.id for e in result.resolution.entities}

    later, moved = build([str(corpus)], out), build([str(corpus)], out)
    (corpus / "a.txt").write_text(TEXTS["a.txt"] + "会议由协会秘书长主持。", encoding="utf-8")
    build([str(corpus)], out)
    with pytest.raises(RunFailed, match="replaced by a later build"):
        later.extractions[0]
    assert list(result.extractions) == expected  # (read before: held)
    shutil.move(corpus, tmp_path / "elsewhere")  # the same contents at other paths: not these records either
    build([str(tmp_path / "elsewhere")], out)
    with pytest.raises(RunFailed, match="replaced by a later build"):
        moved.extractions[0]
