"""Triage rules (docs/emergencies.md): what raises, what must not, and why.

The tables here are the contract of issue 12: the emergencies that were missed must be critical,
the false alarms must stay low, and a form answer is judged as an answer.
"""

from __future__ import annotations

import itertools

import pytest

from nlu.lexicon import CRITICAL_SITUATIONS, RULES, SITUATION_INTENT, SITUATIONS
from nlu.normalize import normalize
from nlu.pipeline import EmbeddedNlu
from nlu.types import INTENTS, Urgency
from nlu.urgency import decide_urgency, lexicon_hits, scan_text

LEVELS = list(Urgency)


@pytest.mark.parametrize(
    ("text", "lang", "rule"),
    [
        ("tolong aku dipukul majikan", "id", "violence"),
        ("majikan ngancem mau bunuh aku", "id", "violence"),
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
        ("sudah 3 hari gk dikasih makan", "id", "confinement"),
        ("teman sy pingsan di kamar mandi", "id", "medical_emergency"),
    ],
)
def test_critical_rules_in_every_language(text: str, lang: str, rule: str) -> None:
    hits = lexicon_hits(scan_text(text))
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
    assert lexicon_hits(scan_text(text))[0].urgency == Urgency.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "gaji sy blm dibayar",
        "cara daftar jadi PMI",
        "makasih kak",
        "paspor habis, perpanjang?",
        # everyday senses of danger words
        "mati lampu dari pagi",
        "mati listrik dari pagi",
        "hp sy mau mati, nanti sy chat lg",
        "kunci kamar sy hilang",
        "besok pukul 3 sore sy libur",
        "bunuh nyamuk pakai apa ya",
    ],
)
def test_ordinary_messages_hit_no_rule(text: str) -> None:
    assert lexicon_hits(scan_text(text)) == []


def test_every_rule_names_a_situation_of_the_map() -> None:
    assert {r.urgency for r in RULES} <= {Urgency.CRITICAL, Urgency.HIGH}
    assert all(r.lang in {"id", "en", "jv", "su", "ms", "zh", "ar"} for r in RULES)
    assert {r.name for r in RULES} <= set(SITUATIONS)
    assert {r.name for r in RULES if r.urgency == Urgency.CRITICAL} == set(CRITICAL_SITUATIONS)
    assert set(SITUATION_INTENT) == set(SITUATIONS)
    assert set(SITUATION_INTENT.values()) <= set(INTENTS)


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
    plain = decide_urgency(scan_text("terima kasih"), intent, 0.9, probs, base=base)
    violent = decide_urgency(scan_text("aku dipukul majikan"), intent, 0.9, probs, base=base)
    assert plain.urgency.rank >= base.rank
    assert violent.urgency.rank >= plain.urgency.rank


def test_the_classifier_alone_never_makes_a_content_free_message_critical() -> None:
    sure = {"critical": 0.95, "low": 0.05}
    for text in ["terima kasih", "gk", "sy bingung", "sy di kamar", "sy mau tanya"]:
        decision = decide_urgency(scan_text(text), "complaint.abuse", 0.9, sure)
        assert decision.urgency != Urgency.CRITICAL, (text, decision.reasons)


def test_the_classifier_raises_a_message_that_says_something() -> None:
    text = scan_text("majikan tiap malam masuk kamar sy dan sy takut sekali sekarang")
    decision = decide_urgency(text, "complaint.abuse", 0.9, {"critical": 0.6, "low": 0.4})
    assert decision.urgency == Urgency.CRITICAL
    assert any(r.startswith("classifier:critical") for r in decision.reasons)


def test_lexicon_alone_makes_critical_whatever_the_intent() -> None:
    for intent in INTENTS:
        if intent.startswith("faq."):
            continue
        decision = decide_urgency(
            scan_text("tolong sy dipukul majikan"), intent, 0.99, {"low": 1.0}
        )
        assert decision.urgency == Urgency.CRITICAL
        assert "lexicon:id:violence" in decision.reasons
        assert decision.situation == "violence"


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("majikan sy baik, tidak pernah mukul", "negated"),
        ("kalau majikan mukul, lapornya kemana?", "hypothetical"),
        ("baca berita ada PMI dianiaya, serem ya", "reported"),
        ("dulu pernah dipukul tapi sekarang sudah aman di rumah", "past-resolved"),
        ("sy kira dia mau mukul, ternyata cuma marah", "mistaken"),
    ],
)
def test_words_around_a_hit_discount_it(text: str, cue: str) -> None:
    decision = decide_urgency(scan_text(text), "faq.complaint_process", 0.6, None)
    assert decision.urgency == Urgency.LOW, decision.reasons
    assert any(r.startswith(f"lexicon-{cue}:") for r in decision.reasons), decision.reasons


def test_the_past_that_may_not_be_over_is_high_not_critical() -> None:
    decision = decide_urgency(scan_text("dulu sy dipukul majikan"), "complaint.abuse", 0.9, None)
    assert decision.urgency == Urgency.HIGH
    assert "lexicon-past:id:violence" in decision.reasons


def test_a_sexual_assault_that_is_over_is_still_high() -> None:
    text = scan_text("tahun lalu sy diperkosa anak majikan, sekarang sudah pulang")
    decision = decide_urgency(text, "complaint.sexual_abuse", 0.9, None)
    assert decision.urgency == Urgency.HIGH
    assert decision.situation == "past_sexual_assault"


def test_a_conditional_threat_is_not_a_hypothetical_question() -> None:
    text = scan_text("majikan pegang2 sy, kalau nolak katanya dipulangkan")
    decision = decide_urgency(text, "complaint.sexual_abuse", 0.8, None)
    assert decision.urgency == Urgency.CRITICAL
    assert decision.situation == "sexual_violence"


def test_danger_then_all_is_well_later_in_the_message() -> None:
    text = scan_text("asrama kebakaran tadi malam, tapi sudah padam dan kami aman")
    assert decide_urgency(text, "complaint.other", 0.6, None).urgency != Urgency.CRITICAL


def test_priors_and_reasons() -> None:
    death = decide_urgency(scan_text("kakak saya"), "complaint.death", 0.8, {"low": 1.0})
    assert death.urgency == Urgency.HIGH
    assert death.reasons == ("prior:complaint.death",)
    wages = decide_urgency(scan_text("gaji"), "complaint.unpaid_wages", 0.2, None)
    assert wages.urgency == Urgency.NORMAL
    faq = decide_urgency(scan_text("biaya"), "faq.placement_cost", 0.9, {"low": 0.9})
    assert faq.urgency == Urgency.LOW
    assert faq.reasons == ()


# --- the messages of issue 12, through the shipped model -----------------------------------

MISSED = [
    "i dont want to live anymore, everything is too heavy",
    "temen sy minum pemutih, skrg gak bisa ngomong",
    "sy hamil 5 bulan darah keluar banyak, majikan gak mau bawa ke rumah sakit",
    "agen ngumpulin anak cewek umur 15 16, ktp dituain, besok malam berangkat ke malaysia",
    "sy di sel polisi dipukuli disuruh ngaku",
    "majikan sering pegang2 badan sy, kalo sy nolak katanya sy dipulangkan",
]


@pytest.mark.parametrize("text", MISSED)
def test_the_missed_emergencies_are_critical(embedded: EmbeddedNlu, text: str) -> None:
    result = embedded.parse_sync(text)
    assert result.urgency == Urgency.CRITICAL, result.urgency_reasons
    assert result.kind == "complaint"


BENIGN = [
    "majikan sy baik kok",
    "my employer is kind, no problem",
    "gk",
    "sy di kamar",
    "sy bingung",
    "hp sy mau low bat",
    "paspor sy di lemari",
    "sy mau data sy dihapus aja",
    "sy mau tanya",
    "mati listrik dari pagi",
    "baca berita ada PMI dianiaya, serem ya",
    "kunci kamar sy ketinggalan di dalam",
    "nonton drakor td sedih bgt pemerannya mati",
    "kalau majikan mukul, lapornya kemana?",
    "alhamdulillah sekarang sudah aman di rumah, makasih ya",
    "wkwk sy kira mau dibunuh bos krn telat, ternyata cuma ditegur 😂",
]


@pytest.mark.parametrize("text", BENIGN)
def test_benign_messages_stay_low(embedded: EmbeddedNlu, text: str) -> None:
    result = embedded.parse_sync(text)
    assert result.urgency == Urgency.LOW, (result.intent.name, result.urgency_reasons)
    assert result.kind != "complaint" or result.intent.name == "complaint.other"


@pytest.mark.parametrize(
    ("asked", "text"),
    [
        ("employer_name", "gk tau nama majikannya"),
        ("employer_name", "Mr Lim, orangnya galak"),
        ("location", "di kamar"),
        ("country", "taiwan"),
        ("since_when", "dr bulan 3 udh gk digaji"),
        ("safe_now", "aman kok"),
        ("agency_name", "PT Sinar Mati Jaya"),
        ("confirm", "bener"),
    ],
)
def test_form_answers_do_not_raise(embedded: EmbeddedNlu, asked: str, text: str) -> None:
    result = embedded.parse_sync(text, asked=asked)
    assert result.urgency.rank <= Urgency.NORMAL.rank, result.urgency_reasons


@pytest.mark.parametrize(
    ("asked", "text"),
    [
        ("employer_name", "Mr Wong, tadi dia nyekek sy"),
        ("country", "malaysia, tolong sy dikunci di gudang gk dikasih makan"),
        ("safe_now", "belum"),
        ("safe_now", "no"),
        ("safe_now", "tidak, dia masih di depan pintu"),
        ("what_happened", "sy dipukul pakai besi sampai berdarah"),
    ],
)
def test_an_emergency_typed_as_an_answer_is_critical(
    embedded: EmbeddedNlu, asked: str, text: str
) -> None:
    result = embedded.parse_sync(text, asked=asked)
    assert result.urgency == Urgency.CRITICAL, result.urgency_reasons


def test_the_normalised_text_is_one_clause_the_scan_text_several() -> None:
    assert " | " not in normalize("dulu dipukul. sekarang dikunci")
    assert scan_text("dulu dipukul. sekarang dikunci").count(" | ") == 1
    decision = decide_urgency(
        scan_text("dulu dipukul. sekarang dikunci di kamar"), "complaint.abuse", 0.9, None
    )
    assert decision.urgency == Urgency.CRITICAL
    assert decision.situation == "confinement"
