"""Operators' label corrections as reviewable training data (``siaga nlu corrections``).

When an operator corrects a case's category or urgency in the console, the message that opened
the case was labelled wrongly: that is exactly the example the model needs. This module turns
such corrections into Rasa-format YAML a person reviews before it is trained on
(``siaga nlu train --include reviewed.yml``, docs/nlu.md, "Learning from operators").

Workers' messages are sensitive personal data (UU 27/2022, docs/facts.md §5): the file carries
no names or numbers. Everything that identifies someone is masked before it is written: the
names the case itself holds (worker, employer, agency, city), names after an honorific or after
"nama saya …", phone, passport and other long numbers, e-mail addresses, handles and links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol

import yaml

from nlu.entities import extract_entities

NAME = "<nama>"
NUMBER = "<nomor>"
CONTACT = "<kontak>"
ORGANIZATION = "<organisasi>"

_MASKED_ENTITIES = {"phone": NUMBER, "passport": NUMBER, "organization": ORGANIZATION}
_HONORIFIC = (
    r"(?:mr|mrs|ms|miss|madam|mdm|mam|maam|sir|pak|bapak|bu|ibu|mbak|mba|mas|kak|kakak|teh|teteh|"
    r"kang|cik|encik|tuan|puan|nyonya|koh|cece|ci|bos|boss|baba|mama|auntie|aunty|uncle)"
)
# "Madam Chen", "pak Budi Santoso": the capitalised words after an honorific.
_AFTER_HONORIFIC = re.compile(
    rf"(?i:\b{_HONORIFIC}\.?)\s+((?:[A-Z][\w'-]*)(?:\s+[A-Z][\w'-]*){{0,2}})"
)
# "nama saya Siti Aminah", "my name is Rina", "namanya Dewi": up to three words after the cue.
_NAME_CUE = re.compile(
    r"(?i:\b(?:nama(?:ku|nya)?(?:\s+(?:saya|sy|aku|ku|gw|gue|adik|kakak|majikan|agen|bos))?"
    r"(?:\s+(?:adalah|ialah))?|my name is|name is|her name is|his name is|jenengku|jenenge|"
    r"nami abdi|nama sya)\s*:?)\s+([\w'-]+(?:\s+(?!(?:di|dan|yang|dari|umur|usia|kerja|"
    r"tinggal|sudah|udah|tidak|gak|gk|ga|belum|is|and|from|in|at|works?)\b)[\w'-]+){0,2})"
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_HANDLE = re.compile(r"(?<!\w)@\w{3,}")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_LONG_NUMBER = re.compile(r"\+?\d[\d\s().-]{5,}\d|\b\d{4,}\b")
_YEAR = re.compile(r"(?:19|20)\d\d")
# Amounts, dates and countries say what happened, not who it happened to: kept.
_KEPT_ENTITIES = frozenset({"money", "date", "country"})


_CUE_WORDS = frozenset(
    {"saya", "sy", "aku", "ku", "gw", "gue", "adik", "kakak", "majikan", "agen", "bos", "adalah"}
)


def _mask_after_cue(m: re.Match[str]) -> str:
    """``nama saya Siti`` -> ``nama saya <nama>``; a cue word itself is not a name."""
    if m.group(1).split()[0].lower() in _CUE_WORDS:
        return m.group(0)
    return m.group(0)[: m.start(1) - m.start(0)] + NAME


class Correction(Protocol):
    """What the export needs to know about one corrected case (storage provides it)."""

    @property
    def reference(self) -> str:
        """The case reference."""
        ...

    @property
    def text(self) -> str:
        """The message that opened the case: the one the labels were about."""
        ...

    @property
    def was(self) -> tuple[str, str]:
        """(intent, urgency) before the first correction: what the NLU said."""
        ...

    @property
    def now(self) -> tuple[str, str]:
        """(intent, urgency) after the last correction: what operators decided."""
        ...

    @property
    def reasons(self) -> Sequence[str]:
        """The reasons operators gave, oldest first."""
        ...

    @property
    def known_names(self) -> Sequence[str]:
        """Names and places the case holds (worker, employer, agency, city), to be masked."""
        ...


def mask(text: str, known_names: Iterable[str] = ()) -> str:
    """The text with everything that identifies someone replaced by a placeholder."""
    out = text
    for name in sorted({n.strip() for n in known_names if n and len(n.strip()) >= 2}, key=len)[
        ::-1
    ]:
        out = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", NAME, out, flags=re.IGNORECASE)
        for part in name.split():
            if len(part) >= 3:
                out = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", NAME, out, flags=re.IGNORECASE)
    out = _EMAIL.sub(CONTACT, out)
    out = _URL.sub(CONTACT, out)
    out = _HANDLE.sub(CONTACT, out)
    for ent in sorted(extract_entities(out), key=lambda e: -e.start):
        placeholder = _MASKED_ENTITIES.get(ent.entity)
        if placeholder is not None and placeholder not in out[ent.start : ent.end]:
            out = out[: ent.start] + placeholder + out[ent.end :]
    kept = [(e.start, e.end) for e in extract_entities(out) if e.entity in _KEPT_ENTITIES]
    out = _LONG_NUMBER.sub(
        lambda m: (
            m.group(0)
            if any(s <= m.start() and m.end() <= e for s, e in kept) or _YEAR.fullmatch(m.group(0))
            else NUMBER
        ),
        out,
    )
    out = _AFTER_HONORIFIC.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + NAME, out)
    out = _NAME_CUE.sub(_mask_after_cue, out)
    return re.sub(rf"(?:{re.escape(NAME)}\s+)+{re.escape(NAME)}", NAME, out)


def to_rasa_yaml(corrections: Sequence[Correction]) -> str:
    """Rasa 3 NLU YAML: one block per corrected label, each example with where it came from.

    Examples use Rasa's long form so each keeps its metadata (the case, the label it had, the
    operators' reasons, all masked); the block's ``metadata.urgency`` is the corrected urgency,
    which Siaga's trainer reads and Rasa ignores.
    """
    blocks: dict[tuple[str, str], list[dict[str, object]]] = {}
    for c in corrections:
        text = " ".join(mask(c.text, c.known_names).split())
        if not text:
            continue
        meta: dict[str, object] = {"case": c.reference, "was": "/".join(c.was)}
        reasons = [" ".join(mask(r, c.known_names).split()) for r in c.reasons if r.strip()]
        if reasons:
            meta["reasons"] = reasons
        blocks.setdefault(c.now, []).append({"text": text, "metadata": meta})
    nlu = [
        {"intent": intent, "metadata": {"urgency": urgency}, "examples": examples}
        for (intent, urgency), examples in sorted(blocks.items())
    ]
    header = (
        "# Label corrections made by operators in the console (siaga nlu corrections).\n"
        "# Review every example before training on it: delete what is wrong or still\n"
        "# identifies someone, then `siaga nlu train --include <this file>`.\n"
    )
    body = yaml.safe_dump(
        {"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False, width=100
    )
    return header + body
