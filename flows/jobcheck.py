"""The job-offer checker: the offer as pasted, then only the questions it does not answer.

Each question matches one warning sign of illegal recruitment and trafficking that official
sources name in ``docs/facts.md`` §4.1-4.2; signs backed by a single source say so in their
explanation. The person may paste the offer first: the signs its text shows plainly ("visa
turis", "Kamboja", "semua biaya ditanggung") are taken as answered, and only the rest is asked
(issue 13). "Report this recruiter" is offered only when a sign was found.

States: ``jobcheck:offer`` (waiting for the pasted offer), ``jobcheck:q1`` … ``jobcheck:q7``;
answers in ``state.data["answers"]``.
"""

from __future__ import annotations

import re
from typing import Any

from flows import states
from flows.common import NO, UNSURE, YES, Ctx, btn, finish
from flows.texts import t
from flows.types import Reply, TurnResult

QUESTIONS = 7
# For q1-q6 "yes" is the warning sign; for q7 (official route, licence checkable) "no" is.
_FLAG_ON = {**dict.fromkeys(range(1, 7), "yes"), 7: "no"}
OFFER = states.state(states.JOBCHECK, "offer")
# What an offer's text says plainly, per question ("yes" only: that a sign is absent from the
# text proves nothing, so those questions are still asked).
_SIGNS: dict[int, re.Pattern[str]] = {
    1: re.compile(
        r"\b(?:facebook|fb|tiktok|instagram|ig|grup wa|grup whatsapp|whatsapp group|telegram|"
        r"sponsor|calo|dm|inbox)\b",
        re.IGNORECASE,
    ),
    2: re.compile(r"\b(?:uang panjar|panjar|uang tip|uang saku|uang fee|cash advance)\b", re.I),
    3: re.compile(
        r"\b(?:tanpa (?:skill|pengalaman|syarat|tes|ijazah|keahlian)|cepat berangkat|langsung "
        r"berangkat|proses cepat|semua biaya ditanggung|biaya ditanggung|tiket ditanggung|"
        r"gratis|free|no experience|gaji (?:tinggi|besar|fantastis))\b",
        re.IGNORECASE,
    ),
    4: re.compile(r"\blpk\b", re.IGNORECASE),
    5: re.compile(r"\b(?:kamboja|cambodia|myanmar|thailand|thai|bangkok|phnom penh)\b", re.I),
    6: re.compile(
        r"\b(?:visa (?:turis|kunjungan|wisata|pelancong|liburan)|tourist visa|visit visa|"
        r"tanpa visa kerja|bebas visa|visa on arrival)\b",
        re.IGNORECASE,
    ),
}
# A destination the offer names that is none of q5's three answers q5 with "no".
_OTHER_DESTINATION = re.compile(
    r"\b(?:taiwan|hong ?kong|hk|malaysia|singapura|singapore|saudi|arab|uea|dubai|qatar|kuwait|"
    r"jepang|japan|korea|brunei|oman|bahrain|yordania|jordan|turki|polandia|australia|eropa)\b",
    re.IGNORECASE,
)
# Signs the seven questions do not ask about but an offer's text can show; each is named in the
# result with what the law or the complaint process says (docs/facts.md §3.6, the taxonomy's
# complaint.document_withheld).
EXTRA_SIGNS: dict[str, re.Pattern[str]] = {
    "fee": re.compile(
        r"\b(?:biaya|ongkos|uang|bayar|fee|dp)\b[^.\n]{0,40}?\b\d+[.,]?\d*\s*(?:juta|jt|rb|ribu|"
        r"million)\b[^.\n]{0,40}?\b(?:di ?muka|dimuka|duluan|dulu|awal|upfront|sebelum berangkat|"
        r"dp)\b|\b(?:bayar|biaya)\s+(?:di ?muka|dimuka|duluan|upfront)\b",
        re.IGNORECASE,
    ),
    "passport": re.compile(
        r"\b(?:paspor|passport|pasport)\b[^.\n]{0,20}?\b(?:dipegang|ditahan|disimpan|dititip|"
        r"diambil|held|kept)\b",
        re.IGNORECASE,
    ),
}
# An offer long enough to read; shorter text is an answer or a question.
OFFER_MIN_WORDS = 8


def signs_in(offer: str) -> dict[str, str]:
    """What a pasted offer answers by its own words: "yes" to the questions whose warning sign
    it shows, "no" to the destination question when it names another country, and the extra
    signs (``EXTRA_SIGNS``) it shows."""
    found = {str(n): "yes" for n, sign in _SIGNS.items() if sign.search(offer)}
    if "5" not in found and _OTHER_DESTINATION.search(offer):
        found["5"] = "no"
    found.update({key: "yes" for key, sign in EXTRA_SIGNS.items() if sign.search(offer)})
    return found


def looks_like_offer(text: str) -> bool:
    """A pasted job advert ("Dibutuhkan caregiver Taiwan, gaji 30rb NTD, biaya proses…")."""
    words = text.split()
    cues = sum(bool(sign.search(text)) for sign in (*_SIGNS.values(), *EXTRA_SIGNS.values()))
    return len(words) >= OFFER_MIN_WORDS and (_OFFER_WORDS.search(text) is not None and cues >= 1)


_OFFER_WORDS = re.compile(
    r"\b(?:dibutuhkan|lowongan|loker|dicari|butuh cepat|hiring|vacancy|job offer|tawaran kerja|"
    r"gaji|salary)\b",
    re.IGNORECASE,
)


PLAN = "plan"  # state data: the questions this check asks, in order (the offer answered the rest)
_NUMBERING = re.compile(r"^\d+/\d+\s+")


def _ask(
    ctx: Ctx, n: int, answers: dict[str, str], pre: list[Reply], plan: list[int] | None = None
) -> TurnResult:
    # "2/4": the position among the questions this check asks, not among all seven.
    plan = plan or [int(i) for i in ctx.data.get(PLAN) or range(1, QUESTIONS + 1)]
    position = plan.index(n) + 1 if n in plan else n
    question = _NUMBERING.sub("", t(f"jc.q{n}", ctx.lang))
    reply = Reply(
        f"{position}/{len(plan)} {question}",
        (
            btn("btn.yes", "yes", ctx.lang),
            btn("btn.no", "no", ctx.lang),
            btn("btn.unsure", "unsure", ctx.lang),
            btn("btn.cancel", "cancel", ctx.lang),
        ),
    )
    return finish(
        ctx,
        [*pre, reply],
        states.state(states.JOBCHECK, f"q{n}"),
        {states.ANSWERS: answers, PLAN: plan},
    )


def _question_number(ctx: Ctx) -> int:
    """The open question: ``jobcheck:q3`` -> 3."""
    return int(states.step_of(ctx.state.name).removeprefix("q"))


def start(ctx: Ctx) -> TurnResult:
    """Start the checker: ask for the offer's text (or go straight to the questions)."""
    reply = Reply(
        t("jc_paste", ctx.lang),
        (btn("btn.jc_questions", "jc:questions", ctx.lang), btn("btn.cancel", "cancel", ctx.lang)),
    )
    return finish(ctx, [reply], OFFER, {states.ANSWERS: {}})


def offer_step(ctx: Ctx) -> TurnResult | None:
    """The pasted offer: take what it shows, then ask only what it does not."""
    if ctx.payload == "jc:questions" or ctx.text in ("pertanyaan", "questions", "mulai", "start"):
        return _ask(ctx, 1, {}, [Reply(t("jc_intro", ctx.lang))])
    offer = ctx.turn.text.strip()
    if len(offer.split()) < OFFER_MIN_WORDS:
        if ctx.payload is None and ctx.turn.parse.kind in ("complaint", "faq"):
            return None  # a real question: the router answers it
        return finish(ctx, [Reply(t("jc_paste_more", ctx.lang), start(ctx).replies[0].buttons)],
                      OFFER, {states.ANSWERS: {}})  # fmt: skip
    return read_offer(ctx, offer)


def read_offer(ctx: Ctx, offer: str) -> TurnResult:
    """Take what the offer's text shows, then ask only the questions it leaves open."""
    answers = signs_in(offer)
    seen = len(answers)
    pre = [Reply(t("jc_read", ctx.lang, count=seen))] if seen else []
    plan = [i for i in range(1, QUESTIONS + 1) if str(i) not in answers]
    if not plan:
        return result(ctx, answers, pre)
    return _ask(ctx, plan[0], answers, pre, plan)


def _next_open(answers: dict[str, str], after: int) -> int | None:
    for n in range(after + 1, QUESTIONS + 1):
        if str(n) not in answers:
            return n
    return None


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
    nxt = _next_open(answers, n)
    if nxt is not None:
        return _ask(ctx, nxt, answers, [])
    return result(ctx, answers)


def turn(ctx: Ctx) -> TurnResult | None:
    """The message while the checker is open: an answer, or a real question or complaint.

    A confident question or complaint leaves the checker (None: the router answers it as if
    idle); anything else gets the question again.
    """
    if ctx.state.name == OFFER:
        return offer_step(ctx)
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
    if ctx.state.name == OFFER:
        return finish(ctx, [*pre, *start(ctx).replies], OFFER, {states.ANSWERS: {}})
    return _ask(ctx, _question_number(ctx), dict(ctx.data.get(states.ANSWERS) or {}), pre)


def result(ctx: Ctx, answers: dict[str, Any], pre: list[Reply] | None = None) -> TurnResult:
    """Name the red flags found, with what to do; "report this recruiter" only if there are."""
    flags: list[int | str] = [
        i for i in range(1, QUESTIONS + 1) if answers.get(str(i)) == _FLAG_ON[i]
    ]
    flags += [key for key in EXTRA_SIGNS if answers.get(key) == "yes"]
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
        *(
            (btn("btn.report_recruiter", "report:complaint.trafficking", ctx.lang),)
            if flags
            else ()
        ),
        btn("btn.human", "handoff", ctx.lang),
        btn("btn.menu", "menu", ctx.lang),
    )
    return finish(
        ctx, [*(pre or []), Reply(text, buttons)], states.IDLE, {states.JOBCHECK_FLAGS: flags}
    )
