"""``kg serve``: the graph as a web app to browse and check against its sources, and a SPARQL 1.1
Protocol endpoint (:func:`create_app` returns the ASGI application; :func:`serve` runs it with uvicorn).

One job a module: :mod:`~kg.serve.graph` (the store, reopened when a build replaces it; the name index),
:mod:`~kg.serve.entity` and :mod:`~kg.serve.document` (what the pages show), :mod:`~kg.serve.sparql`
(the protocol), :mod:`~kg.serve.negotiate` (Accept headers), :mod:`~kg.serve.pages` (templates),
:mod:`~kg.serve.app` (routes, security headers).
"""

from __future__ import annotations

import json
import os

from kg.serve.app import CSP, create_app

__all__ = ["create_app", "serve", "app_from_env", "CSP"]

_ENV = "KG_SERVE_ARGS"


def app_from_env():
    """The app of the arguments :func:`serve` left in the environment (each uvicorn process makes its own)."""
    args = json.loads(os.environ[_ENV])
    return create_app(args.pop("out_dir"), **args)


def serve(out_dir: str | os.PathLike = "out", host: str = "127.0.0.1", port: int = 8000, processes: int = 1,
          **options) -> None:
    """Serve the graph of ``out_dir`` at http://host:port/ until interrupted (``options``: see :func:`create_app`).

    ``processes`` > 1 runs that many server processes on the one port (uvicorn's workers), each with
    the store open read-only, its own name index and its own SPARQL workers: pages use more than one core.
    """
    import uvicorn

    if processes <= 1:
        uvicorn.run(create_app(out_dir, **options), host=host, port=port, log_level="info")
        return
    options = {k: (list(map(str, v)) if k == "sources" else v) for k, v in options.items()}
    os.environ[_ENV] = json.dumps({"out_dir": str(out_dir), **options})
    create_app(out_dir, **options)  # fails here, once, for a missing graph; builds the store if it must
    uvicorn.run("kg.serve:app_from_env", factory=True, workers=processes, host=host, port=port, log_level="info")
