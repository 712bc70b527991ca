"""The web chat page in a real browser, as a worker on a phone uses it (issue 13).

Playwright drives Debian's Chromium against the full application on SQLite. The page must greet
on first open, never lose a typed message (server stopped, 503, an answer lost on the way, a
reload in between), rebuild the conversation after a reload, retire buttons once used, show
links and phone numbers as links but never a message as HTML, and keep a too-long message.
Set ``SIAGA_SCREENSHOT_DIR`` to save the worker's journey as ``webchat-NN-….png``.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from storage import conversations, outbox
from tests.support.browser import CHROMIUM
from tests.webchat.conftest import Siaga, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"),
]

CRITICAL = "tolong majikan saya pukul saya sekarang, saya dikunci di kamar"
WAGES = "gaji saya belum dibayar majikan sudah 3 bulan"
SLOW = 25_000  # ms: a resend waits out its backoff (at most a few seconds here)


class Posts:
    """Every message the page POSTs (its JSON body), in order."""

    def __init__(self, page: Any) -> None:
        """Start recording on ``page``."""
        self.bodies: list[dict[str, Any]] = []
        page.on("request", self._record)

    def _record(self, request: Any) -> None:
        if request.method == "POST" and request.url.endswith("/api/webchat/messages"):
            self.bodies.append(json.loads(request.post_data or "{}"))

    def of(self, text: str) -> list[dict[str, Any]]:
        """The attempts to send ``text``."""
        return [b for b in self.bodies if b.get("text") == text]


async def open_chat(page: Any, app: Siaga) -> None:
    """Open the page and wait for the bot's welcome."""
    from playwright.async_api import expect

    await page.goto(f"{app.url}/")
    await expect(page.locator(".msg.bot").first).to_contain_text("Siaga", timeout=SLOW)


async def type_message(page: Any, text: str) -> None:
    await page.fill("#text", text)
    await page.press("#text", "Enter")


async def session_id(page: Any) -> str:
    value: str = await page.evaluate("localStorage.getItem('siaga_session')")
    return value


async def test_greeting_on_first_open_and_the_emergency_line(app: Siaga, phone: Any) -> None:
    from playwright.async_api import expect

    page = await phone.new_page()
    posts = Posts(page)
    await open_chat(page, app)
    welcome = page.locator(".msg.bot").first
    await expect(welcome.locator(".buttons button").first).to_be_visible()
    await expect(welcome.locator(".buttons button")).not_to_have_count(0)
    await expect(page.locator(".msg.me")).to_have_count(0)
    # The ministry's 24-hour call centre, always at the top, tap to call.
    sos = page.locator("#sos")
    await expect(sos.locator('a[href="tel:08001000"]')).to_have_text("0800-1000")
    await expect(sos.locator('a[href="tel:+622129244800"]')).to_have_text("+62 21 2924 4800")
    assert (await sos.bounding_box())["y"] < 120
    await shot(page, "01-greeting")

    # Opening the page sends nothing: no conversation until the person acts.
    await page.wait_for_timeout(500)
    assert await app.inbound() == []
    assert posts.bodies == []

    # A reload shows the same single welcome.
    await page.reload()
    await expect(page.locator(".msg.bot")).to_have_count(1, timeout=SLOW)
    await expect(page.locator(".msg.bot").first).to_contain_text("Siaga")

    # The welcome's buttons work; after the conversation began it stays on top.
    await page.locator(".msg.bot .buttons button").first.click()
    await expect(page.locator(".msg.bot")).to_have_count(2, timeout=SLOW)
    [pressed] = await app.inbound()
    assert [b.get("payload") for b in posts.bodies] == ["report"]
    assert pressed.channel_message_id == posts.bodies[0]["message_id"]
    await page.reload()
    await expect(page.locator(".msg.bot").nth(1)).to_be_visible(timeout=SLOW)
    await expect(page.locator(".msg").first).to_have_class(re.compile(r"\bwelcome\b"))


async def test_a_message_typed_while_the_server_is_down_is_delivered_once(
    app: Siaga, phone: Any
) -> None:
    from playwright.async_api import expect

    page = await phone.new_page()
    posts = Posts(page)
    await open_chat(page, app)
    await app.stop()

    await type_message(page, WAGES)
    mine = page.locator(".msg.me").last
    await expect(mine).to_contain_text(WAGES)
    await expect(mine).to_have_class(re.compile(r"\bretrying\b"), timeout=SLOW)
    await expect(mine.locator(".state")).to_contain_text("mencoba lagi")
    await expect(page.locator("#net")).to_be_visible()
    await expect(page.locator("#text")).to_have_value("")  # moved into the chat, not dropped
    await shot(page, "02-offline-retrying")

    await app.start()  # the same port and database
    await expect(mine).to_have_class(re.compile(r"\bsent\b"), timeout=SLOW)
    await expect(page.locator(".msg.me.sent + .msg.bot")).not_to_have_count(0, timeout=SLOW)
    await expect(page.locator("#net")).to_be_hidden()
    await shot(page, "03-delivered-after-reconnect")

    attempts = posts.of(WAGES)
    assert len(attempts) >= 2, "the page resent the message"
    assert len({a["message_id"] for a in attempts}) == 1, "every resend has the same message_id"
    [stored] = await app.inbound(WAGES)
    assert stored.channel_message_id == attempts[0]["message_id"]
    assert await app.inbox_count(f":{stored.channel_message_id}") == 1


async def test_a_503_a_lost_answer_and_a_reload_lose_nothing(app: Siaga, phone: Any) -> None:
    from playwright.async_api import expect

    page = await phone.new_page()
    posts = Posts(page)
    await open_chat(page, app)
    mode = {"now": "503"}
    served: list[int] = []

    async def flaky(route: Any) -> None:
        if route.request.method != "POST":
            await route.continue_()
        elif mode["now"] == "503":
            await route.fulfill(
                status=503,
                headers={"Retry-After": "1"},
                content_type="application/json",
                body='{"error": "temporarily unavailable, please retry"}',
            )
        elif mode["now"] == "lose":  # the server stores and answers; the answer never arrives
            response = await route.fetch()
            served.append(response.status)
            mode["now"] = "pass"
            await route.abort("connectionreset")
        else:
            await route.continue_()

    await page.route("**/api/webchat/messages", flaky)
    await type_message(page, WAGES)
    mine = page.locator(".msg.me").last
    await expect(mine).to_have_class(re.compile(r"\bretrying\b"), timeout=SLOW)

    # Reload while it is still not sent: it is kept, and still being resent.
    await page.reload()
    mine = page.locator(".msg.me").last
    await expect(mine).to_contain_text(WAGES)
    await expect(mine).to_have_class(re.compile(r"\b(retrying|queued)\b"))
    await expect(mine).to_have_class(re.compile(r"\bretrying\b"), timeout=SLOW)
    await shot(page, "04-kept-across-reload")

    # The server is back, but its first answer is lost on the way; the person taps "retry now"
    # rather than wait out the backoff (which has grown to tens of seconds by now).
    mode["now"] = "lose"
    retry = page.locator("#net button")
    await retry.click()
    for _ in range(200):
        if served:
            break
        await asyncio.sleep(0.1)
    assert served == [200], "the server stored the message and answered"
    await expect(mine).to_have_class(re.compile(r"\bretrying\b"))
    await retry.click()
    await expect(mine).to_have_class(re.compile(r"\bsent\b"), timeout=SLOW)
    # The answer that was lost comes back through the history: the bot's reply is shown.
    await expect(page.locator(".msg.me.sent + .msg.bot")).not_to_have_count(0, timeout=SLOW)
    await page.unroute("**/api/webchat/messages")

    attempts = posts.of(WAGES)
    assert len(attempts) >= 3
    assert len({a["message_id"] for a in attempts}) == 1
    assert len(await app.inbound(WAGES)) == 1
    await expect(page.locator(".msg.me", has_text=WAGES)).to_have_count(1)


async def test_a_reload_keeps_the_conversation_and_the_case_reference(
    app: Siaga, phone: Any
) -> None:
    from playwright.async_api import expect

    page = await phone.new_page()
    await open_chat(page, app)
    await type_message(page, CRITICAL)
    reply = page.locator(".msg.bot", has_text="SGA-")
    await expect(reply).to_have_count(1, timeout=SLOW)
    found = re.search(r"SGA-[A-Z0-9]+", await reply.inner_text())
    assert found
    reference = found.group(0)
    await expect(page.locator(".msg").last.locator(".buttons button").first).to_be_enabled()
    await page.locator(".msg.bot", has_text=reference).scroll_into_view_if_needed()
    await shot(page, "05-report-with-case-reference")

    async def conversation() -> list[tuple[str, str]]:
        items: list[tuple[str, str]] = await page.eval_on_selector_all(
            ".msg",
            "els => els.map(e => [e.classList[1], e.querySelector('.text').textContent])",
        )
        return [(kind, text.replace("••••••", "")) for kind, text in items]

    before = await conversation()
    await page.reload()
    await expect(page.locator(".msg")).to_have_count(len(before), timeout=SLOW)
    after = await conversation()
    assert [kind for kind, _text in after] == [kind for kind, _text in before]
    assert after[1] == ("me", CRITICAL)
    for (_kind, was), (_kind2, now) in zip(before, after, strict=True):
        assert now == was or "PIN" in was  # a case PIN is shown once, masked in the history
    await expect(page.locator(".msg.bot", has_text=reference)).to_have_count(1)
    await expect(page.locator(".msg.me", has_text="halo")).to_have_count(0)
    # Only the last question's buttons can still be pressed.
    enabled = page.locator(".buttons button:enabled")
    await expect(enabled.first).to_be_visible()
    assert await enabled.count() == await page.locator(".msg").last.locator("button").count()
    await shot(page, "06-after-reload")


async def test_buttons_are_disabled_once_used(app: Siaga, phone: Any) -> None:
    from playwright.async_api import expect

    page = await phone.new_page()
    await open_chat(page, app)
    welcome = page.locator(".msg.bot").first
    choice = welcome.locator(".buttons button").nth(1)
    title = await choice.inner_text()
    await choice.click()
    await expect(page.locator(".msg.me").last).to_have_text(re.compile(re.escape(title)))
    for button in await welcome.locator(".buttons button").all():
        await expect(button).to_be_disabled()
    await expect(choice).to_have_class(re.compile(r"\bchosen\b"))
    # The answer's own buttons are live until the person types something instead.
    answer = page.locator(".msg.bot").nth(1)
    await expect(answer.locator(".buttons button").first).to_be_enabled(timeout=SLOW)
    await shot(page, "07-buttons-used")
    await type_message(page, "terima kasih")
    await expect(answer.locator(".buttons button").first).to_be_disabled()
    await expect(page.locator(".msg.me")).to_have_count(2)

    stale = """() => {
        const all = [...document.querySelectorAll('.msg')];
        return all.filter((m, i) => all.slice(i + 1).some(n => n.classList.contains('me')))
                  .flatMap(m => [...m.querySelectorAll('.buttons button:enabled')]).length;
    }"""
    assert await page.evaluate(stale) == 0
    await page.reload()
    await expect(page.locator(".msg.me")).to_have_count(2, timeout=SLOW)
    assert await page.evaluate(stale) == 0


async def test_links_and_phone_numbers_in_replies_and_never_html(app: Siaga, phone: Any) -> None:
    from playwright.async_api import expect

    page = await phone.new_page()
    await open_chat(page, app)
    await type_message(page, "halo")
    await expect(page.locator(".msg.bot")).to_have_count(2, timeout=SLOW)
    sid = await session_id(page)
    text = (
        "KDEI Taipei: +886 901 132 000, call centre 0800-1000. Info: https://bp2mi.go.id/layanan.\n"
        '<img src=x onerror="window.__xss=1"><b>tebal</b> *penting* (berlaku 2023-12-08)'
    )
    async with app.sessions() as session, session.begin():  # an operator's reply, as the console
        conversation = await conversations.find_conversation(session, "webchat", sid)
        assert conversation is not None
        row = outbox.enqueue(
            session,
            channel="webchat",
            recipient=sid,
            text=text,
            conversation_id=conversation.id,
            origin="operator",
        )
        await session.flush()
        conversations.add_message(
            session, conversation, direction="out", text=text, origin="operator", outbox_id=row.id
        )

    message = page.locator(".msg.operator")
    await expect(message).to_have_count(1, timeout=SLOW)
    await expect(message.locator('a[href="tel:+886901132000"]')).to_have_text("+886 901 132 000")
    await expect(message.locator('a[href="tel:08001000"]')).to_have_text("0800-1000")
    link = message.locator('a[href="https://bp2mi.go.id/layanan"]')
    await expect(link).to_have_text("https://bp2mi.go.id/layanan")  # the full stop is not in it
    await expect(link).to_have_attribute("target", "_blank")
    await expect(link).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
    await expect(message.locator("a")).to_have_count(3)  # the date is not a phone number
    await expect(message.locator("strong")).to_have_text("penting")
    assert await message.locator("img, b").count() == 0
    assert "<b>tebal</b>" in await message.inner_text()
    assert await page.evaluate("window.__xss") is None
    await message.scroll_into_view_if_needed()
    await shot(page, "08-operator-reply-with-links")


async def test_a_too_long_message_is_kept_with_what_to_cut(app: Siaga, phone: Any) -> None:
    from playwright.async_api import expect

    page = await phone.new_page()
    posts = Posts(page)
    await open_chat(page, app)
    story = ("Majikan tidak membayar gaji saya dan paspor saya ditahan. " * 80)[:4100]
    await page.fill("#text", story)
    await page.press("#text", "Enter")
    warning = page.locator("#too-long")
    await expect(warning).to_be_visible()
    await expect(warning).to_contain_text("4100")
    await expect(warning).to_contain_text("Hapus 4 karakter")
    await expect(page.locator("#text")).to_have_value(story)
    assert posts.of(story) == []
    await shot(page, "09-too-long")

    await page.reload()  # a draft survives a reload too
    await expect(page.locator("#text")).to_have_value(story)
    shorter = story[:4096].strip()
    await page.fill("#text", shorter)
    await expect(warning).to_be_hidden()
    await page.press("#text", "Enter")
    await expect(page.locator(".msg.me").last).to_have_class(re.compile(r"\bsent\b"), timeout=SLOW)
    [stored] = await app.inbound(shorter)
    assert len(stored.text) == len(shorter)


async def test_a_refused_message_shows_the_reason_and_is_not_resent(
    app: Siaga, phone: Any
) -> None:
    from playwright.async_api import expect

    page = await phone.new_page()
    posts = Posts(page)
    await open_chat(page, app)

    async def refuse(route: Any) -> None:
        if route.request.method != "POST":
            await route.continue_()
        else:
            await route.fulfill(
                status=400, content_type="application/json", body='{"error": "payload too odd"}'
            )

    await page.route("**/api/webchat/messages", refuse)
    await type_message(page, "apakah ini terkirim?")
    mine = page.locator(".msg.me").last
    await expect(mine).to_have_class(re.compile(r"\brejected\b"))
    await expect(mine).to_contain_text("payload too odd")
    await page.wait_for_timeout(2500)
    assert len(posts.of("apakah ini terkirim?")) == 1
    await page.reload()  # still shown, not silently gone
    await expect(page.locator(".msg.me.rejected")).to_contain_text("apakah ini terkirim?")
    await page.locator(".msg.me.rejected .actions button").click()
    await expect(page.locator("#text")).to_have_value("apakah ini terkirim?")
    await expect(page.locator(".msg.me")).to_have_count(0)


async def test_times_are_shown_in_the_persons_time_zone(app: Siaga, phone: Any) -> None:
    from playwright.async_api import expect

    page = await phone.new_page()
    await open_chat(page, app)
    stamp = page.locator(".msg.bot time").first
    await expect(stamp).to_have_attribute("datetime", re.compile(r"Z$"))
    moment = datetime.fromisoformat(str(await stamp.get_attribute("datetime")))
    local = moment.astimezone(ZoneInfo("Asia/Hong_Kong"))  # the context's zone; the host is UTC
    await expect(stamp).to_have_text(f"{local:%H}.{local:%M}")  # id-ID writes 14.05


async def test_it_fits_a_small_phone_and_loads_nothing_from_elsewhere(
    app: Siaga, browser: Any
) -> None:
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 360, "height": 640}, locale="id-ID")
    page = await context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2] if "://" in r.url else r.url))
    await open_chat(page, app)
    await expect(page.locator(".msg.bot .buttons button").first).to_be_visible()
    assert hosts == {app.url.split("/")[2]}
    width = await page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 360, "nothing scrolls sideways"
    sos = await page.locator("#sos").bounding_box()
    assert sos["height"] < 48, "the emergency line is one line"
    for target in ["#send", "#text", ".msg.bot .buttons button", "#sos a"]:
        for element in await page.locator(target).all():
            box = await element.bounding_box()
            assert box["height"] >= 40, f"{target} is too small to tap"
    await context.close()


async def test_the_session_lives_in_local_storage(app: Siaga, phone: Any, browser: Any) -> None:
    """The same browser comes back to the same conversation; another one starts its own."""
    from playwright.async_api import expect

    page = await phone.new_page()
    await open_chat(page, app)
    sid = await session_id(page)
    await type_message(page, WAGES)
    await expect(page.locator(".msg.me.sent")).to_have_count(1, timeout=SLOW)
    await page.close()
    again = await phone.new_page()
    await open_chat(again, app)
    assert await session_id(again) == sid
    await expect(again.locator(".msg.me", has_text=WAGES)).to_have_count(1)

    elsewhere = await browser.new_context(viewport={"width": 390, "height": 844})
    other = await elsewhere.new_page()
    await open_chat(other, app)
    assert await session_id(other) != sid
    await expect(other.locator(".msg.me")).to_have_count(0)
    await elsewhere.close()


async def test_leave_clears_this_phone_and_keeps_the_report(app: Siaga, phone: Any) -> None:
    """Issue 13 walkthrough: nothing hid the conversation from an employer reading the phone."""
    from playwright.async_api import expect

    page = await phone.new_page()
    await page.route(
        "https://www.google.com/**",
        lambda route: route.fulfill(
            status=200, body="<title>Google</title>", content_type="text/html"
        ),
    )
    await open_chat(page, app)
    await type_message(page, WAGES)
    await expect(page.locator(".msg.bot")).to_have_count(2, timeout=SLOW)
    old_session = await session_id(page)
    await page.click("#leave")
    await expect(page).to_have_url("https://www.google.com/")
    await expect(page).to_have_title("Google")

    again = await phone.new_page()
    await open_chat(again, app)
    await expect(again.locator(".msg")).to_have_count(1)  # only the welcome: nothing kept here
    assert await session_id(again) != old_session
    assert len(await app.inbound(WAGES)) == 1  # the command centre still has the message
