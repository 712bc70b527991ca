"""Helpers shared by every flow: the turn context, button handling, and building results.

Button presses may arrive three ways: as ``turn.payload`` (Telegram, web chat), as the button's
title typed back (WhatsApp quick replies), or as the number of the option (channels that render
buttons as a numbered list). The buttons offered last are kept in ``state.data["_buttons"]`` so
all three map to the same payload.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flows import states
from flows.texts import t
from flows.types import Button, ConversationState, Effect, FlowDeps, Reply, TurnResult, UserTurn

_WORDS_RE = re.compile(r"[^\w\s]+")

YES = frozenset(
    [
        "ya",
        "iya",
        "iyaa",
        "y",
        "yes",
        "yep",
        "yup",
        "benar",
        "betul",
        "bener",
        "setuju",
        "ok",
        "oke",
        "okay",
        "boleh",
        "aman",
        "agree",
        "sure",
    ]
)
NO = frozenset(
    ["tidak", "tdk", "gak", "ga", "nggak", "enggak", "engga", "no", "nope", "bukan", "jangan"]
)
SKIP = frozenset(["lewati", "lewat", "skip", "lewatin", "skip aja", "lewati saja", "-", "pass"])
CANCEL = frozenset(["batal", "cancel", "batalkan", "stop", "berhenti", "keluar", "exit"])
DONE = frozenset(["selesai", "done", "sudah", "udah", "cukup", "finish", "that's all"])
UNSURE = frozenset(
    [
        "tidak tahu",
        "gak tahu",
        "ga tau",
        "gatau",
        "tidak tau",
        "gk tau",
        "gk tahu",
        "ga tahu",
        "nggak tau",
        "ngga tau",
        "tdk tau",
        "tdk tahu",
        "blm tau",
        "belum tau",
        "entah",
        "not sure",
        "unsure",
        "don't know",
        "dont know",
        "idk",
    ]
)


def norm(text: str) -> str:
    """Lowercase, punctuation-free, single-spaced text for matching commands."""
    return " ".join(_WORDS_RE.sub(" ", text.lower()).split())


@dataclass(frozen=True, slots=True)
class Ctx:
    """One turn as the flows see it: the raw turn, the state, deps, and derived values."""

    turn: UserTurn
    state: ConversationState
    deps: FlowDeps
    lang: str
    payload: str | None  # the button pressed, however it arrived
    text: str  # normalised text

    @property
    def data(self) -> Mapping[str, Any]:
        """The current state's data."""
        return self.state.data

    def now(self) -> datetime:
        """The injected clock."""
        return self.deps.now()


def resolve_payload(turn: UserTurn, state: ConversationState) -> str | None:
    """The button the user chose: the payload, a typed title, or the option's number."""
    if turn.payload:
        return turn.payload
    offered = state.data.get(states.BUTTONS) or []
    text = turn.text.strip()
    if not offered or not text:
        return None
    if text.isdigit():
        i = int(text) - 1
        if 0 <= i < len(offered):
            return str(offered[i][1])
        return None
    low = norm(text)
    for title, payload in offered:
        if norm(str(title)) == low:
            return str(payload)
    return None


def btn(key: str, payload: str, lang: str) -> Button:
    """A button whose title is the text ``key``."""
    return Button(title=t(key, lang), payload=payload)


def main_menu(lang: str) -> tuple[Button, ...]:
    """The main menu: report, information, job-offer check, status, a person, language, and
    the safety advisories' own yes (docs/advisories.md)."""
    return (
        btn("btn.report", "report", lang),
        btn("btn.info", "info", lang),
        btn("btn.jobcheck", "jobcheck", lang),
        btn("btn.status", "status", lang),
        btn("btn.human", "handoff", lang),
        btn("btn.lang", "lang:id" if lang == "en" else "lang:en", lang),
        btn("btn.advisory", "advisory:offer", lang),
    )


def carried(data: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``data`` that survives a change of flow."""
    return {k: data[k] for k in states.CARRIED if k in data}


def finish(
    ctx: Ctx,
    replies: Sequence[Reply],
    name: str,
    data: Mapping[str, Any] | None = None,
    effects: Sequence[Effect] = (),
    *,
    language: str | None = None,
) -> TurnResult:
    """Build the TurnResult: carries the kept keys, stamps the time, remembers the buttons."""
    new_data: dict[str, Any] = carried(ctx.data)
    if data:
        new_data.update(data)
    new_data[states.UPDATED_AT] = ctx.now().isoformat()
    last_buttons = replies[-1].buttons if replies else ()
    if last_buttons:
        new_data[states.BUTTONS] = [[b.title, b.payload] for b in last_buttons]
    else:
        new_data.pop(states.BUTTONS, None)
    return TurnResult(
        replies=tuple(replies),
        new_state=ConversationState(name=name, data=new_data, language=language or ctx.lang),
        effects=tuple(effects),
    )
