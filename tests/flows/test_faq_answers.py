"""FAQ answers (issue 13): a phone screen at a time with "more", sourced figures, local numbers.

Most tests drive ``run_turn`` with hand-built NLU results (``tests.flows.builders``); the last
one goes through the web chat with the real NLU, dispatcher and database, so the answer's
parts also survive the state's trip through the database.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from flows import faq
from flows.common import Ctx
from flows.types import ConversationState, Reply, UserTurn
from knowledge.loader import Source
from knowledge.retriever import Passage
from tests.flows.builders import T0, Convo, parse, payloads, retriever, texts
from tests.support.webchat import WebChat

SOURCES = {"id": "Sumber", "en": "Sources"}


def _read_all(c: Convo, replies: tuple[Reply, ...]) -> list[Reply]:
    """Press "more" until the answer is complete; every part the person saw, in order."""
    parts = [replies[-1]]
    while faq.MORE_PAYLOAD in payloads((parts[-1],)):
        assert len(parts) < 10
        parts.append(c.press(faq.MORE_PAYLOAD, "Selengkapnya")[-1])
    return parts


def _body(text: str, lang: str) -> str:
    """A part without the title, caveat and sources lines, whitespace-normalised."""
    keep = [
        block
        for block in text.split("\n\n")
        if not block.startswith(("*", "_", "⚠️")) or block.startswith("* ")
    ]
    return " ".join(" ".join(keep).split())


# --- answers in parts ----------------------------------------------------------------------------


def test_a_long_answer_comes_a_screen_at_a_time_with_sources_on_the_last_part() -> None:
    c = Convo()
    first = c.send("apa tanda-tanda calo?", "faq.trafficking_signs")
    assert len(first) == 1
    assert len(first[0].text) <= faq.PAGE_CHARS
    assert first[0].text.startswith("*Tanda-tanda calo")
    assert "⚠️" in first[0].text  # the single-source caveat is on the part everyone reads
    assert "Sumber" not in first[0].text
    assert payloads(first)[0] == faq.MORE_PAYLOAD
    assert first[0].buttons[0].title == "Selengkapnya"
    assert "handoff" in payloads(first)  # a person is always one press away
    assert c.state.data[faq.PAGES]["part"] == 1

    parts = _read_all(c, first)
    assert len(parts) >= 2
    assert all(len(p.text) <= faq.PAGE_CHARS for p in parts)
    assert all("Sumber" not in p.text for p in parts[:-1])
    assert "_Sumber: harianberkat.com" in parts[-1].text
    assert "jobcheck" in payloads((parts[-1],))  # the follow-up menu comes at the end
    assert faq.PAGES not in c.state.data
    assert c.state.data["last_article"] == "trafficking-signs-id"

    # Nothing of the article is lost or repeated between the parts.
    article = retriever().get("trafficking-signs-id", lang="id")
    assert article is not None
    seen = " ".join(_body(p.text, "id") for p in parts)
    assert seen == " ".join(article.text.split())


@pytest.mark.parametrize("typed", ["lagi", "Lagi!", "selengkapnya", "more", "MORE"])
def test_typing_lagi_or_more_sends_the_next_part(typed: str) -> None:
    c = Convo()
    c.send("biaya penempatan ke taiwan berapa?", "faq.placement_cost")
    r = c.send(typed)
    assert "Artinya aturan pembebasan biaya" in texts(r)
    assert c.state.data[faq.PAGES]["part"] == 2


def test_english_answers_have_a_more_button_too() -> None:
    c = Convo()
    r = c.send("how much is the placement fee for Taiwan", "faq.placement_cost", lang="en")
    assert r[0].buttons[0].title == "More"
    parts = _read_all(c, r)
    assert "_Sources: Taipei Times" in parts[-1].text
    assert "NT$800" in " ".join(p.text for p in parts)


def test_a_short_answer_is_one_message_with_its_sources() -> None:
    c = Convo()
    r = c.send("gaji minimum di taiwan berapa", "faq.job_openings")
    assert len(r) == 1
    assert "NT$20.000" in r[0].text
    assert "_Sumber:" in r[0].text
    assert faq.MORE_PAYLOAD not in payloads(r)
    assert faq.PAGES not in c.state.data


def test_the_next_part_survives_a_restart() -> None:
    c = Convo()
    c.send("dokumen apa saja yang dibutuhkan", "faq.documents")
    c.restart()  # the state goes through JSON, as in the database
    r = c.press(faq.MORE_PAYLOAD)
    assert "Disnaker" in texts(r)


def test_more_after_the_conversation_moved_on_says_so() -> None:
    c = Convo()
    c.send("apa tanda-tanda calo?", "faq.trafficking_signs")
    c.send("terima kasih", "smalltalk.thanks")  # another message ends the answer
    assert faq.PAGES not in c.state.data
    r = c.press(faq.MORE_PAYLOAD)  # an old "more" button pressed later
    assert "sudah selesai" in texts(r)
    assert "info" in payloads(r)
    r = c.send("lagi")  # typed, with nothing pending: not taken for the button
    assert "sudah selesai" not in texts(r)


def test_a_long_single_paragraph_is_cut_between_words() -> None:
    words = " ".join(f"kata{i}" for i in range(400))
    p = Passage(
        article_id="x-id",
        title="Judul",
        text=f"Satu.\n\n{words}",
        language="id",
        score=0.0,
        intents=("faq.documents",),
        sources=(Source("https://example.org", "example.org", "2024", "C"),),
        confidence="confirmed",
        needs_review=False,
    )
    parts = faq.render_parts(p, "id")
    assert len(parts) > 4
    assert all(len(part) <= faq.PAGE_CHARS for part in parts)
    seen = " ".join(_body(part, "id") for part in parts)
    assert seen == f"Satu. {words}"
    assert faq.render_passage(p, "id").count("kata399") == 1


def test_every_article_fits_a_phone_screen_per_part() -> None:
    r = retriever()
    for article in r.articles:
        passage = r.get(article.id, lang=article.language)
        assert passage is not None
        parts = faq.render_parts(passage, article.language)
        assert all(len(p) <= faq.PAGE_CHARS for p in parts), article.id
        assert parts[0].startswith(f"*{article.title}*")
        assert SOURCES[article.language] in parts[-1]
        assert ("⚠️" in parts[0]) == article.needs_review


# --- figures in cost answers ---------------------------------------------------------------------


def test_bpjs_answer_gives_the_contribution_range_marked_single_source() -> None:
    c = Convo()
    r = c.send("berapa iuran bpjs untuk pmi?", "faq.social_security")
    text = " ".join(p.text for p in _read_all(c, r))
    assert "Rp50.000 dan Rp600.000" in text
    assert "radarlampung.disway.id, 2023" in text  # the figure names its source and date
    assert "sumber tunggal" in text
    assert "⚠️" in r[0].text
    assert "tidak menyebut angka" in text  # the total premium has no source: no figure


def test_placement_cost_answer_gives_no_invented_figure() -> None:
    c = Convo()
    r = c.send("berapa biaya penempatan?", "faq.placement_cost")
    text = " ".join(p.text for p in _read_all(c, r))
    assert "Peraturan BP2MI 9/2020 (berlaku sejak 15/01/2021" in text
    assert "tidak menyebut angka" in text
    assert not re.search(r"Rp ?\d", text)
    assert "⚠️" not in text  # confirmed facts only


def test_an_undated_source_is_shown_with_the_day_it_was_checked() -> None:
    undated = Source("https://antaranews.com", "antaranews.com", "2026-12-01", "S", None, False)
    dated = Source("https://www.kompas.com", "kompas.com", "2020-08-17", "C")
    p = Passage("x-id", "T", "Isi.", "id", 0.0, ("faq.documents",), (dated, undated), "s", True)
    text = faq.render_passage(p, "id")
    assert "kompas.com (2020-08-17); antaranews.com (dicek 2026-12-01)" in text
    assert "(checked 2026-12-01)" in faq.render_passage(p, "en")


# --- numbers per country -------------------------------------------------------------------------


def test_asking_for_the_kdei_in_taiwan_gives_kdei_numbers() -> None:
    c = Convo()
    r = c.send("nomor KDEI taiwan berapa", "faq.contact", country="taiwan")
    text = texts(r)
    assert "KDEI Taipei" in text
    assert "+886 901 132 000" in text
    assert "KBRI Taiwan" not in text
    assert "KBRI Taipei" not in text


def test_a_country_without_a_confirmed_mission_number_says_so() -> None:
    c = Convo()
    r = c.send("nomor KBRI singapura berapa", "faq.contact", country="singapura")
    numbers = r[0].text
    assert "995" in numbers  # ambulance
    assert "Belum ada nomor KBRI Singapura yang terkonfirmasi" in numbers
    assert "Safe Travel" in numbers


def test_new_mission_numbers_are_given() -> None:
    for country, number in (
        ("korea", "+82-10-5394-2546"),
        ("thailand", "+66-92-903-1103"),
        ("myanmar", "+95 9503 7055"),
        ("filipina", "+63 917 3198470"),
    ):
        c = Convo()
        r = c.send(f"nomor KBRI di {country}", "faq.contact", country=country)
        assert number in r[0].text, country
    c = Convo()
    r = c.send("nomor KBRI di malaysia", "faq.contact", country="malaysia")
    assert "+60 17-668 8032 (belum terverifikasi)" in r[0].text  # one citable source only


# --- what the router may ask of the flow ---------------------------------------------------------


def _ctx(text: str, intent: str) -> Ctx:
    c = Convo()
    turn = UserTurn(text=text, parse=parse(text, intent), channel="test", received_at=T0)
    state = ConversationState()
    return Ctx(turn=turn, state=state, deps=c.deps, lang="id", payload=None, text=text)


def test_a_question_that_may_hide_a_complaint_offers_a_report() -> None:
    ctx = _ctx("gaji minimum di hong kong berapa?", "complaint.unpaid_wages")
    result = faq.answer(ctx, intent="faq.job_openings", offer_report=True)
    assert "report" in payloads(result.replies)
    plain = faq.answer(ctx, intent="faq.job_openings")
    assert "report" not in payloads(plain.replies)


def test_topics_can_open_with_an_invitation() -> None:
    ctx = _ctx("mau tanya", "other.out_of_scope")
    result = faq.topics(ctx, intro="Silakan tanya.")
    assert result.replies[0].text == "Silakan tanya."
    assert all(p.startswith("topic:") for p in payloads(result.replies))
    assert faq.topics(replace(ctx, lang="en")).replies[0].buttons


# --- through the web chat ------------------------------------------------------------------------


def _text(replies: list[dict[str, Any]]) -> str:
    return "\n".join(str(r["text"]) for r in replies)


def _payloads(replies: list[dict[str, Any]]) -> list[str]:
    return [str(b["payload"]) for r in replies for b in r.get("buttons") or ()]


async def test_web_chat_answer_in_parts(webchat: WebChat) -> None:
    s = "wc-faq-parts"
    r = await webchat.send(s, "how much is the placement fee to go to Taiwan?")
    assert faq.MORE_PAYLOAD in _payloads(r)
    assert "Sources" not in _text(r)
    r = await webchat.send(s, "more")  # typed
    assert "Already in Taiwan" in _text(r) or "may not apply" in _text(r)
    for _ in range(5):
        if faq.MORE_PAYLOAD not in _payloads(r):
            break
        r = await webchat.send(s, "More", payload=faq.MORE_PAYLOAD)  # pressed
    assert "Sources" in _text(r)
    assert "handoff" in _payloads(r)
