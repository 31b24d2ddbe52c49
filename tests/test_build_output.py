"""What ``kg build`` leaves in its output folder: a failed build leaves the previous output whole,
documents keep their own identity (path relative to the inputs), and the base IRI is the user's.

Small hand-written news items; each build runs the real extraction pipeline.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kg import errors
from kg.build import NoDocuments, build
from kg.cli import main

NEWS = (
    "东方精工有限公司召开质量工作会议\n\n"
    "2021年5月20日，东方精工有限公司在苏州召开2021年质量工作会议。"
    "公司董事长陈志强主持会议，中国轴承工业协会副会长王建国出席并讲话。\n"
)
CHANGED = NEWS.replace("陈志强", "赵刚")


def kg(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def tree(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes), and every folder (-> None)."""
    out: dict = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if rel.split("/")[0] in skip:
            continue
        out[rel] = p.read_bytes() if p.is_file() else None
    return out


@pytest.fixture
def built(tmp_path) -> Path:
    """A folder built from one news item: the 'last good build'."""
    docs = tmp_path / "seeds"
    docs.mkdir()
    (docs / "news.txt").write_text(NEWS, encoding="utf-8")
    out = tmp_path / "out"
    r = kg("build", docs, "-o", out)
    assert r.exit_code == 0, r.output
    for name in ("graph.ttl", "graph.trig", "graph.html", "entities.jsonl", "store"):
        assert (out / name).exists()
    return out


# --- 1. a failed build leaves the previous output whole ---------------------------------------------


def test_a_typo_in_the_input_path_leaves_the_last_build_byte_identical(built, tmp_path):
    before = tree(built)
    typo = tmp_path / "seed"
    r = kg("build", typo, "-o", built)
    assert r.exit_code == errors.EXIT_INPUT
    assert r.stderr.splitlines()[-1] == (f"error: no document could be read ({typo}: no such file or folder); "
                                         f"nothing was written to {built}")
    assert tree(built) == before


def test_a_build_reading_no_document_writes_nothing(tmp_path):
    out = tmp_path / "fresh"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NoDocuments, match=f"{empty}: folder holds no supported files"):
        build([str(empty)], out)
    assert not out.exists()
    r = kg("build", empty, tmp_path / "gone.txt", "-o", out)
    assert r.exit_code == errors.EXIT_INPUT and not out.exists()
    last = r.stderr.splitlines()[-1]
    assert last.startswith(f"error: no document could be read ({empty}: folder holds no supported files (")
    assert last.endswith(f"; {tmp_path / 'gone.txt'}: no such file or folder); nothing was written to {out}")


@pytest.mark.parametrize("breaks", ["kg.viz.write_html", "kg.build.update_store", "kg.build.load_store",
                                    "kg.build.write_graph_files"])
def test_a_build_that_fails_late_leaves_the_last_build_byte_identical(built, tmp_path, monkeypatch, breaks):
    (tmp_path / "seeds" / "news.txt").write_text(CHANGED, encoding="utf-8")  # a rebuild would change every file
    before = tree(built, skip=(".cache",))

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(breaks, broken)
    if breaks == "kg.build.load_store":  # the store loaded afresh, not updated
        monkeypatch.setattr("kg.store.embedded.UPDATE_SHARE", 0.0)
    r = kg("build", tmp_path / "seeds", "-o", built)
    assert r.exit_code == errors.EXIT_FAILED, r.output
    assert r.stderr.splitlines()[-1] == "error: No space left on device"
    assert tree(built, skip=(".cache",)) == before
    assert not [p.name for p in built.iterdir() if p.name.startswith(".build-")]
    monkeypatch.undo()
    r = kg("build", tmp_path / "seeds", "-o", built)  # and the next build goes through
    assert r.exit_code == 0, r.output
    assert "赵刚" in (built / "graph.ttl").read_text(encoding="utf-8")
    assert "陈志强" not in (built / "graph.html").read_text(encoding="utf-8")


def test_an_unchanged_rebuild_keeps_the_store(built, tmp_path):
    """The same graph again is not loaded again: what the store holds (here a mark put in by an update)
    stays, and so does its manifest."""
    manifest = (built / "store" / "kg-store.json").read_bytes()
    mark = "{ <http://example.org/mark> <http://example.org/kept> 1 }"
    assert kg("query", "--graph", built, "--allow-update", f"INSERT DATA {mark}").exit_code == 0
    r = kg("build", tmp_path / "seeds", "-o", built)
    assert r.exit_code == 0, r.output
    assert kg("query", "--graph", built, f"ASK {mark}").stdout.strip() == "true"
    assert (built / "store" / "kg-store.json").read_bytes() == manifest
    assert kg("query", "--graph", built, "--allow-update", f"DELETE DATA {mark}").exit_code == 0
    r = kg("query", "--graph", built, "SELECT ?l WHERE { ?p a kg:Person ; rdfs:label ?l } ORDER BY ?l",
           "--format", "csv")
    assert r.stdout.splitlines() == ["l", "王建国", "陈志强"]


def test_an_unchanged_rebuild_replaces_a_store_of_an_older_version(built, tmp_path):
    """A store loaded by an older kg (manifest version 1: no default graph, queries used the union of
    the named graphs) is not current for an unchanged graph.trig: the build loads it again."""
    import json
    import shutil

    import pyoxigraph as ox

    store = built / "store"
    manifest = json.loads((store / "kg-store.json").read_text(encoding="utf-8"))
    shutil.rmtree(store)
    old = ox.Store(str(store))
    old.bulk_load(path=str(built / "graph.trig"), format=ox.RdfFormat.TRIG)  # the named graphs alone
    old.flush()
    del old
    manifest["version"] = 1
    del manifest["default_graph_triples"]
    (store / "kg-store.json").write_text(json.dumps(manifest), encoding="utf-8")
    graph = (built / "graph.trig").read_bytes()
    r = kg("build", tmp_path / "seeds", "-o", built)
    assert r.exit_code == 0, r.output
    assert (built / "graph.trig").read_bytes() == graph
    assert json.loads((store / "kg-store.json").read_text(encoding="utf-8"))["version"] > 1
    r = kg("query", "--graph", built, "SELECT ?l WHERE { ?p a kg:Person ; rdfs:label ?l } ORDER BY ?l",
           "--format", "csv")
    assert r.stdout.splitlines() == ["l", "王建国", "陈志强"]  # the default graph holds the facts


def test_a_changed_rebuild_replaces_the_store(built, tmp_path):
    (tmp_path / "seeds" / "news.txt").write_text(CHANGED, encoding="utf-8")
    r = kg("build", tmp_path / "seeds", "-o", built)
    assert r.exit_code == 0, r.output
    r = kg("query", "--graph", built, "SELECT ?l WHERE { ?p a kg:Person ; rdfs:label ?l } ORDER BY ?l",
           "--format", "csv")
    assert r.stdout.splitlines() == ["l", "王建国", "赵刚"]
    assert not [p.name for p in built.iterdir() if p.name.startswith((".build-", ".store-"))]


# --- 2. two files with one name in two folders stay two documents ---------------------------------

OTHER = (
    "轴承协会举办质量论坛\n\n"
    "2022年6月10日，中国轴承工业协会在洛阳举办2022年轴承质量论坛。协会会长张伟主持论坛。\n"
)


def test_two_files_with_the_same_name_in_two_folders_stay_two_documents(tmp_path):
    from rdflib import RDFS, Literal, URIRef

    from kg.rdf import read_dataset
    from kg.ontology.vocab import KG

    for folder, text in (("a", NEWS), ("b", OTHER)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    r = kg("build", tmp_path / "a", tmp_path / "b", "-o", out)
    assert r.exit_code == 0, r.output
    assert "documents: 2 read" in r.stderr and "SHACL: conforms" in r.stderr
    ds = read_dataset(out / "graph.trig")
    src = "https://example.org/cnqkg/id/source/"
    graphs = {str(g.identifier)[len(src):]: g for g in ds.graphs() if str(g.identifier).startswith(src)}
    assert sorted(graphs) == ["a/x.txt", "b/x.txt"]
    for name, g in graphs.items():
        source = URIRef(src + name)
        assert list(g.objects(source, KG.path)) == [Literal(str(tmp_path / name))]
        assert len(set(g.objects(source, KG.contentHash))) == 1
    labels = {name: {str(o) for o in g.objects(None, RDFS.label)} for name, g in graphs.items()}
    assert "陈志强" in labels["a/x.txt"] and "陈志强" not in labels["b/x.txt"]
    assert "张伟" in labels["b/x.txt"] and "张伟" not in labels["a/x.txt"]
    # each relation's provenance points at its own file
    for name, g in graphs.items():
        assert set(g.objects(None, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))) == {URIRef(src + name)}
    docs = {d for line in (out / "entities.jsonl").read_text(encoding="utf-8").splitlines()
            for d in __import__("json").loads(line)["docs"]}
    assert docs == {"a/x.txt", "b/x.txt"}


def test_a_document_in_a_subfolder_gets_a_hierarchical_source_iri(tmp_path):
    from kg.rdf import read_dataset

    sub = tmp_path / "corpus" / "2021年" / "5 月"
    sub.mkdir(parents=True)
    (sub / "新闻 #1.txt").write_text(NEWS, encoding="utf-8")
    out = tmp_path / "out"
    r = kg("build", tmp_path / "corpus", "-o", out)
    assert r.exit_code == 0, r.output
    names = {str(g.identifier) for g in read_dataset(out / "graph.trig").graphs()}
    assert "https://example.org/cnqkg/id/source/2021年/5%20月/新闻%20%231.txt" in names
    r = kg("viz", "--graph", out, "--focus", "陈志强", "-o", tmp_path / "p.html")
    assert r.exit_code == 0, r.output
    assert "2021年/5 月/新闻 #1.txt" in (tmp_path / "p.html").read_text(encoding="utf-8")


def test_a_file_moved_to_another_folder_keeps_its_cached_extraction_with_its_new_path(tmp_path):
    from rdflib import URIRef

    from kg.rdf import read_dataset
    from kg.ontology.vocab import KG

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text(NEWS, encoding="utf-8")
    out = tmp_path / "out"
    assert kg("build", tmp_path / "a", "-o", out).exit_code == 0
    (tmp_path / "a").rename(tmp_path / "c")
    r = kg("build", tmp_path / "c", "-o", out)
    assert r.exit_code == 0 and "0 extracted, 1 unchanged from the cache" in r.stderr
    src = URIRef("https://example.org/cnqkg/id/source/x.txt")
    paths = {str(o) for o in read_dataset(out / "graph.trig").graph(src).objects(src, KG.path)}
    assert paths == {str(tmp_path / "c" / "x.txt")}


# --- 8. the base IRI is the user's ------------------------------------------------------------------

BASE = "https://data.example.com/质量/kg/"


def _iris(out: Path) -> set[str]:
    import re

    return set(re.findall(r"<(https?://[^>]+)>", (out / "graph.trig").read_text(encoding="utf-8")))


def test_base_iri_option_names_every_minted_iri_and_stays_stable(tmp_path, built):
    docs = tmp_path / "seeds"
    one, two = tmp_path / "one", tmp_path / "two"
    for out in (one, two):
        r = kg("build", docs, "-o", out, "--base-iri", BASE)
        assert r.exit_code == 0, r.output
        assert "SHACL: conforms" in r.stderr
    for name in ("graph.ttl", "graph.trig", "entities.jsonl", "graph.html"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name  # same inputs, same IRIs
    trig = (one / "graph.trig").read_text(encoding="utf-8")
    assert f"<{BASE}id/graph/ontology> {{" in trig
    assert "example.org/cnqkg/id/" not in trig + (one / "graph.ttl").read_text(encoding="utf-8")
    assert f"<{BASE}id/source/news.txt>" in trig
    assert "https://example.org/cnqkg/ontology#" in trig  # the ontology's own namespace stays
    # the default is as before: the folder built without the option
    assert "https://example.org/cnqkg/id/source/news.txt" in (built / "graph.trig").read_text(encoding="utf-8")
    # readers take the graph's own base: documents by their id, id: in queries
    from kg.network import load_network

    G = load_network(one)
    person = next(n for n, a in G.nodes(data=True) if a["label"] == "陈志强")
    assert person == f"{BASE}id/person/陈志强" and G.nodes[person]["sources"] == ["news.txt"]
    r = kg("query", "--graph", one, "SELECT ?l WHERE { ?p a kg:Person ; rdfs:label ?l "
           "FILTER(STRSTARTS(STR(?p), STR(id:person\\/))) } ORDER BY ?l", "--format", "csv")
    assert r.exit_code == 0 and r.stdout.splitlines() == ["l", "王建国", "陈志强"], r.output


def test_base_iri_from_kg_toml_and_the_option_wins(tmp_path, built, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "kg.toml").write_text(f'# where the graph is published\nbase_iri = "{BASE}"\n', encoding="utf-8")
    r = kg("build", "seeds", "-o", "from-config")
    assert r.exit_code == 0, r.output
    assert f"<{BASE}id/source/news.txt>" in (tmp_path / "from-config" / "graph.trig").read_text(encoding="utf-8")
    r = kg("build", "seeds", "-o", "from-option", "--base-iri", "https://example.net/g/")
    assert r.exit_code == 0, r.output
    assert "<https://example.net/g/id/source/news.txt>" in (tmp_path / "from-option" / "graph.trig").read_text(
        encoding="utf-8")


@pytest.mark.parametrize("value, fragment", [
    ("example.com/kg/", "is not an absolute IRI"),
    ("https://example.com/kg", "must end with '/' or '#'"),
    ("https://example.com/my kg/", "cannot hold ' '"),
    ("https://example.com/<kg>/", "cannot hold '<'"),
])
def test_a_bad_base_iri_is_refused_before_anything_is_written(tmp_path, built, value, fragment):
    before = tree(built)
    r = kg("build", tmp_path / "seeds", "-o", built, "--base-iri", value)
    assert r.exit_code == errors.EXIT_USAGE
    assert r.stderr.startswith("error: --base-iri ") and fragment in r.stderr and r.stderr.count("\n") == 1
    assert tree(built) == before


@pytest.mark.parametrize("content, fragment", [
    ('base_iri = "https://example.com/kg"\n', "must end with '/' or '#'"),
    ('base-iri = "https://example.com/kg/"\n', "unknown setting 'base-iri' (settings: base_iri)"),
    ("base_iri = https://example.com/kg/\n", "not valid TOML"),
    ("base_iri = 3\n", "base_iri is not a string"),
])
def test_a_bad_kg_toml_is_named(tmp_path, built, monkeypatch, content, fragment):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "kg.toml").write_text(content, encoding="utf-8")
    r = kg("build", "seeds", "-o", "out2")
    assert r.exit_code == errors.EXIT_INPUT
    assert r.stderr.startswith("error: kg.toml: ") and fragment in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "out2").exists()
