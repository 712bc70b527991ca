"""Evaluation of any back-end on a labelled JSONL file (``siaga nlu eval``).

The metrics are the ones the triage targets are set on: kind and intent accuracy, intent
macro-F1, per-intent precision/recall/F1, the most frequent confusions, critical recall, urgent
recall, the false-alarm rate (low messages raised to high or critical) and the false-critical
rate (low messages raised to critical), recall per urgency and per situation of the emergency
map (``docs/emergencies.md``), and parse latency percentiles. Messages that answer a form
question carry it (``asked``) and are parsed as answers.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from nlu.training_data import Example
from nlu.types import INTENTS, ParseResult, Urgency, kind_of

URGENT = frozenset({Urgency.CRITICAL, Urgency.HIGH})
CRIT = Urgency.CRITICAL


class ParseSync(Protocol):
    """A back-end's synchronous parse: the message, and the bot's open question if any."""

    def __call__(self, text: str, *, asked: str | None = None) -> ParseResult:
        """Label ``text``."""
        ...


@dataclass(frozen=True, slots=True)
class Prediction:
    """One evaluated message: gold labels, the back-end's answer and its parse time."""

    example: Example
    result: ParseResult
    seconds: float


@dataclass(slots=True)
class Report:
    """All metrics of one evaluation run; ``to_dict`` is the ``--json`` output."""

    n: int
    kind_accuracy: float
    intent_accuracy: float
    intent_macro_f1: float
    critical_recall: float
    urgent_recall: float
    false_alarm_rate: float
    language_accuracy: float
    latency_p50_ms: float
    latency_p99_ms: float
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    false_critical_rate: float = 0.0
    per_urgency: dict[str, float] = field(default_factory=dict)  # recall at or above the level
    per_situation: dict[str, tuple[int, int]] = field(default_factory=dict)  # (caught, total)
    missed_critical: list[str] = field(default_factory=list)
    missed_urgent: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)  # every wrong label, in detail

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dictionary."""
        return {
            "n": self.n,
            "kind_accuracy": self.kind_accuracy,
            "intent_accuracy": self.intent_accuracy,
            "intent_macro_f1": self.intent_macro_f1,
            "critical_recall": self.critical_recall,
            "urgent_recall": self.urgent_recall,
            "false_alarm_rate": self.false_alarm_rate,
            "false_critical_rate": self.false_critical_rate,
            "per_urgency": self.per_urgency,
            "per_situation": {k: list(v) for k, v in self.per_situation.items()},
            "language_accuracy": self.language_accuracy,
            "latency_p50_ms": self.latency_p50_ms,
            "latency_p99_ms": self.latency_p99_ms,
            "per_intent": self.per_intent,
            "confusions": [list(c) for c in self.confusions],
            "missed_critical": self.missed_critical,
            "missed_urgent": self.missed_urgent,
            "false_alarms": self.false_alarms,
            "misses": self.misses,
        }


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _ratio(num: int, den: int, empty: float) -> float:
    return num / den if den else empty


def run(examples: Sequence[Example], parse: ParseSync) -> list[Prediction]:
    """Parse every example with ``parse(text, asked=…)`` and time each call."""
    out: list[Prediction] = []
    for ex in examples:
        start = time.perf_counter()
        result = parse(ex.text, asked=ex.asked)
        out.append(Prediction(ex, result, time.perf_counter() - start))
    return out


def _recall_at(preds: Sequence[Prediction], level: Urgency) -> float:
    """Of the messages labelled ``level``, how many were rated at least that urgent."""
    gold = [p for p in preds if p.example.urgency == level]
    caught = sum(1 for p in gold if p.result.urgency.rank >= level.rank)
    return _ratio(caught, len(gold), 1.0)


def _miss(p: Prediction) -> dict[str, Any]:
    return {
        "text": p.example.text,
        "asked": p.example.asked,
        "situation": p.example.situation,
        "gold": [p.example.intent, str(p.example.urgency)],
        "got": [p.result.intent.name, str(p.result.urgency)],
        "reasons": list(p.result.urgency_reasons),
    }


def score(preds: Sequence[Prediction]) -> Report:
    """Compute the metrics of a list of predictions."""
    n = len(preds)
    gold = [p.example.intent for p in preds]
    got = [p.result.intent.name for p in preds]
    per_intent: dict[str, dict[str, float]] = {}
    f1s: list[float] = []
    for intent in INTENTS:
        tp = sum(1 for g, y in zip(gold, got, strict=True) if g == y == intent)
        fp = sum(1 for g, y in zip(gold, got, strict=True) if y == intent != g)
        fn = sum(1 for g, y in zip(gold, got, strict=True) if g == intent != y)
        support = tp + fn
        if support == 0 and fp == 0:
            continue
        prec = _ratio(tp, tp + fp, 0.0)
        rec = _ratio(tp, support, 0.0)
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_intent[intent] = {"precision": prec, "recall": rec, "f1": f1, "support": support}
        if support:  # macro-F1 over the intents present in the gold labels
            f1s.append(f1)
    confusions = Counter((g, y) for g, y in zip(gold, got, strict=True) if g != y)
    crit = [p for p in preds if p.example.urgency == Urgency.CRITICAL]
    urgent = [p for p in preds if p.example.urgency in URGENT]
    low = [p for p in preds if p.example.urgency == Urgency.LOW]
    missed_crit = [p.example.text for p in crit if p.result.urgency != Urgency.CRITICAL]
    missed_urg = [p.example.text for p in urgent if p.result.urgency not in URGENT]
    alarms = [p.example.text for p in low if p.result.urgency in URGENT]
    false_critical = [p for p in low if p.result.urgency == Urgency.CRITICAL]
    situations: dict[str, list[int]] = {}
    for p in preds:
        if p.example.situation:
            entry = situations.setdefault(p.example.situation, [0, 0])
            entry[0] += p.result.urgency.rank >= p.example.urgency.rank
            entry[1] += 1
    misses = [
        _miss(p)
        for p in preds
        if p.result.intent.name != p.example.intent
        or (
            p.result.urgency != p.example.urgency
            and (p.example.urgency in URGENT or p.result.urgency in URGENT)
        )
    ]
    ms = [p.seconds * 1000.0 for p in preds]
    return Report(
        n=n,
        kind_accuracy=_ratio(
            sum(1 for g, y in zip(gold, got, strict=True) if kind_of(g) == kind_of(y)), n, 0.0
        ),
        intent_accuracy=_ratio(sum(1 for g, y in zip(gold, got, strict=True) if g == y), n, 0.0),
        intent_macro_f1=sum(f1s) / len(f1s) if f1s else 0.0,
        critical_recall=_ratio(len(crit) - len(missed_crit), len(crit), 1.0),
        urgent_recall=_ratio(len(urgent) - len(missed_urg), len(urgent), 1.0),
        false_alarm_rate=_ratio(len(alarms), len(low), 0.0),
        false_critical_rate=_ratio(len(false_critical), len(low), 0.0),
        per_urgency={
            str(u): _recall_at(preds, u) for u in (Urgency.CRITICAL, Urgency.HIGH, Urgency.NORMAL)
        },
        per_situation={k: (v[0], v[1]) for k, v in sorted(situations.items())},
        language_accuracy=_ratio(
            sum(1 for p in preds if p.result.language == p.example.language), n, 0.0
        ),
        latency_p50_ms=percentile(ms, 50),
        latency_p99_ms=percentile(ms, 99),
        per_intent=per_intent,
        confusions=[(g, y, c) for (g, y), c in confusions.most_common(15)],
        missed_critical=missed_crit,
        missed_urgent=missed_urg,
        false_alarms=alarms,
        misses=misses,
    )


def format_report(report: Report, title: str = "", *, full: bool = False) -> str:
    """Human-readable report: headline metrics, per-intent table, confusions, misses.

    ``full`` (``--report``) adds recall per urgency and per situation and every wrong label
    with its reasons; without it the urgency misses are listed by text only.
    """
    lines = [title] if title else []
    lines += [
        f"messages            {report.n}",
        f"kind accuracy       {report.kind_accuracy:.3f}",
        f"intent accuracy     {report.intent_accuracy:.3f}",
        f"intent macro-F1     {report.intent_macro_f1:.3f}",
        f"critical recall     {report.critical_recall:.3f}",
        f"urgent recall       {report.urgent_recall:.3f}",
        f"false-alarm rate    {report.false_alarm_rate:.3f}",
        f"false-critical rate {report.false_critical_rate:.3f}",
        f"language accuracy   {report.language_accuracy:.3f}",
        f"latency p50/p99 ms  {report.latency_p50_ms:.3f} / {report.latency_p99_ms:.3f}",
        "",
        f"{'intent':34} {'prec':>6} {'rec':>6} {'f1':>6} {'n':>4}",
    ]
    for intent, m in report.per_intent.items():
        lines.append(
            f"{intent:34} {m['precision']:6.2f} {m['recall']:6.2f} {m['f1']:6.2f} "
            f"{int(m['support']):4d}"
        )
    if report.confusions:
        lines += ["", "confusions (gold -> predicted, count)"]
        lines += [f"  {g} -> {y}: {c}" for g, y, c in report.confusions]
    if full:
        lines += ["", "recall per urgency (rated at least that urgent)"]
        lines += [f"  {u:10} {r:.3f}" for u, r in report.per_urgency.items()]
        lines += ["", "recall per situation (caught / total)"]
        lines += [
            f"  {name:28} {caught:3d} / {total:3d}  {caught / total:.3f}"
            for name, (caught, total) in report.per_situation.items()
        ]
        lines += ["", f"every miss ({len(report.misses)})"]
        for miss in report.misses:
            asked = f" [asked {miss['asked']}]" if miss["asked"] else ""
            gold, got = miss["gold"], miss["got"]
            lines.append(
                f"  gold {gold[0]}/{gold[1]} got {got[0]}/{got[1]}{asked}: "
                f"{miss['text'][:100]}  <{', '.join(miss['reasons'][:4])}>"
            )
        return "\n".join(lines)
    for name, items in (
        ("missed critical", report.missed_critical),
        ("missed urgent", report.missed_urgent),
        ("false alarms", report.false_alarms),
    ):
        if items:
            lines += ["", f"{name} ({len(items)})"] + [f"  {t[:110]}" for t in items]
    return "\n".join(lines)
