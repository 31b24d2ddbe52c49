"""Settings a project keeps in ``kg.toml``, in the folder ``kg`` runs in.

::

    # kg.toml
    base_iri = "https://data.example.com/quality/"   # IRIs are minted under BASE/id/ (kg build)

Every setting is optional; a command-line option wins over the file (``kg build --base-iri``).
An unknown setting or a malformed value is an error naming the file (exit status 3), so that a typo
does not silently publish a graph under the placeholder base.

>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "kg.toml"
>>> _ = p.write_text('base_iri = "https://data.example.com/kg/"\\n', encoding="utf-8")
>>> load_config(p).base_iri
'https://data.example.com/kg/'
>>> load_config(p.parent / "absent.toml")
Config(base_iri=None, path=None)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kg.errors import BadInput
from kg.rdf.iris import base_iri_problem

CONFIG_FILE = "kg.toml"
SETTINGS = ("base_iri",)


@dataclass(frozen=True)
class Config:
    base_iri: str | None = None  # the base of minted IRIs (kg.rdf.DEFAULT_BASE_IRI if None)
    path: Path | None = None  # the file read, if any


def load_config(path: str | os.PathLike | None = None) -> Config:
    """The settings in ``path`` (default: ``kg.toml`` in the working folder); none if there is no file."""
    p = Path(path) if path is not None else Path(CONFIG_FILE)
    if not p.is_file():
        return Config()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise BadInput(f"{p}: not valid TOML: {e}") from None
    for key in data:
        if key not in SETTINGS:
            raise BadInput(f"{p}: unknown setting {key!r} (settings: {', '.join(SETTINGS)})")
    base = data.get("base_iri")
    if base is not None:
        if not isinstance(base, str):
            raise BadInput(f"{p}: base_iri is not a string")
        problem = base_iri_problem(base)
        if problem:
            raise BadInput(f"{p}: base_iri {base!r} {problem}")
    return Config(base_iri=base, path=p)
