"""The flows contract: what a turn brings in, and what the conversation logic hands back.

``run_turn(turn, state, deps) -> TurnResult`` is pure. The dispatcher (``bot.dispatcher``) loads
the state, calls it, and applies the result in one database transaction (``bot.effects``): it
saves ``new_state``, queues ``replies`` in the outbox, and carries out each ``Effect``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flows.casefile import case_columns
from nlu.types import ParseResult, Urgency

if TYPE_CHECKING:
    from knowledge.retriever import Retriever


@dataclass(frozen=True, slots=True)
class Button:
    """A quick-reply button: ``title`` is shown; ``payload`` comes back with the next turn."""

    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to the user. Channels without buttons render them as a numbered list."""

    text: str
    buttons: tuple[Button, ...] = ()
    # A secret in ``text`` (a case PIN) the worker must see but nobody else: the message log the
    # console shows keeps the text with it masked (``bot.effects.queue_replies``).
    secret: str | None = None

    def logged_text(self) -> str:
        """The text as the message log keeps it."""
        return self.text.replace(self.secret, "••••••") if self.secret else self.text


# What a channel can do beyond text and buttons (``UserTurn.features``), so prompts fit it: no
# "share your location" where there is no such thing.
MEDIA = "media"  # the person can send photos, voice notes, documents
LOCATION = "location"  # the person can share a location pin
PHONE = "phone"  # the channel itself knows the person's phone number (WhatsApp)


@dataclass(frozen=True, slots=True)
class MediaRef:
    """An attachment the user sent, stored by the gateway (``url`` is our own storage key)."""

    kind: str  # image, audio, voice, video, document, sticker
    url: str
    mime_type: str | None = None
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    """A shared location pin."""

    latitude: float
    longitude: float
    label: str | None = None


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """What a worker may be told about one of their own cases (``cek status``)."""

    reference: str
    intent: str
    urgency: Urgency
    status: str  # new, in_progress, waiting_for_worker, referred, resolved, closed
    created_at: datetime
    updated_at: datetime
    last_update: str | None = None  # the latest status note meant for the worker
    country: str | None = None  # the country the case is about (a code or a name)


@dataclass(frozen=True, slots=True)
class UserTurn:
    """One inbound message, as the flows see it (channel-neutral)."""

    text: str
    parse: ParseResult
    channel: str
    received_at: datetime
    payload: str | None = None  # the button the user pressed, if any
    media: tuple[MediaRef, ...] = ()
    location: Location | None = None
    display_name: str | None = None
    has_consent: bool = False  # consent to process personal data was recorded for this contact
    cases: tuple[CaseSummary, ...] = ()  # this contact's own cases, newest first
    features: frozenset[str] = frozenset()  # MEDIA, LOCATION, PHONE: what the channel can do
    # The person's own answer to safety advisories (docs/advisories.md): None = never asked.
    advisory_opt_in: bool | None = None


@dataclass(frozen=True, slots=True)
class ConversationState:
    """The persisted state of one conversation.

    ``name`` is a stable string (``flows.states``: ``"idle"``, ``"intake:employer"``,
    ``"handoff:active"``); renaming one needs a data migration. ``data`` must be JSON-serialisable.
    """

    name: str = "idle"
    data: Mapping[str, Any] = field(default_factory=dict)
    language: str | None = None  # the reply language the user chose or we detected


# --- Effects: what the gateway does after saving the turn (``bot.effects``) ----------------


@dataclass(frozen=True, slots=True)
class RecordConsent:
    """Record the user's answer to the consent question (UU 27/2022), with the text version."""

    granted: bool
    text_version: str


@dataclass(frozen=True, slots=True)
class OpenCase:
    """Open a case ticket; ``reference`` comes from ``FlowDeps.new_reference`` for the replies.

    The gateway (``bot.effects``) links the current inbound message to the case, puts it in the
    command-centre queue, and alerts the rapid-response team when ``urgency`` is critical.
    """

    reference: str
    intent: str
    urgency: Urgency
    urgency_reasons: tuple[str, ...] = ()
    reporter: str = "self"  # self, family, friend, other
    fields: Mapping[str, Any] = field(default_factory=dict)  # intake answers so far
    pin: str | None = None  # lets the reporter check the status from another phone

    @property
    def columns(self) -> dict[str, str]:
        """The case's queue columns these answers fill (``flows.casefile``)."""
        return case_columns(self.fields)


@dataclass(frozen=True, slots=True)
class UpdateCase:
    """Merge intake answers into a case, and optionally raise its urgency or correct its intent."""

    reference: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    intent: str | None = None
    urgency: Urgency | None = None  # only ever raised, never lowered (``bot.effects``)
    submitted: bool = False  # True when the worker finished or ended the intake

    @property
    def columns(self) -> dict[str, str]:
        """The case's queue columns these answers fill (``flows.casefile``)."""
        return case_columns(self.fields)


@dataclass(frozen=True, slots=True)
class RequestHandoff:
    """Queue the conversation for the command centre; the bot is quiet while a human owns it."""

    reason: str
    urgency: Urgency = Urgency.NORMAL
    reference: str | None = None  # the case to attach to; one is opened if None
    country: str | None = None  # where the worker is, if the flows know (fills a new case)


@dataclass(frozen=True, slots=True)
class LookupCase:
    """Ask the gateway to look up a case by reference and PIN (a case filed from another phone).

    The gateway (``bot.effects``) answers with ``flows.router.render_case_status``.
    """

    reference: str
    pin: str


@dataclass(frozen=True, slots=True)
class RequestErasure:
    """The person asked for their data to be erased (UU 27/2022, the right to erasure).

    The gateway records a request a supervisor reviews and carries out from the console
    (docs/privacy.md): it comes from the person's own channel identity, which is the check that
    it is theirs.
    """

    note: str = ""


@dataclass(frozen=True, slots=True)
class RecordAdvisoryConsent:
    """The person said yes or no to safety advisories (or STOP): a consent of its own, not
    bundled with the consent to process a report (docs/advisories.md). The gateway records it
    with the time and the channel it came on."""

    granted: bool


Effect = (
    RecordConsent
    | OpenCase
    | UpdateCase
    | RequestHandoff
    | LookupCase
    | RequestErasure
    | RecordAdvisoryConsent
)


@dataclass(frozen=True, slots=True)
class TurnResult:
    """What one turn produced."""

    replies: tuple[Reply, ...]
    new_state: ConversationState
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True, slots=True)
class FlowDeps:
    """What the flows may use besides the turn and the state: injected, so tests are exact."""

    retriever: Retriever  # the knowledge base and the help-line directory
    now: Callable[[], datetime]
    new_reference: Callable[[], str]  # a short, unique, human-friendly case reference
    new_pin: Callable[[], str]  # a short numeric PIN
    # Messages of people who gave no consent and have no case are erased after this many days
    # (docs/privacy.md); the consent-refusal text says so.
    unconsented_days: int = 30
