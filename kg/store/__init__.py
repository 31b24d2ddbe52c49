"""Where the graph is queried: the embedded Oxigraph store that caches a build's graph file
(:mod:`kg.store.embedded`), and any SPARQL 1.1 store it can be pushed to (:mod:`kg.store.push`)."""

from kg.store.embedded import (MANIFEST, STORE_DIR, StoreError, StoreUnavailable, graph_is_loaded, load_store, StreamedLoad, update_store,
                               open_rdflib, open_store, read_manifest, replace_store, store_is_current, store_lock,
                               store_path)
from kg.store.push import PushError, push_graph

__all__ = ["MANIFEST", "STORE_DIR", "StoreError",
           "StoreUnavailable", "graph_is_loaded", "load_store", "StreamedLoad", "update_store", "open_rdflib", "open_store", "read_manifest",
           "replace_store", "store_is_current", "store_lock", "store_path", "PushError", "push_graph"]
