"""Talking to a person: the hand-off state and its transitions, in one place.

The conversation is in :data:`flows.states.HANDOFF` from the moment the worker asks for a person
(or an operator takes the case over) until the operator hands it back. Meanwhile the bot is
silent, except that a critical message still gets the emergency numbers and raises the case.

The transitions are pure functions of the state, used both by the turn (``run_turn``) and by
the console (``bot.console.service``): storage only saves the state it is given.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flows import states
from flows.common import Ctx, carried, finish
from flows.safety import country_code, emergency_lines
from flows.texts import lang_of, t
from flows.types import ConversationState, Effect, Reply, RequestHandoff, TurnResult
from nlu.types import Urgency


def is_handed_off(state: ConversationState) -> bool:
    """The bot is silent: an operator owns the conversation, or the worker waits for one."""
    return state.name == states.HANDOFF


def bot_silent(state: ConversationState, owner_operator_id: int | None) -> bool:
    """The bot says nothing: an operator holds the conversation, or the worker waits for one."""
    return owner_operator_id is not None or is_handed_off(state)


def silenced_for(state: ConversationState) -> str | None:
    """The case whose hand-off silenced the bot, if known."""
    ref = state.data.get(states.REF)
    return str(ref) if ref else None


def taken_over(
    state: ConversationState, reference: str, country: str | None = None
) -> ConversationState:
    """An operator takes the conversation over for ``reference``.

    The flows find the case through ``ref`` in the state data, and the worker's country through
    ``country_code`` (a critical message during the hand-off gets that country's numbers); the
    rest of the data (language choice, answers so far) is kept.
    """
    data: dict[str, Any] = {**state.data, states.REF: reference, states.OPERATOR_JOINED: True}
    if country and not data.get(states.COUNTRY_CODE):
        data[states.COUNTRY_CODE] = country
    return ConversationState(name=states.HANDOFF, data=data, language=state.language)


def joined_reply(language: str | None) -> Reply:
    """Sent to the worker when an operator takes the conversation over."""
    lang = lang_of(language)
    return Reply(t("operator_joined", lang))


def handed_back(state: ConversationState, reference: str) -> ConversationState:
    """The operator gives the conversation back to the bot.

    What the flows carry between flows is kept (language choice, the last case and its PIN, so
    the worker can still ask "cek status"); the rest of the hand-off state is dropped.
    """
    data: dict[str, Any] = carried(state.data)
    data[states.LAST_REF] = reference
    return ConversationState(name=states.IDLE, data=data, language=state.language)


def request(ctx: Ctx) -> TurnResult:
    """The worker asks for a person: queue the conversation; the bot goes quiet."""
    in_case_flow = states.flow_of(ctx.state.name) in (states.INTAKE, states.CRITICAL)
    ref = ctx.data.get(states.REF) if in_case_flow else None
    # Someone who asks for a person is read by one within hours (docs/taxonomy.md "high").
    urgency = ctx.turn.parse.urgency.at_least(Urgency.HIGH)
    if states.flow_of(ctx.state.name) == states.CRITICAL:
        urgency = Urgency.CRITICAL
    code = country_code(ctx)
    effect = RequestHandoff(
        reason="user asked for a person",
        urgency=urgency,
        reference=str(ref) if ref else None,
        country=code,
    )
    reply = Reply(t("handoff", ctx.lang, lines=emergency_lines(ctx, code)))
    data: dict[str, Any] = {states.REF: ref} if ref else {}
    if code:
        data[states.COUNTRY_CODE] = code
    data[states.ACKED_AT] = ctx.now().isoformat()
    return finish(ctx, [reply], states.HANDOFF, data, [effect])


# While waiting for an operator, each message gets an acknowledgement at most this often, so
# the worker knows it arrived without being answered by a machine every time.
ACK_EVERY = timedelta(minutes=10)


def while_operator(ctx: Ctx, *, critical: bool) -> TurnResult:
    """An operator owns the conversation, or the worker waits for one.

    Silent while an operator holds it, unless the message is critical. While the worker is
    still waiting, an acknowledgement now and then says the message arrived.
    """
    if not critical:
        if ctx.data.get(states.OPERATOR_JOINED) or not _ack_due(ctx):
            return TurnResult(replies=(), new_state=ctx.state)
        data = {**ctx.data, states.ACKED_AT: ctx.now().isoformat()}
        return TurnResult(
            replies=(Reply(t("handoff_waiting", ctx.lang)),),
            new_state=ConversationState(
                name=states.HANDOFF, data=data, language=ctx.state.language
            ),
        )
    code = country_code(ctx)
    ref = silenced_for(ctx.state)
    # Without a known reference the gateway (bot.effects) attaches this to the conversation's
    # open case (or opens one); either way the urgency is raised and the on-duty team alerted.
    effects: list[Effect] = [
        RequestHandoff(
            reason="critical message during handoff",
            urgency=Urgency.CRITICAL,
            reference=ref,
            country=code,
        )
    ]
    data = dict(ctx.data)
    replies: tuple[Reply, ...] = ()
    if not _numbers_sent_lately(ctx):
        # The numbers once; while an officer is in the conversation, not again for every
        # message of the same emergency (she is being answered by a person).
        replies = (Reply(t("critical_again", ctx.lang, lines=emergency_lines(ctx, code))),)
        data[NUMBERS_AT] = ctx.now().isoformat()
    return TurnResult(
        replies=replies,
        new_state=ConversationState(name=states.HANDOFF, data=data, language=ctx.state.language),
        effects=tuple(effects),
    )


NUMBERS_AT = "numbers_at"  # state data: when the emergency numbers were last sent in a hand-off
NUMBERS_EVERY = timedelta(minutes=30)


def _numbers_sent_lately(ctx: Ctx) -> bool:
    """An officer has joined and the numbers went out less than 30 minutes ago."""
    last = ctx.data.get(NUMBERS_AT)
    if not ctx.data.get(states.OPERATOR_JOINED) or not isinstance(last, str):
        return False
    try:
        return ctx.now() - datetime.fromisoformat(last) < NUMBERS_EVERY
    except ValueError:
        return False


def _ack_due(ctx: Ctx) -> bool:
    last = ctx.data.get(states.ACKED_AT)
    if not isinstance(last, str):
        return True
    try:
        return ctx.now() - datetime.fromisoformat(last) >= ACK_EVERY
    except ValueError:
        return True
