"""An executor on a Dask distributed cluster (``pip install -e '.[cluster]'``).

The cluster is the user's: a scheduler (``dask scheduler``) and workers (``dask worker
tcp://HOST:8786 --nworkers 1 --nthreads 1``) on machines that each have this project installed.
:class:`Dask` connects to the scheduler's address, registers :class:`kg.executors.dask_plugin.LoadPipeline` (a
``WorkerPlugin``: each worker loads the spaCy pipeline once, when it joins), sends batches of
documents as tasks and takes their results back in order, straight from the workers; the parent never
loads spaCy. It never
stops the cluster; closing it only disconnects (and cancels what is left when the build stops
early).

Why Dask and not Ray: ``distributed`` is pure Python (with its few pure-Python dependencies) and
starts a real multi-process cluster in a test (``LocalCluster``); Ray is a large binary wheel with
its own object store and daemons, for a task that only needs "run this function on that batch".
"""

from __future__ import annotations

from kg.errors import BadUsage, RunFailed
from kg.executors.base import BATCH_CHARS, BATCH_DOCS, Executor, Handle
from kg.executors.task import ExtractTask
from kg.records import Document

__all__ = ["Dask", "CONNECT_TIMEOUT"]

CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler, and for a first worker to be there


def _distributed():
    try:
        import distributed
    except ImportError as e:
        raise BadUsage("--executor dask needs Dask distributed: pip install 'kg-quality[cluster]' "
                       f"(on this machine and on every worker) ({e})") from e
    return distributed


class Dask(Executor):
    """Batches run as tasks on the Dask cluster whose scheduler is at ``address`` (``tcp://HOST:8786``)."""

    #: larger batches than a local pool's: each task costs a worker's event loop, the scheduler and the
    #: client a round of messages, where a local pool's costs a pipe write
    batch_chars = 4 * BATCH_CHARS
    batch_docs = 4 * BATCH_DOCS

    def __init__(self, address: str | None, timeout: float | None = None) -> None:
        if not address:
            raise BadUsage("--executor dask needs --address tcp://HOST:PORT (the Dask scheduler's address)")
        self.address, self.timeout = address, CONNECT_TIMEOUT if timeout is None else timeout
        self._client = None
        self._futures: list = []

    def open(self, task: ExtractTask) -> None:
        distributed = _distributed()
        import dask

        # results are fetched straight from the worker that made them, not relayed by the scheduler
        # (Dask's default for a client outside the cluster), unless the Dask configuration says otherwise
        # (``distributed.client.direct-to-workers: false`` when the workers cannot be reached from here)
        direct = dask.config.get("distributed.client.direct-to-workers", None)
        try:
            client = distributed.Client(self.address, timeout=self.timeout, set_as_default=False,
                                        direct_to_workers=True if direct is None else direct)
        except (OSError, TimeoutError, ValueError) as e:
            raise RunFailed(f"--address {self.address}: no Dask scheduler answers there ({e})") from e
        self._client, self._task = client, task
        try:
            client.wait_for_workers(1, timeout=self.timeout)
            self.workers = max(1, sum(client.nthreads().values()))
            from kg.executors.dask_plugin import LoadPipeline

            client.register_plugin(LoadPipeline(task))
        except (OSError, TimeoutError) as e:
            self.close(cancel=True)
            raise RunFailed(f"--address {self.address}: the Dask cluster has no worker ready ({e})") from e
        except ImportError as e:
            self.close(cancel=True)
            raise RunFailed(f"--address {self.address}: a Dask worker cannot load the pipeline ({e}); install "
                            "this project on every worker") from e
        except BaseException:
            self.close(cancel=True)
            raise

    def submit(self, batch: list[Document]) -> Handle:
        future = self._client.submit(self._task, batch, pure=False)
        self._futures.append(future)
        if len(self._futures) > 4 * self.workers:
            self._futures = [f for f in self._futures if not f.done()]
        return future

    def close(self, cancel: bool = False) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if cancel and self._futures:
                client.cancel(self._futures, force=True)
        finally:
            self._futures = []
            client.close()
