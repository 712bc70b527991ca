"""A multinomial logistic-regression model on hashed n-grams, trained and run with numpy only.

Two heads share one feature space: the intent (one of the taxonomy's intents) and the urgency
(low/normal/high/critical). A linear model is enough for short messages, loads in milliseconds
and scores a message with one gather and one sum, which is how parse stays well under 1 ms.
Training is mini-batch AdaGrad on the columns that occur in the data; it is deterministic for a
given seed, so a retrain from the same data gives the same artefact.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from nlu.features import HASH_BITS, HASH_SIZE, classifier_tokens, hash_features
from nlu.normalize import normalize_tokens

FORMAT_VERSION = 1
MODEL_DIR = Path(__file__).parent / "model"
MODEL_PATH = MODEL_DIR / "siaga-nlu.npz"

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Hyper-parameters of :func:`train`; the defaults are the ones the shipped model uses."""

    epochs: int = 40
    batch_size: int = 16
    learning_rate: float = 0.4
    l2: float = 1e-5
    seed: int = 13
    # A feature must occur in this many training messages to get a weight: one seen once is
    # mostly a typo or a name, and dropping them halves the artefact.
    min_df: int = 2


def _softmax(z: FloatArray) -> FloatArray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    out: FloatArray = e / e.sum(axis=-1, keepdims=True)
    return out


class LinearModel:
    """Scores for both heads from hashed features; immutable after construction."""

    def __init__(
        self,
        buckets: IntArray,
        weights: FloatArray,
        bias: FloatArray,
        intents: Sequence[str],
        urgencies: Sequence[str],
        meta: dict[str, object] | None = None,
    ) -> None:
        """Build a model from its arrays (see :meth:`load` for the usual way to get one).

        Args:
            buckets: Sorted hash buckets that have a weight row.
            weights: ``(len(buckets), len(intents) + len(urgencies))`` weight matrix.
            bias: Bias of every output column.
            intents: Intent label of each of the first columns.
            urgencies: Urgency label of each of the remaining columns.
            meta: Free-form facts about the training run (stored in the artefact).
        """
        self.intents = tuple(intents)
        self.urgencies = tuple(urgencies)
        self.meta = dict(meta or {})
        self._weights = np.ascontiguousarray(weights, dtype=np.float32)
        self._bias = np.asarray(bias, dtype=np.float32)
        # Bucket -> row; -1 where no training message had the feature (its weight is zero).
        self._row = np.full(HASH_SIZE, -1, dtype=np.int32)
        self._row[buckets] = np.arange(len(buckets), dtype=np.int32)
        self._buckets = np.asarray(buckets, dtype=np.int64)

    def scores(self, idx: IntArray, val: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Probabilities of every intent and every urgency for one hashed message."""
        rows = self._row[idx]
        keep = rows >= 0
        z = self._bias + val[keep] @ self._weights[rows[keep]]
        n = len(self.intents)
        return _softmax(z[:n]), _softmax(z[n:])

    def predict_tokens(self, tokens: list[str]) -> tuple[FloatArray, FloatArray]:
        """Probabilities for tokens from :func:`nlu.features.classifier_tokens`."""
        return self.scores(*hash_features(tokens))

    def save(self, path: Path) -> None:
        """Write the artefact: compressed npz, weights as float16 to keep the file small."""
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {**self.meta, "format": FORMAT_VERSION, "hash_bits": HASH_BITS}
        with path.open("wb") as fh:
            np.savez_compressed(
                fh,
                buckets=self._buckets.astype(np.int32),
                weights=self._weights.astype(np.float16),
                bias=self._bias,
                intents=np.array(self.intents),
                urgencies=np.array(self.urgencies),
                meta=np.array(json.dumps(meta, sort_keys=True)),
            )

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> LinearModel:
        """Read an artefact written by :meth:`save`.

        Raises:
            OSError: The file cannot be read.
            ValueError: It was written for another feature space or format.
        """
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
            if meta.get("format") != FORMAT_VERSION or meta.get("hash_bits") != HASH_BITS:
                raise ValueError(f"{path}: model format {meta} does not match this code")
            return cls(
                buckets=npz["buckets"].astype(np.int64),
                weights=npz["weights"].astype(np.float32),
                bias=npz["bias"].astype(np.float32),
                intents=[str(x) for x in npz["intents"]],
                urgencies=[str(x) for x in npz["urgencies"]],
                meta=meta,
            )


def _fit_head(
    rows: list[tuple[IntArray, FloatArray]],
    labels: IntArray,
    n_classes: int,
    n_cols: int,
    sample_weight: FloatArray,
    cfg: TrainConfig,
) -> tuple[FloatArray, FloatArray]:
    """Mini-batch AdaGrad on softmax cross-entropy; rows hold compact column ids."""
    rng = np.random.default_rng(cfg.seed)
    w = np.zeros((n_cols, n_classes), dtype=np.float32)
    b = np.zeros(n_classes, dtype=np.float32)
    hw = np.full_like(w, 1e-6)
    hb = np.full_like(b, 1e-6)
    eye = np.eye(n_classes, dtype=np.float32)
    order = np.arange(len(rows))
    for _ in range(cfg.epochs):
        rng.shuffle(order)
        for start in range(0, len(order), cfg.batch_size):
            batch = order[start : start + cfg.batch_size]
            cols = np.concatenate([rows[i][0] for i in batch])
            vals = np.concatenate([rows[i][1] for i in batch])
            owner = np.repeat(np.arange(len(batch)), [len(rows[i][0]) for i in batch])
            uniq, local = np.unique(cols, return_inverse=True)
            x = np.zeros((len(batch), len(uniq)), dtype=np.float32)
            np.add.at(x, (owner, local), vals)
            p = _softmax(x @ w[uniq] + b)
            g = (p - eye[labels[batch]]) * sample_weight[batch, None] / len(batch)
            gw = x.T @ g + cfg.l2 * w[uniq]
            gb = g.sum(axis=0)
            hw[uniq] += gw * gw
            hb += gb * gb
            w[uniq] -= cfg.learning_rate * gw / np.sqrt(hw[uniq])
            b -= cfg.learning_rate * gb / np.sqrt(hb)
    return w, b


def train(
    texts: Sequence[str],
    intent_labels: Sequence[str],
    urgency_labels: Sequence[str],
    intents: Sequence[str],
    urgencies: Sequence[str],
    *,
    urgency_class_weight: dict[str, float] | None = None,
    cfg: TrainConfig | None = None,
) -> LinearModel:
    """Train both heads on the same messages.

    Args:
        texts: Raw training messages.
        intent_labels: Intent of each message.
        urgency_labels: Urgency of each message.
        intents: All intent labels (columns of the intent head, in this order).
        urgencies: All urgency labels, in order.
        urgency_class_weight: Loss weight per urgency; heavier critical/high examples buy
            recall, which is what the taxonomy asks for.
        cfg: Hyper-parameters.

    Returns:
        The trained model.
    """
    cfg = cfg or TrainConfig()
    hashed = [hash_features(classifier_tokens(t, normalize_tokens(t))) for t in texts]
    seen, df = np.unique(np.concatenate([h[0] for h in hashed]), return_counts=True)
    buckets = seen[df >= cfg.min_df]
    rows = []
    for idx, val in hashed:
        keep = np.isin(idx, buckets, assume_unique=True)
        rows.append((np.searchsorted(buckets, idx[keep]), val[keep]))
    y_int = np.array([intents.index(x) for x in intent_labels], dtype=np.int64)
    y_urg = np.array([urgencies.index(x) for x in urgency_labels], dtype=np.int64)
    ones = np.ones(len(texts), dtype=np.float32)
    weights = urgency_class_weight or {}
    w_urg = np.array([weights.get(u, 1.0) for u in urgency_labels], dtype=np.float32)
    wi, bi = _fit_head(rows, y_int, len(intents), len(buckets), ones, cfg)
    wu, bu = _fit_head(rows, y_urg, len(urgencies), len(buckets), w_urg, cfg)
    return LinearModel(
        buckets=buckets,
        weights=np.hstack([wi, wu]),
        bias=np.concatenate([bi, bu]),
        intents=intents,
        urgencies=urgencies,
        meta={"examples": len(texts), "epochs": cfg.epochs, "seed": cfg.seed},
    )
