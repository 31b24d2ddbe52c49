"""The Dask worker plugin that loads the spaCy pipeline once per worker (imports ``distributed``:
only :mod:`kg.executors.dask` imports this module, when a build runs on a cluster)."""

from __future__ import annotations

import hashlib

from distributed.diagnostics.plugin import WorkerPlugin

from kg.executors.task import ExtractTask

__all__ = ["LoadPipeline"]


class LoadPipeline(WorkerPlugin):
    """Load the pipeline of ``task``'s settings when the plugin is registered on a worker (and on
    each worker that joins later), so the first batch does not pay for it."""

    idempotent = True  # registered again by the next build: kept, the pipeline is already there

    def __init__(self, task: ExtractTask) -> None:
        self.task = task
        self.name = "kg-pipeline-" + hashlib.sha256(repr(task).encode()).hexdigest()[:12]

    def setup(self, worker) -> None:
        self.task.setup()
