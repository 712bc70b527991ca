"""Debian's Chromium for the browser tests, driven by Playwright (never a downloaded browser).

One place for the executable, its flags and the fixture's launch, so every browser test runs the
same browser the same way (``SIAGA_CHROMIUM`` points elsewhere if needed).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

CHROMIUM = os.environ.get("SIAGA_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",  # the console's alarm sound
]
needs_chromium = pytest.mark.skipif(
    not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"
)


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """Headless Chromium for the duration of the block."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()
