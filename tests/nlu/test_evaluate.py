from __future__ import annotations

import pytest

from nlu import evaluate
from nlu.training_data import Example
from nlu.types import IntentScore, ParseResult, Urgency


def pred(gold: str, gold_u: Urgency, got: str, got_u: Urgency) -> evaluate.Prediction:
    result = ParseResult("t", IntentScore(got, 0.9), (), (), got_u, (), "id")
    return evaluate.Prediction(Example("t", gold, gold_u, "id"), result, 0.001)


def test_metric_definitions() -> None:
    c, h, n, lo = Urgency.CRITICAL, Urgency.HIGH, Urgency.NORMAL, Urgency.LOW
    report = evaluate.score(
        [
            pred("complaint.abuse", c, "complaint.abuse", c),  # critical hit
            pred("complaint.abuse", c, "complaint.abuse", h),  # critical missed, urgent kept
            pred("complaint.death", h, "complaint.abuse", c),  # urgent hit, wrong intent
            pred("complaint.lost_contact", h, "faq.contact", n),  # urgent missed, wrong kind
            pred("faq.contact", lo, "faq.contact", h),  # false alarm
            pred("faq.contact", lo, "faq.contact", n),  # not a false alarm (normal)
            pred("smalltalk.thanks", lo, "smalltalk.thanks", lo),
            pred("complaint.unpaid_wages", n, "complaint.unpaid_wages", c),  # over-raise is fine
        ]
    )
    assert report.critical_recall == pytest.approx(1 / 2)
    assert report.urgent_recall == pytest.approx(3 / 4)
    assert report.false_alarm_rate == pytest.approx(1 / 3)
    assert report.kind_accuracy == pytest.approx(7 / 8)
    assert report.intent_accuracy == pytest.approx(6 / 8)
    assert ("complaint.death", "complaint.abuse", 1) in report.confusions
    assert report.per_intent["complaint.abuse"]["precision"] == pytest.approx(2 / 3)
    assert report.per_intent["complaint.death"]["recall"] == 0.0
    # macro-F1 averages the intents present in the gold labels only
    assert set(report.per_intent) >= {"complaint.death", "complaint.lost_contact"}
    assert len(report.missed_critical) == 1
    assert len(report.false_alarms) == 1


def test_percentile() -> None:
    assert evaluate.percentile([], 50) == 0.0
    assert evaluate.percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert evaluate.percentile([1.0, 2.0], 99) == pytest.approx(1.99)
