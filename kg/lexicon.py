"""Moved to :mod:`kg.ontology.lexicon`; this module keeps the old import path for ``extract/``."""

from kg.ontology.lexicon import Endings, GazetteerEntry, Lexicon, TriggerRule, load_lexicon, name_key, trie_pattern
from kg.ontology.loader import DEFAULT_ONTOLOGY_DIR, LexiconError, ontology_dir, read_table

__all__ = ["DEFAULT_ONTOLOGY_DIR", "Endings", "GazetteerEntry", "Lexicon", "LexiconError", "TriggerRule",
           "load_lexicon", "name_key", "ontology_dir", "read_table", "trie_pattern"]
