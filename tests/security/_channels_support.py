"""Helpers for the channel findings of issue 14: signed provider requests built from inline
payloads, and small database reads. The app, the database and the pipeline are the real ones;
only the providers are the fakes in ``tests/support/fake_providers.py``."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlencode

import aiohttp
from sqlalchemy import select

from bot.channels.meta_whatsapp import signature_for as meta_signature
from bot.channels.twilio_whatsapp import signature_for as twilio_signature
from bot.keys import SESSIONS
from storage.models import Contact, Message
from tests.channels.harness import WireRequest, load
from tests.support.e2e import PUBLIC_URL, post
from tests.support.fake_providers import META_APP_SECRET, TELEGRAM_SECRET, TWILIO_AUTH_TOKEN
from tests.support.server import RunningSiaga


def telegram(update: dict[str, Any]) -> WireRequest:
    """A Telegram update with the right secret header."""
    body = json.dumps(update, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
    }
    return WireRequest("/webhooks/telegram", body, headers)


def meta(notification: dict[str, Any]) -> WireRequest:
    """A Cloud API notification signed with the app secret."""
    body = json.dumps(notification, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": meta_signature(META_APP_SECRET, body),
    }
    return WireRequest("/webhooks/whatsapp", body, headers)


def twilio(fields: dict[str, str], *, status: bool = False) -> WireRequest:
    """A Twilio form post signed for the public URL."""
    path = "/webhooks/twilio/status" if status else "/webhooks/twilio"
    body = urlencode(fields).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(TWILIO_AUTH_TOKEN, PUBLIC_URL + path, fields),
    }
    return WireRequest(path, body, headers)


def meta_with_messages(*messages: dict[str, Any], contacts: Any = None) -> dict[str, Any]:
    """The repository's Meta text fixture with its ``messages`` (and contacts) replaced."""
    data = copy.deepcopy(load("whatsapp", "message__text"))
    value = data["entry"][0]["changes"][0]["value"]
    value["messages"] = list(messages)
    if contacts is not None:
        value["contacts"] = contacts
    return data


async def send(client: aiohttp.ClientSession, siaga: RunningSiaga, req: WireRequest) -> int:
    """Post and return the HTTP status."""
    status, _, _ = await post(client, siaga, req)
    return status


async def inbound_messages(siaga: RunningSiaga) -> list[Message]:
    """The message log's inbound rows, oldest first."""
    async with siaga.app[SESSIONS]() as session:
        rows = await session.scalars(
            select(Message).where(Message.direction == "in").order_by(Message.id)
        )
        return list(rows)


async def contacts(siaga: RunningSiaga) -> list[Contact]:
    """Every contact, oldest first."""
    async with siaga.app[SESSIONS]() as session:
        return list(await session.scalars(select(Contact).order_by(Contact.id)))
