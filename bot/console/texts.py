"""What the worker is told when an operator changes their case, and the operators' canned replies.

The flows own the bot's voice: when ``flows.router`` offers ``status_change_reply(summary,
language)`` and ``handback_reply(language)`` they are used, so the worker hears one consistent
bot. The short Indonesian/English texts here are the fallback while (or if) they do not exist.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flows.types import CaseSummary
from storage.console import WorkerText

log = logging.getLogger("bot.console")

_STATUS_NAMES = {
    "id": {
        "new": "baru",
        "in_progress": "sedang ditangani",
        "waiting_for_worker": "menunggu jawaban Anda",
        "referred": "diteruskan ke instansi terkait",
        "resolved": "selesai",
        "closed": "ditutup",
    },
    "en": {
        "new": "new",
        "in_progress": "being handled",
        "waiting_for_worker": "waiting for your reply",
        "referred": "referred to the responsible agency",
        "resolved": "resolved",
        "closed": "closed",
    },
}

_STATUS_TEXT = {
    "id": "Kabar kasus {reference}: status sekarang {status}.",
    "en": "Update on case {reference}: the status is now {status}.",
}
_NOTE = {"id": "Catatan petugas: {note}", "en": "Officer's note: {note}"}
_HANDBACK = {
    "id": "Petugas kami telah selesai di percakapan ini. Anda kembali dilayani asisten otomatis "
    "Siaga. Ketik MENU untuk pilihan, atau tulis pesan jika butuh bantuan lagi.",
    "en": "Our officer has finished in this conversation. The Siaga assistant is with you again. "
    "Type MENU for options, or write if you need more help.",
}


def _lang(language: str | None) -> str:
    return "en" if language == "en" else "id"


def _flows_function(name: str) -> Callable[..., Any] | None:
    """A text function of ``flows.router`` if the flows provide it."""
    try:
        module = importlib.import_module("flows.router")
    except ImportError:
        return None
    function = getattr(module, name, None)
    return function if callable(function) else None


def _worker_text(result: Any) -> WorkerText | None:
    """A flows ``Reply`` (or a plain string) as a ``WorkerText``; None if it is neither."""
    text = getattr(result, "text", result)
    if not isinstance(text, str) or not text:
        return None
    buttons = [
        {"title": str(b.title), "payload": str(b.payload)}
        for b in getattr(result, "buttons", ()) or ()
    ]
    return WorkerText(text=text, buttons=buttons)


def status_text(summary: CaseSummary, language: str) -> WorkerText | None:
    """The worker's message after a status change."""
    flows_text = _flows_function("status_change_reply")
    if flows_text is not None:
        try:
            result = _worker_text(flows_text(summary, language))
        except Exception:  # a text bug must not stop the status change itself
            log.exception("flows.router.status_change_reply failed; using the console text")
        else:
            if result is not None:
                return result
    lang = _lang(language)
    status = _STATUS_NAMES[lang].get(summary.status, summary.status)
    text = _STATUS_TEXT[lang].format(reference=summary.reference, status=status)
    if summary.last_update:
        text += "\n" + _NOTE[lang].format(note=summary.last_update)
    return WorkerText(text=text)


def handback_text(language: str | None) -> WorkerText:
    """The worker's message when the bot takes the conversation back (with the menu buttons)."""
    flows_text = _flows_function("handback_reply")
    if flows_text is not None:
        try:
            result = _worker_text(flows_text(language or "id"))
        except Exception:  # a text bug must not stop the hand-back itself
            log.exception("flows.router.handback_reply failed; using the console text")
        else:
            if result is not None:
                return result
    return WorkerText(text=_HANDBACK[_lang(language)])


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
