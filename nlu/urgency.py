"""The recall-first urgency layer: lexicon rules, the classifier head and intent priors.

The taxonomy says a missed emergency costs far more than an operator reading one message too
many, so three independent signals are combined and the **highest wins**:

1. lexicon rules in every supported language (they can only raise urgency, never lower it);
2. the urgency head of the linear model, with thresholds set low for critical and high;
3. intent priors (a death report is at least ``high``; every complaint at least ``normal``).

Every signal that raised the result is kept as a reason string shown to operators.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nlu.types import Urgency, kind_of

C = Urgency.CRITICAL
H = Urgency.HIGH


@dataclass(frozen=True, slots=True)
class Rule:
    """One lexicon rule: a regular expression over the *normalised* text (see nlu.normalize)."""

    lang: str
    name: str
    urgency: Urgency
    pattern: re.Pattern[str]
    body: str


# Chinese and Arabic attach words without spaces, so their rules have no word boundaries.
_UNBOUNDED_LANGS = frozenset({"zh", "ar"})


def _r(lang: str, name: str, urgency: Urgency, pattern: str) -> Rule:
    if lang in _UNBOUNDED_LANGS:
        return Rule(lang, name, urgency, re.compile(pattern), pattern)
    return Rule(lang, name, urgency, re.compile(rf"(?<!\w)(?:{pattern})(?!\w)"), pattern)


# Patterns are matched on normalised text: "gk dikasih makan" arrives as "tidak dikasih makan".
RULES: tuple[Rule, ...] = (
    # --- critical: violence now or threatened -------------------------------------------------
    _r(
        "id",
        "violence",
        C,
        r"(?:di|ke)?(?:pukul|pukuli|pukulin|gebuk|gebukin|gebuki|hajar|hajarin)"
        r"|(?:di|me|ng)?(?:tampar|nampar|tendang|nendang|siksa|nyiksa|aniaya|cekik|nyekik|sekap|"
        r"setrika|jambak|benturin|bentur|injak|injek|sundut)(?:in|i|kan)?"
        r"|mukul(?:in|i)?|kena pukul|disiram air panas|disiram air keras|dibakar|ditusuk|"
        r"dilempar\w*|lempar \w+ kena",
    ),
    _r(
        "id",
        "threat",
        C,
        r"(?:di|meng|ng)?ancam\w* (?:\w+ ){0,3}(?:bunuh|dibunuh|membunuh|mati|"
        r"pisau|bakar|dibakar)|(?:mau|akan|ingin) (?:di)?bunuh(?! diri)|"
        r"(?:mem)?bunuh (?:aku|saya|kami)|"
        r"bawa pisau|pakai pisau|pake pisau|dibunuh",
    ),
    _r(
        "en",
        "violence",
        C,
        r"(?:hit|hits|hitting|beat|beats|beating|beaten|slap|slapped|slaps|kick|"
        r"kicked|kicks|punch|punched|choke|choked|burn|burned|burnt|strangle\w*|stab\w*) "
        r"(?:me|her|him|us|my)|(?:is|are|keep|always) (?:hitting|beating)|pull my hair|"
        r"kill me|will kill(?! myself)|want to kill(?! myself)|threaten\w* (?:to )?kill|"
        r"with (?:a )?knife|abuse me|"
        r"torture\w*|bruise\w*|bleeding",
    ),
    _r("jv", "violence", C, r"digebuki|digebugi|dipateni|dikeplak|ditapuk|disabet|diidek"),
    _r("su", "violence", C, r"digebugan|dipeuncit|dipaehan|ditampiling|disiksa"),
    _r("ms", "violence", C, r"kena pukul|dipukul|dibelasah|kena belasah|kena tampar|didera"),
    _r("ar", "violence", C, r"ضرب\w*|يضرب\w*|عنف|قتل\w*"),
    _r("zh", "violence", C, r"打我|打她|被打|殴打|毆打|虐待|殺|杀"),
    # --- critical: sexual violence ------------------------------------------------------------
    _r(
        "id",
        "sexual_violence",
        C,
        r"(?:di|mem)?perkosa\w*|(?:di)?paksa\w* (?:\w+ ){0,2}"
        r"(?:tidur|berhubungan|layani|melayani|begituan|buka baju|ditiduri|psk)|ditiduri|"
        r"dicabuli|pencabulan|cabul",
    ),
    _r(
        "en",
        "sexual_violence",
        C,
        r"rape\w*|raping|force\w* me (?:to )?(?:sleep|have sex|sex)|"
        r"sexual\w* (?:assault|abuse)\w*|touch\w* (?:me|my body)|molest\w*",
    ),
    _r("jv", "sexual_violence", C, r"dipekso (?:\w+ ){0,2}turu|diperkosa"),
    _r("ms", "sexual_violence", C, r"dirogol|rogol|paksa (?:saya )?layan"),
    _r("zh", "sexual_violence", C, r"強姦|强奸|性侵|非禮|非礼"),
    _r("ar", "sexual_violence", C, r"اغتصاب|اغتصب\w*|تحرش"),
    # --- critical: self-harm ------------------------------------------------------------------
    _r(
        "id",
        "self_harm",
        C,
        r"bunuh diri|(?:mau|ingin|lebih baik) mati(?: saja)?|"
        r"(?:minum|minun) racun|gantung diri|akhiri hidup|tidak kuat hidup|lompat dari",
    ),
    _r(
        "en",
        "self_harm",
        C,
        r"kill myself|suicide|want to die|wanna die|end my life|"
        r"hurt myself|jump from",
    ),
    _r("jv", "self_harm", C, r"(?:pengen|kepengin|arep|ingin) mati|gantung awak"),
    _r("su", "self_harm", C, r"hayang paeh|bunuh diri"),
    _r("zh", "self_harm", C, r"自殺|自杀|想死"),
    _r("ar", "self_harm", C, r"انتحار"),
    # --- critical: confinement and trafficking in progress ------------------------------------
    _r(
        "id",
        "confinement",
        C,
        r"(?:di)?kurung\w*|(?:di)?sekap\w*|dikunci\w*|(?:tidak|dilarang) "
        r"(?:boleh|bisa|dikasih|diizinkan) (?:keluar|kabur|pulang)|disandera|tebusan|"
        r"dijual|diselundup\w*|dipaksa (?:kerja|jadi)|dipaksa",
    ),
    _r(
        "en",
        "confinement",
        C,
        r"lock\w* (?:me|us|in)|locked|cannot go out|can not go out|"
        r"not allowed to (?:go|leave)|cannot escape|ransom|sold me|sell me|sell us|"
        r"forced to work|force us|trapped|kidnap\w*",
    ),
    _r("jv", "confinement", C, r"dikunci|ora oleh metu|ora entuk metu"),
    _r("su", "confinement", C, r"dikurung|teu meunang kaluar|teu kenging kaluar"),
    _r("ms", "confinement", C, r"dikurung|tidak dibenarkan keluar|tak boleh keluar"),
    _r("zh", "confinement", C, r"關起來|关起来|鎖|锁|綁架|绑架"),
    # --- critical: no food for days, medical emergency ----------------------------------------
    _r(
        "id",
        "starvation",
        C,
        r"tidak (?:di)?(?:kasih|kasi|diberi|beri|dapat) makan|kelaparan|"
        r"belum makan (?:\w+ ){0,2}hari",
    ),
    _r(
        "en",
        "starvation",
        C,
        r"no food|not give me food|not allow me to eat|starv\w*|"
        r"not eat\w* (?:for )?\d+ days?",
    ),
    _r("jv", "starvation", C, r"ora (?:di)?(?:kei|wenehi) mangan|ora mangan"),
    _r("su", "starvation", C, r"teu dibere dahar|teu acan tuang"),
    _r("ms", "starvation", C, r"tidak diberi makan|tak diberi makan|tak bagi makan"),
    _r(
        "id",
        "medical_emergency",
        C,
        r"pingsan|tidak sadar\w*|sesak (?:nafas|napas)|"
        r"tidak bisa (?:nafas|napas|bernafas|bernapas)|pendarahan|kejang\w*|muntah darah|"
        r"kritis|jatuh dari lantai|sekarat|overdosis|keracunan",
    ),
    _r(
        "en",
        "medical_emergency",
        C,
        r"unconscious|not conscious|cannot breathe|can not breathe|"
        r"fainted|collapse\w*|heavy bleeding|dying|ambulance|fall from|fell from",
    ),
    _r("zh", "medical_emergency", C, r"救命|昏倒|暈倒|晕倒"),
    _r("ar", "medical_emergency", C, r"النجدة|ساعدوني"),
    # --- high: detention, death, lost contact, stranded, serious illness ----------------------
    _r(
        "id",
        "detention",
        H,
        r"(?:di)?tangkap\w*|(?:di)?tahan (?:polisi|imigrasi|polis)|"
        r"ditahan di|dipenjara|penjara|detensi|depot imigr\w*|overstay|deportasi|"
        r"dideportasi|hukuman mati|pengadilan|diadili|dituduh",
    ),
    _r(
        "en",
        "detention",
        H,
        r"arrest\w*|jail|prison|detention|police station|detain\w*|"
        r"immigration catch|caught by police|overstay\w*|accuse\w*|court",
    ),
    _r("ms", "detention", H, r"ditangkap|ditahan|kena tangkap|penjara|polis"),
    _r("jv", "detention", H, r"dicekel polisi|dipenjara"),
    _r("su", "detention", H, r"ditewak|dipenjara"),
    _r(
        "id",
        "death",
        H,
        r"meninggal\w*|wafat|jenazah\w*|mayat|tewas|innalillahi\w*|"
        r"inna lillahi\w*|almarhum\w*|almarhumah",
    ),
    _r("en", "death", H, r"died|die|dead|death|passed away|body still|bring (?:her|his|the) body"),
    _r("jv", "death", H, r"seda|tilar donya|mati"),
    _r("su", "death", H, r"pupus|maot|tilar dunya"),
    _r(
        "id",
        "lost_contact",
        H,
        r"hilang kontak|putus (?:kontak|komunikasi)|tidak bisa "
        r"dihubungi|tidak ada kabar|(?:hp|nomor|nomer|wa)\w* (?:\w+ ){0,3}tidak aktif|menghilang|"
        r"hilang sejak|tidak tahu (?:dia )?(?:dimana|di mana)",
    ),
    _r(
        "en",
        "lost_contact",
        H,
        r"lost contact|cannot contact|can not contact|cannot reach|"
        r"no news|missing|not answer\w* (?:the )?phone",
    ),
    _r("jv", "lost_contact", H, r"ilang kabar|ora iso dihubungi|ra iso dihubungi"),
    _r("su", "lost_contact", H, r"leungit|teu aya beja|teu tiasa dihubungi"),
    _r(
        "id",
        "stranded",
        H,
        r"terlantar|tidur di jalan|kabur dari majikan|tidak punya uang"
        r"|tidak ada tempat tinggal",
    ),
    _r("en", "stranded", H, r"run away|ran away|sleep in the street|stranded|no money|homeless"),
    _r(
        "id",
        "serious_illness",
        H,
        r"sakit (?:parah|keras)|dirawat|rumah sakit|icu|kanker|"
        r"stroke|patah tulang|kecelakaan|luka parah|hamil|depresi|stress",
    ),
    _r(
        "en",
        "serious_illness",
        H,
        r"hospital|serious\w* sick|cancer|accident|broken (?:leg|arm|bone|hand)|pregnan\w*|"
        r"depress\w*",
    ),
    _r(
        "id",
        "sexual_harassment",
        H,
        r"dilecehkan|dilecehin|pelecehan|diintip|ngintip|"
        r"dicolek|colek\w*|pegang\w* (?:dada|badan|pantat)",
    ),
    _r("en", "sexual_harassment", H, r"harass\w*|sexy photo|dirty picture"),
    # taxonomy: "documents held while the worker wants to leave" is high
    _r(
        "id",
        "documents_held_wants_leave",
        H,
        r"(?:paspor|iqomah|iqamah|arc|dokumen)\w* (?:\w+ ){0,8}"
        r"(?:pulang|mudik)|(?:pulang|mudik) (?:\w+ ){0,8}(?:paspor|iqomah|iqamah|arc)",
    ),
    _r(
        "en",
        "documents_held_wants_leave",
        H,
        r"paspor (?:\w+ ){0,8}(?:go|going) (?:home|back)|"
        r"(?:go|going) (?:home|back) (?:\w+ ){0,8}paspor|"
        r"(?:want to|wanna) (?:leave|change|go out|go)\w* (?:\w+ ){0,10}paspor|"
        r"paspor (?:\w+ ){0,10}(?:want to|wanna) (?:leave|change|go out|go)",
    ),
    _r(
        "ms",
        "documents_held_wants_leave",
        H,
        r"pasport (?:\w+ ){0,8}pulang|pulang (?:\w+ ){0,8}"
        r"pasport",
    ),
    # Events, not topics: "calo" or "visa turis" alone is what FAQ questions are about, so they
    # are left to the classifier and the complaint.trafficking prior.
    _r("id", "trafficking", H, r"tppo|perdagangan orang|diperdagangkan|jalur tikus|ditipu calo"),
    _r("en", "trafficking", H, r"traffick\w*|scam company"),
)

# Intents whose nature makes them at least "high" (taxonomy: death report, lost contact,
# arrest, past sexual assault, trafficking).
INTENT_PRIORS: Mapping[str, Urgency] = {
    "complaint.death": H,
    "complaint.lost_contact": H,
    "complaint.legal_trouble": H,
    "complaint.sexual_abuse": H,
    "complaint.trafficking": H,
}
# Classifier thresholds, set low on purpose (recall first); measured on the test set.
CRITICAL_THRESHOLD = 0.30
HIGH_THRESHOLD = 0.35
# An intent prior applies only when the intent itself is reasonably sure.
PRIOR_MIN_CONFIDENCE = 0.35
# Lexicon rules on messages the model is sure are questions ("how do I report an employer who
# hits me?") raise one level less: critical rules to high, high rules not at all.
_QUESTION_KINDS = frozenset({"faq"})
QUESTION_MIN_CONFIDENCE = 0.5


# All rules in one alternation, used as a prefilter: most messages match nothing and are done
# after one scan; only a message that matches is checked rule by rule (so every rule that
# applies is reported, not just the first alternative). Word-boundary checks sit outside the
# alternation so that positions inside a word are rejected once, not once per rule.
_PREFILTER = re.compile(
    r"(?<!\w)(?:"
    + "|".join(f"(?:{r.body})(?!\\w)" for r in RULES if r.lang not in _UNBOUNDED_LANGS)
    + ")|"
    + "|".join(f"(?:{r.body})" for r in RULES if r.lang in _UNBOUNDED_LANGS)
)


def lexicon_hits(normalized: str) -> list[Rule]:
    """Every rule that matches the normalised text, strongest first."""
    if _PREFILTER.search(normalized) is None:
        return []
    hits = [rule for rule in RULES if rule.pattern.search(normalized)]
    hits.sort(key=lambda r: -r.urgency.rank)
    return hits


@dataclass(frozen=True, slots=True)
class UrgencyDecision:
    """The urgency of a message and every reason that raised it."""

    urgency: Urgency
    reasons: tuple[str, ...]


def decide_urgency(
    normalized: str,
    intent: str,
    intent_confidence: float,
    urgency_probs: Mapping[str, float] | None,
    base: Urgency = Urgency.LOW,
) -> UrgencyDecision:
    """Combine the three signals; the result is never lower than ``base`` or any signal.

    Args:
        normalized: The normalised message (``nlu.normalize.normalize``); raw text of another
            back-end must be normalised first so the lexicon sees canonical spellings.
        intent: The chosen intent.
        intent_confidence: Its confidence.
        urgency_probs: The classifier's probability per urgency name, or None when no
            classifier ran (e.g. a Rasa answer without our urgency head).
        base: An urgency decided elsewhere (e.g. by another back-end) that must not drop.

    Returns:
        The highest urgency and the reasons, e.g. ``("lexicon:id:violence", "prior:...")``.
    """
    level = base
    reasons: list[str] = [f"base:{base}"] if base != Urgency.LOW else []

    def raise_to(target: Urgency, reason: str) -> None:
        nonlocal level
        if target.rank > Urgency.LOW.rank:
            reasons.append(reason)
        level = level.at_least(target)

    kind = kind_of(intent)
    seen_rules: set[str] = set()
    for rule in lexicon_hits(normalized):
        # Malay and Indonesian (or Javanese) lists share words: one reason per kind of event.
        if rule.name in seen_rules:
            continue
        seen_rules.add(rule.name)
        target = rule.urgency
        if kind in _QUESTION_KINDS and intent_confidence >= QUESTION_MIN_CONFIDENCE:
            # A confident question ("what do I do if my employer hits me?") is not an event:
            # the rule still raises, but one level less, and a "high" rule is only a reason.
            if target != C:
                reasons.append(f"lexicon-question:{rule.lang}:{rule.name}")
                continue
            target = H
        raise_to(target, f"lexicon:{rule.lang}:{rule.name}")
    if urgency_probs:
        p_crit = urgency_probs.get("critical", 0.0)
        p_high = urgency_probs.get("high", 0.0) + p_crit
        p_norm = urgency_probs.get("normal", 0.0) + p_high
        if p_crit >= CRITICAL_THRESHOLD:
            raise_to(C, f"classifier:critical:{p_crit:.2f}")
        elif p_high >= HIGH_THRESHOLD:
            raise_to(H, f"classifier:high:{p_high:.2f}")
        elif p_norm >= 0.5 and kind == "complaint":
            raise_to(Urgency.NORMAL, f"classifier:normal:{p_norm:.2f}")
    if kind == "complaint":
        prior = INTENT_PRIORS.get(intent, Urgency.NORMAL)
        if intent_confidence >= PRIOR_MIN_CONFIDENCE or prior == Urgency.NORMAL:
            raise_to(prior, f"prior:{intent}")
    return UrgencyDecision(level, _dedupe(reasons))


def _dedupe(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
