"""K-fold cross-validation of the embedded NLU on its own training data.

Usage: ``.venv/bin/python bench/nlu/crossval.py [--folds 5]``. Each fold trains on the other
folds' examples and parses the held-out ones with the full pipeline (lexicon, classifier,
priors), so the figures are those of messages the model did not learn, written by the same
hands as the rest of the training data. They are printed next to nothing else on purpose: the
README puts them beside the figures on the independently written sets (``nlu/data/eval/``),
which are the ones to trust.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nlu import evaluate  # noqa: E402 (after the sys.path line on purpose)
from nlu.pipeline import EmbeddedNlu  # noqa: E402
from nlu.train import train_embedded, without_eval  # noqa: E402
from nlu.training_data import Example, load_yaml_examples  # noqa: E402


def folds(examples: list[Example], k: int, seed: int = 7) -> list[list[Example]]:
    """``k`` folds with every intent and urgency spread evenly (round-robin per label)."""
    by_label: dict[tuple[str, str], list[Example]] = {}
    for ex in examples:
        by_label.setdefault((ex.intent, str(ex.urgency)), []).append(ex)
    rng = random.Random(seed)
    out: list[list[Example]] = [[] for _ in range(k)]
    turn = 0
    for key in sorted(by_label):
        group = by_label[key]
        rng.shuffle(group)
        for ex in group:
            out[turn % k].append(ex)
            turn += 1
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    examples = without_eval(load_yaml_examples())
    parts = folds(examples, args.folds)
    preds: list[evaluate.Prediction] = []
    for i, held in enumerate(parts):
        train = [ex for j, part in enumerate(parts) if j != i for ex in part]
        start = time.perf_counter()
        nlu = EmbeddedNlu(train_embedded(train))
        print(f"fold {i + 1}/{args.folds}: trained on {len(train)} in "
              f"{time.perf_counter() - start:.0f} s, testing {len(held)}", flush=True)  # fmt: skip
        preds += evaluate.run(held, nlu.parse_sync)
    report = evaluate.score(preds)
    print(evaluate.format_report(report, f"== {args.folds}-fold cross-validation =="))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
