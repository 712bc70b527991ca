"""Logging: one JSON object per line, with nothing personal in it, and no floods.

Three rules, each enforced here rather than at every call site:

* **No personal data from errors.** A database error's text can carry what was being written: a
  driver repeats a bad value ("invalid input for query argument $3: '…'"), PostgreSQL details a
  key or a row ("DETAIL: Key (…)=(…)", "Failing row contains (…)"), and SQLAlchemy appends the
  statement's parameters (other people's messages in a batch, phone numbers, a reply with a
  PIN). Engines are built with ``hide_parameters`` (``storage.db``), and tracebacks are written
  here with every exception in the chain reduced to what is safe: its type, the database's error
  code and the message's first line with quoted values removed (issue 10).
* **No secrets.** The values of every ``Secret`` setting (bot token, auth tokens, app secret,
  webhook secret, session key) are replaced by ``***`` wherever they would appear: PTB, for one,
  puts the bot token into some exception texts.
* **No floods.** During an outage the same failure repeats many times a second. A record with a
  traceback is written once per :data:`REPEAT_WINDOW_SECONDS` per logger, message and exception
  type; the next one written says how many were left out.
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
from collections.abc import Iterable
from types import TracebackType

REPEAT_WINDOW_SECONDS = 30.0

# Exceptions from these packages can carry the values of a statement in their text.
_DATABASE_MODULES = ("sqlalchemy", "asyncpg", "sqlite3", "aiosqlite", "psycopg")
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_ARGUMENT = re.compile(r"(query argument \$\d+).*", re.IGNORECASE)
_KEY_VALUES = re.compile(r"\)=\(.*?\)")


def safe_exception_text(exc: BaseException) -> str:
    """The message of ``exc`` as it may be logged: database messages lose their values."""
    module = type(exc).__module__.split(".", 1)[0]
    message = str(exc)
    if module not in _DATABASE_MODULES:
        return message
    code = getattr(getattr(exc, "orig", exc), "sqlstate", None) or getattr(exc, "code", None)
    first = message.strip().splitlines()[0] if message.strip() else ""
    first = first.split("[SQL:", 1)[0].split("[parameters:", 1)[0]
    first = _ARGUMENT.sub(r"\1 (value not logged)", first)
    first = _KEY_VALUES.sub(")=(…)", first)
    first = _QUOTED.sub("'…'", first).strip()
    return f"{first} (code {code})" if code else first


def format_exception_safely(
    exc_info: tuple[type[BaseException], BaseException, TracebackType | None],
) -> str:
    """A traceback like Python's, with each exception's text passed through
    :func:`safe_exception_text` (the frames are our code's and the libraries' own)."""
    _type, exc, tb = exc_info
    chain: list[tuple[BaseException, TracebackType | None, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, current.__traceback__ if current is not exc else tb, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "direct cause"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "context"
        else:
            current = None
    parts: list[str] = []
    for index, (item, item_tb, _link) in enumerate(reversed(chain)):
        if index:
            following = chain[len(chain) - index][2]
            parts.append(
                "\nThe above exception was the direct cause of the following exception:\n\n"
                if following == "direct cause"
                else "\nDuring handling of the above exception, another exception occurred:\n\n"
            )
        if item_tb is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(item_tb))
        name = f"{type(item).__module__}.{type(item).__qualname__}"
        text = safe_exception_text(item)
        parts.append(f"{name}: {text}\n" if text else f"{name}\n")
    return "".join(parts).rstrip("\n")


class RepeatFilter(logging.Filter):
    """Lets a record with a traceback through once per window per (logger, message, type)."""

    def __init__(self, window: float = REPEAT_WINDOW_SECONDS) -> None:
        """Count repeats within ``window`` seconds."""
        super().__init__()
        self._window = window
        self._seen: dict[tuple[str, str, str], list[float]] = {}  # key -> [since, suppressed]

    def filter(self, record: logging.LogRecord) -> bool:
        """True to write the record; repeats within the window are counted and dropped."""
        if not record.exc_info or record.exc_info[0] is None:
            return True
        key = (record.name, str(record.msg), record.exc_info[0].__qualname__)
        now = time.monotonic()
        state = self._seen.get(key)
        if state is not None and now - state[0] < self._window:
            state[1] += 1
            return False
        if state is not None and state[1]:
            record.repeated = int(state[1])
        self._seen[key] = [now, 0]
        if len(self._seen) > 1000:  # a bounded memory, whatever fails
            self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self._window}
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; tracebacks without values; secrets replaced by ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        """Scrub every one of ``secrets`` (values shorter than 6 characters are not secrets)."""
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        out: dict[str, object] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            out["exc"] = format_exception_safely(record.exc_info)
        repeated = getattr(record, "repeated", None)
        if repeated:
            window = f"{REPEAT_WINDOW_SECONDS:.0f} s"
            out["repeated"] = f"{repeated} more like this in the last {window}"
        line = json.dumps(out, ensure_ascii=False)
        for secret in self._secrets:
            line = line.replace(secret, "***")
        return line


def configure_logging(level: str, *, secrets: Iterable[str] = ()) -> None:
    """JSON lines on stderr at ``level``; ``secrets`` never appear in them."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(secrets))
    handler.addFilter(RepeatFilter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # URLs carry session ids
    logging.getLogger("httpx").setLevel(logging.WARNING)  # PTB: request URLs carry the bot token
