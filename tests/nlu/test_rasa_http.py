"""RasaHttpNlu against a local fake Rasa server that replays recorded /model/parse answers."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from nlu.pipeline import MAX_CLASSIFY_CHARS, EmbeddedNlu
from nlu.rasa_http import RasaHttpNlu, map_ranking
from nlu.types import FALLBACK_INTENT, INTENTS, NluBackend, ParseResult, Urgency

FIXTURES = Path(__file__).parent / "fixtures"
FALLBACK_FIRST = json.loads((FIXTURES / "rasa_parse__fallback_first.json").read_text())
CONFIDENT = json.loads((FIXTURES / "rasa_parse__confident.json").read_text())

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ServerFactory = Callable[[Handler], Awaitable[tuple[str, list[dict[str, Any]]]]]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def fake_rasa() -> AsyncIterator[ServerFactory]:
    """Start a fake Rasa whose /model/parse runs ``handler``; returns (url, received bodies)."""
    servers: list[TestServer] = []

    async def start(handler: Handler) -> tuple[str, list[dict[str, Any]]]:
        received: list[dict[str, Any]] = []

        async def parse(request: web.Request) -> web.StreamResponse:
            received.append(await request.json())
            return await handler(request)

        app = web.Application()
        app.router.add_post("/model/parse", parse)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return str(server.make_url("")), received

    yield start
    for server in servers:
        await server.close()


def replay(body: dict[str, Any]) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.json_response({**body, "text": (await request.json())["text"]})

    return handler


async def test_fallback_first_is_skipped_and_net_keeps_critical(
    fake_rasa: ServerFactory, session: aiohttp.ClientSession, embedded: EmbeddedNlu
) -> None:
    url, received = await fake_rasa(replay(FALLBACK_FIRST))
    nlu = RasaHttpNlu(url, session, embedded)
    result = await nlu.parse(FALLBACK_FIRST["text"])
    assert received == [{"text": FALLBACK_FIRST["text"]}]
    assert result.intent.name == "complaint.abuse"
    assert result.intent.confidence == pytest.approx(0.2814)
    assert [s.name for s in result.intent_ranking][:2] == [
        "complaint.abuse",
        "complaint.sexual_abuse",
    ]
    assert "nlu_fallback" not in {s.name for s in result.intent_ranking}
    assert result.urgency == Urgency.CRITICAL
    assert "lexicon:id:violence" in result.urgency_reasons
    assert "backend:rasa:nlu_fallback" in result.urgency_reasons


@pytest.mark.parametrize(
    ("fixture", "intent", "urgency", "backend_reason"),
    [
        ("rasa36_recorded__fallback_first.json", "complaint.sexual_abuse", Urgency.HIGH,
         "backend:rasa:nlu_fallback"),
        ("rasa36_recorded__confident.json", "complaint.unpaid_wages", Urgency.NORMAL,
         "backend:rasa"),
    ],
)  # fmt: skip
async def test_answers_recorded_from_rasa_3_6(
    fake_rasa: ServerFactory,
    session: aiohttp.ClientSession,
    embedded: EmbeddedNlu,
    fixture: str,
    intent: str,
    urgency: Urgency,
    backend_reason: str,
) -> None:
    recorded = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
    url, _ = await fake_rasa(replay(recorded))
    result = await RasaHttpNlu(url, session, embedded).parse(recorded["text"])
    assert result.intent.name == intent
    assert result.intent_ranking[0] == result.intent
    assert len(result.intent_ranking) == len(recorded["intent_ranking"]) - (
        backend_reason == "backend:rasa:nlu_fallback"
    )
    # the safety net may only raise: the prior of sexual_abuse makes the recorded one high
    assert result.urgency == urgency
    assert result.urgency_reasons[-1] == backend_reason


async def test_unsure_rasa_answer_is_out_of_scope(
    fake_rasa: ServerFactory, session: aiohttp.ClientSession, embedded: EmbeddedNlu
) -> None:
    unsure = {
        "intent": {"name": "nlu_fallback", "confidence": 0.3},
        "entities": [],
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.3},
            {"name": "faq.contact", "confidence": 0.05},
            {"name": "faq.documents", "confidence": 0.04},
        ],
    }
    url, _ = await fake_rasa(replay(unsure))
    result = await RasaHttpNlu(url, session, embedded).parse("zxcv qwer")
    assert result.intent.name == FALLBACK_INTENT
    assert [s.name for s in result.intent_ranking] == ["faq.contact", "faq.documents"]


async def test_rasa_intent_with_prior_entities_merged_and_unknown_names_dropped(
    fake_rasa: ServerFactory, session: aiohttp.ClientSession, embedded: EmbeddedNlu
) -> None:
    url, _ = await fake_rasa(replay(CONFIDENT))
    result = await RasaHttpNlu(url, session, embedded).parse(CONFIDENT["text"])
    assert result.intent.name == "complaint.death"
    assert result.intent.confidence == pytest.approx(0.9132)
    assert all(s.name in INTENTS for s in result.intent_ranking)
    assert result.urgency == Urgency.HIGH
    assert "prior:complaint.death" in result.urgency_reasons
    # our country entity wins the overlap; Rasa's non-overlapping entity is kept
    assert [(e.entity, e.extractor) for e in result.entities] == [
        ("custom", "DIETClassifier"),
        ("country", "siaga"),
    ]
    assert result.language == "id"


async def test_wrong_rasa_intent_cannot_hide_an_emergency(
    fake_rasa: ServerFactory, session: aiohttp.ClientSession, embedded: EmbeddedNlu
) -> None:
    greeting = {
        "intent": {"name": "smalltalk.greeting", "confidence": 0.99},
        "entities": [],
        "intent_ranking": [{"name": "smalltalk.greeting", "confidence": 0.99}],
    }
    url, _ = await fake_rasa(replay(greeting))
    result = await RasaHttpNlu(url, session, embedded).parse("halo kak, aku dikurung majikan")
    assert result.intent.name == "smalltalk.greeting"
    assert result.urgency == Urgency.CRITICAL


async def _error(request: web.Request) -> web.StreamResponse:
    return web.json_response({"error": "model not loaded"}, status=500)


async def _garbage(request: web.Request) -> web.StreamResponse:
    return web.Response(text="<html>proxy error</html>", content_type="text/html")


async def _no_intent(request: web.Request) -> web.StreamResponse:
    return web.json_response({"text": "x", "entities": []})


async def _slow(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(5)
    return web.json_response(CONFIDENT)


@pytest.mark.parametrize("handler", [_error, _garbage, _no_intent, _slow])
async def test_server_failure_falls_back_to_embedded(
    fake_rasa: ServerFactory,
    session: aiohttp.ClientSession,
    embedded: EmbeddedNlu,
    handler: Handler,
) -> None:
    url, received = await fake_rasa(handler)
    nlu = RasaHttpNlu(url, session, embedded, timeout_s=0.3)
    text = "majikan nampar aku tadi"
    result = await nlu.parse(text)
    assert len(received) == 1
    expected = embedded.parse_sync(text)
    assert result.intent == expected.intent
    assert result.urgency == Urgency.CRITICAL
    assert result.urgency_reasons == (*expected.urgency_reasons, "backend:rasa-unavailable")


async def test_connection_refused_falls_back(
    session: aiohttp.ClientSession, embedded: EmbeddedNlu
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    nlu = RasaHttpNlu(f"http://127.0.0.1:{port}", session, embedded)
    result = await nlu.parse("gaji blm dibayar")
    assert result.intent.name == "complaint.unpaid_wages"
    assert "backend:rasa-unavailable" in result.urgency_reasons


async def test_empty_text_is_not_sent_and_long_text_is_truncated(
    fake_rasa: ServerFactory, session: aiohttp.ClientSession, embedded: EmbeddedNlu
) -> None:
    url, received = await fake_rasa(replay(CONFIDENT))
    nlu = RasaHttpNlu(url + "/", session, embedded)
    assert (await nlu.parse("  ")).intent.name == FALLBACK_INTENT
    assert received == []
    long = "tolong " * 1000
    result = await nlu.parse(long)
    assert len(received[0]["text"]) == MAX_CLASSIFY_CHARS
    assert result.text == long


def test_map_ranking_without_ranking_uses_intent() -> None:
    top, ranking, fallback = map_ranking({"intent": {"name": "faq.contact", "confidence": 0.8}})
    assert top.name == "faq.contact"
    assert ranking == (top,)
    assert not fallback


@pytest.mark.parametrize(
    "text", ["gaji blm dibayar", "assalamualaikum", "", "i want to kill myself"]
)
async def test_both_backends_honour_the_contract(
    fake_rasa: ServerFactory, session: aiohttp.ClientSession, embedded: EmbeddedNlu, text: str
) -> None:
    url, _ = await fake_rasa(replay(FALLBACK_FIRST))
    backends: list[NluBackend] = [embedded, RasaHttpNlu(url, session, embedded)]
    results: list[ParseResult] = [await b.parse(text) for b in backends]
    for result in results:
        assert result.text == text
        assert result.intent.name in INTENTS
        assert ParseResult.from_dict(result.to_dict()) == result
    # the safety net means the Rasa back-end is never less urgent than the embedded one
    assert results[1].urgency.rank >= results[0].urgency.rank
