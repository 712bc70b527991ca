"""Embedded NLU vs Rasa 3.6 DIET trained on the same data: accuracy and parse latency.

Not part of the test command. Steps:

1. create ``bench/.rasa-venv`` from Python 3.10 (Rasa 3.6 does not run on 3.11) and install
   ``rasa==3.6.*`` there, unless it is already installed;
2. ``python -m nlu export-rasa bench/.work/rasa-project`` and ``rasa train nlu``;
3. start ``rasa run --enable-api`` on a local port and wait for it;
4. evaluate both back-ends with ``python -m nlu eval --json`` (the Rasa one through
   ``RasaHttpNlu``, i.e. Rasa's intent plus our urgency safety net) on every evaluation set of
   ``nlu/data/eval/`` (the sealed holdout in aggregate only), time raw ``/model/parse`` calls,
   and print everything side by side.

Usage: ``.venv/bin/python bench/nlu/compare_rasa.py [--python PYTHON3.10] [--epochs 100]
[--port 5055] [--skip-train]``. Results are also written to
``bench/.work/compare_rasa.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / "bench" / ".rasa-venv"
WORK = ROOT / "bench" / ".work"
PROJECT = WORK / "rasa-project"
RASA_SPEC = "rasa==3.6.21"
EVAL_SETS = {path.stem: path for path in sorted((ROOT / "nlu" / "data" / "eval").glob("*.jsonl"))}
METRICS = (
    "kind_accuracy",
    "intent_accuracy",
    "intent_macro_f1",
    "critical_recall",
    "urgent_recall",
    "false_alarm_rate",
    "false_critical_rate",
    "latency_p50_ms",
    "latency_p99_ms",
)


def run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, text=True, **kw)


def ensure_rasa(python: str) -> Path:
    rasa = VENV / "bin" / "rasa"
    if rasa.exists():
        probe = subprocess.run([str(rasa), "--version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return rasa
    run([python, "-m", "venv", str(VENV)])
    pip = str(VENV / "bin" / "pip")
    run([pip, "install", "-q", "--upgrade", "pip", "setuptools<70", "wheel"])
    run([pip, "install", RASA_SPEC])
    return rasa


def train(rasa: Path, epochs: int) -> float:
    run(
        [sys.executable, "-m", "nlu", "export-rasa", str(PROJECT), "--epochs", str(epochs)],
        cwd=ROOT,
    )
    start = time.perf_counter()
    run(
        [
            str(rasa),
            "train",
            "nlu",
            "--config",
            "config.yml",
            "--nlu",
            "data",
            "--out",
            "models",
            "--fixed-model-name",
            "siaga",
        ],
        cwd=PROJECT,
    )
    return time.perf_counter() - start


def wait_ready(url: str, proc: subprocess.Popen[str], timeout_s: float = 300.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        if proc.poll() is not None:
            raise RuntimeError(f"rasa run exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/status", timeout=2) as resp:  # noqa: S310 (our http URL)
                if json.load(resp).get("model_file"):
                    return time.perf_counter() - start
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(1.0)
    raise TimeoutError("rasa server did not come up")


def raw_latency(url: str, texts: list[str]) -> tuple[float, float]:
    """p50/p99 of Rasa's own /model/parse round trip on localhost, in ms.

    Also records one confident answer and one ``nlu_fallback`` answer under
    ``bench/.work/rasa-recorded/`` (the adapter tests replay such answers).
    """
    times: list[float] = []
    recorded = WORK / "rasa-recorded"
    recorded.mkdir(exist_ok=True)
    for text in texts:
        body = json.dumps({"text": text}).encode()
        req = urllib.request.Request(  # noqa: S310 (our own http://127.0.0.1 URL)
            url + "/model/parse", data=body, headers={"Content-Type": "application/json"}
        )
        start = time.perf_counter()
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            answer = json.loads(resp.read())
        times.append((time.perf_counter() - start) * 1000)
        name = "fallback_first" if answer["intent"]["name"] == "nlu_fallback" else "confident"
        target = recorded / f"rasa_parse__{name}.json"
        if not target.exists():
            target.write_text(json.dumps(answer, indent=1, ensure_ascii=False))
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]


def evaluate(path: Path, rasa_url: str | None) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "nlu", "eval", str(path), "--json"]
    if rasa_url:
        cmd += ["--rasa-url", rasa_url]
    out = run(cmd, cwd=ROOT, capture_output=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="/root/.pyenv/versions/3.10.13/bin/python")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--skip-train", action="store_true")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    rasa = ensure_rasa(args.python)
    train_s = None if args.skip_train else train(rasa, args.epochs)
    url = f"http://127.0.0.1:{args.port}"
    log = (WORK / "rasa-run.log").open("w")
    proc = subprocess.Popen(
        [
            str(rasa),
            "run",
            "--enable-api",
            "-m",
            "models/siaga.tar.gz",
            "-p",
            str(args.port),
            "-i",
            "127.0.0.1",
        ],
        cwd=PROJECT,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    try:
        load_s = wait_ready(url, proc)
        results: dict[str, Any] = {"rasa_train_s": train_s, "rasa_server_ready_s": load_s}
        for name, path in EVAL_SETS.items():
            if not path.exists():
                continue
            texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
            raw_latency(url, texts[:20])  # warm-up
            results[name] = {
                "embedded": evaluate(path, None),
                "rasa": evaluate(path, url),
                "rasa_raw_latency_ms": raw_latency(url, texts),
            }
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    (WORK / "compare_rasa.json").write_text(json.dumps(results, indent=1))
    print(f"\nRasa 3.6 DIET: train {train_s or 0:.0f} s, server ready {load_s:.1f} s")
    for name in EVAL_SETS:
        if name not in results:
            continue
        res = results[name]
        print(f"\n== {name} (n={res['embedded']['n']}) ==")
        print(f"{'metric':22} {'embedded':>10} {'rasa+net':>10}")
        for m in METRICS:
            print(f"{m:22} {res['embedded'][m]:10.3f} {res['rasa'][m]:10.3f}")
        p50, p99 = res["rasa_raw_latency_ms"]
        print(f"{'rasa raw parse p50/p99':22} {p50:.2f} / {p99:.2f} ms (HTTP on localhost)")
    print("\n'rasa+net' = Rasa's intent with Siaga's urgency safety net on top (RasaHttpNlu);")
    print("its latency includes the HTTP call and the embedded safety net.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
