"""Every packaged article and the missions directory validate, and the CLI lists due reviews."""

from __future__ import annotations

import argparse
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows import texts
from knowledge.cli import register
from knowledge.directory import load_directory
from knowledge.loader import KnowledgeError, coverage_gaps, load_articles, parse_article
from knowledge.retriever import InMemoryRetriever
from nlu.types import FAQ_INTENTS

ARTICLES = load_articles()
# Phone-like sequences (7+ digits with spaces/dashes) that an article states.
_PHONE = re.compile(r"\+?\d[\d\s-]{6,}\d")


def test_every_faq_intent_has_an_article_in_both_languages() -> None:
    assert coverage_gaps(ARTICLES) == []
    assert {i for a in ARTICLES for i in a.intents} == set(FAQ_INTENTS)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.id)
def test_article_is_sourced_dated_and_honest_about_confidence(article: object) -> None:
    from knowledge.loader import Article

    assert isinstance(article, Article)
    assert article.sources
    for source in article.sources:
        assert source.url.startswith("https://")
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", source.date)
        assert source.facts, "each source says where in docs/facts.md it comes from"
    assert article.reviewed <= datetime.now(UTC).date()
    weak = {s.confidence for s in article.sources} & {"S", "U"}
    assert article.needs_review == bool(weak)
    assert article.id.endswith(f"-{article.language}")
    assert len(article.body) < 1500, "keep answers readable on a small phone"


def test_every_number_in_an_article_is_in_the_directory_or_national_lines() -> None:
    directory = load_directory()
    known = {re.sub(r"\D", "", c.value) for c in directory.national}
    known |= {
        re.sub(r"\D", "", c.value) for co in directory.countries.values() for c in co.contacts
    }
    for article in ARTICLES:
        for match in _PHONE.findall(article.body):
            digits = re.sub(r"\D", "", match)
            assert digits in known, f"{article.id}: {match} is not a sourced number"


def test_directory_contacts_are_sourced_and_unverified_ones_marked() -> None:
    directory = load_directory()
    assert directory.lookup("taiwan") is directory.lookup("TW")
    assert directory.find_in_text("saya kerja di Hong Kong") is directory.lookup("HK")
    assert directory.find_in_text("my employer took my phone") is None  # "my" is not Malaysia
    kw = directory.lookup("KW")
    assert kw is not None
    for country in directory.countries.values():
        for contact in country.contacts:
            assert contact.sources
            assert contact.confidence in ("C", "S")


def test_translations_share_ids_so_follow_ups_switch_language() -> None:
    stems: dict[str, set[str]] = {}
    for a in ARTICLES:
        stems.setdefault(a.id.rsplit("-", 1)[0], set()).add(a.language)
    assert all(langs == {"id", "en"} for langs in stems.values())


def test_retrieval_tells_taiwan_from_hong_kong() -> None:
    r = InMemoryRetriever.from_directory()
    tw = r.search("biaya penempatan ke taiwan", lang="id", intent="faq.placement_cost")
    hk = r.search("biaya agensi di hong kong", lang="id", intent="faq.placement_cost")
    assert tw[0].article_id == "placement-cost-taiwan-id"
    assert hk[0].article_id == "placement-cost-hongkong-id"
    plain = r.search("what does placement cost", lang="en", intent="faq.placement_cost")
    assert plain[0].article_id == "placement-cost-en"
    assert r.search("recipe for fried rice", lang="en") == []


def test_loader_rejects_an_unsourced_or_overconfident_article(tmp_path: Path) -> None:
    good = (Path(ARTICLES[0].path)).read_text(encoding="utf-8")
    with pytest.raises(KnowledgeError, match="sources"):
        parse_article(re.sub(r"sources:.*?---", "sources: []\n---", good, flags=re.S), "x.md")
    single = next(a for a in ARTICLES if a.needs_review)
    text = (
        Path(single.path)
        .read_text(encoding="utf-8")
        .replace("needs_review: true", "needs_review: false")
    )
    with pytest.raises(KnowledgeError, match="needs_review"):
        parse_article(text, "y.md")
    (tmp_path / "bad.md").write_text("no front matter", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="front matter"):
        load_articles(tmp_path)


def _run_check(*argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["check", *argv])
    return args.func(args), ""


def test_knowledge_check_lists_due_articles(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = _run_check("--json", "--today", "2026-11-24")
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["articles"] == len(ARTICLES)
    due_ids = {d["id"] for d in out["due"]}
    assert "placement-cost-taiwan-id" in due_ids  # single source
    assert "procedure-id" not in due_ids  # confirmed, reviewed yesterday
    code, _ = _run_check("--json", "--today", "2027-12-01")
    later = json.loads(capsys.readouterr().out)
    assert "procedure-id" in {d["id"] for d in later["due"]}  # older than its interval
    code, _ = _run_check("--today", "2026-11-24")
    table = capsys.readouterr().out
    assert "due for review" in table
    assert "placement-cost-taiwan-id" in table


def test_knowledge_check_fails_on_an_invalid_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.md").write_text("---\nid: Bad Id\n---\nbody\n", encoding="utf-8")
    code, _ = _run_check("--dir", str(tmp_path))
    assert code == 1
    assert "invalid knowledge base" in capsys.readouterr().err


def test_every_flow_text_exists_in_both_languages() -> None:
    for key in texts.text_keys():
        id_text = texts.t(key, "id", **_placeholders(key))
        en_text = texts.t(key, "en", **_placeholders(key))
        assert id_text.strip()
        assert en_text.strip()


def _placeholders(key: str) -> dict[str, str]:
    raw = texts._T[key][0] + texts._T[key][1]
    return dict.fromkeys(re.findall(r"{(\w+)}", raw), "x")


# --- the directory against docs/facts.md §9 (issue 13) ------------------------------------------

FACTS = (Path(__file__).resolve().parents[2] / "docs" / "facts.md").read_text(encoding="utf-8")
_SECTION_9 = re.compile(r"^### 9\.\d+ .*\((?P<code>[A-Z]{2})\)\s*$", re.M)
_NUMBER = re.compile(r"\+?\(?\d[\d\s()-]*\d")


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _numbers(cell: str) -> set[str]:
    """The phone numbers a facts.md table cell gives ("+971 56 3322611 or +971 56 4170333")."""
    return {_digits(m) for m in _NUMBER.findall(cell) if len(_digits(m)) >= 3}


def _section_9_rows() -> list[tuple[str, str, str, str]]:
    """(country code, number cell, what it is, confidence cell) for every §9 country table."""
    rows = []
    starts = list(_SECTION_9.finditer(FACTS))
    for i, start in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else FACTS.index("### 9.24")
        for line in FACTS[start.end() : end].splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 4 and cells[0] not in ("number", "---"):
                rows.append((start["code"], cells[0], cells[1], cells[3]))
    return rows


def _same_number(a: str, b: str) -> bool:
    """Whether two digit strings are one number (a long one may differ by a country prefix)."""
    return a == b or (min(len(a), len(b)) >= 7 and (a.endswith(b) or b.endswith(a)))


def test_every_country_has_emergency_numbers_and_a_mission_or_a_gaps_note() -> None:
    directory = load_directory()
    assert len(directory.countries) >= 20
    for country in directory.countries.values():
        kinds = {c.kind for c in country.contacts}
        assert "emergency" in kinds, country.code
        confirmed_mission = any(c.kind == "mission" and c.verified for c in country.contacts)
        assert confirmed_mission or country.gaps, f"{country.code}: no mission and no gaps note"
        if country.gaps:
            assert country.gap_note("id")
            assert country.gap_note("en")
            assert "Safe Travel" in str(country.gap_note("id"))


def test_no_uncertain_or_retired_number_from_facts_section_9_is_listed() -> None:
    directory = load_directory()
    rows = _section_9_rows()
    assert {code for code, *_ in rows} >= set(directory.countries)  # every country has a §9
    banned = [
        (code, n)
        for code, number, _what, conf in rows
        if conf.startswith(("[U]", "**[U]")) or "~~" in number
        for n in _numbers(number)
    ]
    assert ("LA", "191") in banned  # Laos's old police number; Thailand's police is also 191
    assert ("KR", "1393") in banned  # retired
    assert ("PH", "639541583125") in banned  # conflicts with the confirmed KBRI Manila number
    for code, number in banned:
        country = directory.countries.get(code)
        listed = [_digits(c.value) for c in country.contacts] if country else []
        assert not any(_same_number(number, d) for d in listed), f"{code}: {number} is [U]"
    # §1.4's [U] mission numbers (old KBRI Seoul, Riyadh and Jeddah lines, the KDEI landline).
    old = [line for line in FACTS.split("## 2.")[0].splitlines() if line.rstrip().endswith("|")]
    old_u = {n for row in old if "[U]" in row.split("|")[-2] for n in _numbers(row.split("|")[2])}
    assert "821050631963" in old_u
    everything = {_digits(c.value) for co in directory.countries.values() for c in co.contacts}
    everything |= {_digits(c.value) for c in directory.national}
    assert not any(_same_number(u, d) for u in old_u for d in everything if len(u) >= 7)


def test_every_confirmed_mission_number_in_facts_section_9_is_listed() -> None:
    directory = load_directory()
    missions = [
        (code, n)
        for code, number, what, conf in _section_9_rows()
        if re.search(r"\b(KBRI|KJRI|KDEI)\b", what) and conf.startswith("[C]")
        for n in _numbers(number)
    ]
    assert ("KR", "82105394254" + "6") in missions  # KBRI Seoul's hotline
    for code, number in missions:
        listed = [_digits(c.value) for c in directory.countries[code].contacts]
        assert any(_same_number(number, d) for d in listed), f"{code}: {number} is missing"


def test_taiwan_is_served_by_kdei_not_a_kbri() -> None:
    directory = load_directory()
    taiwan = directory.countries["TW"]
    missions = [c for c in taiwan.contacts if c.kind == "mission"]
    assert missions
    assert all("KDEI" in c.label("id") for c in missions)
    content = Path(ARTICLES[0].path).parent.parent
    for path in [*content.rglob("*.md"), content / "directory.yml"]:
        text = path.read_text(encoding="utf-8")
        lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
        bad = re.compile(
            r"\b(KBRI|embassy|kedutaan)\s+(number\s+|nomor\s+)?(di\s+|in\s+)?(Taiwan|Taipei)\b"
            r"|\b(Taiwan|Taipei)\s+(embassy|KBRI)\b",
            re.I,
        )
        assert not [ln for ln in lines if bad.search(ln)], path.name


def test_undated_sources_carry_the_day_they_were_checked() -> None:
    directory = load_directory()
    sources = [s for a in ARTICLES for s in a.sources]
    sources += [s for c in directory.national for s in c.sources]
    sources += [s for co in directory.countries.values() for c in co.contacts for s in c.sources]
    undated = [s for s in sources if not s.dated]
    assert len(undated) > 40
    for s in sources:
        assert ("no date" in s.title) == (not s.dated), s.title
    for s in undated:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", s.date)
        assert s.date <= datetime.now(UTC).date().isoformat()


def test_loader_checks_gaps_and_undated_sources() -> None:
    from knowledge.directory import parse_directory

    src = {"url": "https://example.org", "title": "x", "date": "2024", "confidence": "C"}
    line = {"label": {"id": "a", "en": "a"}, "value": "1", "confidence": "C", "sources": [src]}
    national = [{**line, "kind": "national"}]
    police = {**line, "kind": "emergency"}
    mission = {**line, "kind": "mission"}
    country = {"code": "XX", "name": {"id": "X", "en": "X"}}
    gaps = {"id": "Tidak ada nomor KBRI.", "en": "No embassy number."}

    def parse(**kwargs: object) -> object:
        return parse_directory({"national": national, "countries": [{**country, **kwargs}]})

    parse(contacts=[police, mission])
    parsed = parse(contacts=[police], gaps=gaps)
    assert parsed.countries["XX"].gap_note("en") == "No embassy number."  # type: ignore[attr-defined]
    with pytest.raises(KnowledgeError, match="gaps"):
        parse(contacts=[police])
    with pytest.raises(KnowledgeError, match="gaps"):
        parse(contacts=[police, {**mission, "confidence": "S"}])  # not verified: say the gap
    with pytest.raises(KnowledgeError, match="gaps"):
        parse(contacts=[police], gaps={"id": "Tidak ada."})
    with pytest.raises(KnowledgeError, match="emergency"):
        parse(contacts=[mission])
    undated = {**src, "dated": False}
    with pytest.raises(KnowledgeError, match="checked"):
        parse(contacts=[police, {**mission, "sources": [undated]}])
    with pytest.raises(KnowledgeError, match="dated"):
        parse(contacts=[police, {**mission, "sources": [{**src, "dated": "no"}]}])
    ok = parse(contacts=[police, {**mission, "sources": [{**undated, "date": "2026-12-01"}]}])
    assert not ok.countries["XX"].contacts[1].sources[0].dated  # type: ignore[attr-defined]


# --- figures in answers ---------------------------------------------------------------------

_MONEY = re.compile(
    r"(?:Rp|NT\$|HK\$|RM|USD ?)\d(?:[\d.,]*\d)?(?:\s?[-–]\s?\d(?:[\d.,]*\d)?)?"
    r"(?: ?(?:juta|million|miliar))?"
    r"|\d+(?:[.,]\d+)?(?:\s?[-–]\s?\d+)?%"
)


def _money(text: str) -> set[str]:
    out = set()
    for m in _MONEY.findall(text):
        norm = re.sub(r"(?<=\d)[.,](?=\d{3}\b)", "", m).replace("–", "-").replace(" ", "")
        out.add(norm.replace("million", "juta"))
    return out


def test_every_fee_and_rate_an_article_states_is_in_facts() -> None:
    known = _money(FACTS)
    for article in ARTICLES:
        for figure in _money(article.body):
            assert figure in known, f"{article.id}: {figure} is not in docs/facts.md"


def test_cost_answers_give_the_sourced_figures() -> None:
    by_id = {a.id: a for a in ARTICLES}
    for figure in ("Rp50.000", "Rp600.000", "Rp50 juta"):  # BPJS: JHT range, treatment cap
        assert figure in by_id["social-security-id"].body
    assert "NT$800" in by_id["placement-cost-taiwan-id"].body
    assert "NT$800" in by_id["placement-cost-taiwan-en"].body
    assert "Rp100 juta" in by_id["financing-id"].body
    assert "17/09/2025" in by_id["financing-id"].body  # with its source's date
    for art in ("placement-cost-id", "placement-cost-en"):
        assert not _money(by_id[art].body), "no confirmed fee figure exists: none is given"
    # A single-source figure is never stated as settled: the article is flagged for review.
    for art in ("social-security-id", "placement-cost-taiwan-id", "placement-cost-taiwan-en"):
        assert by_id[art].needs_review
        assert by_id[art].confidence != "confirmed"
