"""The directory of Indonesian missions, hotlines and local emergency numbers, by country.

Only numbers that appear in ``docs/facts.md`` are listed (``knowledge/content/directory.yml``),
each with its source, date and confidence mark. Numbers marked ``[U]`` there are left out on
purpose: in an emergency a dead number costs minutes, and the national lines always work.

Every country lists at least one emergency number (police, ambulance, fire), and either a
confirmed number of the Indonesian embassy or consulate or a ``gaps`` note that says what is
missing and what to use instead; the loader refuses a country with neither, so a gap is always
said out loud rather than left for the worker to discover.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge.loader import KnowledgeError, Source, default_content_dir, parse_sources

# "crisis": suicide-prevention and emotional-support lines, given with the critical answer to
# someone who wants to end their life (docs/emergencies.md).
CONTACT_KINDS: tuple[str, ...] = (
    "emergency",
    "crisis",
    "mission",
    "labour",
    "national",
    "app",
    "web",
)
_KIND_ORDER = {k: i for i, k in enumerate(CONTACT_KINDS)}


@dataclass(frozen=True, slots=True)
class HelpLine:
    """One number, app or website a person can use, with where we learnt it."""

    label_id: str
    label_en: str
    value: str  # a phone number in international format, an app name or a web address
    kind: str
    confidence: str  # C or S (U entries are refused by the loader)
    sources: tuple[Source, ...]

    def label(self, language: str) -> str:
        """The label in ``language`` (Indonesian unless English is asked for)."""
        return self.label_en if language == "en" else self.label_id

    @property
    def verified(self) -> bool:
        """Confirmed by two independent sources in docs/facts.md."""
        return self.confidence == "C"


@dataclass(frozen=True, slots=True)
class Country:
    """A destination country and the help lines that serve it there."""

    code: str
    name_id: str
    name_en: str
    names: tuple[str, ...]  # lowercase words users write: "taiwan", "formosa", "hk"
    contacts: tuple[HelpLine, ...]
    # What the directory lacks here and what to use instead, (Indonesian, English): e.g. no
    # confirmed mission number, so the Safe Travel panic button or the KP2MI call centre.
    gaps: tuple[str, str] | None = None

    def name(self, language: str) -> str:
        """The country's name in ``language``."""
        return self.name_en if language == "en" else self.name_id

    def gap_note(self, language: str) -> str | None:
        """The ``gaps`` note in ``language``, if the country has one."""
        if self.gaps is None:
            return None
        return self.gaps[1] if language == "en" else self.gaps[0]


@dataclass(frozen=True, slots=True)
class Directory:
    """National lines plus per-country contacts, with lookups by code, name or free text."""

    national: tuple[HelpLine, ...]
    countries: Mapping[str, Country]

    def lookup(self, value: str | None) -> Country | None:
        """Find a country by ISO code (``"TW"``) or by a name users write (``"Taiwan"``)."""
        if not value:
            return None
        key = value.strip()
        if key.upper() in self.countries:
            return self.countries[key.upper()]
        low = key.lower()
        for country in self.countries.values():
            if low in country.names or low in (country.name_id.lower(), country.name_en.lower()):
                return country
        return None

    def find_in_text(self, text: str) -> Country | None:
        """The first country named in free text ("kerja di taiwan"), by whole words."""
        low = f" {re.sub(r'[^0-9a-z]+', ' ', text.lower())} "
        best: tuple[int, Country] | None = None
        for country in self.countries.values():
            for name in country.names:
                pos = low.find(f" {name} ")
                if pos >= 0 and (best is None or pos < best[0]):
                    best = (pos, country)
        return best[1] if best else None


def _help_line(raw: Any, where: str) -> HelpLine:
    if not isinstance(raw, Mapping):
        raise KnowledgeError(f"{where}: must be a mapping")
    label = raw.get("label")
    if not isinstance(label, Mapping) or not label.get("id") or not label.get("en"):
        raise KnowledgeError(f"{where}: 'label' needs 'id' and 'en'")
    value = raw.get("value")
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(f"{where}: 'value' is required")
    kind = raw.get("kind")
    if kind not in CONTACT_KINDS:
        raise KnowledgeError(f"{where}: 'kind' must be one of {CONTACT_KINDS}")
    conf = raw.get("confidence")
    if conf not in ("C", "S"):
        raise KnowledgeError(f"{where}: 'confidence' must be C or S (U numbers are left out)")
    return HelpLine(
        label_id=str(label["id"]),
        label_en=str(label["en"]),
        value=value.strip(),
        kind=str(kind),
        confidence=str(conf),
        sources=parse_sources(raw.get("sources"), where),
    )


def _gaps(raw: Any, where: str) -> tuple[str, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not all(
        isinstance(raw.get(lang), str) and raw[lang].strip() for lang in ("id", "en")
    ):
        raise KnowledgeError(f"{where}: 'gaps' needs 'id' and 'en' texts")
    return (raw["id"].strip(), raw["en"].strip())


def parse_directory(data: Any, where: str = "directory.yml") -> Directory:
    """Validate the parsed YAML of ``directory.yml``.

    Each country needs an ``emergency`` contact, and a confirmed (C) ``mission`` contact or a
    ``gaps`` note.

    Raises:
        KnowledgeError: a field is missing or invalid.
    """
    if not isinstance(data, Mapping):
        raise KnowledgeError(f"{where}: must be a mapping")
    national = tuple(
        _help_line(c, f"{where}: national[{i}]") for i, c in enumerate(data.get("national") or ())
    )
    if not national:
        raise KnowledgeError(f"{where}: 'national' must list at least one contact")
    countries: dict[str, Country] = {}
    for i, raw in enumerate(data.get("countries") or ()):
        at = f"{where}: countries[{i}]"
        if not isinstance(raw, Mapping):
            raise KnowledgeError(f"{at}: must be a mapping")
        code = str(raw.get("code", "")).upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise KnowledgeError(f"{at}: 'code' must be an ISO 3166 alpha-2 code")
        name = raw.get("name")
        if not isinstance(name, Mapping) or not name.get("id") or not name.get("en"):
            raise KnowledgeError(f"{at}: 'name' needs 'id' and 'en'")
        names = tuple(str(n).lower() for n in raw.get("names") or ())
        contacts = tuple(
            sorted(
                (
                    _help_line(c, f"{at}: contacts[{j}]")
                    for j, c in enumerate(raw.get("contacts") or ())
                ),
                key=lambda c: _KIND_ORDER[c.kind],
            )
        )
        gaps = _gaps(raw.get("gaps"), at)
        if not any(c.kind == "emergency" for c in contacts):
            raise KnowledgeError(f"{at}: needs at least one 'emergency' contact")
        if gaps is None and not any(c.kind == "mission" and c.verified for c in contacts):
            raise KnowledgeError(
                f"{at}: no confirmed 'mission' contact, so a 'gaps' note must say what to use"
            )
        countries[code] = Country(
            code=code,
            name_id=str(name["id"]),
            name_en=str(name["en"]),
            names=(*names, str(name["id"]).lower(), str(name["en"]).lower()),
            contacts=contacts,
            gaps=gaps,
        )
    return Directory(national=national, countries=countries)


def load_directory(path: Path | None = None) -> Directory:
    """Load ``directory.yml`` (default: the packaged one)."""
    file = path or default_content_dir() / "directory.yml"
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{file}: invalid YAML: {exc}") from exc
    return parse_directory(data, str(file))
