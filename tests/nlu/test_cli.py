from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nlu import cli
from nlu.classifier import MODEL_PATH, LinearModel
from nlu.training_data import SELFWRITTEN_SET
from nlu.types import INTENTS

ROOT = Path(__file__).resolve().parents[2]


def test_register_adds_the_four_subcommands() -> None:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command", required=True))
    for argv in (["train"], ["parse"], ["eval", "x.jsonl", "--json"], ["export-rasa", "d"]):
        args = parser.parse_args(argv)
        assert callable(args.func)


def test_parse_reads_json_lines_and_writes_rasa_shape() -> None:
    stdin = "\n".join(
        [
            json.dumps({"text": "tolonggg aku dipukul majikan 😭"}),
            "",
            "not json",
            json.dumps({"text": "gaji blm dibyr"}),
        ]
    )
    proc = subprocess.run(
        [sys.executable, "-m", "nlu", "parse"],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 1  # one bad line
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == 3
    first, error, last = lines
    assert set(first) == {
        "text", "intent", "intent_ranking", "entities", "kind", "urgency", "urgency_reasons",
        "language", "situation",
    }  # fmt: skip
    assert first["intent"]["name"] == "complaint.abuse"
    assert first["urgency"] == "critical"
    assert "error" in error
    assert last["intent"]["name"] == "complaint.unpaid_wages"


def test_eval_json_reports_every_metric(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["eval", str(SELFWRITTEN_SET), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in (
        "kind_accuracy",
        "intent_accuracy",
        "intent_macro_f1",
        "critical_recall",
        "urgent_recall",
        "false_alarm_rate",
        "latency_p50_ms",
        "latency_p99_ms",
        "per_intent",
        "confusions",
    ):
        assert key in report
    assert report["n"] == len(SELFWRITTEN_SET.read_text(encoding="utf-8").splitlines())
    assert set(report["per_intent"]) == set(INTENTS)


def test_eval_text_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = tmp_path / "two.jsonl"
    rows = [
        {"text": "aku dipukul majikan", "intent": "complaint.abuse", "urgency": "critical"},
        {"text": "makasih kak", "intent": "smalltalk.thanks", "urgency": "low"},
    ]
    sample.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert cli.main(["eval", str(sample)]) == 0
    out = capsys.readouterr().out
    assert "critical recall     1.000" in out
    assert "false-alarm rate    0.000" in out


def test_eval_report_lists_situations_and_every_miss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = tmp_path / "three.jsonl"
    rows = [
        {"text": "aku dipukul majikan", "intent": "complaint.abuse", "urgency": "critical",
         "situation": "violence"},
        {"text": "gk tau nama majikannya", "intent": "other.out_of_scope", "urgency": "low",
         "asked": "employer_name"},
        {"text": "makasih kak", "intent": "complaint.death", "urgency": "high",
         "situation": "death_report"},
    ]  # fmt: skip
    sample.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert cli.main(["eval", str(sample), "--report"]) == 0
    out = capsys.readouterr().out
    assert "violence" in out  # recall per situation
    assert "death_report" in out
    assert "recall per urgency" in out
    # the wrongly labelled thank-you is a miss, printed with what it was taken for
    assert "gold complaint.death/high got smalltalk.thanks/low: makasih kak" in out
    assert "gk tau nama majikannya" not in out  # an answer judged as an answer: no miss


def test_train_writes_a_loadable_artefact(tmp_path: Path) -> None:
    out = tmp_path / "m.npz"
    assert cli.main(["train", "--out", str(out)]) == 0
    trained = LinearModel.load(out)
    shipped = LinearModel.load(MODEL_PATH)
    assert trained.intents == INTENTS
    # deterministic training: a retrain from the same data gives the shipped model
    assert trained.meta == shipped.meta
    tokens = ["gaji", "belum", "dibayar"]
    assert trained.predict_tokens(tokens)[0].argmax() == shipped.predict_tokens(tokens)[0].argmax()


def test_export_rasa_writes_a_project(tmp_path: Path) -> None:
    assert cli.main(["export-rasa", str(tmp_path / "proj"), "--epochs", "5"]) == 0
    config = yaml.safe_load((tmp_path / "proj" / "config.yml").read_text())
    assert config["language"] == "id"
    names = [c["name"] for c in config["pipeline"]]
    assert "DIETClassifier" in names
    assert "FallbackClassifier" in names
    assert not any("Spacy" in n or "ConveRT" in n for n in names)
    domain = yaml.safe_load((tmp_path / "proj" / "domain.yml").read_text())
    assert domain["intents"] == list(INTENTS)
    data = sorted(p.name for p in (tmp_path / "proj" / "data").iterdir())
    assert "lookups.yml" in data
    for name in data:
        doc = yaml.safe_load((tmp_path / "proj" / "data" / name).read_text())
        assert doc["version"] == "3.1"
