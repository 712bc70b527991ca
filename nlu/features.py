"""Hashed word and character n-gram features of a normalised message.

Word unigrams and bigrams carry meaning ("belum dibayar"); character n-grams inside word
boundaries absorb the typos and affixes that no dictionary lists ("dipukulin", "dipkul",
"majikanku"). Feature names are hashed with CRC-32 (stable across processes, unlike ``hash``)
into a fixed space, so the model needs no vocabulary file.
"""

from __future__ import annotations

import itertools
import math
import zlib

import numpy as np
import numpy.typing as npt

HASH_BITS = 20
HASH_SIZE = 1 << HASH_BITS
CHAR_NGRAMS = (3, 4, 5)
# Cap on tokens looked at: long texts are cut, their head carries the request.
MAX_TOKENS = 256


_CRC_C = zlib.crc32(b"c:")


def _buckets(tokens: list[str]) -> list[int]:
    """Hash buckets of the features: "b:<s>" (always on), "w:" word unigrams, "b:" word
    bigrams and "c:" character n-grams of each padded token ("<gaji>").

    Character n-grams are taken over UTF-8 bytes, which is as good a feature for the model and
    avoids building strings; ``crc32(data, crc32(prefix)) == crc32(prefix + data)``, so the "c:"
    prefix is hashed once.
    """
    toks = tokens[:MAX_TOKENS]
    mask = HASH_SIZE - 1
    crc = zlib.crc32
    out = [crc(b"b:<s>") & mask]
    out += [crc(("w:" + t).encode()) & mask for t in toks]
    out += [crc(f"b:{a} {b}".encode()) & mask for a, b in itertools.pairwise(toks)]
    for tok in toks:
        padded = f"<{tok}>".encode()
        size = len(padded)
        for n in CHAR_NGRAMS:
            out += [crc(padded[i : i + n], _CRC_C) & mask for i in range(size - n + 1)]
    return out


QUESTION_MARK = "<?>"


def classifier_tokens(text: str, tokens: list[str]) -> list[str]:
    """The normalised tokens plus a marker when the message contains a question mark.

    The tokenizer drops punctuation, but "?" is the clearest sign of a question (an FAQ) rather
    than a report (a complaint), so it is kept as a pseudo-token for the classifier only.
    """
    return [*tokens, QUESTION_MARK] if "?" in text or "？" in text else tokens


def hash_features(tokens: list[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Hashed, L2-normalised feature vector of a token list as (bucket ids, values).

    Repeated features are summed and damped with ``1 + log(count)`` so that one word written
    ten times does not drown the rest of the message.
    """
    counts: dict[int, int] = {}
    for h in _buckets(tokens):
        counts[h] = counts.get(h, 0) + 1
    idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    val = np.fromiter(
        (1.0 + math.log(c) if c > 1 else 1.0 for c in counts.values()),
        dtype=np.float32,
        count=len(counts),
    )
    norm = float(np.sqrt(np.dot(val, val)))
    if norm > 0.0:
        val /= norm
    return idx, val
