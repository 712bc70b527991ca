"""Telegram Bot API adapter, with python-telegram-bot as the wire library.

PTB is used only as a typed parser (``Update.de_json``) and a sender (``Bot``); its
``Application``/handlers are not, because conversation state and ordering are ours
(``docs/wire-protocols.md`` §2.2). Tests point ``SIAGA_TELEGRAM_API_URL`` at a
local fake Bot API.
"""

from __future__ import annotations

import functools
import hmac
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.channels.base import (
    AckResponse,
    AnomalousPayload,
    ChannelAdapter,
    Ignored,
    InvalidSignature,
    MediaError,
    MessageIn,
    OutboundMessage,
    ProviderEvent,
    RawRequest,
    Route,
    SendError,
    SendResult,
    UserBlocked,
)
from bot.channels.pacing import Pacer, PartSender, numbered, split_text, utf16_len
from bot.channels.telegram_request import AiohttpRequest
from bot.channels.wire import header
from flows.types import LOCATION, MEDIA, Button, Location, MediaRef

log = logging.getLogger("bot.channels.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
TEXT_LIMIT = 4096  # sendMessage text, in UTF-16 units (docs/wire-protocols.md §1.5)
CALLBACK_DATA_LIMIT = 64  # bytes (docs/wire-protocols.md §1.5)
# Everything we handle. Listing it explicitly matters: an omitted allowed_updates keeps the old
# setting, and an empty list means "all but chat_member/reactions" (docs/wire-protocols.md §1.1).
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
DEFAULT_API_URL = "https://api.telegram.org"
WEBHOOK_PATH = "/webhooks/telegram"


class TelegramAdapter(ChannelAdapter):
    """Telegram: secret-header webhook, PTB parsing, inline keyboards, paced sends.

    Args:
        token: the bot token from @BotFather.
        webhook_secret: the value Telegram sends in ``X-Telegram-Bot-Api-Secret-Token``; when
            empty every webhook request is refused (polling mode needs none).
        api_url: Bot API base URL without ``/bot<token>`` (a local fake in tests).
        per_second: global sends per second (Telegram: ~30).
        chat_interval: seconds between two sends to one chat (Telegram: ~1).
    """

    name: ClassVar[str] = "telegram"
    features: ClassVar[frozenset[str]] = frozenset({MEDIA, LOCATION})  # no phone number
    routes: ClassVar[tuple[Route, ...]] = (Route("POST", WEBHOOK_PATH),)

    def __init__(
        self,
        *,
        token: str,
        webhook_secret: str,
        api_url: str = DEFAULT_API_URL,
        per_second: float = 30.0,
        chat_interval: float = 1.0,
    ) -> None:
        """Build the PTB ``Bot``; no network I/O happens until :meth:`start`."""
        self._token = token
        self._secret = webhook_secret.encode()
        base = api_url.rstrip("/")
        self.bot = Bot(
            token,
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=AiohttpRequest(connection_pool_size=64),
            get_updates_request=AiohttpRequest(connection_pool_size=2, read_timeout=70.0),
        )
        self._sending = PartSender(Pacer(per_second=per_second, chat_interval=chat_interval))
        self.pacer = self._sending.pacer

    async def start(self) -> None:
        """Open PTB's HTTP pools and check the token with ``getMe``.

        A failing ``getMe`` (Telegram unreachable at boot) is logged, not raised: the request
        pools are already open, so sends work once Telegram is back, and the webhook keeps taking
        updates. The exception text is not logged because PTB puts the token in it.
        """
        try:
            await self.bot.initialize()
        except TelegramError as exc:
            log.warning("telegram getMe failed at start-up (%s); continuing", type(exc).__name__)

    async def close(self) -> None:
        """Close PTB's HTTP pools."""
        await self.bot.shutdown()

    # --- inbound -------------------------------------------------------------------------------

    def verify(self, req: RawRequest) -> None:
        """Compare the secret header in constant time (as bytes: str arguments must be ASCII)."""
        got = header(req.headers, SECRET_HEADER)
        if not self._secret or got is None or not hmac.compare_digest(got.encode(), self._secret):
            raise InvalidSignature("missing or wrong X-Telegram-Bot-Api-Secret-Token")

    def parse(self, req: RawRequest) -> Sequence[ProviderEvent]:
        """One update → one event. Raises AnomalousPayload for non-JSON or a broken Update."""
        try:
            data = json.loads(req.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AnomalousPayload("telegram body is not JSON") from exc
        return [parse_update(data)]

    def ack(self, events: Sequence[ProviderEvent]) -> AckResponse:
        """Empty 200, or an ``answerCallbackQuery`` call in the body for a button tap.

        Answering in the webhook response stops the client's spinner without a second request
        (Bot API "making requests when getting updates"); we never need its result.
        """
        for event in events:
            if isinstance(event, MessageIn) and event.raw.get("callback_query"):
                callback_id = event.external_id
                body = {"method": "answerCallbackQuery", "callback_query_id": callback_id}
                return AckResponse(200, json.dumps(body).encode(), "application/json")
        return AckResponse()

    # --- outbound ------------------------------------------------------------------------------

    async def send(self, msg: OutboundMessage) -> SendResult:
        """Send text (split at 4096), buttons as an inline keyboard on the last part.

        Raises:
            SendError: ``retry_after`` on 429, ``blocked`` on 403, non-retryable on 400.
        """
        text, markup = _render(msg.text, msg.buttons)
        parts = split_text(text, TEXT_LIMIT, measure=utf16_len)
        if not parts:
            raise SendError("nothing to send: empty text", retryable=False, code="empty")
        chat_id: int | str = _chat_id(msg.recipient)
        last = len(parts) - 1

        async def send_part(index: int, part: str) -> str | None:
            try:
                sent = await self.bot.send_message(
                    chat_id, part, reply_markup=markup if index == last else None
                )
            except TelegramError as exc:
                raise self._send_error(exc, msg.recipient) from None
            return str(sent.message_id)

        return SendResult(await self._sending.send(msg.outbox_id, msg.recipient, parts, send_part))

    def _send_error(self, exc: TelegramError, recipient: str) -> SendError:
        """Map PTB's exception classes (wire protocols §1.6) to a SendError without the token."""
        if isinstance(exc, RetryAfter):
            seconds = exc._retry_after.total_seconds()  # the timedelta; .retry_after warns
            # PTB's AIORateLimiter pauses everything on a 429 (§2.4): a flood limit may be global.
            self.pacer.pause(seconds)
            return SendError(
                "telegram flood limit", retryable=True, code="429", retry_after=seconds
            )
        if isinstance(exc, Forbidden):
            return SendError(
                "telegram: bot was blocked by the user or cannot write to the chat",
                retryable=False,
                code="403",
                blocked=True,
            )
        if isinstance(exc, ChatMigrated):
            return SendError(
                "telegram: group migrated to a supergroup", retryable=False, code="migrated"
            )
        if isinstance(exc, BadRequest):
            # Telegram's description names the problem (e.g. "chat not found") without user data.
            return SendError(f"telegram bad request: {exc.message}", retryable=False, code="400")
        if isinstance(exc, InvalidToken):
            return SendError("telegram rejected the bot token", retryable=False, code="401")
        if isinstance(exc, TimedOut | NetworkError):
            return SendError(
                f"telegram network error ({type(exc).__name__})", retryable=True, code="network"
            )
        return SendError(f"telegram error ({type(exc).__name__})", retryable=True, code="error")

    async def download(self, ref: MediaRef, max_bytes: int) -> tuple[bytes, str | None]:
        """``getFile`` then the file URL (valid ≥1 h). Bots may download at most 20 MB.

        Raises:
            MediaError: unknown file, too large, or a network failure.
        """
        try:
            file = await self.bot.get_file(ref.url)
            if file.file_size is not None and file.file_size > max_bytes:
                raise MediaError("telegram file larger than the media limit", too_large=True)
            data = bytes(await file.download_as_bytearray())
        except TelegramError as exc:
            raise MediaError(f"telegram getFile failed ({type(exc).__name__})") from None
        if len(data) > max_bytes:
            raise MediaError("telegram file larger than the media limit", too_large=True)
        return data, ref.mime_type


def _chat_id(recipient: str) -> int | str:
    """Chat ids are integers; ``@channelusername`` stays a string."""
    try:
        return int(recipient)
    except ValueError:
        return recipient


def _render(text: str, buttons: Sequence[Button]) -> tuple[str, InlineKeyboardMarkup | None]:
    """Inline keyboard (one button per row, titles can be long) or, when a payload does not fit
    callback_data's 64 bytes, a numbered list the flows understand as text."""
    if not buttons:
        return text, None
    if all(0 < len(b.payload.encode()) <= CALLBACK_DATA_LIMIT for b in buttons):
        return text, _keyboard(tuple((b.title, b.payload) for b in buttons))
    return numbered(text, buttons), None


@functools.lru_cache(maxsize=256)
def _keyboard(buttons: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup:
    """The inline keyboard for these (title, payload) pairs, built once.

    The flows offer the same few menus over and over, and PTB's objects are immutable, so one
    instance serves every send of a menu (building them is a visible part of a send's CPU).
    """
    rows = [[InlineKeyboardButton(title, callback_data=payload)] for title, payload in buttons]
    return InlineKeyboardMarkup(rows)


# --- parsing (pure) ----------------------------------------------------------------------------


def parse_update(data: Any) -> ProviderEvent:
    """Turn one Bot API ``Update`` dict into an event.

    Raises:
        AnomalousPayload: not an object, no integer ``update_id``, or fields PTB cannot build.
    """
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise AnomalousPayload("telegram update without an integer update_id")
    try:
        update = Update.de_json(data, None)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AnomalousPayload(f"telegram update not parseable ({type(exc).__name__})") from exc
    try:
        return _event(update, data)
    except (AttributeError, TypeError) as exc:
        # PTB builds objects leniently (a message without ``chat`` parses); we do not.
        raise AnomalousPayload(f"telegram update incomplete ({type(exc).__name__})") from exc


def _event(update: Update, data: Mapping[str, Any]) -> ProviderEvent:
    dedup = f"tg:{update.update_id}"
    if update.message is not None:
        return _message_event(dedup, update.message, data, edited=False)
    if update.edited_message is not None:
        return _message_event(dedup, update.edited_message, data, edited=True)
    if update.callback_query is not None:
        return _callback_event(dedup, update.callback_query, data)
    if update.my_chat_member is not None:
        member = update.my_chat_member
        if member.chat.type != "private":
            return Ignored("telegram my_chat_member outside a private chat")
        status = member.new_chat_member.status
        if status in {"kicked", "member"}:
            return UserBlocked(dedup, str(member.chat.id), blocked=status == "kicked", raw=data)
        return Ignored(f"telegram my_chat_member status {status}")
    kinds = sorted(k for k in data if k != "update_id")
    return Ignored(f"telegram update type {kinds[0] if kinds else 'empty'}"[:80])


def _message_event(
    dedup: str, m: Message, data: Mapping[str, Any], *, edited: bool
) -> ProviderEvent:
    """A (possibly edited) message from a private chat; groups and channels are ignored.

    The alert group of the rapid-response team is a Telegram group: ignoring non-private chats
    keeps the bot from answering the team there.
    """
    if m.chat.type != "private":
        return Ignored(f"telegram message in a {m.chat.type} chat")
    raw_location = (data.get("edited_message") or {}).get("location") or {}
    if edited and raw_location.get("live_period"):
        # A live location re-sends an edited_message on every move (docs/wire-protocols.md §1.2).
        return Ignored("telegram live location update")
    user = m.from_user
    text = m.text or m.caption or ""
    media = _media(m)
    location = None
    if m.location is not None:
        location = Location(m.location.latitude, m.location.longitude)
    elif m.venue is not None:
        location = Location(m.venue.location.latitude, m.venue.location.longitude, m.venue.title)
    phone = None
    if m.contact is not None:
        own = user is not None and m.contact.user_id == user.id
        if own:
            phone = m.contact.phone_number  # shared via request_contact: the user's own number
        elif not text:
            # Someone else's contact (an employer, an agent): the operator needs it as text.
            text = " ".join(p for p in (m.contact.first_name, m.contact.phone_number) if p)
    if not (text or media or location or phone):
        raw_message = data.get("edited_message" if edited else "message") or {}
        extra = ",".join(sorted(set(raw_message) - _MESSAGE_BASICS))
        return Ignored(f"telegram message without supported content ({extra})"[:80])
    return MessageIn(
        dedup_key=dedup,
        conversation_key=str(m.chat.id),
        external_id=str(m.message_id),
        text=text,
        media=media,
        location=location,
        display_name=user.full_name if user is not None else None,
        phone=phone,
        edited=edited,
        raw=data,
    )


_MESSAGE_BASICS = {"message_id", "date", "chat", "from", "edit_date", "entities", "sender_chat"}


def _media(m: Message) -> tuple[MediaRef, ...]:
    """The attachment as a ref to the provider's file id; photos: the largest size (the last)."""
    caption = m.caption
    if m.voice is not None:
        return (MediaRef("voice", m.voice.file_id, m.voice.mime_type or "audio/ogg", caption),)
    if m.audio is not None:
        return (MediaRef("audio", m.audio.file_id, m.audio.mime_type, caption),)
    if m.photo:
        largest = max(m.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        return (MediaRef("image", largest.file_id, "image/jpeg", caption),)
    if m.document is not None:
        return (MediaRef("document", m.document.file_id, m.document.mime_type, caption),)
    if m.video is not None:
        return (MediaRef("video", m.video.file_id, m.video.mime_type, caption),)
    if m.video_note is not None:
        return (MediaRef("video", m.video_note.file_id, "video/mp4", caption),)
    if m.sticker is not None:
        mime = "video/webm" if m.sticker.is_video else "image/webp"
        return (MediaRef("sticker", m.sticker.file_id, mime, None),)
    return ()


def _callback_event(dedup: str, cq: CallbackQuery, data: Mapping[str, Any]) -> ProviderEvent:
    """A button tap: payload = callback_data; text = the tapped button's title when we can see it.

    ``external_id`` is the callback query id, which :meth:`TelegramAdapter.ack` answers.
    """
    message = cq.message
    chat_id = message.chat.id if message is not None else cq.from_user.id
    if message is not None and message.chat.type != "private":
        return Ignored("telegram callback in a non-private chat")
    title = None
    markup = getattr(message, "reply_markup", None)
    if isinstance(markup, InlineKeyboardMarkup):
        for row in markup.inline_keyboard:
            for button in row:
                if button.callback_data == cq.data:
                    title = button.text
    return MessageIn(
        dedup_key=dedup,
        conversation_key=str(chat_id),
        external_id=cq.id,
        text=title or cq.data or "",
        payload=cq.data,
        display_name=cq.from_user.full_name,
        raw=data,
    )
