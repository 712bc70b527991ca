"""Normalisation of informal spelling, shared by training, the classifier and the urgency rules.

WhatsApp messages from migrant workers spell the same word many ways ("gk", "gak", "nggak" for
"tidak"; "sy" for "saya"; "tolonggg"). Mapping these to one form lets a small linear model and a
short lexicon generalise. Deliberately **no stemming and no stop-word removal**: "belum",
"tidak", "not" and "sudah" decide between "my salary is not paid" and "my salary is paid".
"""

from __future__ import annotations

import re
import unicodedata

# One token -> its canonical spelling (possibly several words). Indonesian first, then English,
# Malay, Javanese and Sundanese spellings that are pure spelling variants of a canonical word.
SLANG: dict[str, str] = {
    # negation and aspect: kept, only unified
    "gk": "tidak",
    "gak": "tidak",
    "ga": "tidak",
    "g": "tidak",
    "nggak": "tidak",
    "ngga": "tidak",
    "nggk": "tidak",
    "enggak": "tidak",
    "engga": "tidak",
    "kagak": "tidak",
    "ndak": "tidak",
    "tdk": "tidak",
    "tak": "tidak",
    "gax": "tidak",
    "ngak": "tidak",
    "tidak": "tidak",
    "bkn": "bukan",
    "blm": "belum",
    "blum": "belum",
    "belom": "belum",
    "lom": "belum",
    "udh": "sudah",
    "udah": "sudah",
    "sdh": "sudah",
    "sudh": "sudah",
    "dah": "sudah",
    "uda": "sudah",
    "udha": "sudah",
    # pronouns and people
    "sy": "saya",
    "sya": "saya",
    "aq": "aku",
    "ak": "aku",
    "gw": "saya",
    "gue": "saya",
    "gua": "saya",
    "sya2": "saya",
    "km": "kamu",
    "kmu": "kamu",
    "lu": "kamu",
    "mjkn": "majikan",
    "majikn": "majikan",
    "mjikan": "majikan",
    "org": "orang",
    "ortu": "orang tua",
    "sodara": "saudara",
    "sdr": "saudara",
    "ade": "adik",
    "adek": "adik",
    "adk": "adik",
    "kk": "kakak",
    "ponakan": "keponakan",
    "suami2": "suami",
    # function words
    "yg": "yang",
    "dgn": "dengan",
    "dg": "dengan",
    "utk": "untuk",
    "untk": "untuk",
    "krn": "karena",
    "karna": "karena",
    "krna": "karena",
    "tp": "tapi",
    "tpi": "tapi",
    "sm": "sama",
    "jd": "jadi",
    "jdi": "jadi",
    "dr": "dari",
    "dri": "dari",
    "kl": "kalau",
    "klo": "kalau",
    "kalo": "kalau",
    "klu": "kalau",
    "lg": "lagi",
    "lgi": "lagi",
    "aja": "saja",
    "aj": "saja",
    "sja": "saja",
    "bgt": "banget",
    "bngt": "banget",
    "jg": "juga",
    "jga": "juga",
    "pd": "pada",
    "dlm": "dalam",
    "sblm": "sebelum",
    "stlh": "setelah",
    "abis": "habis",
    "hbs": "habis",
    "trs": "terus",
    "trus": "terus",
    "bs": "bisa",
    "bsa": "bisa",
    "gmn": "bagaimana",
    "gmna": "bagaimana",
    "gimana": "bagaimana",
    "gmana": "bagaimana",
    "knp": "kenapa",
    "napa": "kenapa",
    "dmn": "dimana",
    "dmana": "dimana",
    "brp": "berapa",
    "brapa": "berapa",
    "ap": "apa",
    "apaan": "apa",
    "kyk": "seperti",
    "kayak": "seperti",
    "kek": "seperti",
    "mo": "mau",
    "mw": "mau",
    "pengen": "ingin",
    "pingin": "ingin",
    "pgn": "ingin",
    "kpn": "kapan",
    "bnyk": "banyak",
    "byk": "banyak",
    "sdikit": "sedikit",
    "dikit": "sedikit",
    "cuman": "cuma",
    "cm": "cuma",
    "doang": "saja",
    # time
    "skrg": "sekarang",
    "skrng": "sekarang",
    "skg": "sekarang",
    "skr": "sekarang",
    "kmrn": "kemarin",
    "kmarin": "kemarin",
    "kemaren": "kemarin",
    "bsk": "besok",
    "bln": "bulan",
    "bl": "bulan",
    "thn": "tahun",
    "th": "tahun",
    "taun": "tahun",
    "hr": "hari",
    "mlm": "malam",
    "malem": "malam",
    "mgg": "minggu",
    "mggu": "minggu",
    "tgl": "tanggal",
    "jam2": "jam",
    "ngancem": "mengancam",
    "ngancam": "mengancam",
    "diancem": "diancam",
    "ancem": "ancam",
    "mukulin": "memukul",
    "dipukulin": "dipukuli",
    "nabok": "menampar",
    "ditabok": "ditampar",
    # frequent content words
    "tlg": "tolong",
    "tolongin": "tolong",
    "tlong": "tolong",
    "toloong": "tolong",
    "plg": "pulang",
    "plang": "pulang",
    "balik": "pulang",
    "byr": "bayar",
    "dibyr": "dibayar",
    "dibyar": "dibayar",
    "bayr": "bayar",
    "gj": "gaji",
    "gajih": "gaji",
    "pasport": "paspor",
    "pasprt": "paspor",
    "paspot": "paspor",
    "passport": "paspor",
    "pspr": "paspor",
    "hp": "hp",
    "henpon": "hp",
    "nelpon": "telepon",
    "telpon": "telepon",
    "tlp": "telepon",
    "kerjaan": "pekerjaan",
    "krja": "kerja",
    "kerjo": "kerja",
    "ditangkep": "ditangkap",
    "nangkep": "tangkap",
    "rs": "rumah sakit",
    "sakit2": "sakit",
    "duit": "uang",
    "jt": "juta",
    "rb": "ribu",
    "ngasih": "kasih",
    "dikasi": "dikasih",
    "ngak2": "tidak",
    "info": "informasi",
    "infonya": "informasinya",
    "gratis": "gratis",
    "loker": "lowongan",
    "lowker": "lowongan",
    "cwe": "cewek",
    "cwo": "cowok",
    "tki": "pmi",
    "tkw": "pmi",
    "bmi": "pmi",
    "pjtki": "p3mi",
    "pptkis": "p3mi",
    "agensi": "agen",
    "agency": "agen",
    "ejen": "agen",
    "makasih": "terima kasih",
    "makasi": "terima kasih",
    "mksh": "terima kasih",
    "trims": "terima kasih",
    "trimakasih": "terima kasih",
    "thx": "thanks",
    "tq": "thanks",
    "tks": "thanks",
    "ty": "thanks",
    "assalamualaikum": "assalamualaikum",
    "asalamualaikum": "assalamualaikum",
    "assalamu'alaikum": "assalamualaikum",
    "ass": "assalamualaikum",
    "askum": "assalamualaikum",
    "mikum": "assalamualaikum",
    # English as written by domestic workers
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "plis": "please",
    "pliss": "please",
    "dont": "do not",
    "don't": "do not",
    "didnt": "did not",
    "didn't": "did not",
    "hasnt": "has not",
    "hasn't": "has not",
    "havent": "have not",
    "haven't": "have not",
    "wont": "will not",
    "won't": "will not",
    "isnt": "is not",
    "isn't": "is not",
    "wasnt": "was not",
    "wasn't": "was not",
    "doesnt": "does not",
    "doesn't": "does not",
    "couldnt": "could not",
    "couldn't": "could not",
    "ilang": "hilang",
    "cant": "cannot",
    "can't": "cannot",
    "im": "i am",
    "i'm": "i am",
    "wanna": "want to",
    "gonna": "going to",
    "bcoz": "because",
    "bcos": "because",
    "coz": "because",
    "becoz": "because",
    "nw": "now",
    "alrdy": "already",
    "already": "already",
    "sallary": "salary",
    "salari": "salary",
    "emplyer": "employer",
    "employeer": "employer",
    "mam": "madam",
    "maam": "madam",
    "mdm": "madam",
    "tmr": "tomorrow",
    "ystd": "yesterday",
    "thnk": "thank",
    "tnx": "thanks",
    "hlp": "help",
    "halp": "help",
    "hv": "have",
}

# Latin letters with diacritics as their base letter ("béja" -> "beja", "maéhan" -> "maehan"):
# Sundanese é, loanwords typed with accents. One character for one, so offsets stay valid.
_FOLD_LATIN = {
    code: base
    for code in range(0xC0, 0x250)
    if len(base := unicodedata.normalize("NFKD", chr(code))[0]) == 1
    and base.isascii()
    and base.isalpha()
}
_REPEAT = re.compile(r"([^\W\d])\1{2,}")  # tolonggg -> tolong, sooo -> so
_REDUP = re.compile(r"\b([^\W\d_]{2,})2\b")  # biru2 -> biru biru (Indonesian reduplication)
_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")  # biru-biru, di-terminate
_TOKEN = re.compile(r"[^\W_]+(?:'[a-z]+)?", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Split already lower-cased text into word tokens (letters and digits; no punctuation)."""
    return _TOKEN.findall(text)


def clean(text: str) -> str:
    """Unicode-normalise, lower-case and undo the typographic habits of chat messages.

    Args:
        text: Raw message text.

    Returns:
        Lower-cased text where stretched letters are collapsed, reduplication written with a
        "2" is spelled out and hyphens inside words become spaces. Punctuation is kept so that
        callers needing character offsets or currency symbols can still use it.
    """
    out = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD_LATIN)
    out = _REPEAT.sub(r"\1", out)
    out = _REDUP.sub(r"\1 \1", out)
    return _HYPHEN.sub(" ", out)


def normalize_tokens(text: str) -> list[str]:
    """Tokens of ``text`` with informal spellings replaced by their canonical form.

    Args:
        text: Raw message text.

    Returns:
        Canonical tokens in order; negations and aspect words ("belum", "tidak") are kept.
    """
    out: list[str] = []
    for tok in tokenize(clean(text)):
        canon = SLANG.get(tok)
        if canon is None:
            out.append(tok)
        else:
            out.extend(canon.split())
    return out


def normalize(text: str) -> str:
    """The canonical form of a message as one space-separated string (see normalize_tokens)."""
    return " ".join(normalize_tokens(text))
