"""WhatsApp Cloud API (Meta Graph) adapter, spoken directly with aiohttp.

No SDK: pywa hard-codes graph.facebook.com and brings httpx (``docs/wire-protocols.md`` §4.9),
while the wire format is small. ``SIAGA_WHATSAPP_API_URL`` (with the Graph version) points tests at
a local fake. Users are keyed on ``wa_id`` and, for users without one (usernames, 2026), on the
business-scoped user id (BSUID); the other id travels in ``alt_user_id`` (§4.3).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, ClassVar

import aiohttp

from bot.channels.base import (
    EDIT,
    REVOKE,
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
from bot.channels.wire import coordinates, e164, fetch_capped, header
from flows.types import LOCATION, MEDIA, PHONE, Button, Location, MediaRef

log = logging.getLogger("bot.channels.whatsapp")

SIGNATURE_HEADER = "X-Hub-Signature-256"
DEFAULT_API_URL = "https://graph.facebook.com/v21.0"
WEBHOOK_PATH = "/webhooks/whatsapp"
TEXT_LIMIT = 4096
INTERACTIVE_BODY_LIMIT = 1024
MAX_REPLY_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
MAX_LIST_ROWS = 10
ROW_TITLE_LIMIT = 24
PAYLOAD_ID_LIMIT = 200  # reply/row ids: 256 for buttons, 200 for list rows (take the smaller)
LIST_BUTTON_LABEL = "Pilih"  # the list's open button (≤20 chars); Indonesian like the bot

_STATUS_MAP = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "played": "read",
    "failed": "failed",
}
_MEDIA_TYPES = {
    "image": "image",
    "video": "video",
    "document": "document",
    "sticker": "sticker",
    "audio": "audio",
}
# Graph error codes (docs/wire-protocols.md §4.5, §4.7).
_WINDOW_CLOSED = 131047
_PAIR_LIMIT = 131056  # ~1 message / 6 s to the same user
_THROUGHPUT = {130429, 131057, 4, 80007}  # per-number throughput / app / WABA rate limits
_UNDELIVERABLE = {131026, 131030, 131051, 131052, 131053, 100, 131009, 131008, 132000, 132001}
_AUTH = {190, 10, 200, 3}


class MetaWhatsAppAdapter(ChannelAdapter):
    """WhatsApp Cloud API.

    Args:
        token: the (system user) access token for Graph calls.
        app_secret: verifies ``X-Hub-Signature-256``.
        verify_token: answers the GET verification handshake.
        phone_number_id: our sender; webhooks for other numbers of the WABA are ignored.
        http: the app's aiohttp session.
        api_url: Graph base URL including the version.
        template_name: approved template sent outside the 24-hour window.
        per_second: global sends per second (80 per number by default, §4.7).
        chat_interval: seconds between two sends to one user (pair limit, §4.7).
    """

    name: ClassVar[str] = "whatsapp"
    features: ClassVar[frozenset[str]] = frozenset({MEDIA, LOCATION, PHONE})
    routes: ClassVar[tuple[Route, ...]] = (
        Route("GET", WEBHOOK_PATH, ingest=False),  # the verification handshake (§4.1)
        Route("POST", WEBHOOK_PATH),
    )
    reply_window: ClassVar[timedelta | None] = WHATSAPP_WINDOW
    user_aliases: ClassVar[bool] = True  # wa_id and BSUID (docs/channels.md, Identity)

    def __init__(
        self,
        *,
        token: str,
        app_secret: str,
        verify_token: str,
        phone_number_id: str,
        http: aiohttp.ClientSession | None = None,
        api_url: str = DEFAULT_API_URL,
        template_name: str = "",
        per_second: float = 80.0,
        chat_interval: float = 0.2,
    ) -> None:
        """Remember the settings; no I/O."""
        self._token = token
        self._app_secret = app_secret.encode()
        self._verify_token = verify_token
        self._pnid = phone_number_id
        self._http = http
        self._own_http: aiohttp.ClientSession | None = None
        self._api_url = api_url.rstrip("/")
        self._template = template_name
        self._sending = PartSender(Pacer(per_second=per_second, chat_interval=chat_interval))
        self.pacer = self._sending.pacer

    async def start(self) -> None:
        """Open a session of our own when the app did not hand one over."""
        if self._http is None:
            self._own_http = self._http = aiohttp.ClientSession()

    async def close(self) -> None:
        """Close the session if it is ours."""
        if self._own_http is not None:
            await self._own_http.close()
            self._own_http = self._http = None

    # --- inbound -------------------------------------------------------------------------------

    def answer(self, req: RawRequest) -> AckResponse:
        """The GET verification: echo ``hub.challenge`` when the token matches, else 403 (§4.1)."""
        query = req.query
        token = query.get("hub.verify_token", "")
        ok = (
            query.get("hub.mode") == "subscribe"
            and bool(self._verify_token)
            and hmac.compare_digest(token.encode(), self._verify_token.encode())
        )
        if not ok:
            return AckResponse(403, b"verification failed", "text/plain")
        return AckResponse(200, query.get("hub.challenge", "").encode(), "text/plain")

    def verify(self, req: RawRequest) -> None:
        """``sha256=`` + hex HMAC-SHA256 of the *raw* body with the app secret (§4.2)."""
        got = header(req.headers, SIGNATURE_HEADER) or ""
        if not self._app_secret or not got.startswith("sha256="):
            raise InvalidSignature("missing X-Hub-Signature-256")
        expected = hmac.new(self._app_secret, req.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(
            got.removeprefix("sha256=").lower().encode(), expected.encode()
        ):
            raise InvalidSignature("wrong X-Hub-Signature-256")

    def parse(self, req: RawRequest) -> Sequence[ProviderEvent]:
        """Every message and status in every entry/change (they are arrays, §4.3)."""
        try:
            data = json.loads(req.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AnomalousPayload("whatsapp body is not JSON") from exc
        return parse_notification(data, self._pnid)

    def ack(self, events: Sequence[ProviderEvent]) -> AckResponse:
        """Meta only needs a 200."""
        return AckResponse(200, b"", "text/plain")

    # --- outbound ------------------------------------------------------------------------------

    async def send(self, msg: OutboundMessage) -> SendResult:
        """Text (split at 4096), reply buttons (≤3) or a list (≤10); a template outside the window.

        Raises:
            SendError: ``window_closed`` without a template; Graph's code otherwise (131047
                outside the window, 130429/131056 rate limits with ``retry_after``).
        """
        to = _recipient(msg.recipient)
        if not msg.within_window:
            name = msg.template or self._template
            if not name:
                raise SendError(
                    "outside WhatsApp's 24-hour window and "
                    "SIAGA_WHATSAPP_TEMPLATE_NAME is not set",
                    retryable=False,
                    code="window_closed",
                )
            await self.pacer.wait(msg.recipient)
            return SendResult(await self._post({**to, **_template(name, msg)}, msg.recipient))
        bodies = _bodies(msg.text, msg.buttons)
        if not bodies:
            raise SendError("nothing to send: empty text", retryable=False, code="empty")

        async def send_part(_index: int, body: dict[str, Any]) -> str | None:
            return await self._post({**to, **body}, msg.recipient)

        return SendResult(
            await self._sending.send(msg.outbox_id, msg.recipient, bodies, send_part)
        )

    async def _post(self, body: dict[str, Any], recipient: str) -> str | None:
        """POST /{phone_number_id}/messages; returns the wamid."""
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", **body}
        url = f"{self._api_url}/{self._pnid}/messages"
        try:
            async with self._session().post(
                url,
                json=payload,
                headers=self._auth(),
                timeout=aiohttp.ClientTimeout(total=30),
            ) as resp:
                text = await resp.text()
                if resp.status >= 400:
                    raise self._send_error(resp.status, text, resp.headers, recipient)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SendError(
                f"whatsapp network error ({type(exc).__name__})", retryable=True, code="network"
            ) from None
        try:
            messages = json.loads(text).get("messages") or [{}]
            wamid = messages[0].get("id")
        except (json.JSONDecodeError, AttributeError, IndexError):
            wamid = None
        return str(wamid) if wamid else None

    def _send_error(
        self, status: int, text: str, headers: Mapping[str, str], recipient: str
    ) -> SendError:
        """Graph error JSON → SendError; rate limits also pause the pacer (§4.5, §4.7)."""
        try:
            error = json.loads(text).get("error") or {}
        except (json.JSONDecodeError, AttributeError):
            error = {}
        code = error.get("code")
        code_text = str(code) if code is not None else str(status)
        retry_after = _retry_after(headers)
        if code == _WINDOW_CLOSED:
            return SendError(
                "whatsapp 131047: outside the 24-hour window (template required)",
                retryable=False,
                code=code_text,
            )
        if code == _PAIR_LIMIT:
            wait = retry_after or 6.0
            self.pacer.pause(wait, recipient)
            return SendError(
                "whatsapp 131056: pair rate limit",
                retryable=True,
                code=code_text,
                retry_after=wait,
            )
        if code in _THROUGHPUT or status == 429:
            wait = retry_after or 1.0
            self.pacer.pause(wait)
            return SendError(
                f"whatsapp {code_text}: throughput limit",
                retryable=True,
                code=code_text,
                retry_after=wait,
            )
        if code in _UNDELIVERABLE:
            return SendError(
                f"whatsapp {code_text}: {error.get('title') or 'undeliverable'}",
                retryable=False,
                code=code_text,
            )
        if code in _AUTH or status in {401, 403}:
            return SendError(
                f"whatsapp {code_text}: token or permission rejected",
                retryable=False,
                code=code_text,
            )
        if status >= 500 or code in {1, 2, 131000}:
            return SendError(f"whatsapp {code_text}: server error", retryable=True, code=code_text)
        return SendError(
            f"whatsapp rejected the message ({code_text})", retryable=False, code=code_text
        )

    async def download(self, ref: MediaRef, max_bytes: int) -> tuple[bytes, str | None]:
        """GET /{media-id} for a short-lived URL, then GET it with the same bearer token (§4.8).

        Raises:
            MediaError: unknown id, too large, or a network failure.
        """
        url = f"{self._api_url}/{ref.url}"
        try:
            async with self._session().get(
                url, headers=self._auth(), timeout=aiohttp.ClientTimeout(total=30)
            ) as resp:
                if resp.status >= 400:
                    raise MediaError(f"whatsapp media lookup failed with HTTP {resp.status}")
                info = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise MediaError(f"whatsapp media lookup failed ({type(exc).__name__})") from None
        if not isinstance(info, dict) or not info.get("url"):
            raise MediaError("whatsapp media lookup returned no url")
        size = info.get("file_size")
        if isinstance(size, int) and size > max_bytes:
            raise MediaError("whatsapp media larger than the media limit", too_large=True)
        mime = ref.mime_type or info.get("mime_type")
        return await fetch_capped(
            self._session(), str(info["url"]), max_bytes, mime, headers=self._auth()
        )

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            raise SendError("whatsapp adapter not started", retryable=True, code="not_started")
        return self._http


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = header(headers, "Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _recipient(recipient: str) -> dict[str, str]:
    """Phone-based ``to``, or ``recipient`` for a BSUID (``US.…``) when there is no wa_id."""
    if recipient.startswith("US."):
        return {"recipient": recipient}
    return {"to": recipient}


def _template(name: str, msg: OutboundMessage) -> dict[str, Any]:
    """A template message; variables fill the body parameters in key order ("1", "2", …)."""
    template: dict[str, Any] = {"name": name, "language": {"code": msg.language or "id"}}
    if msg.template_variables:
        keys = sorted(msg.template_variables, key=lambda k: (not k.isdigit(), k.zfill(8)))
        params = [{"type": "text", "text": msg.template_variables[k]} for k in keys]
        template["components"] = [{"type": "body", "parameters": params}]
    return {"type": "template", "template": template}


def _text(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


def _bodies(text: str, buttons: Sequence[Button]) -> list[dict[str, Any]]:
    """The request bodies for one reply: text parts, the last one interactive when possible."""
    interactive = _interactive_kind(buttons)
    if interactive is None:
        return [_text(p) for p in split_text(numbered(text, buttons), TEXT_LIMIT)]
    # The interactive body is limited to 1024: earlier parts go as plain text.
    parts = split_text(text, INTERACTIVE_BODY_LIMIT) or ["…"]
    head = "\n\n".join(parts[:-1])
    bodies = [_text(p) for p in split_text(head, TEXT_LIMIT)]
    last = parts[-1]
    if interactive == "button":
        action: dict[str, Any] = {
            "buttons": [
                {"type": "reply", "reply": {"id": b.payload, "title": b.title}} for b in buttons
            ]
        }
    else:
        rows = [{"id": b.payload, "title": b.title} for b in buttons]
        # A single section needs no title.
        action = {"button": LIST_BUTTON_LABEL, "sections": [{"rows": rows}]}
    bodies.append(
        {
            "type": "interactive",
            "interactive": {"type": interactive, "body": {"text": last}, "action": action},
        }
    )
    return bodies


def _interactive_kind(buttons: Sequence[Button]) -> str | None:
    """``button`` (≤3, titles ≤20), ``list`` (≤10, titles ≤24) or None (numbered text)."""
    if not buttons or not all(0 < len(b.payload) <= PAYLOAD_ID_LIMIT for b in buttons):
        return None
    titles = [len(b.title) for b in buttons]
    if len(buttons) <= MAX_REPLY_BUTTONS and max(titles) <= BUTTON_TITLE_LIMIT:
        return "button"
    if len(buttons) <= MAX_LIST_ROWS and max(titles) <= ROW_TITLE_LIMIT:
        return "list"
    return None


# --- parsing (pure) ----------------------------------------------------------------------------


def parse_notification(data: Any, phone_number_id: str) -> list[ProviderEvent]:
    """A webhook notification → events for our number.

    Raises:
        AnomalousPayload: not the documented envelope, or a message/status without its id.
    """
    if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
        raise AnomalousPayload("whatsapp notification without an entry list")
    if data.get("object") != "whatsapp_business_account":
        return [Ignored(f"whatsapp object {data.get('object')!s:.40}")]
    events: list[ProviderEvent] = []
    for entry in data["entry"]:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            raise AnomalousPayload("whatsapp entry without a changes list")
        for change in changes:
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                events.append(Ignored("whatsapp change without a value"))
                continue
            if change.get("field") != "messages":
                events.append(Ignored(f"whatsapp field {change.get('field')!s:.40}"))
                continue
            events.extend(_parse_value(change["value"], phone_number_id))
    return events or [Ignored("whatsapp notification without changes")]


def _parse_value(value: Mapping[str, Any], phone_number_id: str) -> list[ProviderEvent]:
    metadata = _dict(value.get("metadata"))
    if phone_number_id and metadata.get("phone_number_id") not in (None, phone_number_id):
        return [Ignored("whatsapp notification for another phone number")]
    messages = value.get("messages") or []
    statuses = value.get("statuses") or []
    contacts = value.get("contacts") or []
    if not all(isinstance(x, list) for x in (messages, statuses, contacts)):
        raise AnomalousPayload("whatsapp messages/statuses/contacts are not lists")
    events: list[ProviderEvent] = []
    bad = 0
    # One broken item must not cost the others their place (issue 14): each is parsed on its
    # own, and a broken one is logged and skipped when the rest of the batch is usable.
    jobs: list[Callable[[], ProviderEvent]] = [
        *(functools.partial(_parse_message, m, contacts) for m in messages),
        *(functools.partial(_parse_status, st) for st in statuses),
    ]
    for job in jobs:
        try:
            events.append(job())
        except (AnomalousPayload, AttributeError, KeyError, TypeError, ValueError) as exc:
            bad += 1
            reason = exc if isinstance(exc, AnomalousPayload) else type(exc).__name__
            events.append(Ignored(f"whatsapp item not usable: {reason}"[:80]))
    if bad and bad == len(messages) + len(statuses):
        raise AnomalousPayload("whatsapp notification without a usable message or status")
    if not events:
        kinds = sorted(str(k) for k in value if k not in {"messaging_product", "metadata"})
        events.append(Ignored(f"whatsapp value without messages ({','.join(kinds)[:60]})"))
    return events


def _parse_status(s: Any) -> ProviderEvent:
    if not isinstance(s, dict) or not _id(s.get("id")) or not _id(s.get("status")):
        raise AnomalousPayload("whatsapp status without id/status")
    if s.get("recipient_type") == "group":
        return Ignored("whatsapp status of a group message")
    status = _STATUS_MAP.get(str(s["status"]))
    if status is None:
        return Ignored(f"whatsapp status {s['status']!s:.20}")
    errors = s.get("errors") or [{}]
    first = errors[0] if isinstance(errors, list) and errors else {}
    code = first.get("code") if isinstance(first, dict) else None
    message = (first.get("title") or first.get("message")) if isinstance(first, dict) else None
    return StatusUpdate(
        dedup_key=f"{s['id']}:{status}",
        external_id=str(s["id"]),
        status=status,
        error_code=str(code) if isinstance(code, int | str) else None,
        error_message=str(message) if isinstance(message, str) and message else None,
        raw=s,
    )


def _parse_message(m: Any, contacts: Sequence[Any]) -> ProviderEvent:
    """One ``messages[]`` item. Raises AnomalousPayload without id or sender."""
    if not isinstance(m, dict) or not _id(m.get("id")):
        raise AnomalousPayload("whatsapp message without id")
    if m.get("group_id"):
        # A group message (Cloud API groups): answered privately it would tell the group
        # nothing and the sender too much; ignored as on Telegram (issue 14).
        return Ignored("whatsapp group message")
    wa_id = _id(m.get("from"))
    bsuid = _id(m.get("from_user_id"))
    if wa_id and wa_id.startswith("US."):
        wa_id, bsuid = None, bsuid or wa_id  # a BSUID in ``from`` (courier's fixtures)
    contact = _contact_for(contacts, wa_id, bsuid)
    wa_id = wa_id or _id(contact.get("wa_id"))
    bsuid = bsuid or _id(contact.get("user_id"))
    key = wa_id or bsuid
    if not key:
        raise AnomalousPayload("whatsapp message without from/from_user_id")
    profile = _dict(contact.get("profile"))
    common: dict[str, Any] = {
        "dedup_key": str(m["id"]),
        "conversation_key": key,
        "external_id": str(m["id"]),
        "display_name": _s(profile.get("name")) or None,
        "alt_user_id": bsuid if key == wa_id else wa_id,
        "phone": e164(wa_id) if wa_id else None,
        "raw": {"message": m, "contact": contact},
    }
    kind = m.get("type")
    if kind == "edit":
        edit = _dict(m.get("edit"))
        original = _id(edit.get("original_message_id"))
        if not original:
            raise AnomalousPayload("whatsapp edit without original_message_id")
        content = _content(_dict(edit.get("message")))
        if isinstance(content, str):
            content = {"text": unsupported_text(f"edit {content}")}
        return MessageIn(**common, **content, kind=EDIT, original_id=original)
    if kind == "revoke":
        original = _id(_dict(m.get("revoke")).get("original_message_id"))
        if not original:
            raise AnomalousPayload("whatsapp revoke without original_message_id")
        return MessageIn(**common, text="", kind=REVOKE, original_id=original)
    content = _content(m)
    if isinstance(content, str):
        # Reactions, orders, ``unsupported`` and unknown types: kept for operators, not answered.
        return MessageIn(**common, text=unsupported_text(content), kind=UNSUPPORTED)
    return MessageIn(**common, **content)


def _content(m: Mapping[str, Any]) -> dict[str, Any] | str:
    """The readable content of a message (or of an edit's new version) as MessageIn fields,
    or a short description of what it is when there is nothing we can read (unsupported)."""
    kind = m.get("type")
    label = _s(kind)[:20] or "unknown"
    if kind == "text":
        text = _s(_dict(m.get("text")).get("body"))
        return {"text": text} if text else "empty text"
    if kind in _MEDIA_TYPES or kind == "voice":
        item = _dict(m.get(label))
        media_id = _id(item.get("id"))
        if not media_id:
            return f"{label} without a media id"
        voice = kind == "voice" or (kind == "audio" and item.get("voice") is True)
        media_kind = "voice" if voice else _MEDIA_TYPES[label]
        caption = _s(item.get("caption")) or None
        mime = _s(item.get("mime_type")) or None
        return {"media": (MediaRef(media_kind, media_id, mime, caption),), "text": caption or ""}
    if kind == "location":
        loc = _dict(m.get("location"))
        pair = coordinates(loc.get("latitude"), loc.get("longitude"))
        if pair is None:
            return "location without valid coordinates"
        name = _s(loc.get("name")) or _s(loc.get("address")) or None
        return {"location": Location(pair[0], pair[1], name), "text": ""}
    if kind == "interactive":
        inter = _dict(m.get("interactive"))
        reply = _dict(inter.get("button_reply")) or _dict(inter.get("list_reply"))
        if not reply:
            return f"interactive {_s(inter.get('type'))[:20]}".strip()
        payload = _id(reply.get("id"))
        return {"payload": payload, "text": _s(reply.get("title")) or (payload or "")}
    if kind == "button":
        button = _dict(m.get("button"))
        payload = _id(button.get("payload"))
        text = _s(button.get("text"))
        return {"payload": payload, "text": text or payload or ""} if text or payload else label
    if kind == "contacts":
        lines = []
        shared = m.get("contacts")
        for c in shared if isinstance(shared, list) else []:
            if not isinstance(c, dict):
                continue
            name = _s(_dict(c.get("name")).get("formatted_name"))
            phones = c["phones"] if isinstance(c.get("phones"), list) else []
            numbers = " ".join(_s(_dict(p).get("phone")) for p in phones).strip()
            lines.append(f"{name} {numbers}".strip())
        text = "\n".join(line for line in lines if line)
        return {"text": text} if text else "contacts without names or numbers"
    if kind == "reaction":
        emoji = _s(_dict(m.get("reaction")).get("emoji"))
        return f"reaction {emoji}".strip() if emoji else "reaction removed"
    if kind == "unsupported":
        inner = _s(_dict(m.get("unsupported")).get("type"))[:20]
        return f"unsupported {inner}".strip()
    return label


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _id(value: Any) -> str | None:
    """A provider id: a non-empty string or an integer (never a list, an object or a bool)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value) or None


def _contact_for(contacts: Sequence[Any], wa_id: str | None, bsuid: str | None) -> dict[str, Any]:
    """The ``contacts[]`` item of this sender (matched on wa_id or BSUID; else the only one)."""
    items = [c for c in contacts if isinstance(c, dict)]
    for c in items:
        if (wa_id and c.get("wa_id") == wa_id) or (bsuid and c.get("user_id") == bsuid):
            return c
    return items[0] if len(items) == 1 else {}


def signature_for(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta would send (fixtures, fake servers, tests)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
