"""The ontology folder, loaded once per kind of file: the vocabulary (``kg.ttl``) and what the code
reads of it, the shapes, the word lists and gazetteer.

- :mod:`kg.ontology.loader`: where the folder is, :func:`load_ontology`, :func:`load_shapes`, the
  names of classes and relations;
- :mod:`kg.ontology.namespaces`: the namespaces and ``PREFIXES``, as strings;
- :mod:`kg.ontology.vocab` (``KG``, an rdflib ``DefinedNamespace``) and :mod:`kg.ontology.relations`
  (domains, ranges, super-properties): generated from ``kg.ttl`` by :mod:`kg.ontology.vocab_gen`;
- :mod:`kg.ontology.kinds`: the relations' signatures in the types mentions carry;
- :mod:`kg.ontology.lexicon`: the gazetteer and word lists the extractor reads.
"""

from kg.ontology.loader import (DEFAULT_ONTOLOGY_DIR, LexiconError, axioms, load_ontology, load_shapes, local_name,
                                ontology_dir, read_table, relation_labels, type_labels)

__all__ = ["DEFAULT_ONTOLOGY_DIR", "LexiconError", "axioms", "load_ontology", "load_shapes", "local_name",
           "ontology_dir", "read_table", "relation_labels", "type_labels"]
