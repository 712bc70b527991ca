"""The operators' canned replies: everyday phrases, then the knowledge base's answers.

What the worker is told when an operator changes a case or hands the conversation back is the
flows' voice (``flows.router.status_change_reply`` and ``handback_reply``), used by
``bot.console.service``: one consistent bot.
"""

from __future__ import annotations

import logging
from functools import lru_cache

log = logging.getLogger("bot.console")


def _lang(language: str | None) -> str:
    return "en" if language == "en" else "id"


# Operators' everyday phrases, reviewed with the command centre's scripts in mind: short,
# polite, and never promising what the centre cannot do.
CANNED: dict[str, list[tuple[str, str]]] = {
    "id": [
        (
            "Salam pembuka",
            "Halo, saya petugas Pusat Komando Pelindungan PMI. Saya sudah membaca "
            "pesan Anda dan akan membantu. Apakah Anda sekarang dalam keadaan aman?",
        ),
        (
            "Minta lokasi",
            "Mohon kirim lokasi Anda sekarang (alamat, kota, atau bagikan lokasi) "
            "agar kami bisa menghubungi perwakilan RI terdekat.",
        ),
        (
            "Minta dokumen",
            "Jika bisa, mohon kirim foto paspor, kontrak kerja, atau dokumen lain "
            "yang Anda punya. Jika tidak ada, tidak apa-apa.",
        ),
        (
            "Sedang diteruskan",
            "Kasus Anda sudah kami teruskan ke KBRI/KJRI setempat. Mereka akan "
            "menghubungi Anda. Simpan nomor kasus Anda.",
        ),
        (
            "Tetap terhubung",
            "Kami tetap memantau kasus Anda. Balas pesan ini kapan saja jika ada "
            "perkembangan atau Anda dalam bahaya.",
        ),
    ],
    "en": [
        (
            "Greeting",
            "Hello, I am an officer of the Indonesian migrant worker protection command "
            "centre. I have read your messages and will help you. Are you safe right now?",
        ),
        (
            "Ask location",
            "Please send your location now (address, city, or share your location) "
            "so we can contact the nearest Indonesian mission.",
        ),
        (
            "Ask documents",
            "If you can, please send a photo of your passport, work contract or "
            "other documents you have. If you have none, that is fine.",
        ),
        (
            "Referred",
            "We have passed your case to the Indonesian embassy/consulate. They will "
            "contact you. Please keep your case number.",
        ),
        (
            "Stay in touch",
            "We keep following your case. Reply at any time if anything changes or "
            "you are in danger.",
        ),
    ],
}


@lru_cache(maxsize=1)
def _articles() -> tuple[tuple[str, str, str], ...]:
    """(language, title, body) of every knowledge-base article, loaded once."""
    try:
        from knowledge.loader import load_articles

        return tuple((a.language, a.title, a.body.strip()) for a in load_articles())
    except Exception:  # the console must open even when an article is broken; say so in logs
        log.exception("knowledge base could not be loaded for canned replies")
        return ()


def canned_replies(language: str) -> list[dict[str, str]]:
    """The composer's canned replies: everyday phrases first, then knowledge-base answers."""
    lang = _lang(language)
    items = [{"title": t, "text": body, "source": "phrase"} for t, body in CANNED[lang]]
    items.extend(
        {"title": title, "text": body, "source": "knowledge"}
        for article_lang, title, body in _articles()
        if article_lang == lang
    )
    return items


# Console interface strings by key, for pages and JSON messages added since issue 16 (English
# for now; a translation adds a table beside it). Keys are grouped by page: "advisories.…".
UI: dict[str, str] = {
    "advisories.title": "Advisories",
    "advisories.intro": (
        "Safety advisories to many: written in Indonesian and English, approved by a second "
        "supervisor, sent only to people who said yes to advisories."
    ),
    "advisories.compose": "New advisory",
    "advisories.field.title": "Title (for the console only)",
    "advisories.field.text_id": "Text in Indonesian",
    "advisories.field.text_en": "Text in English",
    "advisories.field.source_url": "Source link (https://…)",
    "advisories.field.countries": "Countries (empty: all)",
    "advisories.field.channels": "Channels (empty: all)",
    "advisories.field.languages": "Languages (empty: all)",
    "advisories.field.active_days": "Wrote to us within (days, empty: any time)",
    "advisories.field.scheduled_at": "Send at (empty: on approval)",
    "advisories.count": "Recipients",
    "advisories.count_button": "Count recipients",
    "advisories.save": "Save draft",
    "advisories.list": "Advisories",
    "advisories.approve": "Approve and send",
    "advisories.cancel": "Cancel",
    "advisories.replies": "Replies",
    "advisories.error.four_eyes": "a second supervisor must approve (four eyes)",
    "advisories.error.text": "{field} is required (at most {max} characters)",
    "advisories.error.source": "source_url must be an http(s) link",
    "advisories.error.audience": "audience.{field} must be {what}",
    "advisories.error.scheduled": "scheduled_at must be an ISO date-time with a time zone",
}


def text(key: str, **kwargs: object) -> str:
    """The console string ``key``, formatted with ``kwargs``.

    Raises:
        KeyError: an unknown key (a bug: every key used is in :data:`UI`).
    """
    value = UI[key]
    return value.format(**kwargs) if kwargs else value
