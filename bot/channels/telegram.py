"""Telegram Bot API adapter, with python-telegram-bot as the wire library.

PTB is used only as a sender (``Bot``): updates are read from their JSON (see "parsing" below),
and PTB's ``Application``/handlers are not used, because conversation state and ordering are
ours (``docs/wire-protocols.md`` §2.2). Tests point ``SIAGA_TELEGRAM_API_URL`` at a
local fake Bot API.
"""

from __future__ import annotations

import functools
import hmac
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
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
    EDIT,
    MESSAGE,
    UNSUPPORTED,
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
    unsupported_text,
)
from bot.channels.pacing import Pacer, PartSender, numbered, split_text, utf16_len
from bot.channels.telegram_request import AiohttpRequest
from bot.channels.wire import coordinates, e164, header
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
#
# The update is read from the JSON itself, not through PTB's ``Update.de_json``: PTB builds every
# object strictly, so a field its version takes as required and the sender left out (``is_bot``
# in Telegram's own webhook samples, ``file_unique_id`` in older shapes, a poll without a field
# added in a later Bot API) turned a worker's message into a 400 that Telegram retried until it
# gave up (issue 14). We read only what we need, accept every authentic update, and keep what we
# cannot understand for operators (docs/channels.md, "What is stored").


def parse_update(data: Any) -> ProviderEvent:
    """Turn one Bot API ``Update`` dict into an event.

    Raises:
        AnomalousPayload: not an object, no integer ``update_id``, or a message without a chat.
    """
    if not isinstance(data, dict) or not _is_int(data.get("update_id")):
        raise AnomalousPayload("telegram update without an integer update_id")
    dedup = f"tg:{data['update_id']}"
    for key, edited in (("message", False), ("edited_message", True)):
        if key in data:
            return _message_event(dedup, _obj(data[key], key), data, edited=edited)
    if "callback_query" in data:
        return _callback_event(dedup, _obj(data["callback_query"], "callback_query"), data)
    if "my_chat_member" in data:
        member = _obj(data["my_chat_member"], "my_chat_member")
        chat = _chat(member)
        if chat.get("type") != "private":
            return Ignored("telegram my_chat_member outside a private chat")
        status = _dict(member.get("new_chat_member")).get("status")
        if status in {"kicked", "member"}:
            return UserBlocked(dedup, str(chat["id"]), blocked=status == "kicked", raw=data)
        return Ignored(f"telegram my_chat_member status {_short(status)}")
    kinds = sorted(str(k) for k in data if k != "update_id")
    return Ignored(f"telegram update type {kinds[0] if kinds else 'empty'}"[:80])


def _message_event(
    dedup: str, m: Mapping[str, Any], data: Mapping[str, Any], *, edited: bool
) -> ProviderEvent:
    """A (possibly edited) message from a private chat; groups and channels are ignored.

    The alert group of the rapid-response team is a Telegram group: ignoring non-private chats
    keeps the bot from answering the team there.
    """
    chat = _chat(m)
    if chat.get("type") != "private":
        return Ignored(f"telegram message in a {_short(chat.get('type'))} chat")
    location_raw = _dict(m.get("location"))
    if edited and location_raw.get("live_period"):
        # A live location re-sends an edited_message on every move (docs/wire-protocols.md §1.2).
        return Ignored("telegram live location update")
    user = _dict(m.get("from"))
    text = _str(m.get("text")) or _str(m.get("caption"))
    media = _media(m)
    # A venue carries a location too: read the venue first, or its title is lost (issue 14).
    venue = _dict(m.get("venue"))
    location = None
    if venue:
        point = _dict(venue.get("location"))
        location = _location(point, _str(venue.get("title")) or _str(venue.get("address")))
    elif location_raw:
        location = _location(location_raw, None)
    phone = None
    contact = _dict(m.get("contact"))
    if contact:
        own = (
            bool(user)
            and contact.get("user_id") is not None
            and contact["user_id"] == user.get("id")
        )
        number = _str(contact.get("phone_number"))
        if own and e164(number):
            phone = e164(number)  # shared via request_contact: the user's own number
        elif not text:
            # Someone else's contact (an employer, an agent): the operator needs it as text.
            names = (_str(contact.get("first_name")), _str(contact.get("last_name")), number)
            text = " ".join(p for p in names if p)
    common: dict[str, Any] = {
        "dedup_key": dedup,
        "conversation_key": str(chat["id"]),
        "external_id": str(m.get("message_id", "")),
        "display_name": _full_name(user),
        "raw": data,
    }
    if not (text or media or location or phone):
        what = sorted(set(m) - _MESSAGE_BASICS)
        label = ", ".join(str(w) for w in what) or "empty message"
        if location_raw or venue:
            label = "location without valid coordinates"
        return MessageIn(**common, text=unsupported_text(label), kind=UNSUPPORTED)
    return MessageIn(
        **common,
        text=text,
        media=media,
        location=location,
        phone=phone,
        kind=EDIT if edited else MESSAGE,
        original_id=str(m.get("message_id", "")) if edited else None,
    )


_MESSAGE_BASICS = {
    "message_id",
    "message_thread_id",
    "date",
    "chat",
    "from",
    "edit_date",
    "entities",
    "caption_entities",
    "sender_chat",
    "forward_origin",
    "reply_to_message",
    "link_preview_options",
    "has_protected_content",
}


def _media(m: Mapping[str, Any]) -> tuple[MediaRef, ...]:
    """The attachment as a ref to the provider's file id; photos: the largest size."""
    caption = _str(m.get("caption")) or None
    for key, kind, default_mime in (
        ("voice", "voice", "audio/ogg"),
        ("audio", "audio", None),
        ("document", "document", None),
        ("video", "video", None),
        ("video_note", "video", "video/mp4"),
        ("animation", "video", "video/mp4"),
    ):
        item = _dict(m.get(key))
        if _str(item.get("file_id")):
            mime = _str(item.get("mime_type")) or default_mime
            return (MediaRef(kind, item["file_id"], mime, caption),)
    sizes = [p for p in m.get("photo") or () if isinstance(p, dict) and _str(p.get("file_id"))]
    if isinstance(m.get("photo"), list) and sizes:
        largest = max(
            sizes,
            key=lambda p: (_num(p.get("width")) * _num(p.get("height")), _num(p.get("file_size"))),
        )
        return (MediaRef("image", largest["file_id"], "image/jpeg", caption),)
    sticker = _dict(m.get("sticker"))
    if _str(sticker.get("file_id")):
        mime = "video/webm" if sticker.get("is_video") else "image/webp"
        return (MediaRef("sticker", sticker["file_id"], mime, None),)
    return ()


def _callback_event(dedup: str, cq: Mapping[str, Any], data: Mapping[str, Any]) -> ProviderEvent:
    """A button tap: payload = callback_data; text = the tapped button's title when we can see it.

    ``external_id`` is the callback query id, which :meth:`TelegramAdapter.ack` answers.
    """
    user = _dict(cq.get("from"))
    message = _dict(cq.get("message"))
    if message:
        chat = _chat(message)
        if chat.get("type") != "private":
            return Ignored("telegram callback in a non-private chat")
        chat_id = chat["id"]
    elif _is_int(user.get("id")):
        chat_id = user["id"]
    else:
        raise AnomalousPayload("telegram callback_query without a chat or a user")
    if not _str(cq.get("id")):
        raise AnomalousPayload("telegram callback_query without an id")
    payload = _str(cq.get("data")) or None
    title = None
    for row in _dict(message.get("reply_markup")).get("inline_keyboard") or ():
        for button in row if isinstance(row, list) else ():
            if isinstance(button, dict) and payload and button.get("callback_data") == payload:
                title = _str(button.get("text")) or None
    return MessageIn(
        dedup_key=dedup,
        conversation_key=str(chat_id),
        external_id=cq["id"],
        text=title or payload or "",
        payload=payload,
        display_name=_full_name(user),
        raw=data,
    )


def _location(point: Mapping[str, Any], label: str | None) -> Location | None:
    pair = coordinates(point.get("latitude"), point.get("longitude"))
    return Location(pair[0], pair[1], label or None) if pair else None


def _chat(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object's chat; a message or member update without a chat id cannot be placed."""
    chat = obj.get("chat")
    if not isinstance(chat, dict) or not (_is_int(chat.get("id")) or _str(chat.get("id"))):
        raise AnomalousPayload("telegram update without a chat")
    return chat


def _obj(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise AnomalousPayload(f"telegram {name} is not an object")
    return value


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _num(value: Any) -> int:
    return value if _is_int(value) else 0


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _short(value: Any) -> str:
    return str(value)[:20]


def _full_name(user: Mapping[str, Any]) -> str | None:
    name = " ".join(p for p in (_str(user.get("first_name")), _str(user.get("last_name"))) if p)
    return name or None
