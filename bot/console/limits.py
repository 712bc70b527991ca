"""Attempts per client address: a small sliding-window limiter for the console's login.

The account lock-out (``storage.operators``) stops guessing one account's password; this stops
one address from guessing across many accounts (docs/console.md, "Logging in"). Counts live in
the process (several instances each allow the limit: the account lock-out, which is in the
database, is the hard bound). Checking and counting happen in one synchronous call, so
concurrent requests on the event loop cannot all pass the check before any of them is counted.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

from aiohttp import web


class AttemptLimiter:
    """At most ``max_attempts`` counted attempts per key within ``window_seconds``.

    Args:
        max_attempts: attempts a key may make within the window.
        window_seconds: how far back attempts count.
        max_keys: keys remembered at most (the least recently seen are forgotten first), so a
            flood of addresses cannot exhaust memory.
        clock: monotonic seconds (a parameter for the benchmarks, not for tests to fake).
    """

    def __init__(
        self,
        max_attempts: int,
        window_seconds: float,
        *,
        max_keys: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """An empty limiter."""
        self.max_attempts = max_attempts
        self.window = window_seconds
        self.max_keys = max_keys
        self._clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def acquire(self, key: str) -> float | None:
        """Count an attempt for ``key``: None if allowed, else seconds until one is allowed."""
        now = self._clock()
        times = self._seen.pop(key, None) or deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        self._seen[key] = times  # most recently seen last
        if len(times) >= self.max_attempts:
            return max(times[0] + self.window - now, 1.0)
        times.append(now)
        while len(self._seen) > self.max_keys:
            self._seen.popitem(last=False)
        return None

    def release(self, key: str) -> None:
        """Take back ``key``'s newest attempt (it succeeded: only failures count)."""
        times = self._seen.get(key)
        if times:
            times.pop()


LOGIN_LIMITER = web.AppKey("console_login_limiter", AttemptLimiter)


def client_address(request: web.Request) -> str:
    """The address the request came from (the peer; behind a proxy, the proxy's address)."""
    return request.remote or "unknown"
