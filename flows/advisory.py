"""Safety advisories: the person's own yes, and STOP (docs/advisories.md).

Advisories to many (typhoon warnings, amnesties, a changed embassy number, fake job offers) go
only to people who said yes to them: a separate question, never bundled with the consent to
process a report. It is asked after a report and from the menu. "STOP", "berhenti" and
"unsubscribe" (and the button every advisory carries) end them at once, with a confirmation.

"stop" and "berhenti" also cancel a form (``flows.common.CANCEL``). For someone who receives
advisories they do both: the advisories stop at once and the form is cancelled. For anyone else
they only cancel, as before; "unsubscribe" and the button always opt out.
"""

from __future__ import annotations

from dataclasses import replace

from flows import states
from flows.common import NO, YES, Ctx, btn, finish
from flows.texts import t
from flows.types import RecordAdvisoryConsent, Reply, TurnResult

OFFER = "advisory:offer"
YES_PAYLOAD = "advisory:yes"
NO_PAYLOAD = "advisory:no"
STOP_PAYLOAD = "advisory:stop"

# Typed opt-outs (normalised, exact): "STOP" is what SMS and WhatsApp users expect to work.
ALWAYS_STOP = frozenset(
    ["unsubscribe", "berhenti langganan", "stop langganan", "stop info", "stop advisories"]
)
STOP_IF_SUBSCRIBED = frozenset(["stop", "berhenti", "stop semua", "stop all"])
SUBSCRIBE = frozenset(["langganan", "subscribe", "info keselamatan", "safety advisories"])


def offer_reply(lang: str) -> Reply:
    """The question, with its two buttons."""
    return Reply(
        t("advisory_offer", lang),
        (btn("btn.advisory_yes", YES_PAYLOAD, lang), btn("btn.advisory_no", NO_PAYLOAD, lang)),
    )


def is_stop(ctx: Ctx) -> bool:
    """An opt-out: the button, "unsubscribe", or "STOP"/"berhenti" from a subscriber."""
    if ctx.payload == STOP_PAYLOAD:
        return True
    if ctx.payload is not None:
        return False
    if ctx.text in ALWAYS_STOP:
        return True
    return ctx.text in STOP_IF_SUBSCRIBED and ctx.turn.advisory_opt_in is True


def _offered(ctx: Ctx) -> bool:
    return any(p == YES_PAYLOAD for _title, p in ctx.data.get(states.BUTTONS) or [])


def answer(ctx: Ctx) -> TurnResult | None:
    """The offer, a yes or a no to it; None when the turn is not about advisories."""
    payload = ctx.payload
    if payload is None and _offered(ctx):
        if ctx.text in YES:
            payload = YES_PAYLOAD
        elif ctx.text in NO:
            payload = NO_PAYLOAD
    if payload == OFFER or (ctx.payload is None and ctx.text in SUBSCRIBE):
        return finish(ctx, [offer_reply(ctx.lang)], ctx.state.name, _kept(ctx))
    if payload in (YES_PAYLOAD, NO_PAYLOAD):
        granted = payload == YES_PAYLOAD
        reply = Reply(t("advisory_yes" if granted else "advisory_no", ctx.lang))
        return finish(ctx, [reply], states.IDLE, {}, [RecordAdvisoryConsent(granted=granted)])
    return None


def stop(ctx: Ctx, then: TurnResult | None = None) -> TurnResult:
    """Opt out at once and confirm; ``then`` is what else the turn does (a cancelled form)."""
    confirm = Reply(t("advisory_stopped", ctx.lang))
    effect = RecordAdvisoryConsent(granted=False)
    if then is None:
        return finish(ctx, [confirm], ctx.state.name, _kept(ctx), [effect])
    return replace(then, replies=(confirm, *then.replies), effects=(effect, *then.effects))


def after_report(ctx: Ctx, result: TurnResult) -> TurnResult:
    """Ask once, after a report is finished, whether the person wants advisories too."""
    if ctx.turn.advisory_opt_in is not None or not ctx.turn.has_consent:
        return result
    offer = offer_reply(ctx.lang)
    data = dict(result.new_state.data)
    data[states.BUTTONS] = [[b.title, b.payload] for b in offer.buttons]
    return replace(
        result,
        replies=(*result.replies, offer),
        new_state=replace(result.new_state, data=data),
    )


def render(text: str, source_url: str, lang: str) -> str:
    """What a recipient reads: the advisory, its source, and how to stop."""
    return f"{text.strip()}\n\n{t('advisory_footer', lang, source=source_url)}"


def stop_button(lang: str) -> dict[str, str]:
    """The button every advisory carries (where the channel shows buttons)."""
    button = btn("btn.advisory_stop", STOP_PAYLOAD, lang)
    return {"title": button.title, "payload": button.payload}


def _kept(ctx: Ctx) -> dict[str, object]:
    return {k: v for k, v in ctx.data.items() if k != states.BUTTONS}
