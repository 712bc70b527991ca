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


# "gmn cara hapus chat ini dr hp sy? takut dibaca majikan": about the phone, not our records.
_CLEAR_PHONE = re.compile(
    r"\b(?:hapus|hilangkan|bersihkan|clear|delete|padam)\b.{0,25}\b(?:chat|percakapan|riwayat|"
    r"history|pesan)\b.{0,30}\b(?:hp|handphone|ponsel|phone|henpon)\b|\b(?:chat|percakapan|"
    r"riwayat)\b.{0,20}\b(?:dari|di|dr)\s+(?:hp|ponsel|phone)\b",
    re.IGNORECASE,
)


def is_clear_phone_request(text: str) -> bool:
    """Whether the person asks how to remove this chat from their own phone."""
    return bool(_CLEAR_PHONE.search(text))


def is_erasure_request(text: str) -> bool:
    """Whether the person asks for their data to be deleted ("hapus data saya", "delete my
    data", "sy mau data sy dihapus aja")."""
    return bool(_ERASE.search(text)) and not is_clear_phone_request(text)


def clear_phone(ctx: Ctx) -> TurnResult:
    """How to remove this conversation from the phone, per channel; our records are untouched.

    Someone whose employer may read her phone needs this more than an erasure of the case.
    """
    key = {"webchat": "clear_phone.webchat", "telegram": "clear_phone.telegram"}.get(
        ctx.turn.channel, "clear_phone.whatsapp"
    )
    # Whatever was under way stays where it was: the next answer still counts.
    data = {k: v for k, v in ctx.data.items() if k != states.BUTTONS}
    return finish(ctx, [Reply(t(key, ctx.lang))], ctx.state.name, data)


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
