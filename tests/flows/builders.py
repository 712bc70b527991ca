"""Hand-built NLU results, turns and deps for flow tests (no NLU, no database)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from flows.router import run_turn
from flows.types import (
    CaseSummary,
    ConversationState,
    Effect,
    FlowDeps,
    Location,
    MediaRef,
    Reply,
    TurnResult,
    UserTurn,
)
from knowledge.retriever import InMemoryRetriever
from nlu.types import Entity, IntentScore, ParseResult, Urgency

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@cache
def retriever() -> InMemoryRetriever:
    """The packaged knowledge base, loaded once per test session."""
    return InMemoryRetriever.from_directory()


def parse(
    text: str,
    intent: str = "other.out_of_scope",
    *,
    lang: str = "id",
    urgency: Urgency = Urgency.LOW,
    confidence: float = 0.9,
    country: str | None = None,
    reasons: tuple[str, ...] = (),
) -> ParseResult:
    """A ParseResult as the NLU would return it."""
    entities: tuple[Entity, ...] = ()
    if country:
        pos = text.lower().find(country.lower())
        entities = (Entity("country", country, max(pos, 0), max(pos, 0) + len(country)),)
    return ParseResult(
        text=text,
        intent=IntentScore(intent, confidence),
        intent_ranking=(IntentScore(intent, confidence),),
        entities=entities,
        urgency=urgency,
        urgency_reasons=reasons,
        language=lang,
    )


@dataclass
class Clock:
    """A clock the test moves forward."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Counter:
    """Deterministic references and PINs."""

    n: int = 0
    prefix: str = "SGA-"

    def ref(self) -> str:
        self.n += 1
        return f"{self.prefix}{self.n:04d}"

    def pin(self) -> str:
        return f"{4000 + self.n}"


@dataclass
class Convo:
    """Drives run_turn turn by turn, keeping the state like the dispatcher does."""

    state: ConversationState = field(default_factory=ConversationState)
    clock: Clock = field(default_factory=Clock)
    counter: Counter = field(default_factory=Counter)
    has_consent: bool = False
    cases: tuple[CaseSummary, ...] = ()
    features: frozenset[str] = frozenset()  # what the channel can do (flows.types.MEDIA…)
    channel: str = "test"
    effects: list[Effect] = field(default_factory=list)
    last: TurnResult | None = None
    advisory_opt_in: bool | None = None  # kept like the gateway keeps the contact's answer

    @property
    def deps(self) -> FlowDeps:
        return FlowDeps(
            retriever=retriever(),
            now=self.clock,
            new_reference=self.counter.ref,
            new_pin=self.counter.pin,
        )

    def send(
        self,
        text: str = "",
        intent: str = "other.out_of_scope",
        *,
        payload: str | None = None,
        lang: str = "id",
        urgency: Urgency = Urgency.LOW,
        confidence: float = 0.9,
        country: str | None = None,
        media: tuple[MediaRef, ...] = (),
        location: Location | None = None,
    ) -> tuple[Reply, ...]:
        """One user message; returns the replies and applies the new state."""
        turn = UserTurn(
            text=text,
            parse=parse(
                text, intent, lang=lang, urgency=urgency, confidence=confidence, country=country
            ),
            channel=self.channel,
            received_at=self.clock(),
            payload=payload,
            media=media,
            location=location,
            has_consent=self.has_consent,
            cases=self.cases,
            features=self.features,
            advisory_opt_in=self.advisory_opt_in,
        )
        result = run_turn(turn, self.state, self.deps)
        self.last = result
        self.state = result.new_state
        self.effects.extend(result.effects)
        if any(
            type(e).__name__ == "RecordConsent" and getattr(e, "granted", False)
            for e in result.effects
        ):
            self.has_consent = True
        for effect in result.effects:
            if type(effect).__name__ == "RecordAdvisoryConsent":
                self.advisory_opt_in = bool(getattr(effect, "granted", False))
        return result.replies

    def press(self, payload: str, text: str = "") -> tuple[Reply, ...]:
        """Press a button (the text the channel sends along is usually the title)."""
        return self.send(text or payload, payload=payload)

    def restart(self) -> None:
        """Simulate a process restart: the state goes through JSON, as in the database."""
        raw = json.dumps(
            {
                "name": self.state.name,
                "data": dict(self.state.data),
                "language": self.state.language,
            }
        )
        back: dict[str, Any] = json.loads(raw)
        self.state = ConversationState(
            name=back["name"], data=back["data"], language=back["language"]
        )

    def of_type(self, kind: type[Any]) -> list[Any]:
        """All effects so far of one type."""
        return [e for e in self.effects if isinstance(e, kind)]


def texts(replies: tuple[Reply, ...]) -> str:
    """All reply texts joined, for substring assertions."""
    return "\n".join(r.text for r in replies)


def payloads(replies: tuple[Reply, ...]) -> list[str]:
    """The payloads of all buttons offered."""
    return [b.payload for r in replies for b in r.buttons]
