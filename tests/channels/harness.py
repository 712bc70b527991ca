"""Fixture loading and signing shared by the channel tests (courier's RunIncomingTestCases).

A fixture is ``tests/fixtures/<channel>/<event>__<variant>.json``: the JSON body Telegram/Meta
post, or Twilio's form fields as a dict. An optional ``_headers`` key holds headers sent verbatim
(bad-signature cases); otherwise the request is signed with the test credentials at send time, for
the URL the test uses (Twilio signs the URL, so a fixture cannot carry a fixed signature).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.channels.base import MessageIn, ProviderEvent, RawRequest, StatusUpdate, UserBlocked
from bot.channels.meta_whatsapp import signature_for as meta_signature
from bot.channels.twilio_whatsapp import signature_for as twilio_signature
from tests.support.fake_providers import META_APP_SECRET, TELEGRAM_SECRET, TWILIO_AUTH_TOKEN

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PUBLIC_URL = "https://siaga.example.org"


@dataclass(frozen=True)
class WireRequest:
    """What goes over HTTP for one fixture."""

    path: str
    body: bytes
    headers: dict[str, str]


def fixture_names(channel: str) -> list[str]:
    """Every fixture of a channel (to check each one is covered by a table)."""
    return sorted(p.stem for p in (FIXTURES / channel).glob("*.json"))


def load(channel: str, name: str) -> dict[str, Any]:
    """The fixture's JSON."""
    data = json.loads((FIXTURES / channel / f"{name}.json").read_text())
    assert isinstance(data, dict)
    return data


def webhook_path(channel: str, name: str) -> str:
    """The route a fixture is posted to."""
    if channel == "twilio":
        return "/webhooks/twilio/status" if name.startswith("status__") else "/webhooks/twilio"
    return f"/webhooks/{channel}"


def wire(
    channel: str,
    name: str,
    *,
    public_url: str = PUBLIC_URL,
    replace_text: dict[str, str] | None = None,
) -> WireRequest:
    """Body and headers for ``name``, signed for ``public_url`` unless it carries ``_headers``.

    ``replace_text`` rewrites string values first (e.g. Twilio MediaUrl → the fake's URL).
    """
    data = load(channel, name)
    fixed = data.pop("_headers", None)
    if replace_text:
        data = _rewrite(data, replace_text)
    path = webhook_path(channel, name)
    if channel == "twilio":
        body = urlencode(data).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        headers["X-Twilio-Signature"] = twilio_signature(
            TWILIO_AUTH_TOKEN, public_url + path, data
        )
    else:
        body = json.dumps(data, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if channel == "telegram":
            headers["X-Telegram-Bot-Api-Secret-Token"] = TELEGRAM_SECRET
        else:
            headers["X-Hub-Signature-256"] = meta_signature(META_APP_SECRET, body)
    if fixed is not None:
        for key in list(headers):
            if key.lower() in {k.lower() for k in fixed}:
                del headers[key]
        headers.update(fixed)
    return WireRequest(path, body, headers)


def raw_request(channel: str, name: str, **kw: Any) -> RawRequest:
    """A RawRequest as the webhook route would build it (for pure verify/parse tests)."""
    w = wire(channel, name, **kw)
    public_url = kw.get("public_url", PUBLIC_URL)
    return RawRequest("POST", public_url + w.path, w.path, w.headers, w.body)


def _rewrite(value: Any, pairs: dict[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in pairs.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {k: _rewrite(v, pairs) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, pairs) for v in value]
    return value


def without_raw(event: ProviderEvent) -> ProviderEvent:
    """The event minus ``raw`` (the provider payload), for exact comparisons in tables."""
    if isinstance(event, MessageIn | StatusUpdate | UserBlocked):
        return replace(event, raw={})
    return event


def verify_and_parse(adapter: Any, req: RawRequest) -> Sequence[ProviderEvent]:
    """What the ingest does first: verify, then parse (either may raise)."""
    adapter.verify(req)
    return adapter.parse(req)  # type: ignore[no-any-return]
