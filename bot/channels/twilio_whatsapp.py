"""WhatsApp through Twilio Programmable Messaging.

Inbound and status callbacks are form POSTs signed with ``X-Twilio-Signature`` over the *public*
URL plus every form field (``docs/wire-protocols.md`` §3.3); outbound goes through twilio's async
client pointed at ``SIAGA_TWILIO_API_URL``. Twilio has no native buttons for free-form WhatsApp
messages, so buttons become a numbered list.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

import aiohttp
from multidict import MultiDict
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels.base import (
    UNSUPPORTED,
    WHATSAPP_WINDOW,
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
    StatusUpdate,
    unsupported_text,
)
from bot.channels.pacing import Pacer, PartSender, numbered, split_text
from bot.channels.wire import VCARD_TYPES, coordinates, e164, fetch_capped, header
from flows.types import LOCATION, MEDIA, PHONE, Location, MediaRef

log = logging.getLogger("bot.channels.twilio")

SIGNATURE_HEADER = "X-Twilio-Signature"
TEXT_LIMIT = 1600  # Messages.create body (docs/wire-protocols.md §3.5)
WEBHOOK_PATH = "/webhooks/twilio"
STATUS_PATH = "/webhooks/twilio/status"
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
DEFAULT_API_URL = "https://api.twilio.com"

# Twilio's MessageStatus → the outbox's delivery states. Interim states carry no news for
# operators (and Twilio sends no callback for the initial one, §3.2), so they are ignored.
_STATUS_MAP = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "failed",
    "canceled": "failed",
}
# Twilio error codes (§3.5, twilio.com/docs/api/errors) that mean "the sender should stop".
_BLOCKED_CODES = {21610}  # the user opted out (STOP)
_RETRYABLE_CODES = {63018, 20429, 20003}  # rate limit, too many requests, transient auth blip


class TwilioWhatsAppAdapter(ChannelAdapter):
    """WhatsApp via Twilio.

    Args:
        account_sid: the account SID (AC…).
        auth_token: the auth token: REST auth and the webhook signature key.
        whatsapp_number: our sender, ``whatsapp:+14155238886``.
        public_url: the externally visible base URL (status callbacks point there).
        api_url: Twilio API base URL (a local fake in tests).
        template_sid: Content SID (HX…) sent outside the 24-hour window.
        http: the app's aiohttp session, used for media downloads.
        per_second: global sends per second (Twilio: 80 per WhatsApp sender).
        chat_interval: seconds between two sends to one user (Meta's pair limit, §4.7).
    """

    name: ClassVar[str] = "twilio"
    features: ClassVar[frozenset[str]] = frozenset({MEDIA, LOCATION, PHONE})
    routes: ClassVar[tuple[Route, ...]] = (Route("POST", WEBHOOK_PATH), Route("POST", STATUS_PATH))
    reply_window: ClassVar[timedelta | None] = WHATSAPP_WINDOW
    user_aliases: ClassVar[bool] = True  # wa_id and BSUID (docs/channels.md, Identity)

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        whatsapp_number: str,
        public_url: str,
        api_url: str = DEFAULT_API_URL,
        template_sid: str = "",
        http: aiohttp.ClientSession | None = None,
        per_second: float = 80.0,
        chat_interval: float = 0.2,
    ) -> None:
        """Remember the settings; the twilio HTTP client is opened in :meth:`start`."""
        self._sid = account_sid
        self._token = auth_token
        self._from = (
            whatsapp_number
            if whatsapp_number.startswith("whatsapp:")
            else (f"whatsapp:{whatsapp_number}")
        )
        self._status_callback = public_url.rstrip("/") + STATUS_PATH
        self._api_url = api_url.rstrip("/")
        self._template_sid = template_sid
        self._http = http
        self._validator = RequestValidator(auth_token)
        self._client: Client | None = None
        self._twilio_http: AsyncTwilioHttpClient | None = None
        self._sending = PartSender(Pacer(per_second=per_second, chat_interval=chat_interval))
        self.pacer = self._sending.pacer

    async def start(self) -> None:
        """Open twilio's aiohttp session (it must be created inside the running loop, §3.5)."""
        if self._client is not None:
            return
        self._twilio_http = AsyncTwilioHttpClient(timeout=15.0)
        # environment={} keeps TWILIO_EDGE/TWILIO_REGION from rewriting the host (§3.8).
        self._client = Client(
            self._sid, self._token, http_client=self._twilio_http, environment={}
        )
        self._client.api.base_url = self._api_url

    async def close(self) -> None:
        """Close twilio's aiohttp session."""
        if self._twilio_http is not None:
            await self._twilio_http.close()
        self._client = None
        self._twilio_http = None

    # --- inbound -------------------------------------------------------------------------------

    def verify(self, req: RawRequest) -> None:
        """HMAC-SHA1 over the public URL and *all* form fields (never a whitelist, §5.1)."""
        signature = header(req.headers, SIGNATURE_HEADER)
        if not signature:
            raise InvalidSignature("missing X-Twilio-Signature")
        params = _form(req.body)
        if params is None or not self._validator.validate(req.url, params, signature):
            raise InvalidSignature("wrong X-Twilio-Signature")

    def parse(self, req: RawRequest) -> Sequence[ProviderEvent]:
        """A message (``/webhooks/twilio``) or a delivery status (``/webhooks/twilio/status``)."""
        params = _form(req.body)
        if params is None:
            raise AnomalousPayload("twilio body is not a form")
        fields = {k: params.getone(k) for k in params}
        if req.path.rstrip("/").endswith("/status"):
            return [parse_status(fields)]
        return [parse_message(fields)]

    def ack(self, events: Sequence[ProviderEvent]) -> AckResponse:
        """Empty TwiML as ``text/xml``: a missing content type causes error 11200 (§3.4)."""
        return AckResponse(200, EMPTY_TWIML, "text/xml")

    # --- outbound ------------------------------------------------------------------------------

    async def send(self, msg: OutboundMessage) -> SendResult:
        """Free text inside the 24-hour window, the configured Content template outside it.

        Raises:
            SendError: ``window_closed`` when outside the window without a template; Twilio's
                error code otherwise (63016 outside the window, 63018 rate limit, …).
        """
        if self._client is None:
            await self.start()
        assert self._client is not None  # noqa: S101 - start() sets it
        if not msg.within_window:
            template = msg.template or self._template_sid
            if not template:
                raise SendError(
                    "outside WhatsApp's 24-hour window and SIAGA_TWILIO_TEMPLATE_SID is not set",
                    retryable=False,
                    code="window_closed",
                )
            await self.pacer.wait(msg.recipient)
            created = await self._create(
                to=msg.recipient,
                content_sid=template,
                content_variables=json.dumps(dict(msg.template_variables)),
            )
            return SendResult(created)
        parts = split_text(numbered(msg.text, msg.buttons), TEXT_LIMIT)
        if not parts:
            raise SendError("nothing to send: empty text", retryable=False, code="empty")

        async def send_part(_index: int, part: str) -> str | None:
            return await self._create(to=msg.recipient, body=part)

        return SendResult(await self._sending.send(msg.outbox_id, msg.recipient, parts, send_part))

    async def _create(self, **kwargs: Any) -> str | None:
        """One ``Messages.create`` call; maps twilio/aiohttp failures to SendError."""
        assert self._client is not None  # noqa: S101
        try:
            message = await self._client.messages.create_async(
                from_=self._from, status_callback=self._status_callback, **kwargs
            )
        except TwilioRestException as exc:
            raise _send_error(exc) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SendError(
                f"twilio network error ({type(exc).__name__})", retryable=True, code="network"
            ) from None
        sid = getattr(message, "sid", None)
        return str(sid) if sid else None

    async def download(self, ref: MediaRef, max_bytes: int) -> tuple[bytes, str | None]:
        """GET the MediaUrl with Basic auth (accounts may enforce it), following the redirect.

        Credentials are only ever sent to the configured Twilio API origin: a MediaUrl elsewhere
        is refused rather than handed our auth token.

        Raises:
            MediaError: foreign URL, HTTP error, or larger than ``max_bytes``.
        """
        if _origin(ref.url) != _origin(self._api_url):
            raise MediaError("twilio media URL is not on the Twilio API host")
        # A header, not auth=: aiohttp drops it when Twilio redirects to another origin (storage).
        auth = {"Authorization": aiohttp.encode_basic_auth(self._sid, self._token)}
        return await fetch_capped(self._http, ref.url, max_bytes, ref.mime_type, headers=auth)


def _send_error(exc: TwilioRestException) -> SendError:
    """Twilio REST error → SendError (the message text holds no user data, only the code)."""
    code = getattr(exc, "code", None)
    status = int(getattr(exc, "status", 0) or 0)
    code_text = str(code) if code is not None else str(status)
    if code == 63016:
        return SendError(
            "twilio 63016: outside WhatsApp's 24-hour window (template required)",
            retryable=False,
            code="63016",
        )
    if code in _BLOCKED_CODES:
        return SendError(
            f"twilio {code}: recipient opted out", retryable=False, code=code_text, blocked=True
        )
    if code in _RETRYABLE_CODES or status == 429:
        return SendError(
            f"twilio {code_text}: rate limited", retryable=True, code=code_text, retry_after=1.0
        )
    if status >= 500 or status == 0:
        return SendError(f"twilio server error {status}", retryable=True, code=code_text)
    return SendError(f"twilio rejected the message ({code_text})", retryable=False, code=code_text)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _form(body: bytes) -> MultiDict[str] | None:
    """The form fields, repeated names kept (the signature covers every value)."""
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    except (UnicodeDecodeError, ValueError):
        return None
    return MultiDict(pairs)


# --- parsing (pure) ----------------------------------------------------------------------------


def parse_status(f: Mapping[str, str]) -> ProviderEvent:
    """A status callback → StatusUpdate keyed (MessageSid, status); interim states ignored."""
    sid = f.get("MessageSid") or f.get("SmsSid")
    raw_status = f.get("MessageStatus") or f.get("SmsStatus")
    if not sid or not raw_status:
        raise AnomalousPayload("twilio status callback without MessageSid/MessageStatus")
    status = _STATUS_MAP.get(raw_status.lower())
    if status is None:
        return Ignored(f"twilio status {raw_status}")
    return StatusUpdate(
        dedup_key=f"{sid}:{status}",
        external_id=sid,
        status=status,
        error_code=f.get("ErrorCode") or None,
        error_message=f.get("ErrorMessage") or None,
        raw=dict(f),
    )


def parse_message(f: Mapping[str, str]) -> ProviderEvent:
    """An inbound WhatsApp message → MessageIn keyed on MessageSid.

    Raises:
        AnomalousPayload: no MessageSid or no From.
    """
    sid = f.get("MessageSid") or f.get("SmsMessageSid")
    sender = f.get("From")
    if not sid or not sender:
        raise AnomalousPayload("twilio message without MessageSid/From")
    if f.get("MessageStatus") and not f.get("Body") and not f.get("NumMedia"):
        # A status callback configured on the messages URL: take it as a status.
        return parse_status(f)
    body = f.get("Body", "")
    media = _media(f)
    location = None
    bad_location = False
    if f.get("Latitude") or f.get("Longitude"):
        pair = coordinates(f.get("Latitude"), f.get("Longitude"))
        if pair is None:
            bad_location = True  # "nan", text, out of range: kept as unsupported, not a 500
        else:
            location = Location(pair[0], pair[1], f.get("Label") or f.get("Address") or None)
    payload = f.get("ButtonPayload") or None
    text = body or f.get("ButtonText", "")
    wa_id = f.get("WaId")
    address = sender.removeprefix("whatsapp:")
    common: dict[str, Any] = {
        "dedup_key": sid,
        "conversation_key": sender,
        "external_id": sid,
        "display_name": f.get("ProfileName") or None,
        "alt_user_id": f.get("ExternalUserId") or None,
        # Only a real number is a phone: never a BSUID or junk (issue 14).
        "phone": e164(wa_id) if wa_id else e164(address),
        "raw": dict(f),
    }
    if not (text or media or location or payload):
        what = (
            "location without valid coordinates"
            if bad_location
            else f"{f.get('MessageType') or 'message'} without content"
        )
        return MessageIn(**common, text=unsupported_text(what), kind=UNSUPPORTED)
    return MessageIn(**common, text=text, payload=payload, media=media, location=location)


def _media(f: Mapping[str, str]) -> tuple[MediaRef, ...]:
    """MediaUrl{N}/MediaContentType{N} (WhatsApp carries at most one, §3.1)."""
    try:
        count = int(f.get("NumMedia") or "0")
    except ValueError as exc:
        raise AnomalousPayload("twilio NumMedia is not a number") from exc
    refs = []
    caption = f.get("Body") or None
    for i in range(min(count, 10)):
        url = f.get(f"MediaUrl{i}")
        if not url:
            raise AnomalousPayload("twilio NumMedia larger than the MediaUrl fields")
        mime = f.get(f"MediaContentType{i}") or None
        refs.append(MediaRef(_kind(mime, f.get("MessageType")), url, mime, caption))
    return tuple(refs)


def _kind(mime: str | None, message_type: str | None) -> str:
    """Voice notes arrive as ``audio/ogg`` (Opus): the kind flows and operators care about.

    A shared contact is a vCard (``text/vcard``, ``text/x-vcard``): kind ``contact``, whose
    name and number ``bot.media`` reads into the message once it is downloaded (issue 14: it
    was an empty document).
    """
    if (mime or "").split(";")[0].strip().lower() in VCARD_TYPES:
        return "contact"
    major = (mime or "").split("/")[0]
    if major == "audio":
        return "voice" if (mime or "").startswith("audio/ogg") else "audio"
    if major == "image":
        return "sticker" if message_type == "sticker" else "image"
    if major == "video":
        return "video"
    return "document"


def signature_for(auth_token: str, url: str, fields: Mapping[str, str]) -> str:
    """Compute the ``X-Twilio-Signature`` Twilio would send (fixtures, fake servers, tests)."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(fields)))
