"""Training the embedded model from the Rasa YAML data (``siaga nlu train``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from nlu.classifier import MODEL_PATH, LinearModel, TrainConfig, train
from nlu.normalize import normalize
from nlu.training_data import EVAL_SETS, Example, load_jsonl, load_yaml_examples, training_files
from nlu.types import INTENTS, Urgency

URGENCIES: tuple[str, ...] = tuple(str(u) for u in Urgency)
# Heavier loss on urgent examples: recall of critical and high matters most (docs/taxonomy.md).
URGENCY_CLASS_WEIGHT = {"low": 1.0, "normal": 1.0, "high": 2.0, "critical": 3.0}


def data_fingerprint(paths: list[Path]) -> str:
    """SHA-256 over the training files, stored in the artefact to tell which data it saw."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def train_embedded(
    examples: list[Example] | None = None,
    *,
    paths: list[Path] | None = None,
    cfg: TrainConfig | None = None,
) -> LinearModel:
    """Train the two-headed model on the YAML examples (or on ``examples`` when given)."""
    files = paths if paths is not None else training_files()
    data = examples if examples is not None else without_eval(load_yaml_examples(files))
    model = train(
        [e.text for e in data],
        [e.intent for e in data],
        [str(e.urgency) for e in data],
        INTENTS,
        URGENCIES,
        urgency_class_weight=URGENCY_CLASS_WEIGHT,
        cfg=cfg,
    )
    model.meta["data_sha256"] = data_fingerprint(files)
    return model


def without_eval(examples: list[Example]) -> list[Example]:
    """The examples minus any message an evaluation set holds (after normalisation).

    A figure measured on messages the model learnt would flatter it; short generic messages
    ("ok", "halo") can land in both sets without anyone copying, so the trainer checks.
    """
    held = {normalize(e.text) for path in EVAL_SETS if path.exists() for e in load_jsonl(path)}
    return [e for e in examples if normalize(e.text) not in held]


def train_and_save(
    out: Path = MODEL_PATH, paths: list[Path] | None = None, cfg: TrainConfig | None = None
) -> LinearModel:
    """Train from the data files and write the artefact the server loads."""
    model = train_embedded(paths=paths, cfg=cfg)
    model.save(out)
    return model
