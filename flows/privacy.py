"""The person's rights over their data, as conversation steps (UU 27/2022; docs/privacy.md).

"Hapus data saya" at any moment asks for confirmation, then records a request a supervisor
carries out from the console (``RequestErasure``): erasing is irreversible and closes any case
still being handled, so a person reviews it. The request comes from the person's own channel
identity (their WhatsApp number, Telegram account or web-chat session): that is what makes it
theirs.

State: ``privacy:confirm_erase``.
"""

from __future__ import annotations

import re

from flows import states
from flows.common import NO, YES, Ctx, btn, finish, main_menu
from flows.texts import t
from flows.types import Reply, RequestErasure, TurnResult

PRIVACY = "privacy"
CONFIRM_ERASE = states.state(PRIVACY, "confirm_erase")

_ERASE = re.compile(
    r"\b(?:hapus|hapuskan|delete|erase|padam|padamkan|busak|pupus)\b.{0,25}\b(?:data|semua "
    r"data|informasi|info|pesan|chat)\b|\bdata\b.{0,20}\b(?:dihapus|hapus|delete|deleted|"
    r"dipadam)\b",
    re.IGNORECASE,
)


def is_erasure_request(text: str) -> bool:
    """Whether the person asks for their data to be deleted ("hapus data saya", "delete my
    data", "sy mau data sy dihapus aja")."""
    return bool(_ERASE.search(text))


def ask(ctx: Ctx) -> TurnResult:
    """Explain what erasing means and ask to confirm."""
    reply = Reply(
        t("erase_confirm", ctx.lang),
        (btn("btn.erase_yes", "erase:yes", ctx.lang), btn("btn.cancel", "cancel", ctx.lang)),
    )
    return finish(ctx, [reply], CONFIRM_ERASE, {})


def confirm_step(ctx: Ctx) -> TurnResult:
    """Record the request, or drop it."""
    if ctx.payload == "erase:yes" or ctx.text in YES:
        return finish(
            ctx,
            [Reply(t("erase_requested", ctx.lang), main_menu(ctx.lang)[1:4])],
            states.IDLE,
            {},
            [RequestErasure(note=ctx.turn.text[:200] if not ctx.payload else "")],
        )
    if ctx.payload == "cancel" or ctx.text in NO:
        return cancel(ctx)
    return ask(ctx)


def cancel(ctx: Ctx) -> TurnResult:
    """Nothing is deleted."""
    return finish(ctx, [Reply(t("erase_kept", ctx.lang), main_menu(ctx.lang))], states.IDLE, {})
