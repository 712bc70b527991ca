"""``siaga knowledge check``: list the articles a person must review.

An article is due when its ``reviewed`` date is older than its ``review_interval_days`` or when it
is flagged ``needs_review`` (it relies on single-source or uncertain facts). The command also
validates every article and the directory, so a broken file fails here before it fails at
start-up. Exit code 0 when everything loads (due articles are work, not errors), 1 when a file
is invalid.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from knowledge.directory import load_directory
from knowledge.loader import (
    Article,
    KnowledgeError,
    coverage_gaps,
    default_content_dir,
    load_articles,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``check`` subcommand (the lead mounts these under ``siaga knowledge``)."""
    check = subparsers.add_parser(
        "check", help="validate the knowledge base and list articles due for review"
    )
    check.add_argument(
        "--dir", type=Path, default=None, help="content directory (default: the packaged one)"
    )
    check.add_argument("--json", action="store_true", help="print JSON instead of a table")
    check.add_argument(
        "--today", type=date.fromisoformat, default=None, help="pretend today is YYYY-MM-DD"
    )
    check.set_defaults(func=run_check)


def _reason(article: Article, today: date) -> str:
    reasons = []
    age = (today - article.reviewed).days
    if age > article.review_interval_days:
        reasons.append(f"reviewed {age} days ago (interval {article.review_interval_days})")
    if article.needs_review:
        reasons.append(f"needs_review ({article.confidence})")
    return "; ".join(reasons)


def due_articles(articles: list[Article], today: date) -> list[dict[str, Any]]:
    """The articles due for review, oldest review first, with the reason."""
    due = [a for a in articles if a.due_for_review(today)]
    due.sort(key=lambda a: (a.reviewed, a.id))
    return [
        {
            "id": a.id,
            "language": a.language,
            "reviewed": a.reviewed.isoformat(),
            "confidence": a.confidence,
            "reason": _reason(a, today),
            "path": a.path,
        }
        for a in due
    ]


def run_check(args: argparse.Namespace) -> int:
    """Validate, then print the due list as a table (or JSON). Returns the exit code."""
    root: Path = args.dir or default_content_dir()
    today: date = args.today or datetime.now(UTC).date()
    try:
        articles = load_articles(root)
        load_directory(root / "directory.yml")
    except KnowledgeError as exc:
        print(f"invalid knowledge base: {exc}", file=sys.stderr)  # noqa: T201 - CLI output
        return 1
    due = due_articles(articles, today)
    gaps = coverage_gaps(articles)
    if args.json:
        out = {
            "articles": len(articles),
            "due": due,
            "missing": [{"intent": i, "language": lang} for i, lang in gaps],
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))  # noqa: T201 - CLI output
        return 0
    print(f"{len(articles)} articles valid; {len(due)} due for review")  # noqa: T201
    if due:
        width = max(len(d["id"]) for d in due)
        print(f"{'id'.ljust(width)}  lang  reviewed    reason")  # noqa: T201
        for d in due:
            print(f"{d['id'].ljust(width)}  {d['language']:<4}  {d['reviewed']}  {d['reason']}")  # noqa: T201
    for intent, lang in gaps:
        print(f"missing: no {lang} article for {intent}")  # noqa: T201
    return 0
