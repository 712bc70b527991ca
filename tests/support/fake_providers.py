"""Local fake provider servers that speak the documented wire formats (``docs/wire-protocols.md``).

Each fake is a real aiohttp server on 127.0.0.1 (random port) that records every request it gets,
answers like the provider, and can be told to fail (429 with retry_after, 403 blocked, WhatsApp
window errors). Point the matching ``SIAGA_*_API_URL`` at ``fake.url`` (Meta: ``fake.api_url``).

Usable by anyone: ``async with FakeTelegram() as tg: ...; tg.sent[0].params["text"]``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web

# Credentials the tests use everywhere (never real ones).
TELEGRAM_TOKEN = "7000000000:AAFakeTokenForTestsOnly_abcdefghijk"
TELEGRAM_SECRET = "test-webhook-secret_0123456789"
TWILIO_ACCOUNT_SID = "AC0f1e2d3c4b5a69788796a5b4c3d2e1f0"
TWILIO_AUTH_TOKEN = "test-twilio-auth-token-0123456789"
TWILIO_NUMBER = "whatsapp:+14155238886"
META_TOKEN = "EAAGtestaccesstoken0123456789"
META_APP_SECRET = "test-meta-app-secret"
META_VERIFY_TOKEN = "test-verify-token"
META_PHONE_NUMBER_ID = "106540352242922"
META_VERSION = "v21.0"


@dataclass
class Captured:
    """One request a fake received."""

    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer:
    """Start/stop, request log and waiting helpers shared by the fakes."""

    def __init__(self) -> None:
        """Build the aiohttp app; :meth:`start` binds it."""
        self.app = web.Application()
        self.requests: list[Captured] = []
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self._failures: dict[str, deque[_Failure]] = {}
        # Seconds each request takes to answer, as a real provider under load (None: at once).
        # Called with the request path; the request is recorded before the wait.
        self.latency: Callable[[str], float] | None = None

    async def start(self) -> Self:
        """Listen on 127.0.0.1 on a free port; sets :attr:`url`."""
        # A fake need not drain in-flight requests politely: never block a test's teardown.
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        """Start."""
        return await self.start()

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop."""
        await self.stop()

    async def _record(self, captured: Captured) -> None:
        self.requests.append(captured)
        async with self._changed:
            self._changed.notify_all()
        if self.latency is not None:
            await asyncio.sleep(self.latency(captured.path))

    def calls(self, name: str) -> list[Captured]:
        """Requests whose path ends with ``name`` (a Bot API method, ``Messages.json``, …)."""
        return [c for c in self.requests if c.path.endswith(name)]

    async def wait_for(self, name: str, count: int = 1, within: float = 10.0) -> list[Captured]:
        """Wait until at least ``count`` requests to ``name`` arrived; returns them."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(self.calls(name)) >= count)
        return self.calls(name)

    def fail_next(
        self,
        name: str,
        status: int,
        body: dict[str, Any],
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests to ``name`` with ``status`` and ``body``."""
        queue = self._failures.setdefault(name, deque())
        for _ in range(times):
            queue.append(_Failure(status, body, headers or {}))

    def _take_failure(self, name: str) -> _Failure | None:
        queue = self._failures.get(name)
        return queue.popleft() if queue else None


async def _params(request: web.Request) -> dict[str, Any]:
    """Form or JSON body as a dict; repeated form names become lists."""
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data) if isinstance(data, dict) else {"_json": data}
    if request.method == "GET":
        return dict(request.query)
    form = await request.post()
    out: dict[str, Any] = {}
    for key in form:
        values = form.getall(key)
        out[key] = values[0] if len(values) == 1 else list(values)
    return out


# --- Telegram Bot API --------------------------------------------------------------------------


class FakeTelegram(FakeServer):
    """A Bot API server: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>``.

    PTB posts form-encoded bodies where non-strings (``reply_markup``, ints) are JSON strings
    (``docs/wire-protocols.md`` §2.5); :attr:`sent` decodes ``reply_markup`` for convenience.
    """

    def __init__(self, token: str = TELEGRAM_TOKEN) -> None:
        """Accept requests for ``token`` only (others get 401, like Telegram)."""
        super().__init__()
        self.token = token
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, data)
        self.blocked: set[int] = set()
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {}
        self._message_ids = itertools.count(1000)
        self.app.router.add_route("*", "/bot{token}/{method}", self._method)
        self.app.router.add_get("/file/bot{token}/{path:.*}", self._file)

    @property
    def sent(self) -> list[Captured]:
        """Every ``sendMessage`` received, in arrival order."""
        return self.calls("/sendMessage")

    def add_file(self, file_id: str, data: bytes, file_path: str | None = None) -> None:
        """Serve ``data`` for ``getFile(file_id)``."""
        self.files[file_id] = (file_path or f"documents/{file_id}.bin", data)

    async def _method(self, request: web.Request) -> web.Response:
        params = await _params(request)
        method = request.match_info["method"]
        if "reply_markup" in params and isinstance(params["reply_markup"], str):
            params["reply_markup"] = json.loads(params["reply_markup"])
        await self._record(Captured(request.method, request.path, params, dict(request.headers)))
        if request.match_info["token"] != self.token:
            return _tg_error(401, "Unauthorized")
        failure = self._take_failure(method) or self._take_failure("*")
        if failure is not None:
            return web.json_response(failure.body, status=failure.status)
        handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "answerCallbackQuery": lambda p: True,
            "getFile": self._get_file,
            "setWebhook": self._set_webhook,
            "deleteWebhook": lambda p: True,
            "getWebhookInfo": lambda p: {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": 0,
            },
            "getUpdates": self._get_updates,
            "sendChatAction": lambda p: True,
        }
        handler = handlers.get(method)
        if handler is None:
            return _tg_error(404, "Not Found: method not found")
        try:
            result = handler(params)
        except _TgError as exc:
            return _tg_error(exc.status, exc.description)
        return web.json_response({"ok": True, "result": result})

    def _get_me(self, _p: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": int(self.token.split(":")[0]),
            "is_bot": True,
            "first_name": "Siaga",
            "username": "siaga_test_bot",
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _send_message(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(p["chat_id"])
        if chat_id in self.blocked:
            raise _TgError(403, "Forbidden: bot was blocked by the user")
        if not p.get("text"):
            raise _TgError(400, "Bad Request: message text is empty")
        if len(str(p["text"]).encode("utf-16-le")) // 2 > 4096:
            raise _TgError(400, "Bad Request: message is too long")
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "text": p["text"],
            "from": self._get_me(p),
        }

    def _get_file(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id = str(p.get("file_id"))
        if file_id not in self.files:
            raise _TgError(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": "u" + file_id[-8:],
            "file_size": len(data),
            "file_path": path,
        }

    def _set_webhook(self, p: dict[str, Any]) -> bool:
        self.webhook = dict(p)
        return True

    def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(p.get("offset") or 0)
        return [u for u in self.updates if u["update_id"] >= offset][: int(p.get("limit") or 100)]

    async def _file(self, request: web.Request) -> web.Response:
        await self._record(Captured("GET", request.path, {}, dict(request.headers)))
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        for path, data in self.files.values():
            if path == request.match_info["path"]:
                return web.Response(body=data, content_type="application/octet-stream")
        return web.Response(status=404)


class _TgError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _tg_error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)


def telegram_error(
    status: int, description: str, retry_after: int | None = None
) -> dict[str, Any]:
    """A Bot API error body for :meth:`FakeServer.fail_next` (429: pass ``retry_after``)."""
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return body


# --- Twilio ------------------------------------------------------------------------------------


class FakeTwilio(FakeServer):
    """Twilio's REST API: ``Messages.json`` create and Basic-auth media URLs (with a redirect)."""

    def __init__(
        self, account_sid: str = TWILIO_ACCOUNT_SID, auth_token: str = TWILIO_AUTH_TOKEN
    ) -> None:
        """Accept Basic auth ``account_sid:auth_token`` only."""
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.media: dict[str, tuple[bytes, str]] = {}
        self._sids = itertools.count(1)
        base = "/2010-04-01/Accounts/{sid}"
        self.app.router.add_post(base + "/Messages.json", self._create)
        self.app.router.add_get(base + "/Messages/{mm}/Media/{me}", self._media)
        self.app.router.add_get("/storage/{me}", self._storage)

    @property
    def sent(self) -> list[Captured]:
        """Every ``Messages.json`` create received."""
        return self.calls("/Messages.json")

    def add_media(self, message_sid: str, media_sid: str, data: bytes, mime: str) -> str:
        """Serve ``data``; returns its MediaUrl (as Twilio would put in ``MediaUrl0``)."""
        self.media[media_sid] = (data, mime)
        return (
            f"{self.url}/2010-04-01/Accounts/{self.account_sid}/Messages/{message_sid}"
            f"/Media/{media_sid}"
        )

    def _authorised(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    async def _create(self, request: web.Request) -> web.Response:
        params = await _params(request)
        await self._record(Captured("POST", request.path, params, dict(request.headers)))
        if not self._authorised(request):
            return web.json_response(twilio_error(20003, "Authenticate", 401), status=401)
        failure = self._take_failure("Messages.json")
        if failure is not None:
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        sid = f"SM{next(self._sids):032x}"
        return web.json_response(
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": params.get("To"),
                "from": params.get("From"),
                "body": params.get("Body", ""),
                "status": "queued",
                "num_segments": "1",
                "num_media": "0",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "error_code": None,
                "error_message": None,
                "date_created": "Mon, 23 Nov 2026 10:00:00 +0000",
                "date_sent": None,
                "date_updated": "Mon, 23 Nov 2026 10:00:00 +0000",
                "price": None,
                "messaging_service_sid": None,
                "uri": request.path.replace(".json", f"/{sid}.json"),
                "subresource_uris": {},
            },
            status=201,
        )

    async def _media(self, request: web.Request) -> web.Response:
        await self._record(Captured("GET", request.path, {}, dict(request.headers)))
        if not self._authorised(request):
            return web.json_response(twilio_error(20003, "Authenticate", 401), status=401)
        me = request.match_info["me"]
        if me not in self.media:
            return web.json_response(twilio_error(20404, "Not found", 404), status=404)
        # Twilio answers with a redirect to short-lived storage (docs/wire-protocols.md §3.6).
        raise web.HTTPFound(f"/storage/{me}")

    async def _storage(self, request: web.Request) -> web.Response:
        me = request.match_info["me"]
        if me not in self.media:
            return web.Response(status=404)
        data, mime = self.media[me]
        return web.Response(body=data, content_type=mime)


def twilio_error(code: int, message: str, status: int = 400) -> dict[str, Any]:
    """A Twilio REST error body (``TwilioRestException`` reads ``code`` and ``message``)."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


# --- Meta Graph (WhatsApp Cloud API) -----------------------------------------------------------


class FakeMeta(FakeServer):
    """Graph API: ``/{version}/{phone_number_id}/messages``, media lookup and download."""

    def __init__(self, token: str = META_TOKEN, version: str = META_VERSION) -> None:
        """Accept ``Authorization: Bearer <token>`` only."""
        super().__init__()
        self.token = token
        self.version = version
        self.media: dict[str, tuple[bytes, str]] = {}
        self._ids = itertools.count(1)
        self.app.router.add_post(f"/{version}/{{pnid}}/messages", self._messages)
        self.app.router.add_get(f"/{version}/{{media_id}}", self._media_info)
        self.app.router.add_get("/whatsapp_business/attachments/{media_id}", self._download)

    @property
    def api_url(self) -> str:
        """What ``SIAGA_WHATSAPP_API_URL`` should be (base URL plus the Graph version)."""
        return f"{self.url}/{self.version}"

    @property
    def sent(self) -> list[Captured]:
        """Every ``/messages`` request received."""
        return self.calls("/messages")

    def add_media(self, media_id: str, data: bytes, mime: str) -> None:
        """Serve ``data`` for media id ``media_id``."""
        self.media[media_id] = (data, mime)

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.token}"

    async def _messages(self, request: web.Request) -> web.Response:
        params = await _params(request)
        await self._record(Captured("POST", request.path, params, dict(request.headers)))
        if not self._authorised(request):
            return web.json_response(meta_error(190, "Invalid OAuth access token"), status=401)
        failure = self._take_failure("messages")
        if failure is not None:
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        to = params.get("to") or params.get("recipient")
        wamid = f"wamid.FAKE{next(self._ids):020d}"
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": wamid}],
            }
        )

    async def _media_info(self, request: web.Request) -> web.Response:
        await self._record(Captured("GET", request.path, {}, dict(request.headers)))
        if not self._authorised(request):
            return web.json_response(meta_error(190, "Invalid OAuth access token"), status=401)
        media_id = request.match_info["media_id"]
        if media_id not in self.media:
            return web.json_response(meta_error(100, "Invalid parameter"), status=400)
        data, mime = self.media[media_id]
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "url": f"{self.url}/whatsapp_business/attachments/{media_id}",
                "mime_type": mime,
                "sha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
                "file_size": len(data),
                "id": media_id,
            }
        )

    async def _download(self, request: web.Request) -> web.Response:
        await self._record(Captured("GET", request.path, {}, dict(request.headers)))
        if not self._authorised(request):  # the download needs the bearer token too (§4.8)
            return web.Response(status=401)
        media_id = request.match_info["media_id"]
        if media_id not in self.media:
            return web.Response(status=404)
        data, mime = self.media[media_id]
        return web.Response(body=data, content_type=mime)


def meta_error(code: int, message: str, title: str | None = None) -> dict[str, Any]:
    """A Graph error body (``docs/wire-protocols.md`` §4.5)."""
    return {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": title or message},
            "fbtrace_id": "AbCdEfGhIjKlMnOp",
        }
    }
