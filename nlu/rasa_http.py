"""The Rasa back-end: an external ``rasa run --enable-api`` server behind ``POST /model/parse``.

Rasa is never a dependency of Siaga: this module only speaks HTTP to it. The answer is mapped
into the same ``ParseResult`` as the embedded back-end, and the embedded back-end always runs
too: it supplies the language, the entities and the urgency safety net (lexicon rules, urgency
classifier, intent priors), and it is the whole answer when Rasa fails or times out.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp

from nlu.pipeline import FALLBACK_THRESHOLD, MAX_CLASSIFY_CHARS, MAX_SCAN_CHARS, EmbeddedNlu
from nlu.types import FALLBACK_INTENT, INTENTS, Entity, IntentScore, ParseResult
from nlu.urgency import ANSWER_QUESTIONS, decide_urgency, scan_text

log = logging.getLogger("nlu.rasa_http")

RASA_FALLBACK_INTENT = "nlu_fallback"
DEFAULT_TIMEOUT_S = 2.0
_KNOWN = frozenset(INTENTS)


class RasaHttpNlu:
    """NLU back-end calling a Rasa server (implements ``nlu.types.NluBackend``)."""

    def __init__(
        self,
        base_url: str,
        session: aiohttp.ClientSession,
        fallback: EmbeddedNlu,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        """Create the adapter.

        Args:
            base_url: Root URL of the Rasa server, e.g. ``http://localhost:5005``.
            session: Shared aiohttp session (owned by the caller's lifecycle).
            fallback: Embedded back-end used for the safety net and when Rasa is down.
            timeout_s: Total time allowed for one ``/model/parse`` call.
        """
        self._url = base_url.rstrip("/") + "/model/parse"
        self._session = session
        self._fallback = fallback
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def parse(
        self, text: str, *, lang_hint: str | None = None, asked: str | None = None
    ) -> ParseResult:
        """Label one message with Rasa; never raises (see ``NluBackend.parse``).

        Does network I/O. On any failure (connection, timeout, HTTP error, malformed JSON) the
        embedded result is returned with the reason ``backend:rasa-unavailable``. An answer to a
        form question (``asked``) is judged by the embedded triage alone: Rasa has no context.
        """
        local = self._fallback.parse_sync(text, lang_hint=lang_hint, asked=asked)
        if asked in ANSWER_QUESTIONS:
            return _with_reason(local, "backend:embedded-answer")
        if not local.text.strip():
            return local
        try:
            async with self._session.post(
                self._url, json={"text": text[:MAX_CLASSIFY_CHARS]}, timeout=self._timeout
            ) as resp:
                resp.raise_for_status()
                data = await resp.json(content_type=None)
            return merge_rasa(data, local)
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as exc:
            log.warning(
                "Rasa /model/parse failed (%s); using the embedded NLU", exc, exc_info=True
            )
            return _with_reason(local, "backend:rasa-unavailable")


def _with_reason(result: ParseResult, reason: str) -> ParseResult:
    return dataclasses.replace(result, urgency_reasons=(*result.urgency_reasons, reason))


def map_ranking(data: Mapping[str, Any]) -> tuple[IntentScore, tuple[IntentScore, ...], bool]:
    """Rasa's intent and ranking in our labels, and whether Rasa's fallback fired.

    Rasa's ``FallbackClassifier`` puts ``nlu_fallback`` first (with its threshold as confidence)
    when the best intent is unsure *or* too close to the second one, so the first entry is not
    an intent. We skip it and apply the same rule as the embedded back-end: the best taxonomy
    intent, or ``other.out_of_scope`` when even that is below ``FALLBACK_THRESHOLD``. Names
    outside the taxonomy (an older Rasa model) are dropped.

    Raises:
        KeyError: The answer has no intent at all.
    """
    raw = data.get("intent_ranking") or [data["intent"]]
    fallback = (data.get("intent") or {}).get("name") == RASA_FALLBACK_INTENT
    ranking = tuple(
        sorted(
            (
                IntentScore(str(r["name"]), float(r.get("confidence") or 0.0))
                for r in raw
                if r.get("name") in _KNOWN
            ),
            key=lambda s: -s.confidence,
        )
    )
    if not ranking or ranking[0].confidence < FALLBACK_THRESHOLD:
        conf = ranking[0].confidence if ranking else 0.0
        top = IntentScore(FALLBACK_INTENT, conf)
        return top, ranking or (top,), fallback
    return ranking[0], ranking, fallback


def _rasa_entities(data: Mapping[str, Any]) -> list[Entity]:
    out: list[Entity] = []
    for e in data.get("entities") or ():
        try:
            out.append(
                Entity(
                    entity=str(e["entity"]),
                    value=str(e["value"]),
                    start=int(e["start"]),
                    end=int(e["end"]),
                    extractor=str(e.get("extractor", "rasa")),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    return out


def merge_rasa(data: Mapping[str, Any], local: ParseResult) -> ParseResult:
    """Combine Rasa's answer with the embedded result for the same text.

    Intent and ranking come from Rasa. Entities are ours plus Rasa's where they do not overlap.
    Urgency is the embedded decision raised further by the Rasa intent's prior: it can only go
    up, so Rasa can never hide an emergency the safety net found.
    """
    top, ranking, rasa_fallback = map_ranking(data)
    entities = list(local.entities)
    for ent in _rasa_entities(data):
        if all(ent.end <= o.start or ent.start >= o.end for o in entities):
            entities.append(ent)
    entities.sort(key=lambda e: e.start)
    decision = decide_urgency(
        scan_text(local.text[:MAX_SCAN_CHARS]),
        top.name,
        top.confidence,
        None,
        base=local.urgency,
    )
    reasons = (*local.urgency_reasons, *(r for r in decision.reasons if not r.startswith("base:")))
    return ParseResult(
        text=local.text,
        intent=top,
        intent_ranking=ranking,
        entities=tuple(entities),
        urgency=decision.urgency,
        urgency_reasons=tuple(
            dict.fromkeys(
                (*reasons, "backend:rasa:nlu_fallback" if rasa_fallback else "backend:rasa")
            )
        ),
        language=local.language,
        situation=decision.situation or local.situation,
    )
