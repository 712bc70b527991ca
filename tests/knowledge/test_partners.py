"""Referral partners (knowledge/partners.py): missions from the directory with their sourced
numbers, national partners by name and kind only, never an invented number."""

from __future__ import annotations

import pytest

from knowledge.directory import load_directory
from knowledge.loader import KnowledgeError
from knowledge.partners import load_partners, office_name, parse_partners


def test_every_mission_of_the_directory_is_a_partner_with_its_numbers() -> None:
    directory = load_directory()
    partners = load_partners()
    for code, country in directory.countries.items():
        for line in country.contacts:
            if line.kind != "mission":
                continue
            found = [p for p in partners.all if p.country == code and p.kind == "mission"]
            assert any((line.label_id, line.value) in p.contacts for p in found), line.label_id
    assert office_name("KBRI Kuala Lumpur, WhatsApp Kekonsuleran (hotline)") == "KBRI Kuala Lumpur"
    assert office_name("KDEI Taipei (Kantor Dagang dan Ekonomi Indonesia), telepon") == (
        "KDEI Taipei"
    )


def test_national_partners_have_names_and_kinds_only() -> None:
    partners = load_partners()
    national = [p for p in partners.all if p.kind != "mission"]
    assert {p.kind for p in national} == {"bp3mi", "police", "bpjs", "immigration"}
    assert all(not p.contacts for p in national)


@pytest.mark.parametrize(
    "entry",
    [
        {"key": "police:x", "name": "Polda X", "kind": "police", "facts": "§4", "phone": "110"},
        {"key": "x:y", "name": "Someone", "kind": "ngo", "facts": "§4"},
        {"key": "police:x", "name": "Polda X", "kind": "police"},
        {"key": "mission:XX:y", "name": "KBRI Y", "kind": "mission", "facts": "§9"},
    ],
)
def test_partners_yml_refuses_numbers_unknown_kinds_and_unsourced_entries(
    entry: dict[str, str],
) -> None:
    with pytest.raises(KnowledgeError):
        parse_partners({"partners": [entry]})
