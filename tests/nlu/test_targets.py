"""The regression gate and the accuracy targets of issue 3, on the held-out test set.

Timing targets are measured in bench/nlu/latency.py, not here.
"""

from __future__ import annotations

import pytest

from nlu import evaluate
from nlu.pipeline import EmbeddedNlu
from nlu.training_data import TEST_SET, Example, load_jsonl
from nlu.types import Urgency

TEST = load_jsonl(TEST_SET)
CRITICAL = [e for e in TEST if e.urgency == Urgency.CRITICAL]


@pytest.fixture(scope="module")
def report(embedded: EmbeddedNlu) -> evaluate.Report:
    return evaluate.score(evaluate.run(TEST, embedded.parse_sync))


@pytest.mark.parametrize("example", CRITICAL, ids=[e.text[:40] for e in CRITICAL])
def test_every_critical_example_is_critical(embedded: EmbeddedNlu, example: Example) -> None:
    result = embedded.parse_sync(example.text)
    assert result.urgency == Urgency.CRITICAL, result.urgency_reasons


def test_critical_set_is_large_enough_to_mean_something() -> None:
    assert len(CRITICAL) >= 30
    assert {e.language for e in CRITICAL} >= {"id", "en", "jv", "su", "ms"}


def test_urgency_targets(report: evaluate.Report) -> None:
    assert report.critical_recall >= 0.97
    assert report.urgent_recall >= 0.95
    assert report.false_alarm_rate <= 0.05


def test_classification_targets(report: evaluate.Report) -> None:
    assert report.kind_accuracy >= 0.95
    assert report.intent_macro_f1 >= 0.85
    assert report.language_accuracy >= 0.9
