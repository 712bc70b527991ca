"""Command line: ``siaga nlu train | parse | eval | export-rasa`` (also ``python -m nlu ...``).

The lead's ``siaga`` entry point calls :func:`register` with the ``nlu`` sub-command's
sub-parsers; each sub-command stores its handler in ``func`` and returns an exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Protocol

from nlu import evaluate
from nlu.classifier import MODEL_PATH, TrainConfig
from nlu.pipeline import EmbeddedNlu
from nlu.rasa_export import export_rasa
from nlu.train import train_and_save
from nlu.training_data import load_jsonl, training_files
from nlu.types import ParseResult


class ParseFn(Protocol):
    """A back-end's ``parse``: the message, and the bot's open question if it answers one."""

    def __call__(self, text: str, *, asked: str | None = None) -> Awaitable[ParseResult]:
        """Label ``text``."""
        ...


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``train``, ``parse``, ``eval`` and ``export-rasa`` to an argparse sub-parser set."""
    p = subparsers.add_parser("train", help="train the embedded model from nlu/data/*.yml")
    p.add_argument("--out", type=Path, default=MODEL_PATH, help="artefact path (.npz)")
    p.add_argument(
        "--include",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="also train on this reviewed Rasa YAML file (e.g. from `siaga nlu corrections`)",
    )
    p.add_argument(
        "--epochs",
        type=int,
        default=TrainConfig().epochs,
        help="training passes (fewer: a quick check of the data, not a model to ship)",
    )
    p.set_defaults(func=cmd_train)

    p = subparsers.add_parser("parse", help='label JSON lines {"text": ...} from stdin')
    _backend_args(p)
    p.set_defaults(func=cmd_parse)

    p = subparsers.add_parser("eval", help="evaluate on a labelled JSONL file")
    p.add_argument("file", type=Path, help="JSONL with text, intent, urgency, language")
    p.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    p.add_argument(
        "--report",
        action="store_true",
        help="add recall per urgency and situation, and every miss with its reasons",
    )
    _backend_args(p)
    p.set_defaults(func=cmd_eval)

    p = subparsers.add_parser("export-rasa", help="write a Rasa 3 project from our data")
    p.add_argument("dir", type=Path, help="output directory")
    p.add_argument("--epochs", type=int, default=100, help="DIET epochs in config.yml")
    p.set_defaults(func=cmd_export_rasa)


def _backend_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, default=None, help="embedded artefact (.npz)")
    p.add_argument(
        "--rasa-url",
        default=None,
        help="parse with a Rasa server (e.g. http://localhost:5005) plus the safety net",
    )


def cmd_train(args: argparse.Namespace) -> int:
    """Train and write the artefact; prints what was trained."""
    start = time.perf_counter()
    missing = [str(p) for p in args.include if not p.is_file()]
    if missing:
        _say(f"no such file: {', '.join(missing)}", sys.stderr)
        return 2
    cfg = TrainConfig(epochs=max(1, args.epochs))
    model = train_and_save(args.out, [*training_files(), *args.include], cfg)
    _say(
        f"trained on {model.meta['examples']} examples in {time.perf_counter() - start:.1f} s"
        f" -> {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)"
    )
    return 0


async def _with_backend(
    args: argparse.Namespace, body: Callable[[ParseFn], Awaitable[int]]
) -> int:
    embedded = EmbeddedNlu.load(str(args.model) if args.model else None)
    if not args.rasa_url:
        return await body(embedded.parse)
    import aiohttp  # only the Rasa path needs it

    from nlu.rasa_http import RasaHttpNlu

    async with aiohttp.ClientSession() as session:
        rasa = RasaHttpNlu(args.rasa_url, session, embedded, timeout_s=10.0)
        return await body(rasa.parse)


def _say(line: str, out: IO[str] | None = None) -> None:
    """Write one line of command output (stdout unless told otherwise)."""
    stream = out or sys.stdout
    stream.write(line + "\n")
    stream.flush()


def _text_of(line: str) -> str | None:
    """The ``text`` of one input line, or None when the line is not ``{"text": "..."}``."""
    try:
        row = json.loads(line)
    except ValueError:
        return None
    text = row.get("text") if isinstance(row, dict) else None
    return text if isinstance(text, str) else None


async def _parse_stream(parse: ParseFn, stdin: IO[str], stdout: IO[str]) -> int:
    status = 0
    for no, line in enumerate(stdin, 1):
        if not line.strip():
            continue
        text = _text_of(line)
        if text is None:
            _say(json.dumps({"error": f'line {no}: expected {{"text": "..."}}'}), stdout)
            status = 1
            continue
        result = await parse(text)
        _say(json.dumps(result.to_dict(), ensure_ascii=False), stdout)
    return status


def cmd_parse(args: argparse.Namespace) -> int:
    """Read JSON lines from stdin and write one parse result per line.

    A line that is not ``{"text": "..."}`` gets ``{"error": ...}`` and the exit code is 1.
    """
    return asyncio.run(_with_backend(args, lambda p: _parse_stream(p, sys.stdin, sys.stdout)))


def cmd_eval(args: argparse.Namespace) -> int:
    """Evaluate a back-end on a labelled JSONL file and print the report."""
    examples = load_jsonl(args.file)

    async def body(parse: ParseFn) -> int:
        preds: list[evaluate.Prediction] = []
        for ex in examples:
            start = time.perf_counter()
            result = await parse(ex.text, asked=ex.asked)
            preds.append(evaluate.Prediction(ex, result, time.perf_counter() - start))
        report = evaluate.score(preds)
        if args.json:
            _say(json.dumps(report.to_dict(), ensure_ascii=False))
        else:
            _say(evaluate.format_report(report, f"== {args.file} ==", full=args.report))
        return 0

    return asyncio.run(_with_backend(args, body))


def cmd_export_rasa(args: argparse.Namespace) -> int:
    """Write the Rasa project and list its files."""
    for path in export_rasa(args.dir, epochs=args.epochs):
        _say(str(path))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Stand-alone parser for ``python -m nlu``."""
    parser = argparse.ArgumentParser(prog="python -m nlu", description=__doc__)
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m nlu``."""
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code
