"""The LAC layer (extract.lac): exact CRF decoding, batching that does not change results, the
ONNX Runtime session the pipeline makes, and the tokenizer's batched path.

The sentences are invented for the test.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from extract import lac
from extract.pipeline import get_nlp

SENTENCES = [
    "中国机械工业质量管理协会副会长王建和出席会议。",
    "会议由天津市工业和信息化局主办。",
    "张力处长介绍了2020年全国“质量月”活动的安排。",
    "好",
    "工信部科技司质量处姚迪调研员参加了活动，并在会上作了发言。",
    "ＡＢＣ公司与ISO代表在北京举行座谈会。",
    "  ",
    "2021年3月，中机质协在上海召开第五届会员代表大会。",
]


def reference_viterbi(em: np.ndarray, transitions: np.ndarray) -> list[int]:
    """Textbook Viterbi over one sequence (T, K): full max over previous tags at every step."""
    score = em[0].copy()
    back = []
    for t in range(1, len(em)):
        cand = score[:, None] + transitions  # (previous, current)
        back.append(cand.argmax(axis=0))
        score = cand.max(axis=0) + em[t]
    path = [int(score.argmax())]
    for bp in reversed(back):
        path.append(int(bp[path[-1]]))
    return path[::-1]


def decode(ems: list[np.ndarray], transitions: np.ndarray) -> list[list[int]]:
    """``lac._viterbi`` over sequences of any lengths (packed time-major, longest first)."""
    order = sorted(range(len(ems)), key=lambda i: -len(ems[i]))
    lengths = np.array([len(ems[i]) for i in order], dtype=np.int64)
    k = transitions.shape[0]
    packed = np.full((lengths[0], len(ems), k), np.nan, dtype=np.float32)  # unread cells stay NaN
    for r, i in enumerate(order):
        packed[:len(ems[i]), r] = ems[i]
    em_max = max(float(np.abs(e).max()) for e in ems)
    paths = lac._viterbi(packed, lengths, transitions, em_max)
    out: list[list[int]] = [[]] * len(ems)
    for r, i in enumerate(order):
        out[i] = paths[:lengths[r], r].tolist()
    return out


@pytest.mark.parametrize("scale", [0.0, 0.05, 0.3, 3.0, 30.0])
def test_viterbi_is_exact(scale):
    """Same paths as the full O(K^2) recursion, from flat emissions (every step undecided,
    ties everywhere) to peaked ones (the pruned fast path)."""
    rng = np.random.default_rng(int(scale * 100))
    transitions = lac._lac().transitions
    ems = [(rng.standard_normal((n, transitions.shape[0])) * scale).astype(np.float32)
           for n in (1, 2, 3, 7, 7, 19, 40, 256)]
    ems.append(np.zeros((5, transitions.shape[0]), dtype=np.float32))  # all tied
    assert decode(ems, transitions) == [reference_viterbi(e, transitions) for e in ems]


def test_viterbi_is_exact_on_lac_emissions():
    model = lac._lac()
    ems = [model.emissions([s])[0] for s in SENTENCES if s.strip()]
    assert decode(ems, model.transitions) == [reference_viterbi(e, model.transitions) for e in ems]


def test_a_texts_words_do_not_depend_on_the_other_texts_of_the_batch():
    """The exported encoder ignores its length input, so padding a short window to a long one
    would change its tags; windows are batched by equal length only."""
    alone = [lac.lac_analyze(s) for s in SENTENCES]
    long_text = "，".join(SENTENCES) * 6  # several windows, the last one shorter
    assert lac.lac_analyze_batch(SENTENCES) == alone
    assert lac.lac_analyze_batch(SENTENCES[::-1]) == alone[::-1]
    assert lac.lac_analyze_batch([long_text, *SENTENCES])[1:] == alone
    assert lac.lac_analyze_batch([long_text, *SENTENCES], batch_size=1)[1:] == alone


def test_words_tile_the_text():
    for text, words in zip(SENTENCES, lac.lac_analyze_batch(SENTENCES)):
        assert [w[:2] for w in words] == list(zip([0] + [e for _, e, _ in words[:-1]], [e for _, e, _ in words]))
        assert (words[-1][1] if words else 0) == len(text)
        assert all(tag for _, _, tag in words)


def test_long_text_is_analysed_in_bounded_windows():
    text = "王建国在工厂检查质量" * 400  # no break: hard cuts every MAX_CHUNK characters
    words = lac.lac_analyze(text)
    assert words[0][0] == 0 and words[-1][1] == len(text)
    assert all(e - s <= lac.MAX_CHUNK for s, e, _ in words)
    cuts = {s for s, _, _ in words}
    assert all(c in cuts for c in range(0, len(text), lac.MAX_CHUNK))


def test_the_encoder_keeps_to_one_core():
    """Extraction takes one core of the two the machines share: the process spends no more CPU time
    than wall time while the encoder runs (ONNX Runtime's own thread pool would spend up to twice as much)."""
    model = lac._lac()
    chunks = [SENTENCES[0] * 8] * 64
    model.emissions(chunks)  # warm up
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(5):
        model.emissions(chunks)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert cpu <= wall * 1.25, (cpu, wall)


def test_tokenizer_pipe_matches_one_by_one():
    tok = get_nlp().tokenizer
    texts = [*SENTENCES, "", *SENTENCES[:3]]
    piped = list(tok.pipe(texts, batch_size=2, pool_chars=40))
    single = [tok(t) for t in texts]
    assert [[(t.text, t.tag_) for t in d] for d in piped] == [[(t.text, t.tag_) for t in d] for d in single]
    assert [d.text for d in piped] == texts
