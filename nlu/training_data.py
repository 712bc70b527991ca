"""Reading the Rasa-format training data (``nlu/data/*.yml``) and the JSONL evaluation sets.

One source for both back-ends: the embedded trainer reads the same YAML files that
``siaga nlu export-rasa`` copies into a Rasa project. Urgency labels ride along as Rasa
intent-level ``metadata`` (``metadata: {urgency: critical}``), which Rasa accepts and ignores.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nlu.types import INTENTS, Urgency, kind_of

DATA_DIR = Path(__file__).parent / "data"
EVAL_DIR = DATA_DIR / "eval"
# Evaluation sets (nlu/data/eval/README.md). The trainer never learns a message any of them holds.
DEV_SET = EVAL_DIR / "dev.jsonl"  # written independently of the training data; tune on it
HOLDOUT_SET = EVAL_DIR / "holdout.jsonl"  # written by another hand; measured, never read
SELFWRITTEN_SET = EVAL_DIR / "selfwritten.jsonl"  # the first test set, same hand as the data
DEV2_SET = EVAL_DIR / "dev2.jsonl"  # a second independent writer, commissioned later
DEV3_SET = EVAL_DIR / "dev3.jsonl"  # a third, measured once on arrival before any change
DEV_SETS = (DEV_SET, DEV2_SET, DEV3_SET)
EVAL_SETS = (*DEV_SETS, HOLDOUT_SET, SELFWRITTEN_SET)
# Rasa entity annotation "[Taiwan](country)" or "[TW]{"entity": "country"}": keep the words.
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled message, from the training YAML or an evaluation JSONL file."""

    text: str
    intent: str
    urgency: Urgency
    language: str = "und"
    situation: str | None = None  # the emergency map's situation (docs/emergencies.md)
    asked: str | None = None  # the bot's question this message answers, if any


def default_urgency(intent: str) -> Urgency:
    """Urgency of an example whose block gives none: complaints are normal, the rest low."""
    return Urgency.NORMAL if kind_of(intent) == "complaint" else Urgency.LOW


def training_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """The YAML files that hold intent examples, in a stable order."""
    return sorted(data_dir.glob("*.yml"))


def _example_lines(block: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(text, example metadata) of a block's examples, in the short or Rasa's long form."""
    examples = block.get("examples", "")
    if isinstance(examples, str):
        for line in examples.splitlines():
            line = line.strip()
            if line.startswith("- "):
                yield _ANNOTATION.sub(r"\1", line[2:].strip()), {}
    elif isinstance(examples, list):  # Rasa's long form: [{text: ..., metadata: ...}]
        for item in examples:
            text = item.get("text", "") if isinstance(item, dict) else str(item)
            meta = item.get("metadata") if isinstance(item, dict) else None
            yield _ANNOTATION.sub(r"\1", str(text).strip()), dict(meta or {})


def load_yaml_examples(paths: Iterable[Path] | None = None) -> list[Example]:
    """Read every intent example from Rasa ``version: "3.1"`` NLU YAML files.

    Args:
        paths: YAML files; the package's ``nlu/data/*.yml`` when None.

    Returns:
        The examples in file order.

    Raises:
        ValueError: An intent is not one of the taxonomy's names, or an urgency is unknown;
            a typo in the data must not silently create a new label.
    """
    out: list[Example] = []
    for path in paths if paths is not None else training_files():
        with path.open(encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
        for block in doc.get("nlu", []) or []:
            intent = block.get("intent")
            if intent is None:
                continue
            if intent not in INTENTS:
                raise ValueError(f"{path}: unknown intent {intent!r}")
            block_meta = block.get("metadata") or {}
            for text, own in _example_lines(block):
                if not text:
                    continue
                meta = {**block_meta, **own}
                urgency = (
                    Urgency(meta["urgency"]) if "urgency" in meta else default_urgency(intent)
                )
                out.append(
                    Example(
                        text,
                        intent,
                        urgency,
                        situation=meta.get("situation"),
                        asked=meta.get("asked"),
                    )
                )
    return out


def load_jsonl(path: Path) -> list[Example]:
    """Read a labelled JSONL file: one object per line with text, intent, urgency, language,
    and optionally situation (docs/emergencies.md) and asked (the bot's open question).

    Raises:
        ValueError: A line has an unknown intent or urgency (with its line number).
    """
    out: list[Example] = []
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row["intent"] not in INTENTS:
                raise ValueError(f"{path}:{no}: unknown intent {row['intent']!r}")
            out.append(
                Example(
                    text=str(row["text"]),
                    intent=str(row["intent"]),
                    urgency=Urgency(row["urgency"]),
                    language=str(row.get("language", "und")),
                    situation=row.get("situation") or None,
                    asked=row.get("asked") or None,
                )
            )
    return out
