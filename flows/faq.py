"""FAQ answers from the curated knowledge base, with a follow-up menu.

Answers come only from ``knowledge/content`` articles (sourced from ``docs/facts.md``). An
article that relies on single-source facts carries a caveat line, so nothing unverified is ever
presented as certain. When no article fits, the bot says so and offers a person.
"""

from __future__ import annotations

from collections.abc import Sequence

from flows import states
from flows.common import Ctx, btn, finish
from flows.safety import country_code
from flows.texts import TOPIC_LABELS, label, t
from flows.types import Button, Reply, TurnResult
from knowledge.retriever import Passage

MAX_SOURCES_SHOWN = 2


def render_passage(p: Passage, lang: str) -> str:
    """An article as one chat message: title, body, caveat, sources."""
    parts = [f"*{p.title}*", p.text]
    if p.needs_review:
        parts.append(t("faq_caveat", lang))
    sources = "; ".join(f"{s.title} ({s.date})" for s in p.sources[:MAX_SOURCES_SHOWN])
    parts.append(f"_{t('faq_sources', lang)}: {sources}_")
    return "\n\n".join(parts)


def _follow_ups(ctx: Ctx, shown: Passage, others: Sequence[Passage]) -> tuple[Button, ...]:
    buttons = [
        Button(o.title, f"faq:{o.article_id}") for o in others if o.article_id != shown.article_id
    ]
    if {"faq.check_agency", "faq.trafficking_signs", "faq.job_openings"} & set(shown.intents):
        buttons.append(btn("btn.jobcheck", "jobcheck", ctx.lang))
    if "faq.complaint_process" in shown.intents:
        buttons.append(btn("btn.report", "report", ctx.lang))
    buttons.append(btn("btn.human", "handoff", ctx.lang))
    buttons.append(btn("btn.menu", "menu", ctx.lang))
    return tuple(buttons[:6])


def answer(ctx: Ctx, *, intent: str | None, query: str | None = None) -> TurnResult:
    """Answer a question with the best article for the intent and the words."""
    retriever = ctx.deps.retriever
    passages = list(retriever.search(query or ctx.turn.text, lang=ctx.lang, intent=intent, k=3))
    if not passages:
        reply = Reply(
            t("faq_none", ctx.lang),
            (
                btn("btn.human", "handoff", ctx.lang),
                btn("btn.info", "info", ctx.lang),
                btn("btn.menu", "menu", ctx.lang),
            ),
        )
        return finish(ctx, [reply], states.IDLE, {})
    best = passages[0]
    replies = [Reply(render_passage(best, ctx.lang), _follow_ups(ctx, best, passages[1:]))]
    if intent == "faq.contact":
        extra = country_contacts(ctx)
        if extra is not None:
            # The numbers go first: someone asking for a mission's number may need it now.
            replies.insert(0, extra)
    return finish(ctx, replies, states.IDLE, {states.LAST_ARTICLE: best.article_id})


def country_contacts(ctx: Ctx) -> Reply | None:
    """The directory's contacts for the country the question names, if any."""
    code = country_code(ctx)
    country = ctx.deps.retriever.directory.countries.get(code) if code else None
    if country is None:
        return None
    lines = [f"*{country.name(ctx.lang)}*"]
    for c in country.contacts:
        mark = "" if c.verified else f" ({t('unverified', ctx.lang)})"
        lines.append(f"• {c.label(ctx.lang)}: {c.value}{mark}")
    if len(lines) == 1:
        lines.append(t("no_country_numbers", ctx.lang))
    return Reply("\n".join(lines))


def show_article(ctx: Ctx, article_id: str) -> TurnResult:
    """Show one article chosen from a follow-up menu."""
    passage = ctx.deps.retriever.get(article_id, lang=ctx.lang)
    if passage is None:
        return answer(ctx, intent=None)
    related = list(
        ctx.deps.retriever.search(passage.title, lang=ctx.lang, intent=passage.intents[0], k=3)
    )
    reply = Reply(render_passage(passage, ctx.lang), _follow_ups(ctx, passage, related))
    return finish(ctx, [reply], states.IDLE, {states.LAST_ARTICLE: passage.article_id})


def topics(ctx: Ctx) -> TurnResult:
    """The list of FAQ topics."""
    buttons = tuple(
        Button(label(TOPIC_LABELS, intent, ctx.lang), f"topic:{intent}") for intent in TOPIC_LABELS
    )
    return finish(ctx, [Reply(t("faq_topics", ctx.lang), buttons)], states.IDLE, {})


def topic(ctx: Ctx, intent: str) -> TurnResult:
    """Answer a topic chosen from the topics menu."""
    query = " ".join(TOPIC_LABELS.get(intent, ("", "")))
    return answer(ctx, intent=intent, query=query)
