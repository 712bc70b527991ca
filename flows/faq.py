"""FAQ answers from the curated knowledge base, with a follow-up menu.

Answers come only from ``knowledge/content`` articles (sourced from ``docs/facts.md``). An
article that relies on single-source facts carries a caveat line, so nothing unverified is ever
presented as certain. When no article fits, the bot says so and offers a person.

An answer longer than one phone screen (:data:`PAGE_CHARS`) is sent in parts: the first part
(with the title and the caveat, which must be seen even if nobody reads on) and a "Selengkapnya /
More" button; pressing it, or typing "lagi", "selengkapnya" or "more", sends the next part. The
sources and the follow-up menu come with the last part.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from flows import states
from flows.common import Ctx, btn, finish
from flows.safety import country_code
from flows.texts import TOPIC_LABELS, label, t
from flows.types import Button, Reply, TurnResult
from knowledge.retriever import Passage

MAX_SOURCES_SHOWN = 2
PAGE_CHARS = 600  # about one phone screen; a longer answer is sent in parts

# The "more" button comes back as ``faq:more`` (the router sends every ``faq:`` payload to
# :func:`show_article`; no article id is "more", they all end in -id or -en).
MORE = "more"
MORE_PAYLOAD = f"faq:{MORE}"
# Typed words that also ask for the next part. They are added, after the visible buttons, to the
# buttons remembered in the state (``states.BUTTONS``), so the router's usual "typed title"
# matching (``flows.common.resolve_payload``) maps them to the button. (A typed option number
# past the visible buttons also lands on them, and so gets the next part: harmless.)
MORE_WORDS: tuple[str, ...] = ("lagi", "selengkapnya", "more")

# State key (kept next to ``states.LAST_ARTICLE``, only while the answer is unfinished): the
# answer that has parts left, {"article": id, "lang": the article's language, "part": the next
# part's index, "buttons": [[title, payload], ...] the follow-ups for the last part}. Like every
# key not in ``states.CARRIED`` it lasts one turn: any other message ends the answer.
PAGES = "faq_pages"

# The few strings this flow adds, (Indonesian, English); everything else is in flows.texts.
_TEXTS: dict[str, tuple[str, str]] = {
    "more": ("Selengkapnya", "More"),
    "no_more": (
        "Jawaban sebelumnya sudah selesai. Ada pertanyaan lain? Pilih topik atau tulis "
        "pertanyaan Anda.",
        "That answer is finished. Any other question? Choose a topic or type your question.",
    ),
    "checked": ("dicek", "checked"),
}


def _t(key: str, lang: str) -> str:
    return _TEXTS[key][1 if lang == "en" else 0]


def _source_line(p: Passage, lang: str) -> str:
    """The "Sources: ..." line: each source's date, or the day an undated one was checked."""
    shown = []
    for s in p.sources[:MAX_SOURCES_SHOWN]:
        when = s.date if s.dated else f"{_t('checked', lang)} {s.date}"
        shown.append(f"{s.title} ({when})")
    return f"_{t('faq_sources', lang)}: {'; '.join(shown)}_"


def render_passage(p: Passage, lang: str) -> str:
    """An article as one chat message: title, body, caveat, sources."""
    return "\n\n".join(render_parts(p, lang, limit=None))


# --- answers in parts -------------------------------------------------------------------------

Unit = tuple[str, str]  # (the separator before it in the article, a piece of text)
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


def _split(text: str, limit: int, level: int = 0) -> list[Unit]:
    """``text`` in pieces no longer than ``limit``: by lines, then sentences, then words."""
    if len(text) <= limit or level > 2:
        return [("", text)]
    if level == 0:
        pieces, sep = text.split("\n"), "\n"
    elif level == 1:
        pieces, sep = _SENTENCE_END.split(text), " "
    else:
        pieces, sep = text.split(" "), " "
    out: list[Unit] = []
    for i, piece in enumerate(pieces):
        sub = _split(piece, limit, level + 1)
        out.append((sep if i else "", sub[0][1]))
        out.extend(sub[1:])
    return out


def _joined(units: Sequence[Unit]) -> str:
    return "".join((sep if i else "") + text for i, (sep, text) in enumerate(units))


def render_parts(p: Passage, lang: str, *, limit: int | None = PAGE_CHARS) -> list[str]:
    """An article as one or more messages of about ``limit`` characters (None: one message).

    The body is cut at paragraphs, and inside a long paragraph at lines, sentences or words,
    never inside a word. The first part has the title and the caveat; the last the sources.
    """
    head = f"*{p.title}*"
    caveat = t("faq_caveat", lang) if p.needs_review else ""
    sources = _source_line(p, lang)

    def assemble(bodies: Sequence[str]) -> list[str]:
        out = []
        for i, body in enumerate(bodies):
            blocks = [head] if i == 0 else []
            blocks.append(body)
            if i == 0 and caveat:
                blocks.append(caveat)
            if i == len(bodies) - 1:
                blocks.append(sources)
            out.append("\n\n".join(b for b in blocks if b))
        return out

    whole = assemble([p.text])
    if limit is None or len(whole[0]) <= limit:
        return whole
    first_room = limit - len(head) - 2 - (len(caveat) + 2 if caveat else 0)
    units: list[Unit] = []
    for i, paragraph in enumerate(p.text.split("\n\n")):
        pieces = _split(paragraph, max(first_room, limit // 2))
        units.append(("\n\n" if i else "", pieces[0][1]))
        units.extend(pieces[1:])
    parts: list[list[Unit]] = [[]]
    for unit in units:
        room = first_room if len(parts) == 1 else limit
        if parts[-1] and len(_joined([*parts[-1], unit])) > room:
            parts.append([unit])
        else:
            parts[-1].append(unit)
    # The sources go with the last part: if they do not fit, its last pieces move on.
    room = (first_room if len(parts) == 1 else limit) - len(sources) - 2
    tail: list[Unit] = []
    while len(parts[-1]) > 1 and len(_joined(parts[-1])) > room:
        tail.insert(0, parts[-1].pop())
    if tail:
        parts.append(tail)
    return assemble([_joined(units).strip() for units in parts])


def _page(
    ctx: Ctx,
    p: Passage,
    index: int,
    follow_ups: Sequence[Button],
    *,
    offer_report: bool = False,
) -> tuple[Reply, dict[str, Any]]:
    """Part ``index`` of the answer ``p``, and the state data that goes with it."""
    parts = render_parts(p, ctx.lang)
    index = min(max(index, 0), len(parts) - 1)
    data: dict[str, Any] = {states.LAST_ARTICLE: p.article_id}
    if index == len(parts) - 1:
        return Reply(parts[index], tuple(follow_ups)), data
    buttons = [Button(_t("more", ctx.lang), MORE_PAYLOAD)]
    if offer_report:
        buttons.append(btn("btn.report", "report", ctx.lang))
    buttons.append(btn("btn.human", "handoff", ctx.lang))
    data[PAGES] = {
        "article": p.article_id,
        "lang": p.language,
        "part": index + 1,
        "buttons": [[b.title, b.payload] for b in follow_ups],
    }
    return Reply(parts[index], tuple(buttons)), data


def _finish_pages(ctx: Ctx, replies: Sequence[Reply], data: Mapping[str, Any]) -> TurnResult:
    """``finish``, and while parts are left, let the typed "lagi"/"more" press the button."""
    result = finish(ctx, replies, states.IDLE, data)
    if PAGES not in data:
        return result
    new_data = dict(result.new_state.data)
    offered = list(new_data.get(states.BUTTONS) or [])
    new_data[states.BUTTONS] = [*offered, *([w, MORE_PAYLOAD] for w in MORE_WORDS)]
    return replace(result, new_state=replace(result.new_state, data=new_data))


def more(ctx: Ctx) -> TurnResult:
    """The next part of the answer being read (the "Selengkapnya / More" button)."""
    pending = ctx.data.get(PAGES)
    passage = None
    if isinstance(pending, Mapping):
        passage = ctx.deps.retriever.get(
            str(pending.get("article", "")), lang=str(pending.get("lang", ctx.lang))
        )
    if passage is None or not isinstance(pending, Mapping):
        buttons = (
            btn("btn.info", "info", ctx.lang),
            btn("btn.human", "handoff", ctx.lang),
            btn("btn.menu", "menu", ctx.lang),
        )
        return finish(ctx, [Reply(_t("no_more", ctx.lang), buttons)], states.IDLE, {})
    follow_ups = tuple(
        Button(str(title), str(payload)) for title, payload in pending.get("buttons") or ()
    )
    part = pending.get("part", 1)
    reply, data = _page(ctx, passage, part if isinstance(part, int) else 1, follow_ups)
    return _finish_pages(ctx, [reply], data)


# --- the flow ---------------------------------------------------------------------------------


def _follow_ups(
    ctx: Ctx, shown: Passage, others: Sequence[Passage], *, offer_report: bool = False
) -> tuple[Button, ...]:
    buttons = [
        Button(o.title, f"faq:{o.article_id}") for o in others if o.article_id != shown.article_id
    ]
    if {"faq.check_agency", "faq.trafficking_signs", "faq.job_openings"} & set(shown.intents):
        buttons.append(btn("btn.jobcheck", "jobcheck", ctx.lang))
    if offer_report:
        buttons.insert(0, btn("btn.report", "report", ctx.lang))  # it may be a complaint after all
    elif "faq.complaint_process" in shown.intents:
        buttons.append(btn("btn.report", "report", ctx.lang))
    buttons.append(btn("btn.human", "handoff", ctx.lang))
    buttons.append(btn("btn.menu", "menu", ctx.lang))
    return tuple(buttons[:6])


def answer(
    ctx: Ctx, *, intent: str | None, query: str | None = None, offer_report: bool = False
) -> TurnResult:
    """Answer a question with the best article for the intent and the words.

    ``offer_report``: the question may hide a problem (a question about wages that the
    classifier took for a wage complaint), so a "report a problem" button comes with it.
    """
    retriever = ctx.deps.retriever
    passages = list(retriever.search(query or ctx.turn.text, lang=ctx.lang, intent=intent, k=3))
    if not passages:
        buttons = [
            btn("btn.human", "handoff", ctx.lang),
            btn("btn.info", "info", ctx.lang),
            btn("btn.menu", "menu", ctx.lang),
        ]
        if offer_report:
            buttons.insert(0, btn("btn.report", "report", ctx.lang))
        reply = Reply(t("faq_none", ctx.lang), tuple(buttons))
        return finish(ctx, [reply], states.IDLE, {})
    best = passages[0]
    follow_ups = _follow_ups(ctx, best, passages[1:], offer_report=offer_report)
    first, data = _page(ctx, best, 0, follow_ups, offer_report=offer_report)
    replies = [first]
    if intent == "faq.contact":
        extra = country_contacts(ctx)
        if extra is not None:
            # The numbers go first: someone asking for a mission's number may need it now.
            replies.insert(0, extra)
    return _finish_pages(ctx, replies, data)


def country_contacts(ctx: Ctx) -> Reply | None:
    """The directory's contacts for the country the question names, if any, and its gaps."""
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
    gap = country.gap_note(ctx.lang)
    if gap:
        lines.append(f"ℹ️ {gap}")
    return Reply("\n".join(lines))


def show_article(ctx: Ctx, article_id: str) -> TurnResult:
    """Show one article chosen from a follow-up menu (or the next part: ``faq:more``)."""
    if article_id == MORE:
        return more(ctx)
    passage = ctx.deps.retriever.get(article_id, lang=ctx.lang)
    if passage is None:
        return answer(ctx, intent=None)
    related = list(
        ctx.deps.retriever.search(passage.title, lang=ctx.lang, intent=passage.intents[0], k=3)
    )
    reply, data = _page(ctx, passage, 0, _follow_ups(ctx, passage, related))
    return _finish_pages(ctx, [reply], data)


def topics(ctx: Ctx, *, intro: str | None = None) -> TurnResult:
    """The list of FAQ topics; ``intro`` replaces the usual "choose a topic" line."""
    buttons = tuple(
        Button(label(TOPIC_LABELS, intent, ctx.lang), f"topic:{intent}") for intent in TOPIC_LABELS
    )
    text = intro or t("faq_topics", ctx.lang)
    return finish(ctx, [Reply(text, buttons)], states.IDLE, {})


def topic(ctx: Ctx, intent: str) -> TurnResult:
    """Answer a topic chosen from the topics menu."""
    query = " ".join(TOPIC_LABELS.get(intent, ("", "")))
    return answer(ctx, intent=intent, query=query)
