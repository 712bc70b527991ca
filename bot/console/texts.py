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
