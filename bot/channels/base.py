"""The seam between providers and the pipeline.

An adapter verifies and parses a provider's request into channel-neutral events (pure and
synchronous, so fixture tests need no server) and sends ``OutboundMessage`` rows from the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol

from flows.types import Button, Location, MediaRef

# WhatsApp's customer-service window: free text only within 24 hours of the user's last message
# (docs/wire-protocols.md §4.6); both WhatsApp adapters declare it as their reply window.
WHATSAPP_WINDOW = timedelta(hours=24)


class InvalidSignature(Exception):  # the name is the provider-neutral term (no "Error" suffix)
    """The request is not from the provider (wrong or missing signature/secret): HTTP 403."""


class AnomalousPayload(Exception):
    """The request claims to be from the provider but cannot be parsed: HTTP 400."""


@dataclass(frozen=True, slots=True)
class RawRequest:
    """An HTTP request as received, before any parsing.

    ``url`` is rebuilt from ``SIAGA_PUBLIC_URL`` plus the raw path, so signatures that cover the
    URL (Twilio) verify behind a proxy.
    """

    method: str
    url: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MessageIn:
    """A message from a user.

    ``dedup_key`` is the provider's id for this delivery (Telegram update_id, Twilio MessageSid,
    Meta wamid). ``conversation_key`` identifies the chat: its events are handled one at a
    time, in arrival order.
    """

    dedup_key: str
    conversation_key: str  # the channel's user/chat id
    external_id: str  # the provider's message id
    text: str
    payload: str | None = None
    media: tuple[MediaRef, ...] = ()
    location: Location | None = None
    display_name: str | None = None
    alt_user_id: str | None = None  # e.g. WhatsApp BSUID beside the phone-based wa_id
    phone: str | None = None
    # What the event is (docs/channels.md, "What is stored"): a new ``message``; an ``edit`` or
    # a ``revoke`` of the earlier message ``original_id`` (they update that message and are
    # never a turn of the flows); or ``unsupported`` content, kept for operators with a
    # readable ``text`` such as "[unsupported: poll]" and not answered.
    kind: str = "message"
    original_id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def edited(self) -> bool:
        """An edit of an earlier message (Telegram ``edited_message``, WhatsApp ``edit``)."""
        return self.kind == EDIT

    @property
    def is_turn(self) -> bool:
        """Whether the flows see it: new content only, never an edit, revoke or unsupported."""
        return self.kind == MESSAGE


# MessageIn.kind values.
MESSAGE = "message"
EDIT = "edit"
REVOKE = "revoke"
UNSUPPORTED = "unsupported"


def unsupported_text(what: str) -> str:
    """The text an unsupported message is stored with, e.g. "[unsupported: reaction 👍]"."""
    return f"[unsupported: {what.strip()[:200]}]"


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """A delivery receipt for a message we sent (delivered, read, failed)."""

    dedup_key: str
    external_id: str
    status: str
    error_code: str | None = None
    error_message: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UserBlocked:
    """The user blocked the bot (Telegram ``my_chat_member`` kicked): stop sending to them."""

    dedup_key: str
    conversation_key: str
    blocked: bool = True
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ignored:
    """An event we do not handle: acknowledged with 2xx and logged, nothing stored."""

    reason: str


ProviderEvent = MessageIn | StatusUpdate | UserBlocked | Ignored


@dataclass(frozen=True, slots=True)
class AckResponse:
    """What to answer the provider with.

    A dataclass, not a web.Response, so parse tests stay pure.
    """

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A channel-neutral message to send. Adapters degrade buttons to text where unsupported."""

    outbox_id: int
    recipient: str  # the conversation_key
    text: str
    buttons: tuple[Button, ...] = ()
    template: str | None = None  # approved template name/SID for WhatsApp outside the 24-h window
    template_variables: Mapping[str, str] = field(default_factory=dict)
    within_window: bool = True  # False: free text is not allowed (``ChannelAdapter.reply_window``)
    # The contact's language: the WhatsApp template's ``language.code`` (Meta needs one per
    # send); None means Indonesian ("id").
    language: str | None = None


@dataclass(frozen=True, slots=True)
class SendResult:
    """The provider accepted the message."""

    external_id: str | None


class SendError(Exception):
    """A send failed. The recovery data travels on the exception (courier / PTB ``RetryAfter``).

    Attributes:
        retryable: whether the sender should try again later.
        code: the provider's error code, stored in the outbox's ``last_error``.
        retry_after: seconds the provider asked us to wait, if any.
        blocked: the user blocked the bot / cannot receive; stop sending to this contact.
    """

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        code: str | None = None,
        retry_after: float | None = None,
        blocked: bool = False,
    ) -> None:
        """Build the error; ``reason`` must not contain message bodies or phone numbers."""
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.code = code
        self.retry_after = retry_after
        self.blocked = blocked


class MediaError(Exception):
    """An attachment could not be fetched from the provider, or it is larger than allowed.

    Raised by ``ChannelAdapter.download``; ``bot.media.fetch_and_store`` catches it, so a message
    whose media failed still reaches the flows (with an empty media url).
    """

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        """Build the error; ``reason`` must not contain file URLs with tokens or user data."""
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large


@dataclass(frozen=True, slots=True)
class Route:
    """A URL a provider calls. ``ingest`` routes go through ``bot.ingest`` (verify, parse,
    store, acknowledge); the others are answered by :meth:`ChannelAdapter.answer` directly
    (Meta's GET verification handshake stores nothing)."""

    method: str
    path: str
    ingest: bool = True


class ChannelAdapter(Protocol):
    """One messaging provider: everything the rest of Siaga needs to know about it.

    Registered in ``bot.channels.registry`` (the one table of channels). Adding a channel is one
    module implementing this protocol, one line in that table, and its settings in
    ``bot.config``: routes, lifecycle, media and the reply window all live here.

    Adapters subclass this protocol, so the defaults below (no lifecycle, no reply window, no
    non-ingest route) need not be written out.
    """

    name: ClassVar[str]
    routes: ClassVar[tuple[Route, ...]]
    # What people can do on this channel besides text and buttons (``flows.types.MEDIA``,
    # ``LOCATION``, ``PHONE``): the flows fit their prompts to it.
    features: ClassVar[frozenset[str]] = frozenset()
    # How long after the user's last message free text may be sent (WhatsApp: 24 hours);
    # None: no such rule. Outside it only an approved template may go out (the template's
    # setting is named in the channel's row of ``bot.channels.registry``).
    reply_window: ClassVar[timedelta | None] = None
    # Whether the provider can name one person by two ids (WhatsApp: ``wa_id`` and BSUID):
    # the dispatcher then matches a message to the contact known by either one.
    user_aliases: ClassVar[bool] = False

    async def start(self) -> None:
        """Open connections (inside the running loop). Called once by ``bot.app``. I/O."""
        return

    async def close(self) -> None:
        """Close what :meth:`start` opened. I/O."""
        return

    def verify(self, req: RawRequest) -> None:
        """Check the request really comes from the provider. Raises InvalidSignature. No I/O."""
        ...

    def parse(self, req: RawRequest) -> Sequence[ProviderEvent]:
        """Turn a verified request into events. Pure; raises AnomalousPayload."""
        ...

    def ack(self, events: Sequence[ProviderEvent]) -> AckResponse:
        """The response the provider expects once the events are stored."""
        ...

    def answer(self, req: RawRequest) -> AckResponse:
        """The response to a route that is not ingested (``Route.ingest`` False). Pure."""
        return AckResponse(404, b"not found", "text/plain")

    async def send(self, msg: OutboundMessage) -> SendResult:
        """Send one message (network I/O). Raises SendError."""
        ...

    async def download(self, ref: MediaRef, max_bytes: int) -> tuple[bytes, str | None]:
        """Fetch an attachment it reported in ``MessageIn.media``: (bytes, mime). I/O.

        Raises:
            MediaError: unknown file, too large, or a network failure; ``bot.media`` catches it,
                so a message whose media failed still reaches the flows (with an empty url).
        """
        ...

    def within_window(self, last_inbound_at: datetime | None, now: datetime) -> bool:
        """Whether free text may be sent now, given the user's last message."""
        return within_reply_window(self.reply_window, last_inbound_at, now)


def within_reply_window(
    window: timedelta | None, last_inbound_at: datetime | None, now: datetime
) -> bool:
    """Free text is allowed without a window, or within ``window`` of the user's last message."""
    if window is None:
        return True
    return last_inbound_at is not None and now - last_inbound_at < window
