"""Abuse limits on the public side: token buckets per client address and per chat session.

The web chat needs no credentials and the webhooks must answer anyone who calls them, so both
are open to floods (issue 14: 870 requests in 20 s from one address, each with a new session,
made 871 conversations). Each request spends a token from its buckets; an empty bucket means
429 with ``Retry-After``, which the chat page honours by keeping the message and resending it
later with the same id (nothing typed is lost). What is limited, and why: docs/abuse.md.

* web chat messages: per client address and per session; new sessions per address (tighter
  for an address an operator blocked: see ``storage.abuse``);
* webhooks: only *refused* requests (wrong or missing signature) are counted, per address;
  authentic provider traffic is never limited.

The buckets live in this process's memory: with several web instances behind a load balancer
an address gets up to N times the budget (docs/abuse.md). Block lists are read from the
database and cached for :data:`BLOCKS_TTL` seconds, so a block reaches every instance.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Rate, Settings
from storage import abuse

BLOCKS_TTL = 5.0  # seconds a block list read from the database is used before it is read again
MAX_KEYS = 100_000  # buckets kept per kind; beyond it the fullest (idle) ones are forgotten
READS = 4  # a session's reads (polls, history) may come this many times as often as messages
MAX_SESSIONS = 200_000  # web-chat sessions remembered as "already seen" by this process

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class TooManyRequests(web.HTTPTooManyRequests):
    """429 with a JSON reason and ``Retry-After`` in whole seconds."""

    def __init__(self, reason: str, retry_after: float) -> None:
        """Build the response."""
        seconds = max(1, math.ceil(retry_after))
        super().__init__(
            text=f'{{"error": "{reason}", "retry_after": {seconds}}}',
            content_type="application/json",
            headers={"Retry-After": str(seconds)},
        )


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class Buckets:
    """Token buckets of one :class:`Rate`, keyed by a string (an address, a session id)."""

    def __init__(self, rate: Rate, *, max_keys: int = MAX_KEYS) -> None:
        """Empty; a key's bucket starts full."""
        self._capacity = float(rate.count)
        self._per_second = rate.count / rate.seconds
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, key: str, now: float | None = None) -> float:
        """Spend one token: 0.0 when there was one, else the seconds until there is."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(self._capacity, now)
            self._buckets[key] = bucket
            if len(self._buckets) > self._max_keys:
                self._forget(now)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(
                self._capacity, bucket.tokens + (now - bucket.at) * self._per_second
            )
            bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self._per_second

    def _forget(self, now: float) -> None:
        """Drop buckets that refilled (they hold nothing), then the least recently used."""
        full = [
            key
            for key, b in self._buckets.items()
            if b.tokens + (now - b.at) * self._per_second >= self._capacity
        ]
        for key in full:
            del self._buckets[key]
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)


def client_address(request: web.Request, trusted: tuple[IpNetwork, ...]) -> str:
    """The client's address: the peer, or, from a trusted proxy, the X-Forwarded-For entry
    nearest to us that is not a trusted proxy itself (entries further left can be forged)."""
    peer = request.remote or ""
    if not trusted or not _in(peer, trusted):
        return peer
    forwarded = request.headers.getall("X-Forwarded-For", [])
    hops = [h.strip() for line in forwarded for h in line.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, trusted):
            return hop if _valid(hop) else peer
    return peer


def _in(address: str, networks: tuple[IpNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _times(rate: Rate, factor: int) -> Rate:
    return Rate(rate.count * factor, rate.seconds)


class PublicLimits:
    """Every public-side limit of one process, and its cached copy of the block list."""

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Buckets per the settings (``SIAGA_WEBCHAT_*_LIMIT``, ``SIAGA_WEBHOOK_*``)."""
        self._secret = settings.secret_key.get()
        self._sessions = sessions
        self._trusted = tuple(ipaddress.ip_network(n) for n in settings.forwarded_allow_ips)
        self._per_address = Buckets(settings.webchat_address_limit)
        self._per_session = Buckets(settings.webchat_session_limit)
        self._reads_per_address = Buckets(_times(settings.webchat_address_limit, READS))
        self._reads_per_session = Buckets(_times(settings.webchat_session_limit, READS))
        self._new_sessions = Buckets(settings.webchat_new_session_limit)
        blocked = settings.webchat_new_session_limit
        self._blocked_new_sessions = Buckets(Rate(1, blocked.seconds))
        self._refusals = Buckets(settings.webhook_refusal_limit)
        self._refusal_rate = settings.webhook_refusal_limit
        self._refused_until: dict[str, float] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._blocks: frozenset[tuple[str, str, str]] = frozenset()
        self._blocks_at = -math.inf
        self._blocks_lock = asyncio.Lock()

    def address(self, request: web.Request) -> str:
        """The request's client address (see :func:`client_address`)."""
        return client_address(request, self._trusted)

    def hashed(self, address: str) -> str:
        """The keyed hash stored for ``address``."""
        return abuse.keyed(self._secret, address)

    # --- the web chat ------------------------------------------------------------------------

    def check_webchat_address(self, request: web.Request) -> str:
        """Spend the address's token for a message (before the body is read), or raise 429.

        Returns the client address, for :meth:`check_webchat_session`.
        """
        address = self.address(request)
        wait = self._per_address.take(address)
        if wait:
            raise TooManyRequests("too many messages from this address; retry later", wait)
        return address

    async def check_webchat_session(self, address: str, session_id: str) -> str:
        """Spend the session's token, and a new session's, or raise 429.

        Returns the keyed hash of the address (stored with the event, so an operator's block
        of the session can block the address too). An address operators blocked may start one
        new session per ``SIAGA_WEBCHAT_NEW_SESSION_LIMIT`` window: slowed, never silenced.
        """
        hashed = self.hashed(address)
        wait = self._per_session.take(session_id)
        if wait:
            raise TooManyRequests("too many messages in this chat; retry later", wait)
        if session_id not in self._seen:
            blocked = ("address", "webchat", hashed) in await self.blocks()
            wait = (self._blocked_new_sessions if blocked else self._new_sessions).take(address)
            if wait:
                raise TooManyRequests("too many new chats from this address; retry later", wait)
            self._seen[session_id] = None
            if len(self._seen) > MAX_SESSIONS:
                self._seen.popitem(last=False)
        return hashed

    def check_webchat_read(self, request: web.Request, session_id: str) -> None:
        """Reads (the page polls every 2 s): four times the message budgets."""
        wait = self._reads_per_address.take(self.address(request)) or (
            self._reads_per_session.take(session_id)
        )
        if wait:
            raise TooManyRequests("too many requests; retry later", wait)

    # --- webhooks ------------------------------------------------------------------------------

    def webhook_gate(self, request: web.Request) -> None:
        """429, before anything is read, for an address that was refused too often."""
        address = self.address(request)
        until = self._refused_until.get(address)
        if until is None:
            return
        now = time.monotonic()
        if until > now:
            raise TooManyRequests("too many refused requests from this address", until - now)
        del self._refused_until[address]

    def webhook_refused(self, request: web.Request) -> None:
        """Count a refused webhook request (a bad signature) against its address."""
        address = self.address(request)
        wait = self._refusals.take(address)
        if wait:
            self._refused_until[address] = time.monotonic() + wait
            if len(self._refused_until) > MAX_KEYS:
                now = time.monotonic()
                for key in [k for k, v in self._refused_until.items() if v <= now]:
                    del self._refused_until[key]

    # --- the block list ------------------------------------------------------------------------

    async def blocks(self) -> frozenset[tuple[str, str, str]]:
        """The active blocks as ``(kind, channel, key)``, at most :data:`BLOCKS_TTL` old."""
        if time.monotonic() - self._blocks_at < BLOCKS_TTL:
            return self._blocks
        async with self._blocks_lock:
            if time.monotonic() - self._blocks_at >= BLOCKS_TTL:
                async with self._sessions() as session:
                    self._blocks = frozenset(await abuse.active_blocks(session))
                self._blocks_at = time.monotonic()
        return self._blocks

    def invalidate(self) -> None:
        """Read the block list again at the next request (an operator just changed it)."""
        self._blocks_at = -math.inf
