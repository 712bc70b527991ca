"""Issue 14, finding 13 (the console's part): bad input gets a 4xx with a reason, never a 500.

Each request below answered 500 on a clean clone: a cookie or CSRF token with non-ASCII
characters (``hmac.compare_digest`` refuses non-ASCII ``str``), a NUL in the search (PostgreSQL
refuses it in text), digits that ``str.isdigit`` accepts and ``int`` does not (``²``), and a
date at the end of the calendar.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp

from bot.keys import SESSIONS
from tests.console.conftest import seed_case
from tests.security.conftest import Client
from tests.support.server import RunningSiaga


async def _status_and_error(resp: aiohttp.ClientResponse) -> tuple[int, str]:
    data = await resp.json(content_type=None)
    assert isinstance(data, dict), data
    return resp.status, str(data.get("error", ""))


async def test_a_non_ascii_session_cookie_is_logged_out_not_a_crash(app: RunningSiaga) -> None:
    async with aiohttp.ClientSession() as http:
        for cookie in ["siaga_console=abc.éé", "siaga_console=é", "siaga_console=ü.abc"]:
            async with http.get(
                f"{app.url}/api/console/queue", headers={"Cookie": cookie}
            ) as resp:
                status, error = await _status_and_error(resp)
            assert (status, error) == (401, "log in first"), cookie
        async with http.get(
            f"{app.url}/console", headers={"Cookie": "siaga_console=abc.éé"}, allow_redirects=False
        ) as resp:
            assert resp.status == 302


async def test_a_non_ascii_csrf_token_is_refused_not_a_crash(
    app: RunningSiaga, logged_in: Callable[[str], Awaitable[Client]]
) -> None:
    ana = await logged_in("ana")
    for token in ["é", "ünïcödé-token", "\u00a0"]:
        async with ana.http.post(
            f"{app.url}/api/console/logout", json={}, headers={"X-CSRF-Token": token}
        ) as resp:
            status, error = await _status_and_error(resp)
        assert status == 403, token
        assert "CSRF" in error
    status, _ = await ana.get("/api/console/me")
    assert status == 200  # still logged in: the forged requests changed nothing


ODD_QUERIES = [
    ("/api/console/queue", {"q": "\x00"}, "ana"),
    ("/api/console/queue", {"q": "SGA-\x00ABC"}, "ana"),
    ("/api/console/queue", {"country": "\x00"}, "ana"),
    ("/api/console/queue", {"operator": "²"}, "ana"),
    ("/api/console/queue", {"operator": "١٢"}, "ana"),  # Arabic-Indic digits
    ("/api/console/queue", {"operator": "9" * 30}, "ana"),
    ("/api/console/audit", {"before": "²"}, "sari"),
    ("/api/console/audit", {"before": "9" * 40}, "sari"),
    ("/api/console/dashboard", {"since": "9999-12-31"}, "sari"),
    ("/api/console/dashboard", {"until": "9999-12-31"}, "sari"),
    ("/api/console/dashboard", {"since": "0001-01-01", "until": "9999-12-31"}, "sari"),
    ("/api/console/dashboard", {"until": "0001-01-02"}, "sari"),
    ("/api/console/export.csv", {"until": "9999-12-31"}, "sari"),
    ("/api/console/export.csv", {"since": "²"}, "sari"),
]


async def test_odd_query_parameters_get_an_answer_not_a_500(
    app: RunningSiaga, logged_in: Callable[[str], Awaitable[Client]]
) -> None:
    people = {name: await logged_in(name) for name in ("ana", "sari")}
    for path, params, role in ODD_QUERIES:
        client = people[role]
        async with client.http.get(f"{app.url}{path}", params=params) as resp:
            body = await resp.read()
            assert resp.status < 500, (path, params, resp.status, body[:300])
            if resp.status >= 400:
                _status, error = await _status_and_error(resp)
                assert error, (path, params)  # a 4xx says why


async def test_odd_paths_and_body_text_get_an_answer_not_a_500(
    app: RunningSiaga, logged_in: Callable[[str], Awaitable[Client]]
) -> None:
    ref = await seed_case(app.app[SESSIONS])
    ana, root = await logged_in("ana"), await logged_in("root")
    for path in [
        "/api/console/cases/%00",
        "/api/console/cases/SGA-%C2%B2",
        "/api/console/cases/" + "A" * 300,
    ]:
        status, data = await ana.get(path)
        assert status == 404, (path, data)
    status, _ = await root.post("/api/console/operators/" + "9" * 30 + "/unlock")
    assert status == 404
    # Text that no database stores (NUL, a lone surrogate) is cleaned, not a crash.
    status, data = await ana.post(f"/api/console/cases/{ref}/notes", {"text": "catatan\x00\ud800"})
    assert status == 201, data
