"""notebooks/explore.ipynb runs from top to bottom on the seeds (executed as CI executes it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"


def _text(cell) -> str:
    parts = []
    for o in cell.get("outputs", []):
        parts.append(o.get("text", ""))
        data = o.get("data", {})
        parts.append(data.get("text/plain", ""))
        parts.append(data.get("text/html", ""))
    return "\n".join(parts)


@pytest.mark.slow
def test_notebook_runs_on_the_seeds(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_NOTEBOOK_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("KG_NOTEBOOK_SEEDS", str(ROOT / "seeds"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, if a cell fails
    code = [c for c in nb.cells if c.cell_type == "code"]
    outputs = "\n".join(_text(c) for c in code)
    assert "SHACL: conforms" in outputs
    assert (tmp_path / "out" / "graph.trig").is_file() and (tmp_path / "out" / "graph.html").is_file()
    assert (tmp_path / "out" / "graph.graphml").is_file()
    # query results show as tables, the analytics as text, the view as an embedded page
    assert "<table>" in outputs and "<th>organizer</th>" in outputs
    assert "中国机械工业质量管理协会 → 工业和信息化部" in outputs
    assert "<iframe" in outputs
    # the notebook holds no logic of its own: no function or class definitions
    assert not any(line.lstrip().startswith(("def ", "class ")) for c in code for line in c.source.splitlines())
    # the outputs are not committed
    assert all(not c.get("outputs") for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code")
