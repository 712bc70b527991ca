"""Triage: how urgent a message is, and why. Recall first, but only on evidence.

Three signals, and the **highest wins** (a missed emergency costs far more than an operator
reading one message too many, ``docs/taxonomy.md``):

1. the emergency lexicon (``nlu.lexicon``), one rule family per situation of
   ``docs/emergencies.md``, in every language;
2. the urgency head of the linear classifier;
3. intent priors (a death report is at least ``high``; every complaint at least ``normal``).

Evidence decides what a signal may do (issue 12):

* a lexicon hit counts only as what the words mean *here*: harmless senses are removed first
  ("mati lampu", "kunci kamar hilang"); a negated hit ("tidak pernah memukul"), a hypothetical
  question ("kalau majikan mukul, lapor ke mana?") or something read in the news does not raise;
  the past that is over ("dulu …, sekarang sudah aman") does not raise, the past alone raises to
  high at most;
* the classifier alone never makes a short or content-free message urgent ("gk", "sy bingung"),
  nor anything that says all is well;
* an answer to the bot's question (``asked``: the employer's name, the country…) is judged as an
  answer: it raises only on strong evidence of an emergency typed there. "Are you safe now?"
  answered "no" is critical.

Every signal that raised the result is kept as a reason shown to operators
(``lexicon:id:violence``, ``classifier:critical:0.72``, ``prior:complaint.death``); signals that
were heard but discounted are kept too (``lexicon-negated:id:violence``), so a decision can be
checked and corrected.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from nlu.lexicon import RULES, UNBOUNDED_LANGS, Rule
from nlu.normalize import normalize_tokens
from nlu.types import Urgency, kind_of

C = Urgency.CRITICAL
H = Urgency.HIGH

CLAUSE = " | "  # separates the clauses of a scan text; no lexicon pattern crosses it

# Intents whose nature makes them at least "high" (taxonomy: death report, lost contact,
# arrest, past sexual assault, trafficking).
INTENT_PRIORS: Mapping[str, Urgency] = {
    "complaint.death": H,
    "complaint.lost_contact": H,
    "complaint.legal_trouble": H,
    "complaint.sexual_abuse": H,
    "complaint.trafficking": H,
}
# Classifier thresholds, set low on purpose (recall first); the evidence rules below keep them
# from firing on messages that say nothing.
CRITICAL_THRESHOLD = 0.30
HIGH_THRESHOLD = 0.35
# How sure the classifier must be to call a message critical when no lexicon rule saw anything
# in it; below this it raises to high (a person reads it within hours, no alarm).
CRITICAL_ALONE_THRESHOLD = 0.5
# How sure the classifier must be to call critical what the lexicon explains as high.
CRITICAL_OVER_EXPLAINED = 0.95
# In an answer to a form question, the classifier alone raises only this sure, and only on an
# answer this long ("Mr Wong. dia baru nyiram sy pake air panas").
ANSWER_CRITICAL_THRESHOLD = 0.95
ANSWER_MIN_WORDS = 5
# The classifier may raise on its own only when the message has this many content words.
CLASSIFIER_MIN_WORDS_CRITICAL = 5
CLASSIFIER_MIN_WORDS_HIGH = 3
# An intent prior applies only when the intent itself is reasonably sure.
PRIOR_MIN_CONFIDENCE = 0.35
# Lexicon rules on messages the model is sure are questions ("how do I report an employer who
# hits me?") raise one level less: critical rules to high, high rules not at all.
_QUESTION_KINDS = frozenset({"faq"})
QUESTION_MIN_CONFIDENCE = 0.5

# Questions whose answer is a name, a place, a number, yes or no: judged as answers.
ANSWER_QUESTIONS = frozenset(
    {
        "reporter",
        "worker_name",
        "country",
        "location",
        "employer_name",
        "agency_name",
        "since_when",
        "contact_ok",
        "phone",
        "consent",
        "case_reference",
        "confirm",
        "safe_now",
        "job_offer",
        "id_number",
        "category",
    }
)
# Questions whose answer is free text, judged like any message (listed so callers can check).
FREE_TEXT_QUESTIONS = frozenset({"what_happened"})
# Answers that describe where or how the person is: a "high" situation found there counts
# ("sy tidur di bandara" as the answer to "where are you?").
SITUATION_ANSWERS = frozenset({"since_when", "location", "contact_ok", "safe_now"})

# --- what the words around a hit say -----------------------------------------------------------

# Figures of speech and everyday senses of danger words, removed before the lexicon looks.
_HARMLESS = re.compile(
    r"(?<![\w])(?:"
    r"mati (?:lampu|listrik|air|gaya|kutu|rasa|angin|kiri|kanan)|lampu (?:\w+ ){0,1}mati|"
    r"listrik (?:\w+ ){0,1}mati|(?:listrik|lampu) (?:\w+ ){0,1}padam|"
    r"(?:hp|handphone|hape|ponsel|baterai\w*|batre\w*) (?:\w+ ){0,2}sekarat|"
    r"sekarat (?:\w+ ){0,2}(?:baterai\w*|batre\w*)|gempa (?:kecil|sedikit)|kerasa (?:dikit|sedikit)|"
    r"(?:(?:hp|handphone|hape|ponsel|baterai|batre) (?:\w+ ){0,2})?low ?bat\w* (?:\| )?"
    r"(?:\w+ ){0,4}(?:mati|habis)|"
    r"(?:baby|bayi|balita|toddler|the kid|anak kecil|anak asuh\w*|si kecil|nenek|kakek|ahma|ahkung) "
    r"(?:\w+ ){0,5}(?:hit|hits|pukul|mukul|memukul|gigit|bite|bit|kick|tendang|nendang|cubit)|"
    r"(?:hp|handphone|hape|ponsel|baterai|batre|batere|baterainya|laptop|tv|kulkas|motor|mobil|"
    r"wifi|sinyal|kuota|paket|data) (?:\w+ ){0,3}(?:mati|habis|low|lowbat|lemot|rusak|soak)"
    r"(?! (?:\w+ ){0,2}(?:sejak|since|minggu|bulan|weeks?|months?))|"
    r"(?:mau|hampir) (?:mati|habis) (?:baterai|batre|hp)|low ?bat\w*|lowbat|"
    r"(?:kunci|konci) (?:kamar|pintu|rumah|motor|lemari|loker|mobil|kos|imah)|"
    r"(?:laci|lemari|loker|brankas|drawer|kotak|tas|koper)\w* (?:\w+ ){0,1}(?:dikunci|terkunci|"
    r"berkunci|locked)|"
    r"bunuh waktu|kebakaran jenggot|jatuh cinta|jatuh hati|(?:di)?pukul rata|"
    r"(?:ketawa|tertawa|ngakak) (?:\w+ ){0,2}(?:mau )?mati|mati ketawa|"
    r"jantung\w* (?:\w+ ){0,1}(?:deg|berdebar|dag dig dug)\w*|locked out|"
    r"sesak (?:napas|nafas) (?:\w+ ){0,2}(?:liat|lihat|melihat|baca|harga|tagihan|cicilan)|"
    r"(?:bateri|telefon|fon) (?:\w+ ){0,3}(?:mati|habis|nak mati)|"
    r"pistol (?:air|mainan)|water gun|toy \w+|(?:\w+ )?mainan|"
    r"(?:di)?gigit\w* (?:\w+ ){0,2}(?:nyamuk|semut|kutu|anjing|kucing)|"
    r"(?:nyamuk|semut|kutu|tumila|kepinding) (?:\w+ ){0,3}(?:gigit|digigit|gigitin|digigitin)|"
    r"(?<=nyamuk )(?:\w+ ){0,3}\| (?:\w+ ){0,2}(?:di)?gigit\w*|"
    r"(?:wifi|internet|phone|battery|fridge|tv|laptop|car|plants?|signal|connection|line|"
    r"charger|printer|bulb|lamp) (?:\w+ ){0,2}(?:is |was )?(?:dead|died|dying)|"
    r"pukul (?:\d+|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|sebelas|"
    r"dua belas|berapa)|"
    r"bunuh (?:ayam|kambing|ikan|nyamuk|kecoa|tikus|semut|lalat|bebek|sapi|ulat)|"
    r"mati total|fire drill|fire alarm|drill|"
    r"obat nyamuk (?:habis|bakar|elektrik)|darah tinggi|tekanan darah|"
    r"terjebak (?:macet|hujan|antrian|antrean)|mati mati an|"
    r"(?:kill|killing) (?:time|the time)|dying to|phone (?:\w+ ){0,2}(?:dying|dead)|"
    r"battery (?:\w+ ){0,2}(?:dying|dead|low)|dead battery"
    r")(?![\w])"
)
_NEGATION = frozenset(
    {
        "tidak",
        "bukan",
        "never",
        "not",
        "no",
        "nobody",
        "ora",
        "teu",
        "henteu",
        "jangan",
        "tanpa",
        "without",
        "belum",
        "ra",
        "mboten",
        "boten",
        "tak",
        "tiada",
        "dont",
        "didnt",
        "doesnt",
        "isnt",
        "wasnt",
    }
)
_NEGATION_WINDOW = 3
_LET_ALONE = frozenset({"apalagi", "apatah", "alone", "even", "malah"})
_FEARED = re.compile(r"(?<![\w])(?:takut|khawatir|afraid|worried|scared|sieun|wedi)(?![\w])")
_PLEA = re.compile(
    r"(?<![\w])(?:tolong|help|please|tulung|cepat|segera|bantu|bantuin|sos|darurat)(?![\w])"
)
# Someone in particular: a question about one's own or a relative's case is not a general one.
_PERSONAL = re.compile(
    r"(?<![\w])(?:saya|aku|kami|kita|i|me|my|we|our|abdi|kuring|adik|adikku|kakak|kakakku|"
    r"suami|istri|isteri|anakku|teman|temen|kawan|kancaku|sepupu|keponakan|dia|she|he|her|him|"
    r"they|mbak|mas|bojoku|salaki|pamajikan|ada (?:yang|orang|pmi|tki|tkw|seorang))(?![\w])"
)
# Chinese and Arabic put the negation right before the verb: 没有打我, 不打我, لم يضربني.
_UNBOUNDED_NEGATION = re.compile(r"(?:没有|沒有|没|沒|不|未|从不|從不|لم|لا|ما)\s*$")
_PAST = re.compile(
    r"(?<![\w])(?:dulu(?! ?(?:\||$))|(?:waktu|zaman|jaman|sejak|dari) dulu|dulunya|dahulu|tahun lalu|"
    r"kantos|kungsi|kepungkur|kapungkur|tahun lepas|bulan lepas|minggu lepas|"
    r"(?:last|a few|few|two|three|\d+) (?:weeks?|months?|years?) ago|once|masa kerja|bulan lalu|minggu lalu|waktu itu|tempo hari|"
    r"(?<!tidak )pernah|used to|last (?:year|month|week)|years? ago|months? ago|in the past|"
    r"biyen|baheula|kapungkur|dulu sekali|(?:tahun|in) (?:19|20)\d\d)(?![\w])"
    r"|年前|以前|去年|前年|上个月|上個月"
)
_RESOLVED = re.compile(
    r"(?<![\w])(?:sudah aman|sekarang (?:sudah )?aman|aman sekarang|sudah selamat|sudah pulang|"
    r"sudah padam|sudah reda|semua aman|kami aman|tidak apa apa|gpp|sudah sehat|"
    r"sudah (?:dipulangkan|cair|dimakamkan|beres)|untung (?:tidak|ora|teu)|"
    r"sudah diurus (?:kbri|kjri|kdei|polisi|bp2mi|kp2mi|pemerintah|dinas)|"
    r"semua (?:\w+ ){0,1}(?:ok|oke|baik|aman)|aman kok semua|tidak (?:terasa|rasa)|tak rasa|"
    r"(?:sekarang|saiki|skrg) (?:sudah |wis )?(?:(?!masih|isih|still)\w+ ){0,2}(?:sehat|"
    r"di rumah(?! sakit| itu| majikan)|di kampung|"
    r"di indonesia|buka|punya|usaha|menikah|bahagia|enak|baik|apik|pindah|mulih|bali)|"
    r"alhamdulillah (?:\w+ ){0,2}(?:sehat|aman|selamat|baik)|untung (?:\w+ ){0,3}sekarang|"
    r"sudah (?:di|ke) (?:indonesia|rumah|kampung|shelter|kbri|kjri|penampungan kbri)|"
    r"sudah kabur|sudah selesai|sudah lewat|sudah tidak (?:pernah|lagi)|tidak pernah lagi|"
    r"sudah sembuh|sudah (?:dibalikin|dikembalikan|dibalikan|balik)|"
    r"(?:sudah|dah) (?:jumpa|ketemu|keluar|dibebaskan|dilepas\w*|dideportasi|dihukum|kerja lagi|"
    r"sampai (?:di )?(?:rumah|indonesia|kampung))|(?:been|is|am|are) (?:back )?home|home since|"
    r"got out|released|dileupaskeun|pulang resmi|wis mari|kerja maneh|recovered|tos uih|"
    r"tos teu damel|no longer work\w*|not working there|sudah (?:berhenti|pindah)|"
    r"already (?:go |went |back )?home|"
    r"(?:sudah|wis|tos|parantos) (?:aman|slamet|mulih|uih|ngalih|pindah|sehat|cageur)|"
    r"ayeuna (?:(?!teu)\w+ ){0,2}(?:aman|ngalih|uih|di lembur|sehat|bagja|cageur)|"
    r"saiki (?:\w+ ){0,2}(?:aman|slamet|mulih|sehat|seneng)|"
    r"(?:now|i am now|now i am|i'm now) (?:(?:so|very|really|already|happy and) )?(?:happy|"
    r"fine|okay|ok|married|good|well|safe|home)(?! \w)|"
    r"tidak lagi|sudah baik|alhamdulillah (?:sudah )?(?:aman|selamat|baik)|"
    r"(?:now|am|i am|we are|already) (?:\w+ ){0,1}safe|safe now|already (?:home|back)|"
    r"it is over|no longer|not anymore|(?:i am|we are|she is|he is) (?:fine|ok|okay|safe|well) now|"
    r"fine now)(?![\w])"
)
_HYPOTHETICAL = re.compile(
    r"(?<![\w])(?:kalau|jika|jikalau|seandainya|andai|andaikan|misal|misalnya|apabila|bila|"
    r"if|what if|in case|suppose|supposing|umpama|seumpama|nek|yen|menawa|misale|upami|mun|"
    r"lamun|bilih|sekiranya|hypothetically)(?![\w])"
)
# Said outright: the writer only asks, for later ("buat jaga-jaga", "just in case").
_JUST_ASKING = re.compile(
    r"(?<![\w])(?:just in case|jaga jaga|berjaga jaga|hypothetically|naros wungkul|cuma tanya|"
    r"cuma nanya|sekedar tanya|sekadar tanya|hanya bertanya|just asking|just want to know|"
    r"kanggo jaga jaga|buat jaga jaga|sebelum daftar|sblm daftar|nanya buat|tanya buat|"
    r"buat tugas|untuk tugas|tugas kuliah|skripsi|penelitian|for research|for a workshop|"
    r"buat brosur|for my friend|untuk teman|buat teman)(?![\w])"
)
# A negation before a hit that says someone *refuses* something is not a denial ("majikan tidak
# mau bawa ke rumah sakit"); a negation inside a condition is a threat ("kalau tidak nurut,
# dipukul").
_REFUSAL = frozenset(
    {
        "mau",
        "boleh",
        "izinkan",
        "diizinkan",
        "kasih",
        "dikasih",
        "allow",
        "allowed",
        "let",
        "bawa",
        "membawa",
        "gelem",
        "oleh",
        "kersa",
        "daek",
        "benarkan",
        "bagi",
        "sampai",
        "nyampe",
        "capai",
        "mencapai",
        "reach",
        "nurut",
        "ikut",
        "layan",
        "nak",
        "mahu",
    }
)
# Still there, with the danger: what follows is not "it is over".
_STILL_THERE = re.compile(
    r"(?<![\w])(?:masih (?:kerja|bekerja|tinggal|di rumah|di sana|di situ|sama|bersama|di sini)|"
    r"still (?:work|working|live|living|there|with|here)|isih (?:kerja|neng)|masih keneh)(?![\w])"
)
_THANKS = re.compile(
    r"(?<![\w])(?:terima kasih|makasih|thank you|thanks|hatur nuhun|matur nuwun|syukran)(?![\w])"
    r"|شكرا"
)
# Signs that the event is being treated: the emergency is in hand, a person still follows up.
_TREATED = re.compile(
    r"(?<![\w])(?:dirawat|opname|sudah di (?:rumah sakit|rs|klinik)|di rs|sudah ditangani|"
    r"in (?:the )?hospital|hospitali[sz]ed|wis ning rumah sakit|admitted)(?![\w])"
)
# Authorities holding someone: detention (high), not a private lock-in (critical).
_AUTHORITY = re.compile(
    r"(?<![\w])(?:imigrasi|imigresen|immigration|polisi|polis|police|penjara|prison|jail|"
    r"detensi|detention|lokap|tahanan|depot|sel)(?![\w])"
)
_QUESTION = re.compile(
    r"(?<![\w])(?:bagaimana|apa|apakah|kemana|ke mana|dimana|di mana|berapa|kenapa|"
    r"gimana|caranya|cara|how|what|whats|where|should i|can i|could i|would|which|adakah|"
    r"macam mana|piye|kumaha|naon|kamana|dimana|sabaraha|saha|opo|ngendi|neng ndi|pundi|menapa|"
    r"<\?>)(?![\w])"
)
# Words that put a clause in the present, so a "dulu" of the clause before does not carry over.
_PRESENT = re.compile(
    r"(?<![\w])(?:sekarang|masih|barusan|tadi|hari ini|malam ini|now|still|right now|today|"
    r"tonight|saiki|isih|ayeuna|masih keneh|kini|tiap|setiap|every|sampai sekarang|until now|"
    r"hingga kini|sejak|since)(?![\w])"
)
# "I thought…" / "I was afraid that…": what the writer feared, not what happened.
_MISTAKEN = re.compile(
    r"(?<![\w])(?:kira|kirain|kirane|dikira|nyangka|i thought|pura pura|pretend\w*)(?![\w])"
)
# "… ternyata kurir paket": said after the hit, the alarm was a mistake.
_TURNS_OUT = re.compile(r"(?<![\w])(?:ternyata|turns out|turned out|it was only|rupanya)(?![\w])")
# Laughter and joking emoji: nobody writes this about a danger that is real now.
_LAUGHING = re.compile(r"wkwk\w*|hehe\w*|haha\w*|xixi\w*|(?<![\w])lol(?![\w])")
_LAUGHING_EMOJI = re.compile("[😂🤣😅😆😁😹]")
_REPORTED = re.compile(
    r"(?<![\w])(?:berita|beritanya|baca|membaca|nonton|menonton|film|filmnya|sinetron|drama|"
    r"tv|televisi|(?<!teu )aya beja|ceuk beja|"
    r"drakor|viral|tiktok|youtube|instagram|facebook|fb|twitter|lagu|novel|series|news|"
    r"article|movie|film|song|documentary|headline|koran|artikel|dokumenter|kdrama|k drama|"
    r"actor|actress|aktor|aktris|pemeran|tokoh utama\w*|lalajo|watching|nongton|ndelok|"
    r"kata ustadz|kata ustad|pengajian|ceramah|seminar|sosialisasi|kata orang|dengar dengar|"
    r"denger denger|gosip|rumor|hantu|ghost|horor|horror|cerita seram|"
    r"bercanda|becanda|canda|joking|joke|jokes|prank|guyon|guyonan|heureuy|gurau)(?![\w])"
    r"|电影|電影|新闻|新聞|报道|報導|看了|فيلم|مسلسل|أخبار|خبر"
)
_ALL_WELL = re.compile(
    r"(?<![\w])(?:baik baik saja|baik kok|baik saja|tidak ada masalah|tidak apa apa|aman kok|"
    r"semua (?:\w+ ){0,2}sehat|sehat semua|"
    r"aman saja|no problem|all good|i am fine|i'm fine|is kind|are kind|very kind|is good|"
    r"do not worry|don't worry|jangan khawatir|nobody hurt|tidak ada yang menyakiti|"
    r"i am not hurt|not hurt|tidak (?:luka|terluka|diapa apain|diapa apakan)|"
    r"alhamdulillah baik|sehat sehat|sehat kok)(?![\w])"
)
# "Are you safe now?" answered no, not yet, or with danger.
_NOT_SAFE = re.compile(
    r"^(?:(?:tidak|belum|no|not yet|not safe|nope|bahaya|gawat|tolong|help|takut|durung|dereng|"
    r"teu acan|teu|henteu|acan|ora|mboten|not really|unsafe|tak|belom)"
    r"(?! apa apa| papa| masalah| kenapa)|masih(?! aman| baik| selamat| sehat))(?![\w])"
    r"|^(?:不安全|不|没有|沒有|危险|危險|لا|ليس|غير آمن|مش آمن)"
)
# Unsure is not safe ("kayaknya aman, tapi tidak yakin"), nor safe only until later ("sekarang
# aman, tp nanti malem dia pulang").
_UNSURE = re.compile(
    r"(?<![\w])(?:tidak yakin|kurang yakin|not sure|unsure|entahlah|mungkin|maybe|ragu|"
    r"do not know|tidak tahu|kurang tahu|tidak tau|kurang tau|idk|entah|"
    r"(?:tapi|but) (?:\w+ ){0,2}(?:nanti|later|besok|tonight|malam ini|kalau dia|when he))(?![\w])"
)
# Died, as opposed to wanting to die: a death being reported.
_DIED = re.compile(
    r"(?<![\w])(?:meninggal\w*|wafat|tewas|died|passed away|jenazah\w*|mayat\w*|almarhum\w*|"
    r"seda|tilar|pupus|dimakamkan|funeral)(?![\w])"
)
_STOP = frozenset(
    {
        "saya",
        "aku",
        "kamu",
        "dia",
        "kami",
        "kita",
        "di",
        "ke",
        "dari",
        "yang",
        "ini",
        "itu",
        "dan",
        "atau",
        "sudah",
        "mau",
        "ya",
        "iya",
        "kok",
        "sih",
        "dong",
        "nih",
        "deh",
        "kah",
        "lah",
        "saja",
        "juga",
        "tapi",
        "ada",
        "lagi",
        "the",
        "a",
        "an",
        "i",
        "me",
        "my",
        "is",
        "am",
        "are",
        "to",
        "of",
        "and",
        "in",
        "on",
        "it",
        "<?>",
    }
)


@dataclass(frozen=True, slots=True)
class Hit:
    """A lexicon rule that matched, and what the words around it say."""

    rule: Rule
    clause: int
    cue: str = ""  # "", negated, hypothetical, reported, mistaken, resolved, past, past-resolved


_CLAUSE_END = re.compile(r"(.*?)([.,;:!?\n\r]+|\s-\s|$)", re.DOTALL)


def scan_text(text: str) -> str:
    """The text as the lexicon reads it: normalised clauses joined by :data:`CLAUSE`.

    Clauses end at sentence punctuation, commas and line breaks, so a negation or a "dulu" in
    one clause says nothing about the next ("dulu dipukul, sekarang dikunci"). Normalising
    drops emoji; a laughing one is kept as the word "haha" (see :data:`_LAUGHING`).
    """
    clauses = []
    for part in _CLAUSE_END.finditer(text):
        words = " ".join(normalize_tokens(part.group(1)))
        # A clause that ends with "?" keeps it as a word: questions are judged differently.
        clauses.append(f"{words} <?>" if words and "?" in part.group(2) else words)
    if _LAUGHING_EMOJI.search(text):
        clauses.append("haha")
    return CLAUSE.join(c for c in clauses if c)


# All rules in one alternation, used as a prefilter: most messages match nothing and are done
# after one scan; only a message that matches is checked rule by rule.
_PREFILTER = re.compile(
    r"(?<!\w)(?:"
    + "|".join(f"(?:{r.body})(?!\\w)" for r in RULES if r.lang not in UNBOUNDED_LANGS)
    + ")|"
    + "|".join(f"(?:{r.body})" for r in RULES if r.lang in UNBOUNDED_LANGS)
)


def lexicon_hits(scan: str) -> list[Rule]:
    """Every rule that matches the scan text (harmless senses removed), strongest first."""
    return [h.rule for h in _hits(scan, question=False)]


def _hits(scan: str, *, question: bool) -> list[Hit]:
    cleaned = _HARMLESS.sub(" ~ ", scan)
    clauses = cleaned.split(CLAUSE)
    # The clauses joined, for rules whose halves span two clauses (and for the prefilter).
    joined = " ".join(clauses) + " "
    if _PREFILTER.search(joined) is None:
        return []
    starts, pos = [], 0
    for clause in clauses:
        starts.append(pos)
        pos += len(clause) + 1
    out: list[Hit] = []
    for rule in RULES:
        if rule.span:
            found = rule.pattern.search(joined)
            if found is not None:
                index = max(i for i, s in enumerate(starts) if s <= found.start())
                start = found.start() - starts[index]
                cue = _cue(rule, clauses, index, start, found.group(0), question)
                out.append(Hit(rule, index, cue))
            continue
        if rule.pattern.search(joined) is None:
            continue  # one search over the whole text first: most rules match nothing
        for index, clause in enumerate(clauses):
            match = rule.pattern.search(clause + " ")
            if match is not None:
                cue = _cue(rule, clauses, index, match.start(), match.group(0), question)
                out.append(Hit(rule, index, cue))
                break
    out.sort(key=lambda h: (h.cue != "", -h.rule.urgency.rank))
    return out


def _cue(
    rule: Rule, clauses: list[str], index: int, start: int, matched: str, question: bool
) -> str:
    """Why the words around a hit may not mean what the hit says ("" if they do).

    ``start`` is where the hit begins in its clause ``clauses[index]``; ``matched`` its words.
    """
    clause = clauses[index]
    before = clause[:start].split()
    words = matched.split()
    negation_is_the_hit = bool(words) and words[0] in _NEGATION  # "tidak dikasih makan"
    if not negation_is_the_hit and _denied(before):
        return "negated"
    if rule.lang in UNBOUNDED_LANGS and _UNBOUNDED_NEGATION.search(clause[:start]):
        return "negated"
    if rule.urgency == H and _FEARED.search(" ".join(before[-2:])):
        return "feared"  # "takut ditangkap": afraid of it, not in it
    if _REPORTED.search(clause) or (index and _REPORTED.search(clauses[index - 1])):
        return "reported"
    whole = " ".join(clauses)
    if _JUST_ASKING.search(whole) and rule.name != "self_harm":
        return "hypothetical"  # ("just in case I'm not here tomorrow" is not a question)
    if _LAUGHING.search(whole) and not _PLEA.search(whole):
        return "joking"
    if rule.name != "self_harm" and _is_question(clause) and not _PERSONAL.search(clause):
        return "general"  # "asuransi nanggung korban perkosaan ga?": about people in general
    if _MISTAKEN.search(clause[:start]) or _TURNS_OUT.search(
        " ".join([clause[start:], *clauses[index + 1 :]])
    ):
        return "mistaken"
    if question and (
        _HYPOTHETICAL.search(clause[:start]) or (index and _HYPOTHETICAL.match(clauses[0]))
    ):
        return "hypothetical"
    if rule.urgency == H and _THANKS.search(whole) and _RESOLVED.search(whole):
        return "resolved"  # "makasih, paspor sy udh balik": a thank-you for help that worked
    carried = index and _PAST.search(clauses[index - 1])
    still_there = _STILL_THERE.search(whole) is not None
    # A present marker before the hit ("sejak bulan lalu tiap malam kepikiran …") keeps it now;
    # one after it ("dulu dipukul, tapi sekarang aman") is about something else.
    if (_PAST.search(clause) or carried) and not _PRESENT.search(clause[:start]):
        if _RESOLVED.search(whole) and not still_there:
            return "past-resolved"
        return "past" if rule.ongoing else ""
    if _RESOLVED.search(" ".join(clauses[index + 1 :])) and not still_there:
        return "resolved"  # the danger, then "… but now all is well"
    return ""


def _denied(before: list[str]) -> bool:
    """Whether a negation just before a hit denies it ("tidak pernah mukul").

    Not when the negation is a refusal ("tidak mau bawa ke rumah sakit": the refusal is the
    danger) or sits inside a condition ("kalau tidak nurut, dipukul": a threat).
    """
    # "tidak pernah marah apalagi mukul": "let alone" carries the negation further.
    size = _NEGATION_WINDOW + (3 if any(w in _LET_ALONE for w in before[-3:]) else 0)
    window = before[-size:]
    negations = [i for i, w in enumerate(window) if w in _NEGATION]
    if not negations:
        return False
    at = len(before) - len(window) + negations[-1]
    if any(w in _REFUSAL for w in before[at + 1 :]):
        return False
    return _HYPOTHETICAL.search(" ".join(before[max(0, at - 2) : at])) is None


_DISCOUNTING = frozenset(
    {
        "negated",
        "hypothetical",
        "reported",
        "mistaken",
        "resolved",
        "past-resolved",
        "joking",
        "general",
        "feared",
    }
)


def _is_question(clause: str) -> bool:
    return clause.endswith("<?>") or _QUESTION.search(clause) is not None


def calm_story(scan: str) -> bool:
    """Whether the message says its trouble is over, harmless or someone else's: resolved,
    all well, read in the news, a figure of speech, or only asked about."""
    if _STILL_THERE.search(scan):
        return False
    return any(
        p.search(scan) is not None
        for p in (_RESOLVED, _ALL_WELL, _REPORTED, _HARMLESS, _JUST_ASKING, _THANKS)
    )


def content_words(scan: str) -> int:
    """How many words of the message say something (not pronouns, particles or articles)."""
    return sum(1 for w in scan.replace(CLAUSE, " ").split() if w not in _STOP and w != "~")


@dataclass(frozen=True, slots=True)
class UrgencyDecision:
    """The urgency of a message, every reason that raised it, and the situation found."""

    urgency: Urgency
    reasons: tuple[str, ...]
    situation: str | None = None  # the strongest lexicon situation that counted


def decide_urgency(
    scan: str,
    intent: str,
    intent_confidence: float,
    urgency_probs: Mapping[str, float] | None,
    base: Urgency = Urgency.LOW,
    *,
    asked: str | None = None,
) -> UrgencyDecision:
    """Combine the signals; the result is never lower than ``base``.

    Args:
        scan: The message as :func:`scan_text` gives it (plain normalised text works too: one
            clause).
        intent: The chosen intent.
        intent_confidence: Its confidence.
        urgency_probs: The classifier's probability per urgency name, or None when no
            classifier ran (e.g. a Rasa answer without our urgency head).
        base: An urgency decided elsewhere (e.g. by another back-end) that must not drop.
        asked: The question the bot had just asked, if the message answers a form (ids as in
            :data:`ANSWER_QUESTIONS`, plus ``what_happened`` and ``job_offer``).

    Returns:
        The highest urgency, the reasons (``"lexicon:id:violence"``, ``"classifier:…"``) and the
        situation that decided it.
    """
    level = base
    reasons: list[str] = [f"base:{base}"] if base != Urgency.LOW else []
    situation: str | None = None
    answer = asked in ANSWER_QUESTIONS

    def raise_to(target: Urgency, reason: str, found: str | None = None) -> None:
        nonlocal level, situation
        if target.rank > Urgency.LOW.rank:
            reasons.append(reason)
        if target.rank > level.rank and found is not None:
            situation = found
        level = level.at_least(target)

    kind = kind_of(intent)
    confident_question = kind in _QUESTION_KINDS and intent_confidence >= QUESTION_MIN_CONFIDENCE
    is_question = confident_question or _QUESTION.search(scan) is not None
    hits = _hits(scan, question=is_question)
    discounted = False
    seen: set[str] = set()
    live = {h.rule.name for h in hits if h.cue in ("", "past")}
    if asked == "safe_now" and (_NOT_SAFE.search(scan.split(CLAUSE)[0]) or _UNSURE.search(scan)):
        raise_to(C, "context:not_safe_now", "violence")
    for hit in hits:
        rule = hit.rule
        if rule.name in seen:
            continue  # one reason per situation (Malay and Indonesian share words)
        seen.add(rule.name)
        target = rule.urgency
        where = f"{rule.lang}:{rule.name}"
        if rule.name in ("sexual_violence", "past_sexual_assault") and hit.cue in (
            "past",
            "past-resolved",
            "resolved",
        ):
            # A sexual assault that is over is still "high" (docs/taxonomy.md): a person calls.
            raise_to(H, f"lexicon-past:{where}", "past_sexual_assault")
            continue
        if rule.name == "self_harm" and hit.cue == "negated":
            # "I'm sad every day but I don't want to hurt myself": a person should talk to them.
            raise_to(H, f"lexicon-negated:{where}", "serious_illness")
            continue
        if hit.cue in _DISCOUNTING:
            reasons.append(f"lexicon-{hit.cue}:{where}")
            discounted = True
            continue
        if hit.cue == "past":
            # It happened and may not be over: a person should read it, but not as critical.
            raise_to(min(target, H, key=lambda u: u.rank), f"lexicon-past:{where}", rule.name)
            continue
        if target == C and (lowered := _lowered(rule.name, scan, hit.clause, live)) is not None:
            # The emergency is over or in others' hands: a death already reported, an injury
            # being treated, a detention by the authorities. A person follows up; no alarm.
            raise_to(H, f"lexicon-{lowered[0]}:{where}", lowered[1])
            continue
        # In an answer, a "high" situation counts when it is named outright and current ("udh
        # meninggal kmrn" as the worker's name); an illness may be someone else's.
        over = _PAST.search(scan) is not None and _PRESENT.search(scan) is None
        counts_in_answer = target == C or (
            not over and (rule.name != "serious_illness" or asked in SITUATION_ANSWERS)
        )
        if answer and (not counts_in_answer or rule.weak):
            reasons.append(f"lexicon-answer:{where}")
            continue
        if confident_question and not answer and _asks(scan, hit.clause):
            # A confident question ("what do I do if my employer hits me?") is not an event:
            # the rule still raises, but one level less, and a "high" rule is only a reason.
            if target != C:
                reasons.append(f"lexicon-question:{where}")
                continue
            target = H
        raise_to(target, f"lexicon:{where}", rule.name)
    harmless = _HARMLESS.search(scan) is not None
    calm = (
        discounted
        or harmless
        or _LAUGHING.search(scan) is not None
        or _REPORTED.search(scan) is not None
        or _THANKS.search(scan) is not None
        or _JUST_ASKING.search(scan) is not None
        or (_RESOLVED.search(scan) is not None and _STILL_THERE.search(scan) is None)
    )
    # A hypothetical question ("kalau …, lapor ke mana?") gives the classifier no say; a
    # confident FAQ question lowers its vote. "aku kudu piye?" after an emergency is a plea.
    hypothetical = _JUST_ASKING.search(scan) is not None or (
        is_question and _HYPOTHETICAL.search(scan) is not None
    )
    # The words explain the message as "high" (a detention, a past beating): the classifier
    # needs to be very sure to call it critical.
    explained = any(h.cue == "past" or (h.cue == "" and h.rule.urgency == H) for h in hits)
    if urgency_probs and not answer and not hypothetical:
        _classifier_vote(
            scan, kind, urgency_probs, calm, confident_question, explained, bool(hits), raise_to
        )
    elif urgency_probs and answer and not calm and not hypothetical:
        # In an answer the classifier counts only when it is sure and the answer says a lot.
        p_crit = urgency_probs.get("critical", 0.0)
        if p_crit >= ANSWER_CRITICAL_THRESHOLD and content_words(scan) >= ANSWER_MIN_WORDS:
            raise_to(C, f"classifier:critical:{p_crit:.2f}")
    if kind == "complaint" and not answer:
        prior = INTENT_PRIORS.get(intent, Urgency.NORMAL)
        # What the intent is by nature (a death, a sexual assault) stays high when it is over:
        # only a message that is not about a real event here lowers the prior.
        unreal = calm and not (_RESOLVED.search(scan) and not _REPORTED.search(scan))
        if (unreal or hypothetical) and situation is None:
            prior = Urgency.NORMAL  # the words that looked like a danger were not one
        if intent_confidence >= PRIOR_MIN_CONFIDENCE or prior == Urgency.NORMAL:
            raise_to(prior, f"prior:{intent}")
    return UrgencyDecision(level, _dedupe(reasons), situation)


def _asks(scan: str, clause: int) -> bool:
    """Whether the clause of a hit is itself a question (or the message has only one clause).

    "mau tanya perpanjang paspor. oh iya temen sy tiba2 gk bisa gerakin separuh badannya": the
    question is in one clause, the emergency in another.
    """
    clauses = scan.split(CLAUSE)
    if len(clauses) == 1 or clause >= len(clauses):
        return True
    return bool(_QUESTION.search(clauses[clause]) or _HYPOTHETICAL.search(clauses[clause]))


def _lowered(name: str, scan: str, clause: int, live: set[str]) -> tuple[str, str] | None:
    """Why a critical situation found in the words is high here, and as what (or None)."""
    if (
        name in ("medical_emergency", "self_harm")
        and _DIED.search(scan) is not None
        and "death_report" in live
        and "death_now" not in live
    ):
        return "reported-death", "death_report"  # "meninggal … serangan jantung"
    if name == "medical_emergency" and _TREATED.search(scan):
        return "treated", "serious_illness"  # "dirawat di RS, patah kaki"
    clauses = scan.split(CLAUSE)
    where = clauses[clause] if clause < len(clauses) else scan
    if name == "confinement" and _AUTHORITY.search(where):
        return "detained", "arrest_detention"  # "dikurung di imigrasi Johor"
    return None


def _classifier_vote(
    scan: str,
    kind: str,
    probs: Mapping[str, float],
    calm: bool,
    question: bool,
    explained: bool,
    supported: bool,
    raise_to: Callable[[Urgency, str], None],
) -> None:
    """The classifier's urgency head, on evidence: enough words, nothing that says all is well.

    The classifier has read similar words in urgent messages; it cannot tell a short "sy mau
    tanya" or "majikan sy baik kok" from them. So it may raise on its own only when the message
    says something, says nothing reassuring or joking, and its lexicon words were not
    discounted; a question it alone finds critical is raised to high (a person reads it soon),
    and so is a message whose words explain it as high (``explained``: a detention, a beating
    that is past) unless the classifier is very sure.
    """
    words = content_words(scan)
    calm = calm or _ALL_WELL.search(scan) is not None
    p_crit = probs.get("critical", 0.0)
    p_high = probs.get("high", 0.0) + p_crit
    p_norm = probs.get("normal", 0.0) + p_high
    if p_crit >= CRITICAL_THRESHOLD and words >= CLASSIFIER_MIN_WORDS_CRITICAL and not calm:
        capped = (
            question
            or (explained and p_crit < CRITICAL_OVER_EXPLAINED)
            or (not supported and p_crit < CRITICAL_ALONE_THRESHOLD)
        )
        raise_to(H if capped else C, f"classifier:critical:{p_crit:.2f}")
    elif p_high >= HIGH_THRESHOLD and words >= CLASSIFIER_MIN_WORDS_HIGH and not calm:
        raise_to(H, f"classifier:high:{p_high:.2f}")
    elif p_norm >= 0.5 and kind == "complaint" and not calm:
        raise_to(Urgency.NORMAL, f"classifier:normal:{p_norm:.2f}")


def _dedupe(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
