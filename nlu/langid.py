"""Language identification tuned for chat messages from Indonesian migrant workers.

Generic detectors confuse informal Indonesian with Malay (they share most of the vocabulary) and
give up on short messages. Here each language has a list of *marker* words that are frequent in
that language and rare in its neighbours; informal Indonesian particles ("gak", "udah", "dong",
"gimana") weigh heavily so they outvote the shared vocabulary. Scripts decide Chinese and Arabic.
"""

from __future__ import annotations

import re

from nlu.normalize import clean, tokenize

_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
_LATIN_WORD = re.compile(r"[a-z]{2,}")
# Syllables of Indonesian shape: optional consonant cluster of at most two, then a vowel.
_PRONOUNCEABLE = re.compile(
    r"(?:(?:ng|ny|[bcdfghjklmnpqrstvwxyz]{0,2})[aeiou]+)+(?:ng|[bcdfghjklmnpqrstvwxyz])?"
)


def _words(spec: str, weight: float) -> dict[str, float]:
    return dict.fromkeys(spec.split(), weight)


# Marker words and their weights. Indonesian and Malay share most of their vocabulary, so the
# shared words ("saya", "majikan", "gaji") count for both and only the distinctive ones decide
# between them. A word may be a marker of several languages.
_MALAYIC_SHARED = _words(
    "saya kami kita dia ini itu yang dengan untuk dari ada belum minta tapi kalau juga lagi "
    "kenapa berapa dimana apa gaji majikan kerja tolong sekarang bulan tahun hari sampai "
    "jadi buat anak adik suami istri keluarga ibu ke di dan juta nomor agen kontrak paspor "
    "lapor sakit rumah meninggal dunia pulang bayar dibayar ditahan polisi",
    0.5,
)
MARKERS: dict[str, dict[str, float]] = {
    "id": {
        **_MALAYIC_SHARED,
        **_words(
            "tidak sudah bisa mau sama karena saja bagaimana kasih dikasih harus terus cuma "
            "banyak pak bu mbak kak dipukul katanya disuruh nunggu biaya resmi cara daftar "
            "berangkat lowongan pt uang kerjaan aku kamu",
            1.0,
        ),
        **_words(
            "gak gk ga nggak enggak udah udh blm sy yg dong sih kok nih deh kan banget bgt aja "
            "gimana gmn kalo klo pengen bikin nyuruh kmrn skrg tlg nggk ngga kayak kyk gitu "
            "gini emang doang lho tuh min ajah kah kmu bapak nyonya soalnya halo hai "
            "assalamualaikum assalamu alaikum selamat pagi siang sore malam makasih terima "
            "terimakasih permisi wassalamualaikum wassalam dadah jual murah",
            2.5,
        ),
    },
    "ms": {
        **_MALAYIC_SHARED,
        **_words("tak dah boleh bagi beri kena", 0.75),
        **_words(
            "nak awak kerana sahaja hendak macam tiada takde polis semak hantar teruk cakap "
            "bercakap pegawai berlesen nombor telefon notis aduan mahu kedutaan lelaki "
            "perempuan jabatan negara pasport ringgit kat je lah syarikat kilang tamatkan "
            "ditamatkan sebab kos dirogol rogol ejen wang beritahu sikit mac bila ni tu",
            1.5,
        ),
    },
    "jv": _words(
        "ora opo piye kowe wis durung arep mulih karo nang neng ning sing kuwi iku kanggo "
        "dadi ono iso saben matur nuwun maturnuwun suwun sugeng enjing dalu jarene sasi dino "
        "mangan loro lara nesu misuh pinten piro dikek digowo sido mbayar mangkat prei kerjo "
        "carane seda bojoku njaluk awakku kabeh wae lan dipateni dipekso turu juraganku "
        "anakku ilang ra rong monggo pareng nggih sanget rumiyin budhal dikon saiki seko "
        "bar oleh wingi bengi raiku abuh mbakyuku adikku majikanku gelem",
        2.0,
    ),
    "su": _words(
        "abdi teu henteu naon kumaha atuh mah teh urang hoyong punten nuhun hatur acan ku "
        "jeung sareng nyarios aya uih mulang gering deui sabaraha carana meunang kenging "
        "ti imah leungit beja dunungan salaki ditewak pulisi pupus tos mayar artos damel nu "
        "pikeun tulung hayang paeh mariksa terang sampurasun mangga lembur ka gajih "
        "ngadukeun dipeuncit digebugan wilujeng wangsul kiat dugi wengi awewe nyeri pisan "
        "maot lanceuk jenazahna pamajikan eta atanapi angkat",
        2.0,
    ),
    "en": _words(
        "the my i is you me to not and want help please employer salary can how what where "
        "for with no give go home work have am are they she he we will do does already since "
        "because this that hit any who when which there from pay month months day days "
        "good morning evening afternoon thank thanks hello hi bye officer talk human agency "
        "passport contract police hospital sick die died send money cheap way of in at now "
        "anyone",
        1.0,
    ),
}

# Words strongly suggesting Indonesian that would otherwise tie with Malay or English.
_ID_BEATS_MS = 1.0


def detect_language(text: str, *, hint: str | None = None) -> str:
    """Tell the language of one message.

    Args:
        text: Raw message text.
        hint: The language the channel or the conversation suggests (e.g. the user's last
            language); used only when the text itself is not conclusive.

    Returns:
        One of ``id en jv su ms zh ar und`` (see ``nlu.types.LANGUAGES``).
    """
    han = len(_HAN.findall(text))
    arabic = len(_ARABIC.findall(text))
    low = clean(text)
    tokens = [t for t in tokenize(low) if _LATIN_WORD.fullmatch(t)]
    if han and han >= len(tokens):
        return "zh"
    if arabic and arabic >= len(tokens):
        return "ar"
    scores = dict.fromkeys(MARKERS, 0.0)
    for tok in tokens:
        for lang, words in MARKERS.items():
            weight = words.get(tok)
            if weight is not None:
                scores[lang] += weight
    # Informal Indonesian shares "tak", "dah", "boleh" with Malay: Malay must win clearly.
    scores["ms"] -= _ID_BEATS_MS
    best = max(scores, key=lambda lang: scores[lang])
    if scores[best] <= 0.0:
        if hint:
            return hint
        if han:
            return "zh"
        if arabic:
            return "ar"
        # Unknown but pronounceable words are most likely Indonesian, the users' main language;
        # keyboard mashes ("asdfgh", "qwerty") and interjections ("hmmm") are not a language.
        if tokens and all(_PRONOUNCEABLE.fullmatch(t) for t in tokens):
            return "id"
        return "und"
    # Javanese and Sundanese messages borrow many Indonesian words; the regional markers are
    # weighed higher, so a plain comparison works. English mixed into Indonesian ("hai kak,
    # good evening") stays Indonesian when the Indonesian markers are at least as strong.
    if best == "en" and scores["id"] >= scores["en"] * 0.7:
        return "id"
    return best
