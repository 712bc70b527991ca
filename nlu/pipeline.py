"""The embedded NLU back-end: normalise → language → intent → entities → urgency.

Everything runs in-process on numpy; the only file read is the model artefact at load time, so
the back-end works offline and answers in well under a millisecond. ``parse`` never raises:
whatever goes wrong, the answer is at worst ``other.out_of_scope`` with the urgency the lexicon
rules find, because a crash must never hide an emergency.
"""

from __future__ import annotations

import logging
from pathlib import Path

from nlu.classifier import MODEL_PATH, LinearModel
from nlu.entities import extract_entities
from nlu.features import classifier_tokens
from nlu.langid import detect_language
from nlu.normalize import normalize_tokens
from nlu.types import FALLBACK_INTENT, LANGUAGES, IntentScore, ParseResult, Urgency
from nlu.urgency import decide_urgency

log = logging.getLogger("nlu.pipeline")

# How much of a message each step reads. Classifier and language: the head of the message.
# Urgency rules and entities: more, so an emergency at the end of a long message is still seen.
MAX_CLASSIFY_CHARS = 2_000
MAX_SCAN_CHARS = 20_000
RANKING_SIZE = 10
# Below this confidence the top intent is not trusted and the message is out of scope
# (Rasa's FallbackClassifier plays the same role on the Rasa side).
FALLBACK_THRESHOLD = 0.12


class EmbeddedNlu:
    """The default NLU back-end (implements ``nlu.types.NluBackend``)."""

    def __init__(self, model: LinearModel) -> None:
        """Wrap a loaded model; use :meth:`load` to read the shipped artefact."""
        self.model = model

    @classmethod
    def load(cls, path: str | None = None) -> EmbeddedNlu:
        """Load the artefact written by ``siaga nlu train``.

        Args:
            path: The ``.npz`` artefact; None means the one shipped in ``nlu/model/``.

        Raises:
            OSError: The artefact cannot be read.
            ValueError: It was written by an incompatible version of the code.
        """
        return cls(LinearModel.load(Path(path) if path else MODEL_PATH))

    async def parse(self, text: str, *, lang_hint: str | None = None) -> ParseResult:
        """Label one message (see ``NluBackend.parse``); CPU-only and fast, so no executor."""
        return self.parse_sync(text, lang_hint=lang_hint)

    def parse_sync(self, text: str, *, lang_hint: str | None = None) -> ParseResult:
        """Label one message; never raises."""
        raw: object = text  # callers are typed, payloads are not
        if not isinstance(raw, str):
            text = "" if raw is None else str(raw)
        hint = lang_hint if lang_hint in LANGUAGES else None
        try:
            return self._parse(text, hint)
        except Exception:
            log.exception("embedded NLU failed; answering with the lexicon only")
            return _safe_fallback(text)

    def _parse(self, text: str, hint: str | None) -> ParseResult:
        head = text[:MAX_CLASSIFY_CHARS]
        tokens = normalize_tokens(head)
        language = detect_language(head, hint=hint)
        if not tokens:
            return _empty(text, language)
        p_int, p_urg = self.model.predict_tokens(classifier_tokens(head, tokens))
        order = p_int.argsort()[::-1][:RANKING_SIZE]
        ranking = tuple(IntentScore(self.model.intents[i], float(p_int[i])) for i in order)
        top = ranking[0]
        if top.confidence < FALLBACK_THRESHOLD:
            top = IntentScore(FALLBACK_INTENT, top.confidence)
        scan = text[:MAX_SCAN_CHARS]
        scan_norm = " ".join(tokens) if scan is head else " ".join(normalize_tokens(scan))
        decision = decide_urgency(
            scan_norm,
            top.name,
            top.confidence,
            {u: float(p) for u, p in zip(self.model.urgencies, p_urg, strict=True)},
        )
        return ParseResult(
            text=text,
            intent=top,
            intent_ranking=ranking,
            entities=extract_entities(scan),
            urgency=decision.urgency,
            urgency_reasons=decision.reasons,
            language=language,
        )


def _empty(text: str, language: str) -> ParseResult:
    """Nothing to classify (empty, punctuation or emoji only)."""
    top = IntentScore(FALLBACK_INTENT, 1.0)
    return ParseResult(text, top, (top,), (), Urgency.LOW, (), language)


def _safe_fallback(text: str) -> ParseResult:
    """Answer when the pipeline itself failed: lexicon rules only, each step guarded."""
    urgency = Urgency.LOW
    reasons: tuple[str, ...] = ("error:embedded",)
    try:
        scan = text[:MAX_SCAN_CHARS]
        decision = decide_urgency(" ".join(normalize_tokens(scan)), FALLBACK_INTENT, 0.0, None)
        urgency, reasons = decision.urgency, (*reasons, *decision.reasons)
    except Exception:
        log.exception("urgency rules failed too")
    top = IntentScore(FALLBACK_INTENT, 0.0)
    return ParseResult(text, top, (top,), (), urgency, reasons, "und")
