"""Pick the best curated article for a question.

The knowledge base is small (tens of articles), so an in-memory keyword scorer is enough and
fully explainable: the NLU's intent counts most, then the country the question names (a question
about Taiwan must not get the Hong Kong answer), then word overlap with keywords, title and body.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from knowledge.directory import Directory, load_directory
from knowledge.loader import Article, Source, default_content_dir, load_articles

_WORD_RE = re.compile(r"[0-9a-z]+")
# Words that say nothing about the topic, in both languages; kept short on purpose.
_STOP = frozenset(
    [
        "yang",
        "dan",
        "di",
        "ke",
        "dari",
        "ini",
        "itu",
        "saya",
        "aku",
        "gue",
        "gw",
        "mau",
        "ingin",
        "apa",
        "apakah",
        "bagaimana",
        "gimana",
        "gmn",
        "bisa",
        "ada",
        "ya",
        "kah",
        "nya",
        "dengan",
        "untuk",
        "buat",
        "utk",
        "kalau",
        "kalo",
        "kak",
        "min",
        "admin",
        "tolong",
        "mohon",
        "bu",
        "pak",
        "the",
        "a",
        "an",
        "is",
        "are",
        "to",
        "of",
        "in",
        "on",
        "for",
        "and",
        "or",
        "my",
        "i",
        "me",
        "do",
        "does",
        "how",
        "what",
        "can",
        "you",
        "please",
        "with",
        "it",
        "be",
        "at",
        "from",
        "about",
        "there",
        "any",
    ]
)
INTENT_BONUS = 6.0
COUNTRY_BONUS = 4.0
COUNTRY_PENALTY = 3.0
MIN_SCORE_WITHOUT_INTENT = 2.0


@dataclass(frozen=True, slots=True)
class Passage:
    """One retrieved article, ready to show."""

    article_id: str
    title: str
    text: str
    language: str
    score: float
    intents: tuple[str, ...]
    sources: tuple[Source, ...]
    confidence: str
    needs_review: bool


class Retriever(Protocol):
    """What the flows need from the knowledge base. Pure, in memory: no I/O per call."""

    directory: Directory

    def search(
        self, query: str, *, lang: str, intent: str | None = None, k: int = 3
    ) -> Sequence[Passage]:
        """The best ``k`` passages for ``query`` in ``lang``, best first; empty if none fits."""
        ...

    def get(self, article_id: str, *, lang: str) -> Passage | None:
        """One article by id, in ``lang`` when a translation with the same stem exists."""
        ...


def tokens(text: str) -> list[str]:
    """Lowercase word tokens without stop words (shared by indexing and queries)."""
    return [t for t in _WORD_RE.findall(text.lower()) if t not in _STOP and len(t) > 1]


def _stem(article_id: str) -> str:
    """``placement-cost-id`` -> ``placement-cost``: translations share a stem."""
    return re.sub(r"-(id|en)$", "", article_id)


class InMemoryRetriever:
    """Keyword retrieval over articles loaded at start-up, plus the missions directory."""

    def __init__(self, articles: Sequence[Article], directory: Directory) -> None:
        """Index ``articles``; ``directory`` also resolves country names in questions."""
        self.articles = tuple(articles)
        self.directory = directory
        self._by_id = {a.id: a for a in self.articles}
        self._docs: dict[str, tuple[Counter[str], frozenset[str], frozenset[str]]] = {}
        df: Counter[str] = Counter()
        for a in self.articles:
            body = Counter(tokens(a.body))
            title = frozenset(tokens(a.title))
            keys = frozenset(t for k in a.keywords for t in tokens(k))
            self._docs[a.id] = (body, title, keys)
            df.update(set(body) | title | keys)
        n = max(len(self.articles), 1)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}

    @classmethod
    def from_directory(cls, directory: Path | None = None) -> InMemoryRetriever:
        """Load articles and ``directory.yml`` from ``directory`` (default: packaged content)."""
        root = directory or default_content_dir()
        return cls(load_articles(root), load_directory(root / "directory.yml"))

    def _passage(self, a: Article, score: float) -> Passage:
        return Passage(
            article_id=a.id,
            title=a.title,
            text=a.body,
            language=a.language,
            score=score,
            intents=a.intents,
            sources=a.sources,
            confidence=a.confidence,
            needs_review=a.needs_review,
        )

    def _score(
        self, a: Article, words: list[str], intent: str | None, country: str | None
    ) -> float:
        body, title, keys = self._docs[a.id]
        score = 0.0
        for w in set(words):
            idf = self._idf.get(w, 0.0)
            if w in keys:
                score += 3 * idf
            if w in title:
                score += 2 * idf
            if w in body:
                score += idf * min(body[w], 3) / 3
        if intent and intent in a.intents:
            score += INTENT_BONUS
        if a.countries:
            if country in a.countries:
                score += COUNTRY_BONUS
            else:
                score -= COUNTRY_PENALTY
        return score

    def search(
        self, query: str, *, lang: str, intent: str | None = None, k: int = 3
    ) -> Sequence[Passage]:
        """Rank the articles in ``lang`` (Indonesian when ``lang`` has none) for ``query``.

        With an ``intent``, an article for that intent always fits; without one, only articles
        sharing enough words with the query are returned, so "nothing fits" stays possible.
        """
        want = lang if lang in {a.language for a in self.articles} else "id"
        country = self.directory.find_in_text(query)
        code = country.code if country else None
        words = tokens(query)
        scored = []
        for a in self.articles:
            if a.language != want:
                continue
            s = self._score(a, words, intent, code)
            fits = (intent is not None and intent in a.intents) or s >= MIN_SCORE_WITHOUT_INTENT
            if fits and s > 0:
                scored.append((s, a))
        scored.sort(key=lambda p: (-p[0], p[1].id))
        return [self._passage(a, s) for s, a in scored[:k]]

    def get(self, article_id: str, *, lang: str) -> Passage | None:
        """The article ``article_id``, switched to its ``lang`` translation when one exists."""
        translated = self._by_id.get(f"{_stem(article_id)}-{lang}")
        a = translated or self._by_id.get(article_id)
        return self._passage(a, 0.0) if a else None
