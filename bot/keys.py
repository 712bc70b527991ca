"""Typed ``web.AppKey`` constants: what the composition root (``bot.app``) puts on the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings

if TYPE_CHECKING:
    from bot.channels.base import ChannelAdapter
    from bot.dispatcher import Dispatcher
    from bot.ratelimit import PublicLimits
    from bot.sender import Sender
    from bot.signals import Signals
    from nlu.types import NluBackend

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS: web.AppKey[async_sessionmaker[AsyncSession]] = web.AppKey("sessions")
# The dispatcher's and sender's own pool (PostgreSQL), so requests never wait behind them.
WORKER_SESSIONS: web.AppKey[async_sessionmaker[AsyncSession]] = web.AppKey("worker_sessions")
# One connection of its own for LISTEN/NOTIFY (bot.signals), outside the request pool.
SIGNALS_ENGINE = web.AppKey("signals_engine", AsyncEngine)
HTTP = web.AppKey("http", aiohttp.ClientSession)
ADAPTERS: web.AppKey[dict[str, ChannelAdapter]] = web.AppKey("adapters")
NLU: web.AppKey[NluBackend] = web.AppKey("nlu")
DISPATCHER: web.AppKey[Dispatcher] = web.AppKey("dispatcher")
SENDER: web.AppKey[Sender] = web.AppKey("sender")
SIGNALS: web.AppKey[Signals] = web.AppKey("signals")
# The public side's abuse limits and cached block list (bot.ratelimit, docs/abuse.md).
LIMITS: web.AppKey[PublicLimits] = web.AppKey("limits")
