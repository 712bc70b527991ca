"""The regression gate and the triage targets (issue 12), on the evaluation sets.

* Every critical message of the sets we may read (the independent development sets and the
  first, self-written test set) stays critical: a change that loses one fails here, by name.
* The targets hold on the development sets, which were written by other hands than the training
  data (``nlu/data/eval/README.md``).
* The sealed holdout is scored in aggregate only (its messages are never printed, so nobody tunes
  to them); it must not fall below the figures the README publishes.

Timing targets are measured in bench/nlu/latency.py, not here.
"""

from __future__ import annotations

import pytest

from nlu import evaluate
from nlu.pipeline import EmbeddedNlu
from nlu.training_data import DEV_SETS, HOLDOUT_SET, SELFWRITTEN_SET, Example, load_jsonl
from nlu.types import Urgency

READABLE = [SELFWRITTEN_SET, *DEV_SETS]
CRITICAL = [
    (path.stem, e) for path in READABLE for e in load_jsonl(path) if e.urgency == Urgency.CRITICAL
]


@pytest.mark.parametrize(
    ("name", "example"), CRITICAL, ids=[f"{n}:{e.text[:40]}" for n, e in CRITICAL]
)
def test_every_critical_example_stays_critical(
    embedded: EmbeddedNlu, name: str, example: Example
) -> None:
    result = embedded.parse_sync(example.text, asked=example.asked)
    assert result.urgency == Urgency.CRITICAL, result.urgency_reasons


def test_the_critical_sets_cover_every_situation_and_language() -> None:
    dev = [e for path in DEV_SETS for e in load_jsonl(path) if e.urgency == Urgency.CRITICAL]
    assert len(dev) >= 100
    assert {e.language for e in dev} >= {"id", "en", "jv", "su", "ms"}
    from nlu.lexicon import CRITICAL_SITUATIONS

    assert {e.situation for e in dev} >= set(CRITICAL_SITUATIONS)


@pytest.fixture(scope="module")
def dev_report(embedded: EmbeddedNlu) -> evaluate.Report:
    examples = [e for path in DEV_SETS for e in load_jsonl(path)]
    return evaluate.score(evaluate.run(examples, embedded.parse_sync))


def test_triage_targets_on_the_development_sets(dev_report: evaluate.Report) -> None:
    assert dev_report.critical_recall >= 0.97
    assert dev_report.urgent_recall >= 0.95
    assert dev_report.false_alarm_rate <= 0.05
    assert dev_report.false_critical_rate <= 0.02


def test_classification_on_the_development_sets(dev_report: evaluate.Report) -> None:
    # The issue's kind-accuracy target is 0.95; the development sets give 0.937 (README, "NLU
    # quality"): this is the floor a change may not go below, not the target.
    assert dev_report.kind_accuracy >= 0.93
    assert dev_report.intent_macro_f1 >= 0.85
    assert dev_report.language_accuracy >= 0.9


# The sealed holdout's published figures (README, "NLU quality"); a change may only improve them.
HOLDOUT_FLOOR = {
    "critical_recall": 0.92,
    "urgent_recall": 0.95,
    "kind_accuracy": 0.91,
    "intent_macro_f1": 0.90,
}
HOLDOUT_CEILING = {"false_alarm_rate": 0.08, "false_critical_rate": 0.05}


def test_the_sealed_holdout_does_not_regress(embedded: EmbeddedNlu) -> None:
    report = evaluate.score(evaluate.run(load_jsonl(HOLDOUT_SET), embedded.parse_sync))
    figures = {
        "critical_recall": report.critical_recall,
        "urgent_recall": report.urgent_recall,
        "kind_accuracy": report.kind_accuracy,
        "intent_macro_f1": report.intent_macro_f1,
        "false_alarm_rate": report.false_alarm_rate,
        "false_critical_rate": report.false_critical_rate,
    }
    below = {k: round(figures[k], 3) for k, floor in HOLDOUT_FLOOR.items() if figures[k] < floor}
    above = {k: round(figures[k], 3) for k, cap in HOLDOUT_CEILING.items() if figures[k] > cap}
    assert below == {}
    assert above == {}


def test_the_sets_exist_where_the_readme_says() -> None:
    for path in [*READABLE, HOLDOUT_SET]:
        assert path.is_file(), path
        assert path.stat().st_size > 0, path
