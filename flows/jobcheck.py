"""The job-offer checker: seven yes/no questions, then the red flags found.

Each question matches one warning sign of illegal recruitment and trafficking that official
sources name in ``docs/facts.md`` §4.1-4.2; signs backed by a single source say so in their
explanation. States: ``jobcheck:q1`` … ``jobcheck:q7``; answers in ``state.data["answers"]``.
"""

from __future__ import annotations

from typing import Any

from flows import states
from flows.common import NO, UNSURE, YES, Ctx, btn, finish
from flows.texts import t
from flows.types import Reply, TurnResult

QUESTIONS = 7
# For q1-q6 "yes" is the warning sign; for q7 (official route, licence checkable) "no" is.
_FLAG_ON = {**dict.fromkeys(range(1, 7), "yes"), 7: "no"}


def _ask(ctx: Ctx, n: int, answers: dict[str, str], pre: list[Reply]) -> TurnResult:
    reply = Reply(
        t(f"jc.q{n}", ctx.lang),
        (
            btn("btn.yes", "yes", ctx.lang),
            btn("btn.no", "no", ctx.lang),
            btn("btn.unsure", "unsure", ctx.lang),
            btn("btn.cancel", "cancel", ctx.lang),
        ),
    )
    return finish(
        ctx, [*pre, reply], states.state(states.JOBCHECK, f"q{n}"), {states.ANSWERS: answers}
    )


def _question_number(ctx: Ctx) -> int:
    """The open question: ``jobcheck:q3`` -> 3."""
    return int(states.step_of(ctx.state.name).removeprefix("q"))


def start(ctx: Ctx) -> TurnResult:
    """Start the checker."""
    return _ask(ctx, 1, {}, [Reply(t("jc_intro", ctx.lang))])


def parse_answer(ctx: Ctx) -> str | None:
    """yes / no / unsure from a button or a typed word; None if neither."""
    if ctx.payload in ("yes", "no", "unsure"):
        return ctx.payload
    if ctx.text in UNSURE:
        return "unsure"
    if ctx.text in YES:
        return "yes"
    if ctx.text in NO:
        return "no"
    return None


def step(ctx: Ctx) -> TurnResult | None:
    """Take one answer. Returns None when the message is not an answer (the router re-routes)."""
    n = _question_number(ctx)
    answer = parse_answer(ctx)
    if answer is None:
        return None
    answers: dict[str, str] = dict(ctx.data.get(states.ANSWERS) or {})
    answers[str(n)] = answer
    if n < QUESTIONS:
        return _ask(ctx, n + 1, answers, [])
    return result(ctx, answers)


def turn(ctx: Ctx) -> TurnResult | None:
    """The message while the checker is open: an answer, or a real question or complaint.

    A confident question or complaint leaves the checker (None: the router answers it as if
    idle); anything else gets the question again.
    """
    done = step(ctx)
    if done is not None:
        return done
    if (
        ctx.payload is None
        and ctx.turn.parse.intent.confidence >= 0.6
        and ctx.turn.parse.kind in ("complaint", "faq")
    ):
        return None
    return reask(ctx, [Reply(t("pick_button", ctx.lang))])


def reask(ctx: Ctx, pre: list[Reply]) -> TurnResult:
    """Ask the current question again."""
    return _ask(ctx, _question_number(ctx), dict(ctx.data.get(states.ANSWERS) or {}), pre)


def result(ctx: Ctx, answers: dict[str, Any]) -> TurnResult:
    """Name the red flags found, with what to do."""
    flags = [i for i in range(1, QUESTIONS + 1) if answers.get(str(i)) == _FLAG_ON[i]]
    unsure = [i for i in range(1, QUESTIONS + 1) if answers.get(str(i)) == "unsure"]
    if flags:
        text = t(
            "jc_result_flags",
            ctx.lang,
            count=len(flags),
            flags="\n".join(f"• {t(f'jc.f{i}', ctx.lang)}" for i in flags),
        )
    else:
        text = t("jc_result_clear", ctx.lang)
    if unsure:
        text += "\n" + t("jc_unsure_note", ctx.lang)
    buttons = (
        btn("btn.report_recruiter", "report:complaint.trafficking", ctx.lang),
        btn("btn.human", "handoff", ctx.lang),
        btn("btn.menu", "menu", ctx.lang),
    )
    return finish(ctx, [Reply(text, buttons)], states.IDLE, {states.JOBCHECK_FLAGS: flags})
