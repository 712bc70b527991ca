"""The embedded NLU back-end: normalise → language → intent → entities → urgency.

Everything runs in-process on numpy; the only file read is the model artefact at load time, so
the back-end works offline and answers in well under a millisecond. ``parse`` never raises:
whatever goes wrong, the answer is at worst ``other.out_of_scope`` with the urgency the lexicon
rules find, because a crash must never hide an emergency.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path

from nlu.classifier import MODEL_PATH, LinearModel
from nlu.entities import extract_entities
from nlu.features import classifier_tokens
from nlu.langid import detect_language
from nlu.lexicon import SITUATION_INTENT
from nlu.normalize import normalize_tokens
from nlu.types import FALLBACK_INTENT, LANGUAGES, IntentScore, ParseResult, Urgency, kind_of
from nlu.urgency import ANSWER_QUESTIONS, UrgencyDecision, calm_story, decide_urgency, scan_text

log = logging.getLogger("nlu.pipeline")

# How much of a message each step reads. Classifier and language: the head of the message.
# Urgency rules and entities: more, so an emergency at the end of a long message is still seen.
MAX_CLASSIFY_CHARS = 2_000
MAX_SCAN_CHARS = 20_000
RANKING_SIZE = 10
# Below this confidence the top intent is not trusted and the message is out of scope
# (Rasa's FallbackClassifier plays the same role on the Rasa side).
FALLBACK_THRESHOLD = 0.12
# How sure the classifier must be that a form answer restates a complaint.
ANSWER_COMPLAINT_CONFIDENCE = 0.8
# How sure the classifier must be that the question after a calm story is an FAQ.
TAIL_FAQ_CONFIDENCE = 0.4
# Where a question starts in a message that tells a story first.
_ASKS = re.compile(
    r"(?i)(?<![\w])(?:mau|mo|pengen|ingin|nak|cuma mau|sy mau|saya mau|aku mau) "
    r"(?:tanya|nanya|bertanya|tahu|tau)|(?:just |only )?(?:want|wanna|would like) to (?:ask|know)|"
    r"i was asking|pengin ngerti|(?:pengin|arep|mau|mung arep) (?:takon|nanya)|hoyong terang|"
    r"bade naros|naros|nak tanya|"
    r"(?<![\w])(?:gimana|bagaimana|bisa gak|bisa gk|boleh gak|apakah|how|can i|is it)(?![\w])"
)


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

    def _question_after_story(self, head: str, scanned: str, top: str) -> IntentScore | None:
        """The FAQ a calm story ends by asking, if it is one ("dulu dipukul, sekarang aman.
        mau tanya cara daftar kerja lagi").

        The story's words pull the classifier towards a complaint (or, for an idiom, towards
        "other"); the question is what the person wants now. A complaint is re-read only when
        the story says it is over (``nlu.urgency.calm_story``): a problem going on now followed
        by "lapor ke mana?" stays a complaint.
        """
        tail = _question_tail(head)
        if tail is None:
            return None
        if kind_of(top) == "complaint" and not calm_story(scanned):
            return None
        p_int, _ = self.model.predict_tokens(classifier_tokens(tail, normalize_tokens(tail)))
        best = int(p_int.argmax())
        name = self.model.intents[best]
        if kind_of(name) != "faq" or p_int[best] < TAIL_FAQ_CONFIDENCE:
            return None
        return IntentScore(name, float(p_int[best]))

    async def parse(
        self, text: str, *, lang_hint: str | None = None, asked: str | None = None
    ) -> ParseResult:
        """Label one message (see ``NluBackend.parse``); CPU-only and fast, so no executor."""
        return self.parse_sync(text, lang_hint=lang_hint, asked=asked)

    def parse_sync(
        self, text: str, *, lang_hint: str | None = None, asked: str | None = None
    ) -> ParseResult:
        """Label one message; never raises."""
        raw: object = text  # callers are typed, payloads are not
        if not isinstance(raw, str):
            text = "" if raw is None else str(raw)
        hint = lang_hint if lang_hint in LANGUAGES else None
        try:
            return self._parse(text, hint, asked)
        except Exception:
            log.exception("embedded NLU failed; answering with the lexicon only")
            return _safe_fallback(text)

    def _parse(self, text: str, hint: str | None, asked: str | None) -> ParseResult:
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
        scanned = scan_text(scan)
        probs = {u: float(p) for u, p in zip(self.model.urgencies, p_urg, strict=True)}
        decision = decide_urgency(scanned, top.name, top.confidence, probs, asked=asked)
        if asked is None and decision.situation is None and kind_of(top.name) != "faq":
            asked_faq = self._question_after_story(head, scanned, top.name)
            if asked_faq is not None:
                top = asked_faq
                decision = decide_urgency(scanned, top.name, top.confidence, probs)
        intent = labelled_intent(top, decision, asked)
        if kind_of(intent.name) == "complaint" and decision.urgency == Urgency.LOW:
            # A complaint is at least normal (docs/taxonomy.md), also when it is an answer.
            decision = dataclasses.replace(
                decision,
                urgency=Urgency.NORMAL,
                reasons=(*decision.reasons, f"prior:{intent.name}"),
            )
        return ParseResult(
            text=text,
            intent=intent,
            intent_ranking=ranking,
            entities=extract_entities(scan),
            urgency=decision.urgency,
            urgency_reasons=decision.reasons,
            language=language,
            situation=decision.situation,
        )


def _question_tail(text: str) -> str | None:
    """The part of a message from its question on, when a story comes first."""
    found = _ASKS.search(text)
    if found is None or found.start() == 0:
        return None
    return text[found.start() :]


def labelled_intent(top: IntentScore, decision: UrgencyDecision, asked: str | None) -> IntentScore:
    """The intent, told by what triage found.

    An answer to a form question that reports nothing is just an answer (``other``), unless it
    asks for a person (the hand-off works at any moment) or clearly restates a complaint ("iya,
    gajinya blm dibayar 3 bulan"; not a pasted job offer, which is what the checker reads). An
    emergency the lexicon found in words the classifier did not take for a complaint is the
    complaint of its situation (``docs/emergencies.md``), so it is filed as one.
    """
    if asked in ANSWER_QUESTIONS and decision.urgency == Urgency.LOW:
        if top.name == "handoff.human" or (
            kind_of(top.name) == "complaint"
            and top.confidence >= ANSWER_COMPLAINT_CONFIDENCE
            and asked != "job_offer"
        ):
            return top
        return IntentScore(FALLBACK_INTENT, 1.0)
    situation = decision.situation
    if (
        situation is not None
        and decision.urgency.rank >= Urgency.HIGH.rank
        and kind_of(top.name) != "complaint"
    ):
        return IntentScore(SITUATION_INTENT[situation], top.confidence)
    return top


def _empty(text: str, language: str) -> ParseResult:
    """Nothing to classify (empty, punctuation or emoji only)."""
    top = IntentScore(FALLBACK_INTENT, 1.0)
    return ParseResult(text, top, (top,), (), Urgency.LOW, (), language)


def _safe_fallback(text: str) -> ParseResult:
    """Answer when the pipeline itself failed: lexicon rules only, each step guarded."""
    urgency = Urgency.LOW
    reasons: tuple[str, ...] = ("error:embedded",)
    situation = None
    try:
        scan = text[:MAX_SCAN_CHARS]
        decision = decide_urgency(scan_text(scan), FALLBACK_INTENT, 0.0, None)
        urgency, reasons = decision.urgency, (*reasons, *decision.reasons)
        situation = decision.situation
    except Exception:
        log.exception("urgency rules failed too")
    top = IntentScore(FALLBACK_INTENT, 0.0)
    return ParseResult(text, top, (top,), (), urgency, reasons, "und", situation)
