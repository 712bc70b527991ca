"""Text as people sent it, made storable: no NUL, no lone surrogates, no stray control codes.

Providers deliver whatever a phone or a bot put in a message, and JSON can carry characters no
database column takes: PostgreSQL refuses NUL in text, and a lone UTF-16 surrogate (half of an
emoji cut by a broken client, ``\\ud800``) cannot be encoded as UTF-8 at all. Such a message
used to be acknowledged and stored, then fail in every turn and in the safety fallback until it
was parked: lost (issue 10). Cleaning happens once, at the boundary (``bot.ingest``), so
everything after it may assume text that any database stores.

What the person meant is kept: printable text, line breaks and tabs stay as they are; a lone
surrogate becomes U+FFFD (the replacement character: something was there); NUL and other C0/C1
control codes, which no keyboard types, are dropped.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, TypeVar

_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

T = TypeVar("T")


def clean_text(value: str) -> str:
    """``value`` without NUL and control codes, lone surrogates replaced by U+FFFD."""
    if not _UNSTORABLE.search(value):
        return value  # the common case: one scan, no copy
    return _CONTROL.sub("", _SURROGATE.sub("\ufffd", value))


def clean(value: T) -> T:
    """Every string inside ``value`` cleaned: dataclasses, mappings, lists and tuples included."""
    return _clean(value)  # type: ignore[no-any-return]


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _clean(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, Mapping):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_clean(v) for v in value)
    return value
