"""Load and validate the curated knowledge base (articles and the missions directory).

Articles are Markdown files with YAML front matter in ``knowledge/content/``. Loading happens once,
at start-up; an invalid article raises :class:`KnowledgeError` with the file name and the reason,
because a silently skipped article would mean a worker gets "I don't know" (or worse, an
unsourced answer) and nobody notices.

Front matter (all keys required unless marked optional)::

    id: placement-cost-id            # unique, lowercase, [a-z0-9-]
    intents: [faq.placement_cost]    # FAQ intents of docs/taxonomy.md
    language: id                     # id or en
    title: Biaya penempatan
    keywords: [biaya, gratis]        # optional: words users type, boosts retrieval
    countries: [TW]                  # optional: ISO codes the article is specific to
    reviewed: 2026-11-23             # when a person last checked it against the sources
    review_interval_days: 180        # optional, default 180
    confidence: confirmed            # confirmed | single_source | uncertain (weakest fact used)
    needs_review: false              # true when any single-source or uncertain fact is used
    sources:
      - url: https://www.kompas.com
        title: kompas.com, Peraturan BP2MI 9/2020
        date: 2020-08-17             # or 2020-08 / 2020 when the source gives no day
        confidence: C                # C, S or U, the mark in docs/facts.md
        facts: "§3.6"                # optional: where in docs/facts.md
        dated: false                 # optional, default true: see below

A source that shows no date at all says so with ``dated: false``; its ``date`` is then the full
day the fact was checked against it (YYYY-MM-DD), never another source's date, and the answer
shows it as "checked <date>".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from nlu.types import FAQ_INTENTS

ARTICLE_LANGUAGES: tuple[str, ...] = ("id", "en")
CONFIDENCES: tuple[str, ...] = ("confirmed", "single_source", "uncertain")
SOURCE_CONFIDENCES: tuple[str, ...] = ("C", "S", "U")
DEFAULT_REVIEW_INTERVAL_DAYS = 180
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_PARTIAL_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_FULL_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_URL_RE = re.compile(r"^https?://[^\s/]+\.[^\s/]+(/\S*)?$")
_FRONT_MATTER_RE = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)


class KnowledgeError(ValueError):
    """An article or the directory is invalid; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact comes from: shown to the worker as "Sumber/Source" under the answer."""

    url: str
    title: str
    date: str  # YYYY-MM-DD, YYYY-MM or YYYY (as precise as the source)
    confidence: str  # C, S or U
    facts: str | None = None
    # False: the source shows no date, and ``date`` is the day the fact was checked against it.
    dated: bool = True


@dataclass(frozen=True, slots=True)
class Article:
    """One curated answer in one language."""

    id: str
    intents: tuple[str, ...]
    language: str
    title: str
    body: str
    sources: tuple[Source, ...]
    reviewed: date
    confidence: str
    needs_review: bool
    review_interval_days: int = DEFAULT_REVIEW_INTERVAL_DAYS
    keywords: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    path: str = ""

    def due_for_review(self, today: date) -> bool:
        """Whether a person should check this article again (too old, or flagged)."""
        return self.needs_review or (today - self.reviewed).days > self.review_interval_days


def default_content_dir() -> Path:
    """The ``knowledge/content`` directory shipped as package data."""
    return Path(str(resources.files("knowledge") / "content"))


def _str_list(value: Any, field: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(f"{where}: '{field}' must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _date_str(value: Any, field: str, where: str) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | str) and _PARTIAL_DATE_RE.match(str(value)):
        return str(value)
    raise KnowledgeError(f"{where}: '{field}' must be YYYY-MM-DD, YYYY-MM or YYYY, got {value!r}")


def parse_sources(raw: Any, where: str) -> tuple[Source, ...]:
    """Validate a ``sources`` list (shared by articles and the directory)."""
    if not isinstance(raw, list) or not raw:
        raise KnowledgeError(f"{where}: 'sources' must be a non-empty list")
    out = []
    for i, item in enumerate(raw):
        at = f"{where}: sources[{i}]"
        if not isinstance(item, Mapping):
            raise KnowledgeError(f"{at} must be a mapping")
        url = str(item.get("url", ""))
        if not _URL_RE.match(url):
            raise KnowledgeError(f"{at}: 'url' must be an http(s) URL, got {url!r}")
        title = item.get("title")
        if not isinstance(title, str) or not title.strip():
            raise KnowledgeError(f"{at}: 'title' is required")
        conf = item.get("confidence")
        if conf not in SOURCE_CONFIDENCES:
            raise KnowledgeError(f"{at}: 'confidence' must be one of {SOURCE_CONFIDENCES}")
        facts = item.get("facts")
        dated = item.get("dated", True)
        if not isinstance(dated, bool):
            raise KnowledgeError(f"{at}: 'dated' must be true or false")
        when = _date_str(item.get("date"), "date", at)
        if not dated and not _FULL_DATE_RE.match(when):
            raise KnowledgeError(
                f"{at}: an undated source ('dated: false') needs the day it was checked, "
                f"YYYY-MM-DD, as its 'date', got {when!r}"
            )
        out.append(
            Source(
                url=url,
                title=title.strip(),
                date=when,
                confidence=str(conf),
                facts=str(facts) if facts is not None else None,
                dated=dated,
            )
        )
    return tuple(out)


def parse_article(text: str, path: str = "<string>") -> Article:
    """Parse and validate one article file's text.

    Raises:
        KnowledgeError: the front matter is missing or a field is invalid.
    """
    match = _FRONT_MATTER_RE.match(text)
    if not match:
        raise KnowledgeError(f"{path}: missing YAML front matter between '---' lines")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: invalid YAML front matter: {exc}") from exc
    if not isinstance(meta, Mapping):
        raise KnowledgeError(f"{path}: front matter must be a mapping")
    body = match.group(2).strip()
    if not body:
        raise KnowledgeError(f"{path}: the article has no body")

    art_id = meta.get("id")
    if not isinstance(art_id, str) or not _ID_RE.match(art_id):
        raise KnowledgeError(f"{path}: 'id' must match {_ID_RE.pattern}")
    intents = _str_list(meta.get("intents"), "intents", path)
    if not intents:
        raise KnowledgeError(f"{path}: 'intents' must list at least one FAQ intent")
    unknown = [i for i in intents if i not in FAQ_INTENTS]
    if unknown:
        raise KnowledgeError(f"{path}: unknown intents {unknown} (see docs/taxonomy.md)")
    language = meta.get("language")
    if language not in ARTICLE_LANGUAGES:
        raise KnowledgeError(f"{path}: 'language' must be one of {ARTICLE_LANGUAGES}")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise KnowledgeError(f"{path}: 'title' is required")
    reviewed = meta.get("reviewed")
    if not isinstance(reviewed, date):
        raise KnowledgeError(f"{path}: 'reviewed' must be a date (YYYY-MM-DD)")
    confidence = meta.get("confidence")
    if confidence not in CONFIDENCES:
        raise KnowledgeError(f"{path}: 'confidence' must be one of {CONFIDENCES}")
    needs_review = meta.get("needs_review")
    if not isinstance(needs_review, bool):
        raise KnowledgeError(f"{path}: 'needs_review' must be true or false")
    interval = meta.get("review_interval_days", DEFAULT_REVIEW_INTERVAL_DAYS)
    if not isinstance(interval, int) or isinstance(interval, bool) or interval <= 0:
        raise KnowledgeError(f"{path}: 'review_interval_days' must be a positive integer")
    sources = parse_sources(meta.get("sources"), path)

    # A single-source or uncertain fact may never be presented as settled: the article must be
    # flagged for review and carry the weaker confidence (docs/facts.md confidence marks).
    weakest = {s.confidence for s in sources}
    if weakest & {"S", "U"} and not needs_review:
        raise KnowledgeError(f"{path}: uses S/U sources, so 'needs_review' must be true")
    if "U" in weakest and confidence != "uncertain":
        raise KnowledgeError(f"{path}: uses a U source, so 'confidence' must be 'uncertain'")
    if "S" in weakest and confidence == "confirmed":
        raise KnowledgeError(f"{path}: uses an S source, so 'confidence' cannot be 'confirmed'")

    return Article(
        id=art_id,
        intents=intents,
        language=str(language),
        title=title.strip(),
        body=body,
        sources=sources,
        reviewed=reviewed,
        confidence=str(confidence),
        needs_review=needs_review,
        review_interval_days=interval,
        keywords=tuple(k.lower() for k in _str_list(meta.get("keywords"), "keywords", path)),
        countries=tuple(c.upper() for c in _str_list(meta.get("countries"), "countries", path)),
        path=path,
    )


def load_articles(directory: Path | None = None) -> list[Article]:
    """Load every ``*.md`` article under ``directory`` (default: the packaged content).

    Raises:
        KnowledgeError: an article is invalid, or two articles share an id.
    """
    root = directory or default_content_dir()
    articles: list[Article] = []
    seen: dict[str, str] = {}
    for path in sorted(root.rglob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        article = parse_article(path.read_text(encoding="utf-8"), str(path))
        if article.id in seen:
            raise KnowledgeError(
                f"{path}: duplicate id {article.id!r} (also in {seen[article.id]})"
            )
        seen[article.id] = str(path)
        articles.append(article)
    return articles


def coverage_gaps(articles: Sequence[Article]) -> list[tuple[str, str]]:
    """The (intent, language) pairs of the taxonomy's FAQ intents that no article answers."""
    have = {(i, a.language) for a in articles for i in a.intents}
    return [(i, lang) for i in FAQ_INTENTS for lang in ARTICLE_LANGUAGES if (i, lang) not in have]
