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
