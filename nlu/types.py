"""The NLU contract shared by every back-end, the flows and the storage layer.

The shape follows Rasa's ``POST /model/parse`` answer (``text``, ``intent``, ``intent_ranking``,
``entities``) so a Rasa server can be swapped in, plus Siaga's own fields: ``kind``, ``urgency``,
``urgency_reasons`` and ``language``. Label names are the contract of ``docs/taxonomy.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

COMPLAINT_INTENTS: tuple[str, ...] = (
    "complaint.unpaid_wages",
    "complaint.abuse",
    "complaint.sexual_abuse",
    "complaint.document_withheld",
    "complaint.working_conditions",
    "complaint.wants_repatriation",
    "complaint.illness_injury",
    "complaint.death",
    "complaint.lost_contact",
    "complaint.trafficking",
    "complaint.overcharging",
    "complaint.failed_departure",
    "complaint.legal_trouble",
    "complaint.social_security",
    "complaint.termination",
    "complaint.other",
)
FAQ_INTENTS: tuple[str, ...] = (
    "faq.requirements",
    "faq.procedure",
    "faq.placement_cost",
    "faq.check_agency",
    "faq.job_openings",
    "faq.training_language",
    "faq.documents",
    "faq.social_security",
    "faq.financing_remittance",
    "faq.trafficking_signs",
    "faq.complaint_process",
    "faq.contact",
    "faq.return_reintegration",
)
OTHER_INTENTS: tuple[str, ...] = (
    "smalltalk.greeting",
    "smalltalk.thanks",
    "smalltalk.goodbye",
    "handoff.human",
    "other.out_of_scope",
)
INTENTS: tuple[str, ...] = COMPLAINT_INTENTS + FAQ_INTENTS + OTHER_INTENTS
KINDS: tuple[str, ...] = ("complaint", "faq", "smalltalk", "handoff", "other")
LANGUAGES: tuple[str, ...] = ("id", "en", "jv", "su", "ms", "zh", "ar", "und")
FALLBACK_INTENT = "other.out_of_scope"


def kind_of(intent: str) -> str:
    """Return the kind of an intent: its prefix (``complaint.abuse`` -> ``complaint``)."""
    prefix = intent.split(".", 1)[0]
    return prefix if prefix in KINDS else "other"


class Urgency(StrEnum):
    """How soon a human must see a message (docs/taxonomy.md, "Urgency")."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Order for comparisons and queue sorting: low=0 … critical=3."""
        return _URGENCY_RANK[self]

    def at_least(self, other: Urgency) -> Urgency:
        """The higher of the two: urgency may only ever be raised by a safety rule."""
        return self if self.rank >= other.rank else other


_URGENCY_RANK = {Urgency.LOW: 0, Urgency.NORMAL: 1, Urgency.HIGH: 2, Urgency.CRITICAL: 3}


@dataclass(frozen=True, slots=True)
class IntentScore:
    """One intent with its confidence in [0, 1]."""

    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Entity:
    """An extracted entity in Rasa's shape (character offsets into the original text)."""

    entity: str  # country, money, phone, passport, organization, date
    value: str
    start: int
    end: int
    extractor: str = "siaga"
    extra: Mapping[str, Any] = field(default_factory=dict)  # e.g. {"currency": "HKD"}

    def to_dict(self) -> dict[str, Any]:
        """Rasa's entity dictionary, with our extra attributes merged in."""
        out: dict[str, Any] = {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "extractor": self.extractor,
        }
        out.update(self.extra)
        return out


@dataclass(frozen=True, slots=True)
class ParseResult:
    """Everything the NLU knows about one message.

    ``urgency_reasons`` are short machine-readable strings (``"lexicon:id:dipukul"``,
    ``"classifier:0.91"``, ``"prior:complaint.death"``) shown to operators so a decision can be
    checked and corrected.
    """

    text: str
    intent: IntentScore
    intent_ranking: tuple[IntentScore, ...]
    entities: tuple[Entity, ...]
    urgency: Urgency
    urgency_reasons: tuple[str, ...]
    language: str
    # The situation of docs/emergencies.md that decided the urgency ("self_harm"), when the
    # lexicon found one: the critical answer fits it (a crisis line for self-harm).
    situation: str | None = None

    @property
    def kind(self) -> str:
        """The intent's kind: complaint, faq, smalltalk, handoff or other."""
        return kind_of(self.intent.name)

    def to_dict(self) -> dict[str, Any]:
        """Rasa's ``/model/parse`` JSON plus kind, urgency, reasons, language and situation."""
        return {
            "text": self.text,
            "intent": {"name": self.intent.name, "confidence": self.intent.confidence},
            "intent_ranking": [
                {"name": s.name, "confidence": s.confidence} for s in self.intent_ranking
            ],
            "entities": [e.to_dict() for e in self.entities],
            "kind": self.kind,
            "urgency": str(self.urgency),
            "urgency_reasons": list(self.urgency_reasons),
            "language": self.language,
            "situation": self.situation,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ParseResult:
        """Rebuild a result stored with :meth:`to_dict` (e.g. from the messages table)."""
        intent = data.get("intent") or {}
        ranking = tuple(
            IntentScore(str(r["name"]), float(r["confidence"]))
            for r in data.get("intent_ranking") or ()
        )
        entities = tuple(
            Entity(
                entity=str(e["entity"]),
                value=str(e["value"]),
                start=int(e.get("start", 0)),
                end=int(e.get("end", 0)),
                extractor=str(e.get("extractor", "siaga")),
                extra={
                    k: v
                    for k, v in e.items()
                    if k not in {"entity", "value", "start", "end", "extractor"}
                },
            )
            for e in data.get("entities") or ()
        )
        return cls(
            text=str(data.get("text", "")),
            intent=IntentScore(
                str(intent.get("name", FALLBACK_INTENT)), float(intent.get("confidence", 0.0))
            ),
            intent_ranking=ranking,
            entities=entities,
            urgency=Urgency(str(data.get("urgency", "low"))),
            urgency_reasons=tuple(str(r) for r in data.get("urgency_reasons") or ()),
            language=str(data.get("language", "und")),
            situation=str(data["situation"]) if data.get("situation") else None,
        )


class NluBackend(Protocol):
    """What the message pipeline needs from an NLU back-end (embedded or Rasa over HTTP)."""

    async def parse(
        self, text: str, *, lang_hint: str | None = None, asked: str | None = None
    ) -> ParseResult:
        """Label one message; ``asked`` is the question the bot had just asked, if any.

        Never raises for any input text (empty, emoji only, megabytes): the worst case is
        ``other.out_of_scope`` with whatever urgency the safety rules find. The Rasa back-end
        may do network I/O; when the server fails it falls back to the embedded safety net.
        """
        ...
