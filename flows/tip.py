"""An anonymous tip, for someone who declined consent: no name, no PIN, no follow-up.

Offered after "no" to the consent question, so a person who will not be recorded can still report
a recruiter or a danger to someone else. The tip opens a case with only what was typed.
"""

from __future__ import annotations

from flows import states
from flows.common import Ctx, btn, finish, main_menu
from flows.safety import complaint_intent
from flows.texts import t
from flows.types import OpenCase, Reply, TurnResult
from nlu.types import Urgency


def start(ctx: Ctx) -> TurnResult:
    """Ask for the tip."""
    return finish(
        ctx,
        [Reply(t("tip_ask", ctx.lang), (btn("btn.cancel", "cancel", ctx.lang),))],
        states.TIP_ASK,
    )


def take(ctx: Ctx) -> TurnResult:
    """File the tip as a case and thank the person with its reference."""
    ref = ctx.deps.new_reference()
    intent = complaint_intent(ctx)
    effect = OpenCase(
        reference=ref,
        intent=intent if intent != "complaint.other" else "complaint.trafficking",
        urgency=ctx.turn.parse.urgency.at_least(Urgency.NORMAL),
        urgency_reasons=ctx.turn.parse.urgency_reasons,
        reporter="other",
        fields={"anonymous_tip": True, "tip": ctx.turn.text},
    )
    reply = Reply(t("tip_thanks", ctx.lang, ref=ref), main_menu(ctx.lang)[1:3])
    return finish(ctx, [reply], states.IDLE, {}, [effect])
