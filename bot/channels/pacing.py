"""What every adapter needs before it talks to a provider: pacing, splitting and button fallback.

Rate limits live inside the adapters (not in the sender) because they are per provider: Telegram
allows ~1 message/s per chat and ~30/s overall, WhatsApp ~80/s per number and a pair limit per user
(``docs/wire-protocols.md`` §1.6, §3.7, §4.7). PTB's ``AIORateLimiter`` has no per-private-chat
limit (§2.4), so we pace ourselves.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from flows.types import Button

_PRUNE_AT = 10_000  # per-chat entries kept before stale ones are dropped


class Pacer:
    """Reserves send slots: a global minimum interval plus a per-chat minimum interval.

    A slot is reserved synchronously (no await between reading and writing the schedule), so
    concurrent callers never get the same slot, and callers for one chat are served in the order
    they asked, which keeps a conversation's replies in order.

    Attributes:
        global_interval: seconds between any two sends (1 / messages per second); 0 disables it.
        chat_interval: seconds between two sends to the same chat; 0 disables it.
    """

    def __init__(
        self,
        *,
        per_second: float,
        chat_interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Pace at ``per_second`` overall and one send per ``chat_interval`` seconds per chat."""
        self.global_interval = 1.0 / per_second if per_second > 0 else 0.0
        self.chat_interval = chat_interval
        self._clock = clock
        self._next_global = 0.0
        self._next_chat: dict[str, float] = {}

    def reserve(self, chat: str) -> float:
        """Book the next slot for ``chat`` and return how many seconds to wait for it."""
        now = self._clock()
        slot = max(now, self._next_global, self._next_chat.get(chat, 0.0))
        self._next_global = slot + self.global_interval
        self._next_chat[chat] = slot + self.chat_interval
        if len(self._next_chat) > _PRUNE_AT:
            self._next_chat = {k: v for k, v in self._next_chat.items() if v > now}
        return slot - now

    async def wait(self, chat: str) -> None:
        """Sleep until ``chat`` may be sent to again (reserving that slot)."""
        delay = self.reserve(chat)
        if delay > 0:
            await asyncio.sleep(delay)

    def pause(self, seconds: float, chat: str | None = None) -> None:
        """Honour a provider's retry-after: no sends (to ``chat``, or at all) for ``seconds``."""
        until = self._clock() + max(seconds, 0.0)
        if chat is None:
            self._next_global = max(self._next_global, until)
        else:
            self._next_chat[chat] = max(self._next_chat.get(chat, 0.0), until)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: how Telegram counts message length (emoji count twice)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int, *, measure: Callable[[str], int] = len) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` (as counted by ``measure``).

    Cuts prefer a paragraph break, then a line break, then a space, so a long FAQ answer stays
    readable; a word longer than the limit is cut hard. Empty text gives no parts.
    """
    parts: list[str] = []
    rest = text
    while rest:
        if measure(rest) <= limit:
            parts.append(rest)
            break
        # The longest prefix that fits (measure may count some characters double).
        fit = min(len(rest), limit)
        while fit > 1 and measure(rest[:fit]) > limit:
            fit -= 1
        window = rest[:fit]
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = window.rfind(sep)
            if cut > fit // 2:
                break
        if cut <= fit // 2:
            cut = fit
        head = rest[:cut].rstrip()
        if head:
            parts.append(head)
        rest = rest[cut:].lstrip()
    return parts


def numbered(text: str, buttons: Sequence[Button]) -> str:
    """Render buttons as a numbered list under the text (channels without buttons)."""
    if not buttons:
        return text
    lines = "\n".join(f"{i}. {b.title}" for i, b in enumerate(buttons, start=1))
    return f"{text}\n\n{lines}" if text else lines


class PartTracker:
    """Remembers how many parts of a split outbox message were already sent.

    When part 2 of 3 fails and the sender retries the outbox row, the adapter resumes at part 2
    instead of sending part 1 twice. In memory only: after a crash a retry may repeat parts (a
    message in flight at the crash, which the README's guarantees count as such).
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        """Keep at most ``max_entries`` partially sent messages."""
        self._sent: dict[int, tuple[int, str | None]] = {}
        self._max = max_entries

    def resume(self, outbox_id: int) -> tuple[int, str | None]:
        """(parts already sent, external id of the last one) for ``outbox_id``."""
        return self._sent.get(outbox_id, (0, None))

    def progress(self, outbox_id: int, done: int, external_id: str | None) -> None:
        """Record that ``done`` parts went out."""
        if len(self._sent) >= self._max:
            self._sent.pop(next(iter(self._sent)))
        self._sent[outbox_id] = (done, external_id)

    def finish(self, outbox_id: int) -> None:
        """Forget a message once every part was sent."""
        self._sent.pop(outbox_id, None)


T = TypeVar("T")


class PartSender:
    """The send loop every adapter shares: pace each part, resume after the parts already sent.

    A long reply goes out as several provider messages. Each waits for its slot in the pacer;
    if part 2 of 3 fails, the failure propagates (the sender retries the outbox row later) and
    the retry starts again at part 2. The external id of the last part is the message's.
    """

    def __init__(self, pacer: Pacer) -> None:
        """Send through ``pacer``; progress is remembered per outbox row."""
        self.pacer = pacer
        self._parts = PartTracker()

    async def send(
        self,
        outbox_id: int,
        recipient: str,
        parts: Sequence[T],
        send_part: Callable[[int, T], Awaitable[str | None]],
    ) -> str | None:
        """Send ``parts[i]`` with ``send_part(i, part)`` for each part not yet sent.

        Raises:
            SendError: from ``send_part``, after remembering how far it got.
        """
        done, external_id = self._parts.resume(outbox_id)
        for index in range(done, len(parts)):
            await self.pacer.wait(recipient)
            try:
                external_id = await send_part(index, parts[index])
            except BaseException:
                self._parts.progress(outbox_id, index, external_id)
                raise
        self._parts.finish(outbox_id)
        return external_id
