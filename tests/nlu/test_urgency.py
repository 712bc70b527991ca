from __future__ import annotations

import itertools

import pytest

from nlu.normalize import normalize
from nlu.types import INTENTS, Urgency
from nlu.urgency import RULES, decide_urgency, lexicon_hits

LEVELS = list(Urgency)


@pytest.mark.parametrize(
    ("text", "lang", "rule"),
    [
        ("tolong aku dipukul majikan", "id", "violence"),
        ("majikan ngancem mau bunuh aku", "id", "threat"),
        ("my employer hit me again", "en", "violence"),
        ("aku digebuki bojone majikan", "jv", "violence"),
        ("abdi digebugan ku dunungan", "su", "violence"),
        ("saya kena pukul dengan majikan", "ms", "violence"),
        ("saya dirogol majikan", "ms", "sexual_violence"),
        ("他打我", "zh", "violence"),
        ("كفيلي ضربني", "ar", "violence"),
        ("aku pengen bunuh diri", "id", "self_harm"),
        ("i want to kill myself", "en", "self_harm"),
        ("hayang paeh wae", "su", "self_harm"),
        ("kami dikurung di penampungan", "id", "confinement"),
        ("they lock me in the room", "en", "confinement"),
        ("sudah 3 hari gk dikasih makan", "id", "starvation"),
        ("teman sy pingsan di kamar mandi", "id", "medical_emergency"),
    ],
)
def test_critical_rules_in_every_language(text: str, lang: str, rule: str) -> None:
    hits = lexicon_hits(normalize(text))
    assert (lang, rule) in [(h.lang, h.name) for h in hits]
    # the same rule of another language may match too (Malay and Indonesian share "dipukul")
    assert hits[0].urgency == Urgency.CRITICAL


@pytest.mark.parametrize(
    "text",
    [
        "suami sy ditangkap polisi malaysia",
        "adik sy meninggal di taiwan",
        "anak sy hilang kontak 3 bulan",
        "sy mau pulang tapi paspor ditahan agen",
        "i want to go home but employer keep my passport",
    ],
)
def test_high_rules(text: str) -> None:
    assert lexicon_hits(normalize(text))[0].urgency == Urgency.HIGH


@pytest.mark.parametrize(
    "text",
    ["gaji sy blm dibayar", "cara daftar jadi PMI", "makasih kak", "paspor habis, perpanjang?"],
)
def test_ordinary_messages_hit_no_rule(text: str) -> None:
    assert lexicon_hits(normalize(text)) == []


def test_every_rule_has_a_known_level_and_name() -> None:
    assert {r.urgency for r in RULES} <= {Urgency.CRITICAL, Urgency.HIGH}
    assert all(r.lang in {"id", "en", "jv", "su", "ms", "zh", "ar"} for r in RULES)


@pytest.mark.parametrize(
    ("intent", "base", "probs"),
    list(
        itertools.product(
            ["complaint.abuse", "complaint.death", "faq.contact", "smalltalk.greeting"],
            LEVELS,
            [None, {"low": 1.0}, {"critical": 0.9, "low": 0.1}, {"high": 0.5, "normal": 0.5}],
        )
    ),
)
def test_signals_can_only_raise(
    intent: str, base: Urgency, probs: dict[str, float] | None
) -> None:
    plain = decide_urgency("terima kasih", intent, 0.9, probs, base=base)
    violent = decide_urgency("aku dipukul majikan", intent, 0.9, probs, base=base)
    assert plain.urgency.rank >= base.rank
    assert violent.urgency.rank >= plain.urgency.rank
    if probs and probs.get("critical", 0.0) >= 0.5:
        assert plain.urgency == Urgency.CRITICAL


def test_lexicon_alone_makes_critical_whatever_the_intent() -> None:
    for intent in INTENTS:
        if intent.startswith("faq."):
            continue
        decision = decide_urgency("tolong sy dipukul majikan", intent, 0.99, {"low": 1.0})
        assert decision.urgency == Urgency.CRITICAL
        assert "lexicon:id:violence" in decision.reasons


def test_confident_question_is_raised_one_level_less() -> None:
    decision = decide_urgency(
        normalize("kalau majikan mukul, lapornya kemana?"), "faq.complaint_process", 0.9, None
    )
    assert decision.urgency == Urgency.HIGH


def test_priors_and_reasons() -> None:
    death = decide_urgency("kakak saya", "complaint.death", 0.8, {"low": 1.0})
    assert death.urgency == Urgency.HIGH
    assert death.reasons == ("prior:complaint.death",)
    wages = decide_urgency("gaji", "complaint.unpaid_wages", 0.2, None)
    assert wages.urgency == Urgency.NORMAL
    faq = decide_urgency("biaya", "faq.placement_cost", 0.9, {"low": 0.9, "normal": 0.1})
    assert faq.urgency == Urgency.LOW
    assert faq.reasons == ()
