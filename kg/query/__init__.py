"""SPARQL over the embedded store: ad-hoc queries, stored queries with parameters, pages, a timeout.

:func:`run_query` takes SPARQL text, a path to a ``.rq`` file or the name of a stored query, makes
sure ``OUT/store`` is current (:func:`kg.store.load_store`), runs the query and returns a
:class:`QueryResult` of plain Python values (:func:`kg.report.format_result` prints it).

What a query sees
    The default graph holds every fact once (the merged facts of all documents, as in ``graph.ttl``);
    each source document is a named graph with its facts and their provenance (see :mod:`kg.store`).
    So a plain ``SELECT ?e ?l WHERE { ?e a kg:Event ; rdfs:label ?l }`` returns each event once, and
    provenance is matched inside ``GRAPH ?doc { … }`` (as ``ontology/queries/evidence.rq`` does).
    Labels are language-tagged (``"中机质协"@zh``): compare with ``?l = "中机质协"@zh`` or
    ``STR(?l) = "中机质协"``; a plain ``"中机质协"`` is another literal and matches nothing.

The steps, one module each:

- :mod:`~kg.query.catalogue`: stored queries (``ontology/queries/*.rq``) and their headers;
- :mod:`~kg.query.parameters`: parameter values as RDF terms in ``VALUES`` blocks, never SPARQL;
  :mod:`~kg.query.names`: a ``name`` parameter looked up in the store by the rule of :mod:`kg.lookup`;
- :mod:`~kg.query.paging`: a ``LIMIT``/``OFFSET`` clause where it is cheap;
- :mod:`~kg.query.worker`: the worker process a query runs in, killed at its timeout;
- :mod:`~kg.query.syntax`: a parser error as one line about the text the user wrote;
- :mod:`~kg.query.sparql`: the small tokenizer the others use;
- :mod:`~kg.query.run`: :func:`run_query`, the steps in order.
"""

from kg.ontology.namespaces import PREFIXES
from kg.query.catalogue import PARAM_TYPES, Param, StoredQuery, list_queries, parse_query_text, query_dirs, resolve_query
from kg.query.errors import QueryError, QuerySyntaxError, QueryTimeoutError, StoredQueryError, UpdateRefusedError
from kg.query.paging import paginate
from kg.query.parameters import bind_parameters, parse_param_args, to_term
from kg.query.results import IRI, BNode, QueryResult, to_python
from kg.query.run import DEFAULT_TIMEOUT, entity_lookup, run_query
from kg.query.sparql import is_update, query_form
from kg.query.worker import close_workers

__all__ = ["PREFIXES", "PARAM_TYPES", "Param", "StoredQuery", "list_queries", "parse_query_text", "query_dirs",
           "resolve_query", "QueryError", "QuerySyntaxError", "QueryTimeoutError", "StoredQueryError",
           "UpdateRefusedError", "paginate", "bind_parameters", "parse_param_args", "to_term", "IRI", "BNode",
           "QueryResult", "to_python", "DEFAULT_TIMEOUT", "entity_lookup", "run_query", "is_update", "query_form",
           "close_workers"]
