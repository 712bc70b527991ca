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


def _words(spec: str, weight: float) -> dict[str, float]:
    return dict.fromkeys(spec.split(), weight)


# Marker words and their weights. A word may be a marker of several languages (e.g. "aku").
MARKERS: dict[str, dict[str, float]] = {
    "id": {
        **_words(
            "saya aku kamu dia kami kita ini itu yang dengan untuk dari ada sudah belum tidak "
            "bisa mau minta sama tapi karena kalau juga lagi saja kenapa bagaimana berapa dimana "
            "apa gaji majikan kerja pulang tolong dikasih kasih sekarang kemarin bulan tahun hari "
            "harus terus sampai dibayar bayar jadi cuma banyak buat gimana ya pak bu mbak kak "
            "agen paspor kontrak dipukul katanya disuruh nunggu biaya resmi cara daftar berangkat "
            "lowongan anak adik suami istri keluarga ibu ke di pt uang juta kerjaan nomor",
            1.0,
        ),
        **_words(
            "gak gk ga nggak enggak udah udh blm sy yg dong sih kok nih deh kan banget bgt aja "
            "gimana gmn kalo klo pengen bikin nyuruh dibayar dikasih kasih kmrn skrg tlg nggk "
            "ngga kayak kyk gitu gini emang doang lho tuh kak min ajah kah kmu bapak nyonya "
            "kenapa soalnya halo hai assalamualaikum selamat pagi siang sore malam makasih terima "
            "permisi wassalamualaikum dadah",
            2.5,
        ),
    },
    "ms": _words(
        "nak awak kerana sahaja hendak macam tiada polis semak hantar teruk cakap pegawai "
        "berlesen nombor telefon notis aduan mahu semalam sambung kedutaan lelaki perempuan "
        "kena boleh tak dah bagi beri kerja kosong jabatan negara pasport ringgit bos "
        "kat ni tu je lah",
        1.5,
    ),
    "jv": _words(
        "ora opo piye kowe wis durung arep mulih karo nang neng ning sing kuwi iku kanggo "
        "dadi ono iso saben matur nuwun suwun sugeng enjing jarene sasi dino mangan loro lara "
        "nesu misuh pinten dikek digowo sido mbayar mangkat prei kerjo carane seda bojoku "
        "njaluk aku awakku kabeh wae lan dipateni dipekso turu juraganku anakku ilang "
        "iso ra rong monggo pareng lho",
        2.0,
    ),
    "su": _words(
        "abdi teu henteu naon kumaha atuh mah teh urang hoyong punten nuhun hatur acan ku "
        "jeung sareng nyarios aya uih mulang gering deui wae sabaraha carana meunang kenging "
        "ti imah leungit beja dunungan salaki ditewak pulisi pupus tos mayar artos damel nu "
        "pikeun tulung hayang paeh mariksa terang sampurasun mangga lembur ka dicekel gajih "
        "ngadukeun dipeuncit digebugan",
        2.0,
    ),
    "en": _words(
        "the my i is you me to not and want help please employer salary can how what where "
        "for with no give go home work have am are they she he we will do does already since "
        "because this that hit any who when which there from pay month months day days "
        "good morning evening thank thanks hello hi bye officer talk human agency passport "
        "contract police hospital sick die died send money cheap way of in at now",
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
        return "und"
    # Javanese and Sundanese messages borrow many Indonesian words; the regional markers are
    # weighed higher, so a plain comparison works. English mixed into Indonesian ("hai kak,
    # good evening") stays Indonesian when the Indonesian markers are at least as strong.
    if best == "en" and scores["id"] >= scores["en"] * 0.7:
        return "id"
    return best
