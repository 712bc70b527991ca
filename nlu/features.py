"""Hashed word and character n-gram features of a normalised message.

Word unigrams and bigrams carry meaning ("belum dibayar"); character n-grams inside word
boundaries absorb the typos and affixes that no dictionary lists ("dipukulin", "dipkul",
"majikanku"). Feature names are hashed with CRC-32 (stable across processes, unlike ``hash``)
into a fixed space, so the model needs no vocabulary file.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import numpy.typing as npt

HASH_BITS = 20
HASH_SIZE = 1 << HASH_BITS
CHAR_NGRAMS = (3, 4, 5)
# Cap on tokens looked at: long texts are cut, their head carries the request.
MAX_TOKENS = 256


def feature_names(tokens: list[str]) -> list[str]:
    """The string features of a token list (see the module docstring for the choice)."""
    toks = tokens[:MAX_TOKENS]
    names = ["b:<s>"]  # bias-like feature present in every message, including empty ones
    names += ["w:" + t for t in toks]
    names += [f"b:{a} {b}" for a, b in zip(toks, toks[1:], strict=False)]
    for tok in toks:
        padded = f"<{tok}>"
        for n in CHAR_NGRAMS:
            if len(padded) < n:
                continue
            names += ["c:" + padded[i : i + n] for i in range(len(padded) - n + 1)]
    return names


def hash_features(tokens: list[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Hashed, L2-normalised feature vector of a token list as (bucket ids, values).

    Repeated features are summed and damped with ``1 + log(count)`` so that one word written
    ten times does not drown the rest of the message.
    """
    counts: dict[int, int] = {}
    for name in feature_names(tokens):
        h = zlib.crc32(name.encode("utf-8")) & (HASH_SIZE - 1)
        counts[h] = counts.get(h, 0) + 1
    idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    val = np.fromiter(
        (1.0 + math.log(c) for c in counts.values()), dtype=np.float32, count=len(counts)
    )
    norm = float(np.sqrt(np.dot(val, val)))
    if norm > 0.0:
        val /= norm
    return idx, val
