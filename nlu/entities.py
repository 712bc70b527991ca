"""Rule-based entities: countries, money with currency, phones, passports, companies, dates.

Rules instead of a learned tagger because the entities that matter to a case worker have regular
shapes ("NT$ 20.000", "15jt", "+852 6773 0466", "C1234567", "PT Sinar Jaya") and must be exact:
a wrong digit in a phone number is worse than no number. Country aliases come from the shared
Rasa data (``nlu/data/lookups.yml``) so both back-ends know the same names.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

from nlu.types import Entity

LOOKUPS_PATH = Path(__file__).parent / "data" / "lookups.yml"

# Aliases that are also common words or abbreviations in chat ("kl" = "kalau").
_AMBIGUOUS_ALIASES = frozenset({"kl", "indo", "indonesia", "arab", "malay"})


@functools.cache
def country_aliases() -> dict[str, str]:
    """Alias (lower case) -> canonical country name, from the synonyms in ``lookups.yml``."""
    with LOOKUPS_PATH.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    out: dict[str, str] = {}
    for block in data.get("nlu", []):
        if "synonym" not in block or block["synonym"] == "Indonesia":
            continue
        for line in str(block.get("examples", "")).splitlines():
            alias = line.strip().removeprefix("- ").strip().lower()
            if alias and alias not in _AMBIGUOUS_ALIASES:
                out[alias] = str(block["synonym"])
    # "Arab" alone means Saudi Arabia to most users, but only as a whole word after a preposition.
    out["arab saudi"] = "Saudi Arabia"
    return out


@functools.cache
def _country_re() -> re.Pattern[str]:
    aliases = sorted(country_aliases(), key=len, reverse=True)
    alt = "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in aliases)
    return re.compile(rf"(?<![\w])(?:{alt}|(?<=ke )arab|(?<=di )arab)(?![\w])", re.IGNORECASE)


_CURRENCY_PREFIX = {
    "rp": "IDR",
    "idr": "IDR",
    "usd": "USD",
    "us$": "USD",
    "$": "USD",
    "hkd": "HKD",
    "hk$": "HKD",
    "nt$": "TWD",
    "ntd": "TWD",
    "twd": "TWD",
    "rm": "MYR",
    "myr": "MYR",
    "sgd": "SGD",
    "s$": "SGD",
    "sar": "SAR",
    "aed": "AED",
    "qar": "QAR",
    "kwd": "KWD",
    "¥": "JPY",
    "jpy": "JPY",
    "krw": "KRW",
    "₩": "KRW",
}
_CURRENCY_SUFFIX = {
    "jt": ("IDR", 1_000_000),
    "juta": ("IDR", 1_000_000),
    "rb": ("IDR", 1_000),
    "ribu": ("IDR", 1_000),
    "riyal": ("SAR", 1),
    "real": ("SAR", 1),
    "sar": ("SAR", 1),
    "ringgit": ("MYR", 1),
    "rm": ("MYR", 1),
    "usd": ("USD", 1),
    "dolar": ("USD", 1),
    "dollar": ("USD", 1),
    "hkd": ("HKD", 1),
    "ntd": ("TWD", 1),
    "nt": ("TWD", 1),
    "yen": ("JPY", 1),
    "won": ("KRW", 1),
    "dirham": ("AED", 1),
    "aed": ("AED", 1),
    "sgd": ("SGD", 1),
    "rupiah": ("IDR", 1),
    "k": ("IDR", 1_000),
}
_NUM = r"\d{1,3}(?:[.,]\d{3})+(?:,\d{1,2})?|\d+(?:[.,]\d+)?"
_PREFIX_RE = "|".join(re.escape(c) for c in sorted(_CURRENCY_PREFIX, key=len, reverse=True))
_SUFFIX_RE = "|".join(sorted(_CURRENCY_SUFFIX, key=len, reverse=True))
_MONEY_PREFIX = re.compile(rf"(?<![\w$])({_PREFIX_RE})\.?\s?({_NUM})(?![\d])", re.IGNORECASE)
_MONEY_SUFFIX = re.compile(rf"(?<![\w.,])({_NUM})\s?({_SUFFIX_RE})\b", re.IGNORECASE)

_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,5}){1,4}"
    r"|0[89]\d{1,3}(?:[\s.-]?\d{3,5}){1,3})(?![\w])"
)
_PASSPORT = re.compile(r"(?<![\w])([A-Za-z])[\s-]?(\d{7})(?![\w])")
_ORG = re.compile(
    r"(?<![\w])((?i:PT|CV|P3MI|LPK|BLK))\.?\s+([A-Za-z0-9][\w&'-]*(?:\s+[A-Za-z0-9][\w&'-]*){0,3})"
)
_INSTITUTION = re.compile(
    r"(?<![\w])(KBRI|KJRI|KDEI|BP2MI|KP2MI|BP3MI|P4MI|BPJS(?: Ketenagakerjaan| TK)?|"
    r"Disnaker|Disnakertrans|LTSA|Kemlu|Kemnaker|Imigrasi)(?![\w])(?:\s+([A-Z][a-z]+))?",
    re.IGNORECASE,
)
# Words that end an organisation name written in lower case ("pt gak mau balikin").
_ORG_STOP = frozenset(
    [
        "tidak",
        "gak",
        "gk",
        "ga",
        "nggak",
        "yang",
        "yg",
        "tapi",
        "tp",
        "sudah",
        "udah",
        "udh",
        "belum",
        "blm",
        "minta",
        "nahan",
        "dan",
        "di",
        "ke",
        "dari",
        "itu",
        "ini",
        "mau",
        "tidak",
        "katanya",
        "bilang",
        "suruh",
        "gk",
        "sy",
        "saya",
        "aku",
        "untuk",
        "buat",
        "resmi",
        "apa",
        "is",
        "the",
        "not",
        "say",
        "ask",
        "keep",
        "hold",
        "never",
        "sejak",
        "since",
    ]
)
_MONTHS = {
    "jan": 1,
    "januari": 1,
    "january": 1,
    "feb": 2,
    "februari": 2,
    "february": 2,
    "mar": 3,
    "maret": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "mei": 5,
    "may": 5,
    "jun": 6,
    "juni": 6,
    "june": 6,
    "jul": 7,
    "juli": 7,
    "july": 7,
    "agu": 8,
    "agt": 8,
    "agustus": 8,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "okt": 10,
    "oct": 10,
    "oktober": 10,
    "october": 10,
    "nov": 11,
    "nop": 11,
    "november": 11,
    "des": 12,
    "dec": 12,
    "desember": 12,
    "december": 12,
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_NUMERIC = re.compile(r"(?<![\d/.-])(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?![\d/.-])")
_DATE_WORDS = re.compile(
    rf"(?<![\w])(\d{{1,2}})\s+({_MONTH_RE})\.?(?:\s+(\d{{4}}))?(?![\w])", re.IGNORECASE
)


def _amount(num: str) -> float | None:
    """Parse "20.000", "1,500", "4990", "2,5" as Indonesian and English speakers write them."""
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", num):
        return float(re.sub(r"[.,]", "", num))
    try:
        return float(num.replace(",", "."))
    except ValueError:
        return None


def _money(text: str) -> list[Entity]:
    out: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for m in _MONEY_PREFIX.finditer(text):
        amount = _amount(m.group(2))
        if amount is None:
            continue
        cur = _CURRENCY_PREFIX[m.group(1).lower()]
        out.append(_money_entity(m, cur, amount))
        taken.append(m.span())
    for m in _MONEY_SUFFIX.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        amount = _amount(m.group(1))
        if amount is None:
            continue
        cur, mult = _CURRENCY_SUFFIX[m.group(2).lower()]
        out.append(_money_entity(m, cur, amount * mult))
    return out


def _money_entity(m: re.Match[str], currency: str, amount: float) -> Entity:
    return Entity(
        "money", m.group(0), m.start(), m.end(), extra={"currency": currency, "amount": amount}
    )


def _org_name(words: str) -> str:
    kept: list[str] = []
    capitalised = words[:1].isupper()
    for word in words.split():
        if word.lower() in _ORG_STOP or (capitalised and not word[:1].isupper()):
            break
        kept.append(word)
    return " ".join(kept)


def _dates(text: str) -> list[Entity]:
    out: list[Entity] = []
    for m in _DATE_NUMERIC.finditer(text):
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if not (1 <= day <= 31 and 1 <= month <= 12):
            continue
        year = year + 2000 if year < 100 else year
        out.append(
            Entity(
                "date",
                m.group(0),
                m.start(),
                m.end(),
                extra={"iso": f"{year:04d}-{month:02d}-{day:02d}"},
            )
        )
    for m in _DATE_WORDS.finditer(text):
        day, month = int(m.group(1)), _MONTHS[m.group(2).lower()]
        if not 1 <= day <= 31:
            continue
        iso = (
            f"{int(m.group(3)):04d}-{month:02d}-{day:02d}"
            if m.group(3)
            else f"--{month:02d}-{day:02d}"
        )
        out.append(Entity("date", m.group(0), m.start(), m.end(), extra={"iso": iso}))
    return out


def extract_entities(text: str) -> tuple[Entity, ...]:
    """Find the entities of one message, in order of position, without overlaps.

    Args:
        text: Raw message text (offsets refer to it).

    Returns:
        Entities ``country`` (value = canonical English name), ``money`` (``currency`` and
        ``amount`` in ``extra``), ``phone``, ``passport``, ``organization`` and ``date``.
    """
    found: list[Entity] = []
    for m in _country_re().finditer(text):
        alias = re.sub(r"\s+", " ", m.group(0).lower())
        value = country_aliases().get(alias, "Saudi Arabia" if alias == "arab" else alias)
        found.append(Entity("country", value, m.start(), m.end(), extra={"alias": m.group(0)}))
    phones = [
        Entity("phone", re.sub(r"[\s.()-]", "", m.group(0)), m.start(), m.end())
        for m in _PHONE.finditer(text)
        if len(re.sub(r"\D", "", m.group(0))) >= 9
    ]
    found += phones
    found += _dates(text)
    found += _money(text)
    for m in _PASSPORT.finditer(text):
        found.append(Entity("passport", (m.group(1) + m.group(2)).upper(), m.start(), m.end()))
    for m in _ORG.finditer(text):
        name = _org_name(m.group(2))
        if name:
            value = f"{m.group(1).upper()} {name}"
            end = m.start(2) + len(name)
            found.append(Entity("organization", value, m.start(), end))
    for m in _INSTITUTION.finditer(text):
        found.append(Entity("organization", m.group(0), m.start(), m.end()))
    # Earlier entity kinds win overlaps (a phone number is not money, a date is not money).
    found.sort(key=lambda e: (e.start, -(e.end - e.start)))
    out: list[Entity] = []
    for ent in found:
        if out and ent.start < out[-1].end:
            continue
        out.append(ent)
    return tuple(out)
