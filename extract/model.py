"""A logistic regression over named features: what the scorers of the pipeline apply.

The model is a plain JSON file (``extract/models/*.json``): a weight per feature name, a bias, a
threshold, and how it was trained (data, folds, scores). Scoring a candidate is a sum over its
features, so applying a model needs nothing but this module; training it needs scikit-learn
(:mod:`extract.train`). A relation model weighs each feature twice, once for every relation and once
for the candidate's own (``attended|before``), so rare relations borrow strength from common ones.

>>> m = LinearModel("demo", {"year": 2.0, "attended|before": 1.0}, -1.0, 0.5)
>>> round(m.score({"year": 1.0}), 3), m.keep({"year": 1.0})
(0.731, True)
>>> round(m.score(relation_features("attended", {"before": 1.0})), 3)
0.5
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

MODEL_DIR = Path(__file__).resolve().parent / "models"


@dataclass
class LinearModel:
    name: str
    weights: dict[str, float]
    bias: float
    threshold: float = 0.5
    meta: dict = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)  # per kind of candidate (a relation)
    _parts: dict | None = field(default=None, init=False, repr=False, compare=False)

    def threshold_for(self, kind: str | None) -> float:
        return self.thresholds.get(kind, self.threshold) if kind is not None else self.threshold

    def score(self, features: dict[str, float]) -> float:
        """The probability the model gives a candidate with these features."""
        w = self.weights
        z = self.bias + sum(w.get(k, 0.0) * v for k, v in features.items())
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def keep(self, features: dict[str, float]) -> bool:
        return self.score(features) >= self.threshold

    def relation_score(self, predicate: str, features: dict[str, float]) -> float:
        """``score(relation_features(predicate, features))``, to the last bit, without spelling out
        the conjunctions: each is looked up by its parts, and only those with a weight are added
        (in the same order, so the sum is the same).

        >>> m = LinearModel("demo", {"attended|src=rule&before": 0.5, "p=attended": 0.25}, -1.0)
        >>> f = {"src=rule": 1.0, "before": 1.0}
        >>> m.relation_score("attended", f) == m.score(relation_features("attended", f))
        True
        """
        if any("&" in k or "|" in k for k in features):  # keys that could collide once joined
            return self.score(relation_features(predicate, features))
        # a feature without a weight adds 0.0, which changes no sum: only the weighted ones are added
        w = self.weights
        own, pairs = self._by_parts().get(predicate, ({}, {}))
        total = 0.0
        for k, v in features.items():
            x = w.get(k)
            if x is not None:
                total += x * v
        total += w.get(f"p={predicate}", 0.0)
        for k, v in features.items():
            x = own.get(k)
            if x is not None:
                total += x * v
        is_core = _IS_CORE
        for a in features:
            if a not in is_core:
                is_core[a] = a.startswith(_CORE)
        core = [a for a in features if is_core[a]]
        if core:
            context = [k for k in features if not is_core[k]]
            for a in core:
                with_a = pairs.get(a)
                if with_a:
                    for x in [with_a[b] for b in context if b in with_a]:
                        total += x
        z = self.bias + total
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def _by_parts(self) -> dict[str, tuple[dict[str, float], dict[str, dict[str, float]]]]:
        """The weights of ``relation_features``' keys by their parts: predicate -> (feature ->
        weight of ``predicate|feature``, core feature -> context feature -> weight of
        ``predicate|core&context``)."""
        if self._parts is None:
            parts: dict = {}
            for key, weight in self.weights.items():
                pred, bar, rest = key.partition("|")
                if bar:
                    own, pairs = parts.setdefault(pred, ({}, {}))
                    a, amp, b = rest.partition("&")
                    if amp:
                        pairs.setdefault(a, {})[b] = weight
                    else:
                        own[rest] = weight
            self._parts = parts
        return self._parts

    def to_dict(self) -> dict:
        return {"name": self.name, "bias": self.bias, "threshold": self.threshold,
                "thresholds": dict(sorted(self.thresholds.items())), "meta": self.meta,
                "weights": dict(sorted(self.weights.items()))}

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=0, sort_keys=False) + "\n", encoding="utf-8")
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "LinearModel":
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(d["name"], {k: float(v) for k, v in d["weights"].items()}, float(d["bias"]),
                   float(d.get("threshold", 0.5)), d.get("meta", {}),
                   {k: float(v) for k, v in d.get("thresholds", {}).items()})


_CORE = ("src=", "family=", "trig=", "stype=", "obj=")
_IS_CORE: dict[str, bool] = {}  # feature name -> whether it starts with one of _CORE


def relation_features(predicate: str, features: dict[str, float]) -> dict[str, float]:
    """A relation candidate's features as the model reads them: each on its own, each with the
    predicate, and, with the predicate, each of what read it (rule, trigger word, kinds of the
    arguments) with each of where it stands (before the verb, a clause away, in a list …)."""
    out = dict(features)
    out[f"p={predicate}"] = 1.0
    core = [k for k in features if k.startswith(_CORE)]
    context = [k for k in features if not k.startswith(_CORE)]
    for k, v in features.items():
        out[f"{predicate}|{k}"] = v
    for a in core:
        for b in context:
            out[f"{predicate}|{a}&{b}"] = 1.0
    return out


def model_path(name: str, folder: str | Path | None = None) -> Path:
    return Path(folder or MODEL_DIR) / f"{name}.json"
