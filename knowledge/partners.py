"""Partners a case can be referred to: the missions of the directory, and national partners.

Missions (KBRI, KJRI, KDEI) come from ``directory.yml``: one partner per office named there, with
the numbers the directory has sourced. National partners (BP3MI provincial offices, the police,
BPJS Ketenagakerjaan, Immigration) come from ``partners.yml``, by name and kind only: docs/facts.md
confirms no number for them, and an invented number is worse than none (docs/console.md,
"Referrals").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from knowledge.directory import Directory, load_directory
from knowledge.loader import KnowledgeError, default_content_dir

PARTNER_KINDS: tuple[str, ...] = ("mission", "bp3mi", "police", "bpjs", "immigration")


@dataclass(frozen=True, slots=True)
class Partner:
    """Someone the command centre refers a case to."""

    key: str  # stable: "mission:MY:kbri-kuala-lumpur", "police:bareskrim"
    name: str
    kind: str
    country: str | None = None  # ISO code of the mission's country
    province: str | None = None  # a BP3MI office's province
    names: tuple[str, ...] = ()  # lowercase words that name the province
    contacts: tuple[tuple[str, str], ...] = ()  # (label, value) from the directory, sourced


@dataclass(frozen=True, slots=True)
class Partners:
    """Every partner, with the filter the case page uses."""

    all: tuple[Partner, ...]

    def get(self, key: str) -> Partner | None:
        """A partner by key."""
        return next((p for p in self.all if p.key == key), None)

    def for_case(self, country: str | None, province: str | None) -> list[Partner]:
        """The partners that fit a case: its country's missions, the BP3MI office of its
        province (every office when the province is unknown), and the national partners."""
        prov = (province or "").strip().lower()
        out = []
        for p in self.all:
            if p.kind == "mission" and p.country != country:
                continue
            if p.kind == "bp3mi" and prov and prov not in p.names:
                continue
            out.append(p)
        return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def office_name(label: str) -> str:
    """``"KBRI Kuala Lumpur, WhatsApp Kekonsuleran (hotline)"`` -> ``"KBRI Kuala Lumpur"``."""
    return re.split(r",| \(", label, maxsplit=1)[0].strip()


def missions(directory: Directory) -> list[Partner]:
    """One partner per mission office the directory names, with its sourced numbers."""
    found: dict[str, Partner] = {}
    for code, country in directory.countries.items():
        for line in country.contacts:
            if line.kind != "mission":
                continue
            name = office_name(line.label_id)
            key = f"mission:{code}:{_slug(name)}"
            old = found.get(key)
            contact = (line.label_id, line.value)
            found[key] = Partner(
                key=key,
                name=name,
                kind="mission",
                country=code,
                contacts=(*(old.contacts if old else ()), contact),
            )
    return list(found.values())


def parse_partners(data: Any, where: str = "partners.yml") -> list[Partner]:
    """Validate ``partners.yml``: a key, a name, a known kind and the facts.md section.

    Raises:
        KnowledgeError: a field is missing or invalid, or a phone number was added.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("partners"), Sequence):
        raise KnowledgeError(f"{where}: needs a 'partners' list")
    out = []
    for i, raw in enumerate(data["partners"]):
        at = f"{where}: partners[{i}]"
        if not isinstance(raw, Mapping):
            raise KnowledgeError(f"{at}: must be a mapping")
        for field in ("key", "name", "kind", "facts"):
            if not isinstance(raw.get(field), str) or not raw[field].strip():
                raise KnowledgeError(f"{at}: '{field}' is required")
        if raw["kind"] not in PARTNER_KINDS or raw["kind"] == "mission":
            raise KnowledgeError(f"{at}: 'kind' must be one of {PARTNER_KINDS[1:]}")
        if set(raw) - {"key", "name", "kind", "facts", "province", "names"}:
            raise KnowledgeError(f"{at}: only key, name, kind, facts, province and names")
        province = raw.get("province")
        names = tuple(str(n).lower() for n in raw.get("names") or ())
        if province:
            names = (*names, str(province).lower())
        out.append(
            Partner(
                key=raw["key"].strip(),
                name=raw["name"].strip(),
                kind=raw["kind"],
                province=str(province) if province else None,
                names=names,
            )
        )
    return out


def load_partners(path: Path | None = None, directory: Directory | None = None) -> Partners:
    """Missions from the directory, then the national partners of ``partners.yml``."""
    file = path or default_content_dir() / "partners.yml"
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{file}: invalid YAML: {exc}") from exc
    found = missions(directory or load_directory())
    found.extend(parse_partners(data, str(file)))
    keys = [p.key for p in found]
    if len(set(keys)) != len(keys):
        raise KnowledgeError(f"{file}: partner keys must be unique")
    return Partners(all=tuple(found))


@lru_cache(maxsize=1)
def partners() -> Partners:
    """The packaged partners, loaded once."""
    return load_partners()
