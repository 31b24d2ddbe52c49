"""``kg serve``: the graph as a web app to browse and check against its sources, and a SPARQL 1.1
Protocol endpoint (:func:`create_app` returns the ASGI application; :func:`serve` runs it with uvicorn).

One job a module: :mod:`~kg.serve.graph` (the store, reopened when a build replaces it; the name index),
:mod:`~kg.serve.entity` and :mod:`~kg.serve.document` (what the pages show), :mod:`~kg.serve.sparql`
(the protocol), :mod:`~kg.serve.negotiate` (Accept headers), :mod:`~kg.serve.pages` (templates),
:mod:`~kg.serve.app` (routes, security headers).
"""

from __future__ import annotations

import os

from kg.serve.app import CSP, create_app

__all__ = ["create_app", "serve", "CSP"]


def serve(out_dir: str | os.PathLike = "out", host: str = "127.0.0.1", port: int = 8000, **options) -> None:
    """Serve the graph of ``out_dir`` at http://host:port/ until interrupted (``options``: see :func:`create_app`)."""
    import uvicorn

    uvicorn.run(create_app(out_dir, **options), host=host, port=port, log_level="info")
