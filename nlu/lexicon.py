"""The emergency lexicon: one rule family per situation of the map, in every language.

The situations are those of ``docs/emergencies.md``; a rule's name is its situation, and it
appears in the reasons operators see (``lexicon:id:self_harm``). Patterns are matched on the
*normalised* text (``nlu.normalize``): "gk dikasih makan" arrives as "tidak dikasih makan",
"pengen mati" as "ingin mati". Clauses are separated by " | " (``nlu.urgency.scan_text``), and
no pattern crosses that separator.

What a rule does not know — whether the words are negated, in the past, hypothetical, quoted
from the news, or a harmless figure of speech — is decided around the hit by ``nlu.urgency``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.types import Urgency

C = Urgency.CRITICAL
H = Urgency.HIGH

# Situations ("critical" and "high" of the map), in the order the eval report lists them.
CRITICAL_SITUATIONS = (
    "self_harm",
    "poisoning",
    "medical_emergency",
    "violence",
    "sexual_violence",
    "confinement",
    "trafficking",
    "seafarer",
    "fire_disaster",
    "death_now",
)
HIGH_SITUATIONS = (
    "arrest_detention",
    "serious_illness",
    "stranded",
    "death_report",
    "lost_contact",
    "past_sexual_assault",
    "documents_held_wants_leave",
)
SITUATIONS = CRITICAL_SITUATIONS + HIGH_SITUATIONS

# The complaint a situation is, when the classifier did not see a complaint at all.
SITUATION_INTENT = {
    "self_harm": "complaint.illness_injury",
    "poisoning": "complaint.illness_injury",
    "medical_emergency": "complaint.illness_injury",
    "violence": "complaint.abuse",
    "sexual_violence": "complaint.sexual_abuse",
    "confinement": "complaint.trafficking",  # docs/taxonomy.md: "locked up"
    "trafficking": "complaint.trafficking",
    "seafarer": "complaint.abuse",
    "fire_disaster": "complaint.other",
    "death_now": "complaint.death",
    "arrest_detention": "complaint.legal_trouble",
    "serious_illness": "complaint.illness_injury",
    "stranded": "complaint.wants_repatriation",
    "death_report": "complaint.death",
    "lost_contact": "complaint.lost_contact",
    "past_sexual_assault": "complaint.sexual_abuse",
    "documents_held_wants_leave": "complaint.document_withheld",
}

# Chinese and Arabic attach words without spaces, so their rules have no word boundaries.
UNBOUNDED_LANGS = frozenset({"zh", "ar"})

# A few words of a clause after which anything may follow (for "X … Y" patterns).
_W = r"(?:[^\s|]+ )"


@dataclass(frozen=True, slots=True)
class Rule:
    """One lexicon rule: a regular expression over normalised text.

    ``ongoing``: the situation is about something happening now, so the past ("dulu …") lowers
    it (a death report is past by nature: not ongoing). ``weak``: the words alone are not strong
    evidence in an answer to a form question.
    """

    lang: str
    name: str
    urgency: Urgency
    pattern: re.Pattern[str]
    body: str
    ongoing: bool = True
    weak: bool = False
    span: bool = False  # the two halves may sit in two clauses ("paspor ditahan, mau pulang")


def _r(
    lang: str,
    name: str,
    urgency: Urgency,
    *parts: str,
    ongoing: bool = True,
    weak: bool = False,
    span: bool = False,
) -> Rule:
    body = "|".join(f"(?:{p})" for p in parts)
    if lang in UNBOUNDED_LANGS:
        return Rule(lang, name, urgency, re.compile(body), body, ongoing, weak, span)
    pattern = re.compile(rf"(?<![\w])(?:{body})(?![\w])")
    return Rule(lang, name, urgency, pattern, body, ongoing, weak, span)


_WEAPON = (
    r"(?:pisau|pisaunya|golok|parang|celurit|pistol|senjata|senapan|gunting|pecahan kaca|besi)"
)
_POISON = (
    r"(?:pemutih|bayclin|byclin|klorin|clorox|cairan pembersih|pembersih lantai|karbol|wipol|"
    r"porstex|racun|racun tikus|baygon|obat nyamuk cair|obat serangga|pestisida|insektisida|"
    r"cuka para|soda api|bensin|minyak tanah|sabun cuci|deterjen|detergen)"
)
_HOSPITAL = r"(?:rumah sakit|dokter|klinik|puskesmas|igd|ugd)"

RULES: tuple[Rule, ...] = (
    # --- self_harm ---------------------------------------------------------------------------
    _r(
        "id",
        "self_harm",
        C,
        r"bunuh diri",
        r"(?:ingin|mau|lebih baik|mending|mendingan|rasanya ingin|rasanya mau) mati(?: saja)?",
        r"mati saja",
        r"(?:ingin|mau) (?:meng)?akhiri (?:hidup|semuanya|nyawa)",
        r"akhiri (?:hidup|nyawa)",
        r"tidak (?:kuat|sanggup|tahan|mau|ingin) (?:lagi )?hidup",
        r"(?:capek|cape|capai|lelah) hidup",
        r"(?:ingin|mau) (?:menyusul|nyusul) (?:ibu|bapak|mama|papa|ayah|almarhum\w*|emak|simbok)",
        r"gantung diri",
        r"(?:potong|sayat|iris) (?:nadi|tangan|pergelangan)",
        r"(?:menyayat|nyayat|mengiris|ngiris|menyilet|nyilet) (?:\w+ ){0,1}(?:tangan|nadi|diri)",
        r"(?:saya|aku) silet|silet (?:\w+ ){0,1}(?:sendiri|tangan|nadi|diri)",
        r"tali (?:\w+ ){0,3}(?:sudah siap|siap|disiapkan|siapin|gantung)",
        r"(?:buat|untuk) apa (?:saya|aku) (?:masih )?hidup",
        r"(?:lompat|loncat|terjun) dari (?:lantai|gedung|jembatan|atas|atap|balkon|jendela)",
        r"(?:mending|lebih baik) (?:saya|aku) (?:tidak ada|hilang|pergi selamanya)",
        r"selamat tinggal (?:semua|semuanya|dunia)",
        r"ini pesan terakhir",
        r"tidak ada gunanya (?:lagi )?(?:saya )?hidup",
        r"(?:lebih baik|mending|mendingan|rasanya) (?:saya|aku) (?:mati|tidak ada|hilang)",
        r"(?:kalau|jika|seandainya) (?:besok |nanti )?(?:saya|aku) (?:sudah )?(?:tidak ada|pergi|mati)",
        r"(?:saya|aku) titip (?:anak|anakku|ibu|bapak|keluarga)",
        r"(?:mau|ingin|akan|hendak) (?:loncat|lompat|terjun)(?! (?:tali|pagar|galah))",
        r"hidup (?:saya|aku) (?:sudah )?tidak (?:ada )?(?:gunanya|berguna|berarti)",
    ),
    _r(
        "en",
        "self_harm",
        C,
        r"kill\w* myself",
        r"suicid\w*",
        r"(?:want|wanna|wish|going) to die",
        r"(?:end|ending) (?:my|it|this) (?:life|all)",
        r"end my life",
        r"do not want to live",
        r"no reason to live",
        r"not worth living",
        r"better off dead",
        r"(?:hurt|cut|harm)\w* myself",
        r"jump (?:off|from) (?:the )?(?:building|bridge|roof|window)",
        r"goodbye (?:forever|everyone|world)",
        r"(?:this is )?my last message",
        r"tired of (?:living|life)",
        r"cannot (?:go on|take it anymore)",
    ),
    _r(
        "jv",
        "self_harm",
        C,
        r"(?:ingin|kepengin|arep|pingin|kepingin) mati",
        r"(?:ora|tidak) kuat urip",
        r"gantung awak",
        r"(?:nyusul|ngetutke) (?:ibuk|bapak|simbok|emak)",
        r"luwih becik mati",
        r"bunuh diri",
    ),
    _r(
        "su",
        "self_harm",
        C,
        r"(?:hayang|hoyong|palay) (?:paeh|maot)",
        r"embung hirup",
        r"teu kuat hirup",
        r"mending paeh",
        r"bunuh diri",
    ),
    _r(
        "ms",
        "self_harm",
        C,
        r"nak mati",
        r"(?:tidak|tak) mahu hidup",
        r"tamatkan (?:hidup|riwayat)",
        r"bunuh diri",
    ),
    _r("zh", "self_harm", C, r"自殺|自杀|想死|不想活|輕生|轻生|跳樓|跳楼|了結生命|了结生命"),
    _r("ar", "self_harm", C, r"انتحار|أنتحر|انتحر|اقتل نفسي|أريد أن أموت|اريد ان اموت|أريد الموت"),
    # --- poisoning ---------------------------------------------------------------------------
    _r(
        "id",
        "poisoning",
        C,
        rf"(?:minum|minun|meminum|diminum|keminum|menelan|nelen|telan|tertelan|menenggak) "
        rf"{_W}{{0,3}}{_POISON}",
        r"(?:minum|menelan|telan|nelen) (?:\w+ ){0,2}(?:obat|pil|tablet|butir) "
        r"(?:\w+ ){0,2}(?:banyak|sebotol|satu botol|sekaligus|semuanya|puluhan)",
        r"(?:minum|menelan|telan|nelen|telen) (?:\d+|puluhan|banyak|semua) (?:butir|pil|tablet|obat)",
        r"keracunan",
        r"diracun\w*",
        r"meracun\w*",
        r"overdosis",
    ),
    _r(
        "en",
        "poisoning",
        C,
        r"(?:drank|drink\w*|swallow\w*) (?:\w+ ){0,3}(?:bleach|cleaner|poison|pesticide|detergent|"
        r"chlorine|insecticide|kerosene|floor cleaner)",
        r"(?:took|swallow\w*) (?:too many|all (?:the|my)|a lot of|many) (?:pills|tablets|medicine)",
        r"overdos\w*",
        r"poison\w*",
    ),
    _r("jv", "poisoning", C, r"ngombe (?:racun|pemutih|baygon|obat nyamuk)", r"keracunan"),
    _r("su", "poisoning", C, r"nginum (?:racun|pemutih|baygon)", r"karacunan"),
    _r("ms", "poisoning", C, r"minum (?:peluntur|clorox|racun|pencuci)", r"terlebih dos"),
    _r("zh", "poisoning", C, r"中毒|漂白水|吞藥|吞药|服毒|農藥|农药|喝了清潔劑|喝了清洁剂"),
    _r("ar", "poisoning", C, r"تسمم|شربت (?:\S+ )?(?:كلور|مبيض|سم)|سم فئران"),
    # --- medical_emergency ---------------------------------------------------------------------
    _r(
        "id",
        "medical_emergency",
        C,
        r"pingsan",
        r"tidak sadar(?:kan)?(?: diri)?",
        r"tidak (?:bangun|sadar) (?:\w+ ){0,2}(?:dari tadi|lagi)",
        r"sesak (?:nafas|napas)",
        r"(?:tidak bisa|susah|sulit|tidak kuat) (?:nafas|napas|bernafas|bernapas)",
        r"pendarahan|perdarahan",
        r"darah\w* (?:\w+ ){0,3}(?:keluar terus|tidak berhenti|tidak mau berhenti|banyak sekali|mengucur|terus keluar|tidak stop)",
        r"(?:keluar|mengeluarkan|ngeluarin) darah (?:\w+ ){0,3}(?:banyak|terus|dari)",
        r"(?:batuk|muntah|berak|kencing|bab) (?:\w+ ){0,1}darah",
        r"kejang\w*",
        r"keguguran",
        r"ketuban pecah",
        r"(?:mau|akan) melahirkan (?:\w+ ){0,4}(?:sendiri|tidak boleh|tidak dibawa)",
        r"luka (?:parah|dalam|bacok|robek|menganga|bakar)",
        rf"tidak (?:dibawa|diantar|diizinkan|dibolehkan|boleh|mau membawa|mau bawa|mau antar) "
        rf"(?:\w+ ){{0,3}}(?:ke )?{_HOSPITAL}",
        rf"(?:majikan|madam|bos|agen) (?:\w+ ){{0,3}}(?:melarang|larang|tidak izinkan) "
        rf"(?:\w+ ){{0,3}}{_HOSPITAL}",
        r"kritis",
        r"sekarat",
        r"demam (?:\w+ ){0,2}(?:pingsan|kejang|tidak sadar)",
        r"(?:jatuh|terjatuh) dari (?:lantai|atap|tangga|gedung|jendela|balkon|ketinggian)",
        r"(?:tersetrum|kesetrum)",
        r"serangan jantung",
        r"tidak bisa (?:bergerak|jalan|berdiri) (?:\w+ ){0,3}(?:jatuh|kecelakaan|dipukul)",
    ),
    _r(
        "en",
        "medical_emergency",
        C,
        r"unconscious|not conscious|passed out|fainted|faint\w*",
        r"(?:cannot|can not|hard to|difficult to|struggling to) breathe",
        r"not breathing",
        r"heavy bleeding|bleeding (?:a lot|heavily|badly|so much|non stop|nonstop)",
        r"(?:cough\w*|vomit\w*|throw\w* up|spit\w*) (?:\w+ ){0,1}blood",
        r"blood (?:\w+ ){0,2}(?:won't|will not|does not|doesn't) stop",
        r"seizure\w*|convuls\w*",
        r"miscarriage|water broke",
        r"(?:refuse\w*|not allow\w*|won't|will not|do not|don't|does not|doesn't) (?:\w+ ){0,3}"
        r"(?:take|bring|let) (?:\w+ ){0,3}(?:hospital|doctor|clinic)",
        r"collapse\w*",
        r"ambulance",
        r"(?:fell|fall|falling) (?:down )?(?:from|off) (?:the )?(?:\w+ ){0,1}"
        r"(?:floor|roof|stairs|building|window|balcony)",
        r"electrocut\w*",
        r"heart attack",
        r"no pulse",
    ),
    _r(
        "jv",
        "medical_emergency",
        C,
        r"semaput|klenger",
        r"(?:ora|tidak) iso ambegan",
        r"getih(?:e)? (?:\w+ ){0,1}(?:metu terus|ora mandeg)",
        r"(?:muntah|watuk) getih",
    ),
    _r(
        "su",
        "medical_emergency",
        C,
        r"kapiuhan",
        r"teu (?:tiasa|bisa) (?:napas|ngambekan)",
        r"getih (?:\w+ ){0,1}kaluar terus",
        r"utah getih",
    ),
    _r(
        "ms",
        "medical_emergency",
        C,
        r"pengsan",
        r"(?:tidak|tak) sedarkan diri",
        r"sesak nafas",
        r"(?:muntah|batuk) darah",
        r"sawan",
    ),
    _r(
        "zh",
        "medical_emergency",
        C,
        r"救命|昏倒|暈倒|晕倒|昏迷|流血不止|大出血|吐血|咳血|呼吸困難|呼吸困难|抽搐|流產|流产|不省人事",
    ),
    _r(
        "ar",
        "medical_emergency",
        C,
        r"النجدة|ساعدوني|أغمي|اغمي|إغماء|نزيف|لا أستطيع التنفس|لا استطيع التنفس|فاقد الوعي",
    ),
    # --- violence (by anyone: employer, family, police, guards, agents) ------------------------
    _r(
        "id",
        "violence",
        C,
        r"(?:di|ke)?(?:pukul|pukuli|gebuk|gebukin|gebuki|hajar|hajarin|tonjok|tinju|keroyok)",
        r"(?:di|me|ng|men)?(?:tampar|nampar|tendang|nendang|siksa|nyiksa|aniaya|cekik|nyekik|"
        r"cekek|nyekek|sekap|jambak|benturin|bentur|banting|injak|injek|sundut|cambuk|"
        r"cambuki|pecut|gampar|tabok|jewer|cubit|bacok|tikam|tusuk)(?:in|i|kan)?",
        # Bitten: by a person (mosquitoes and dogs bite too).
        r"(?:majikan|bos|madam|nyonya|tuan|agen|suami|anak majikan|mereka|dia) (?:\w+ ){0,2}"
        r"(?:gigit|menggigit|gigitin)|digigit\w* (?:\w+ ){0,1}(?:majikan|bos|madam|agen|nyonya)",
        r"memukul|mukul|dipukuli|kena pukul|main tangan",
        r"disiram (?:air panas|air keras|bensin|minyak panas)",
        r"dibakar",
        # Ironing is a chore; an iron on the body is not.
        r"disetrika\w*|(?:ditempel\w*|disundut|kena|pakai|pake) setrika|"
        r"(?:setrika (?:panas )?(?:ke|di)|nyetrika|menyetrika) (?:badan|tangan|kulit|punggung|muka|kaki|lengan)",
        r"dilempar\w* (?:\w+ ){0,2}(?:piring|gelas|kursi|botol|barang|sepatu|panci)",
        r"lempar \w+ kena",
        rf"(?:pegang|bawa|pakai|pake|acungkan|ngacungin|todong\w*|menodong\w*|ancam pakai) "
        rf"(?:\w+ ){{0,2}}{_WEAPON}",
        r"(?:di|meng|ng|me)?ancam\w* (?:\w+ ){0,4}(?:bunuh|dibunuh|membunuh|mati|bakar|dibakar|"
        r"pukul|dipukul|tembak|ditembak|sakiti|disakiti|habisi|dihabisi)",
        r"(?:mau|akan|ingin|hendak) (?:\w+ ){0,1}(?:di)?bunuh(?! diri)",
        r"(?:mem)?bunuh (?:saya|aku|kami|kamu|dia)",
        r"dibunuh",
        r"babak belur",
        r"(?:memar|lebam|biru biru|bengkak) (?:\w+ ){0,3}(?:dipukul|dihajar|ditendang|dicubit)",
        r"(?:kepala|muka|wajah|hidung|bibir) (?:\w+ ){0,2}(?:berdarah|bocor|robek)",
        r"dipaksa mengaku",
        rf"{_WEAPON} (?:\w+ ){{0,2}}(?:ke|di) (?:leher|perut|muka|wajah|dada)",
        rf"(?:nempelin|menempelkan|ditempel|ditodong|todong|ngacung) (?:\w+ ){{0,2}}{_WEAPON}",
        r"disetrum",
    ),
    _r(
        "en",
        "violence",
        C,
        r"(?:hit|hits|hitting|beat|beats|beating|beaten|slap|slapped|slaps|slapping|kick|kicked|"
        r"kicks|kicking|punch|punched|punches|choke|choked|chokes|burn|burned|burnt|strangle\w*|"
        r"stab\w*|whip\w*|smack\w*|push\w*|threw|throw\w*) (?:\w+ ){0,1}(?:me|her|him|us|my|them)",
        r"(?:is|are|keep|keeps|always|still) (?:hitting|beating|kicking|slapping)",
        r"pull\w* my hair",
        r"(?:kill|murder) (?:me|us|her|him)",
        r"(?:will|going to|want to|gonna|wants to|threaten\w* (?:to )?) (?:\w+ ){0,1}"
        r"(?:kill|hurt|burn|beat|stab|shoot)(?! myself)",
        r"(?:with|holding|has|have|took|take) (?:a |the |his |her )?(?:knife|gun|machete|pistol)",
        r"abus\w* me (?:physically|again)",
        r"tortur\w*",
        r"bruis\w*|black and blue",
        r"beaten up|beat up",
        r"forced (?:me )?to confess",
    ),
    _r(
        "jv",
        "violence",
        C,
        r"digebuki|digebugi|digepuki|dipateni|dikeplak|ditapuk|disabet|diidek|ditendang|dijotos|"
        r"dikeroyok|dipenthung|dijiwit",
        r"arep (?:\w+ ){0,1}dipateni",
    ),
    _r(
        "su",
        "violence",
        C,
        r"digebugan|dipeuncit|dipaehan|ditampiling|disiksa|ditajong|dibabuk|dicabok",
        r"rek (?:\w+ ){0,1}dipaehan",
    ),
    _r(
        "ms",
        "violence",
        C,
        r"kena pukul|dipukul|dibelasah|kena belasah|kena tampar|didera|ditumbuk|ditendang|dicekik",
        r"(?:diugut|ugut|mengugut) (?:\w+ ){0,3}bunuh",
    ),
    _r(
        "zh",
        "violence",
        C,
        r"打我|打她|打他|被打|殴打|毆打|虐待|殺|杀|拿刀|威脅|威胁|踢我|打傷|打伤",
    ),
    _r("ar", "violence", C, r"ضرب\w*|يضرب\w*|عنف|قتل\w*|سكين|يهددني|هددني|تهديد"),
    # --- sexual_violence ---------------------------------------------------------------------
    _r(
        "id",
        "sexual_violence",
        C,
        r"(?:di|mem)?perkosa\w*|pemerkosaan",
        r"(?:di|me|mem)?paksa\w* (?:\w+ ){0,3}(?:tidur|berhubungan|layani|melayani|begituan|"
        r"buka baju|telanjang|cium|mencium|ml|ngeseks|seks|sex|ditiduri)",
        r"ditiduri|digauli",
        r"dicabuli|pencabulan|cabul",
        r"(?:dipegang pegang|pegang pegang|diraba\w*|meraba\w*|grepe\w*|digrepe\w*)",
        r"(?:pegang|memegang|megang|remas|meremas|cium|mencium) (?:\w+ ){0,2}(?:dada|payudara|"
        r"paha|pantat|kemaluan|badan saya|badan aku|tubuh saya)",
        r"(?:kalau|jika|klo|bila) (?:saya |aku )?(?:menolak|nolak|tidak mau|melawan|tolak) "
        r"(?:\w+ ){0,4}(?:dipulangkan|pulangkan|dipecat|diusir|dipukul|dilaporkan|dipotong|"
        r"diputus kontrak|disuruh pulang)",
        r"masuk (?:ke )?kamar (?:saya|aku) (?:\w+ ){0,3}(?:malam|tengah malam|tidur)",
        r"(?:dilecehkan|pelecehan) (?:\w+ ){0,2}(?:terus|setiap|tiap|lagi)",
        r"(?:paksa|memaksa|dipaksa|maksa) (?:\w+ ){0,3}(?:masuk|ikut) (?:\w+ ){0,2}(?:kamar|bilik|gudang|stor)",
        r"(?:kalau|kalo|jika) (?:tidak|tak) (?:ikut|mau|layan|nurut) (?:\w+ ){0,5}(?:dipecat|pecat|dipulangkan|hantar balik|potong gaji|dipukul)",
    ),
    _r(
        "en",
        "sexual_violence",
        C,
        r"rape\w*|raping",
        r"sexual\w* (?:assault|abuse)\w*",
        r"touch\w* (?:me|my (?:body|breast|chest|private|butt))",
        r"molest\w*|grop\w*",
        r"force\w* (?:me )?(?:to )?(?:sleep|have sex|sex|kiss|undress|get naked)",
        r"if i (?:refuse|say no|do not|don't) (?:\w+ ){0,5}(?:send|fire|home|terminate|cut)",
        r"come\w* (?:into|to) my (?:room|bed) (?:\w+ ){0,2}(?:night|sleep)",
    ),
    _r(
        "jv",
        "sexual_violence",
        C,
        r"dipekso (?:\w+ ){0,2}(?:turu|ngeladeni)",
        r"diperkosa",
        r"dicekeli (?:\w+ ){0,1}(?:dodo|awak)",
    ),
    _r("su", "sexual_violence", C, r"diperkosa", r"dipaksa (?:\w+ ){0,2}sare"),
    _r(
        "ms",
        "sexual_violence",
        C,
        r"dirogol|rogol",
        r"paksa (?:saya )?(?:layan|tidur)",
        r"paksa (?:saya )?ikut (?:\w+ ){0,3}masuk bilik",
        r"cabul",
        r"raba (?:\w+ ){0,1}(?:badan|dada)",
    ),
    _r("zh", "sexual_violence", C, r"強姦|强奸|性侵|非禮|非礼|摸我|猥褻|猥亵"),
    _r("ar", "sexual_violence", C, r"اغتصاب|اغتصب\w*|يتحرش بي|تحرش جنسي|يلمسني"),
    # --- confinement (and food or water withheld) ---------------------------------------------
    _r(
        "id",
        "confinement",
        C,
        r"(?:di)?kurung\w*",
        r"(?:di)?sekap\w*",
        r"dikunci\w*(?: dari luar)?",
        r"digembok\w*",
        r"(?:tidak|dilarang|tidak di) (?:boleh|bisa|kasih|dikasih|izinkan|diizinkan|"
        r"diperbolehkan) (?:\w+ ){0,1}(?:keluar|kabur|pergi)(?: rumah| kamar)?",
        r"dilarang keluar",
        r"disandera|tebusan",
        r"hp (?:\w+ ){0,3}(?:diambil|disita|dirampas) (?:\w+ ){0,5}(?:dikunci|tidak boleh keluar|"
        r"dijaga|dikurung)",
        r"tidak (?:di)?(?:kasih|kasi|beri|diberi|dapat) (?:\w+ ){0,1}(?:makan|minum)",
        r"kelaparan",
        r"belum makan (?:\w+ ){0,2}(?:hari|seharian)",
        r"(?:cuma|hanya) (?:dikasih )?makan (?:\w+ ){0,2}(?:sekali|1 kali) (?:\w+ ){0,2}(?:dua|2|tiga|3) hari",
        r"tidak ada (?:makanan|air minum) (?:\w+ ){0,2}(?:hari|dari kemarin)",
    ),
    _r(
        "en",
        "confinement",
        C,
        r"lock\w* (?:me|us|her|him|them) (?:\w+ ){0,2}(?:in|up|inside|room)",
        r"locked (?:in|up|inside)",
        r"(?:cannot|can not|not allowed to|do not let me|won't let me|will not let me|never let me) "
        r"(?:go out|leave|get out|escape|go outside)",
        r"kidnap\w*|ransom|held (?:captive|hostage)",
        r"(?:not|do not|don't|never) give (?:me|us) (?:any )?(?:food|water|anything to eat)",
        r"no food (?:\w+ ){0,3}(?:days|day|since)",
        r"starv\w*",
        r"(?:have not|haven't|not|did not|didn't) eat\w* (?:\w+ ){0,2}(?:\d+|two|three|four|many|"
        r"few) days",
        r"hungry for days",
        r"(?:take|took|keep|kept|hold|holds) (?:away )?my (?:phone|hp|handphone) and (?:my )?(?:passport|paspor)",
        r"never (?:go|went|been|allowed) out",
    ),
    _r(
        "en",
        "confinement",
        C,
        r"locked|trapped",
        weak=True,
    ),
    _r(
        "jv",
        "confinement",
        C,
        r"dikunci|dikurung",
        r"(?:ora|tidak) (?:oleh|entuk|pareng) metu",
        r"(?:ora|tidak) (?:di)?(?:kei|wenehi|diwenehi) (?:mangan|maem)",
        r"(?:ora|tidak) mangan (?:\w+ ){0,2}dina",
    ),
    _r(
        "su",
        "confinement",
        C,
        r"dikurung|dikonci",
        r"teu (?:meunang|kenging) kaluar",
        r"teu dibere (?:dahar|tuang|nyatu)",
        r"teu acan (?:tuang|dahar) (?:\w+ ){0,2}poe",
    ),
    _r(
        "ms",
        "confinement",
        C,
        r"dikurung|dikunci",
        r"(?:tidak|tak) (?:dibenarkan|boleh) keluar",
        r"(?:tidak|tak) (?:diberi|bagi) makan",
        r"kebulur",
    ),
    _r(
        "zh",
        "confinement",
        C,
        r"關起來|关起来|鎖在|锁在|反鎖|反锁|綁架|绑架|不給吃|不给吃|沒飯吃|没饭吃|不准出去|不讓我出去|不让我出去",
    ),
    _r(
        "ar",
        "confinement",
        C,
        r"حبس|محبوس\w*|اغلق علي|أغلق علي|لا يسمح لي بالخروج|بدون اكل|بدون أكل|جوع|يحبسني",
    ),
    # --- trafficking (happening now: moved, sold, minors, scam compounds, bondage) ------------
    _r(
        "id",
        "trafficking",
        C,
        r"(?:saya|aku|kami|kita|dia|anak|cewek|cewe|perempuan|gadis|orang|pmi|adik|teman) (?:\w+ ){0,3}(?:dijual|diperjualbelikan)",
        r"(?:dijual|diperjualbelikan) (?:\w+ ){0,2}(?:ke|kepada|sama) (?:majikan|orang|agen|bos|germo|mucikari|kamboja|myanmar)",
        r"(?:bukan|tidak) ke (?:\w+ ){0,2}(?:tapi|melainkan) (?:ke )?(?:kamboja|myanmar|laos|thailand|filipina|perbatasan)",
        r"(?:dibawa|diberangkatkan|dikirim) (?:\w+ ){0,2}ke (?:kamboja|myanmar|laos)",
        r"menjual (?:saya|kami|aku|orang|anak)",
        r"(?:anak|cewek|cewe|gadis|perempuan|remaja) (?:\w+ ){0,4}(?:umur|usia|masih) "
        r"(?:1[0-7]|belasan|smp|sma)",
        r"(?:umur|usia) (?:1[0-7]) (?:\w+ ){0,6}(?:ktp|paspor|dokumen|umurnya|umur) "
        r"(?:\w+ ){0,2}(?:dipalsu\w*|dituakan|dinaikkan|diubah|diganti|palsu)",
        r"ktp (?:\w+ ){0,2}(?:dipalsu\w*|palsu|dituakan|dinaikkan)",
        r"(?:dipaksa|disuruh) (?:\w+ ){0,3}(?:menipu|nipu|scam|judi online|penipuan online|"
        r"love scam|jadi scammer)",
        r"(?:perusahaan|kantor|tempat) (?:\w+ ){0,2}(?:scam|penipuan online|judi online)",
        r"(?:tidak bisa|tidak boleh|dilarang) keluar (?:\w+ ){0,4}(?:kompleks|kompleksnya|gedung|"
        r"kamp|camp|kawasan)",
        r"dijaga (?:\w+ ){0,3}(?:senjata|bersenjata|pistol)",
        r"(?:denda|tebusan|utang|hutang) (?:\w+ ){0,5}(?:baru boleh pulang|tidak boleh pulang|"
        r"sebelum pulang|untuk bisa pulang)",
        r"diselundup\w*",
        r"(?:naik|dinaikkan ke|dibawa pakai) (?:kapal|perahu|speedboat|boat) (?:\w+ ){0,3}"
        r"(?:malam|ilegal|tanpa paspor|tanpa dokumen)",
        r"(?:dipaksa|terpaksa) (?:kerja|bekerja) (?:\w+ ){0,3}(?:tanpa gaji|tidak dibayar|dijaga|"
        r"tidak boleh pulang)",
        r"dibawa (?:\w+ ){0,3}(?:malam ini|besok malam|sekarang) (?:\w+ ){0,4}(?:jalur tikus|"
        r"perbatasan|lewat laut|kapal)",
    ),
    _r(
        "en",
        "trafficking",
        C,
        r"(?:sold|selling|sell) (?:me|us|her|girls|them)",
        r"scam compound|scam company (?:\w+ ){0,3}(?:cannot leave|guards|forced)",
        r"forced to (?:scam|cheat|work for free)",
        r"(?:girls|kids|children|minors) (?:\w+ ){0,5}(?:1[0-7]|underage|fake (?:id|age))",
        r"underage",
        r"smuggl\w*",
        r"armed guards",
        r"cannot leave the (?:compound|building|camp)",
    ),
    _r(
        "id",
        "trafficking",
        C,
        r"(?:masih (?:smp|sd|sma|sekolah|di bawah umur)|anak (?:smp|sd)) (?:\w+ ){0,8}(?:dijemput|dibawa|berangkat|diberangkatkan|dikirim|kerja)",
        span=True,
    ),
    _r(
        "ms",
        "trafficking",
        C,
        r"(?:saya|kami|dia|anak|budak|gadis|perempuan) (?:\w+ ){0,3}dijual",
        r"diperdagang\w*",
        r"dipaksa menipu",
    ),
    _r(
        "zh",
        "trafficking",
        C,
        r"被賣|被卖|人口販賣|人口贩卖|詐騙園區|诈骗园区|電詐|电诈|逼我騙|逼我骗",
    ),
    _r("ar", "trafficking", C, r"باعوني|بيعي|اتجار بالبشر|الاتجار بالبشر|تهريب"),
    # --- seafarer ------------------------------------------------------------------------------
    _r(
        "id",
        "seafarer",
        C,
        r"(?:abk|kru|awak kapal|anak buah kapal|nelayan) (?:\w+ ){0,5}(?:dipukul\w*|disiksa|"
        r"dianiaya|dibuang|hilang di laut|jatuh ke laut|tenggelam|sekarat|tidak dikasih makan)",
        r"(?:jatuh|terjatuh|dibuang|tercebur|hanyut|terlempar) (?:\w+ ){0,2}(?:ke laut|di laut|"
        r"dari kapal)",
        r"(?:kapten|mandor kapal|nahkoda|nakhoda|mualim|bosun) (?:\w+ ){0,3}(?:memukul|mukul|"
        r"menyiksa|mengancam|nendang|menendang|memukuli)",
        r"(?:tidak bisa|tidak boleh|tidak dikasih|dilarang) (?:turun|mendarat|pulang) (?:\w+ ){0,3}"
        r"kapal",
        r"ditahan di (?:atas )?kapal",
        r"terkatung katung di laut",
        r"kapal (?:\w+ ){0,2}(?:tenggelam|terbakar|bocor)",
    ),
    _r(
        "en",
        "seafarer",
        C,
        r"overboard",
        r"fell (?:into|in) the (?:sea|ocean|water)",
        r"(?:captain|officer|bosun|foreman) (?:\w+ ){0,3}(?:beat\w*|hit\w*|kick\w*|threat\w*)",
        r"crew (?:\w+ ){0,3}(?:beaten|beat|tortured|dying|died)",
        r"not allowed (?:to )?(?:go ashore|leave the (?:ship|vessel|boat))",
        r"stuck on (?:the |this )?(?:ship|vessel|boat)",
        r"(?:ship|vessel|boat) (?:is )?(?:sinking|on fire)",
    ),
    _r("ms", "seafarer", C, r"jatuh ke laut", r"kapten (?:\w+ ){0,2}pukul"),
    _r("zh", "seafarer", C, r"落海|掉進海|掉进海|船長打|船长打"),
    _r("ar", "seafarer", C, r"سقط في البحر|القبطان يضرب"),
    # --- fire_disaster -------------------------------------------------------------------------
    _r(
        "id",
        "fire_disaster",
        C,
        r"kebakaran",
        r"(?:rumah|asrama|gedung|pabrik|mess|kos|kost|apartemen|dapur|kamar|flat|kapal) "
        r"(?:\w+ ){0,2}(?:terbakar|ambruk|roboh|runtuh|kebanjiran|tenggelam)",
        r"terbakar (?:\w+ ){0,3}(?:rumah|asrama|gedung|pabrik|kapal|kamar)",
        r"kebanjiran",
        r"banjir (?:\w+ ){0,3}(?:terjebak|tinggi|setinggi|sampai atap|sampai leher|naik terus)",
        r"terjebak (?:\w+ ){0,3}(?:api|asap|banjir|air|reruntuhan|longsor|lantai|gedung)",
        r"(?:tanah )?longsor",
        r"gempa",
        r"tsunami",
        r"(?:angin )?topan (?:\w+ ){0,3}(?:terjebak|rusak|atap|roboh|lepas)",
        r"badai (?:\w+ ){0,3}(?:terjebak|roboh|atap)",
        r"asap (?:\w+ ){0,2}(?:tebal|di mana mana|dimana mana)",
        r"tertimbun",
    ),
    _r(
        "en",
        "fire_disaster",
        C,
        r"(?:there is a|a big|the house is on|house|building|dorm|room|kitchen|factory) fire",
        r"fire (?:in|at) (?:the|our|my)",
        r"on fire|caught fire|catch\w* fire",
        r"flood\w* (?:\w+ ){0,3}(?:trapped|stuck|roof|rising|neck)",
        r"earthquake|landslide|tsunami",
        r"typhoon (?:\w+ ){0,3}(?:trapped|roof|broken|collapsed|flying)",
        r"(?:building|roof|house|wall) (?:\w+ ){0,1}collaps\w*",
        r"trapped (?:\w+ ){0,3}(?:fire|smoke|flood|water|rubble)",
    ),
    _r(
        "ms",
        "fire_disaster",
        C,
        r"kebakaran|terbakar",
        r"banjir kilat",
        r"tanah runtuh",
        r"terperangkap",
    ),
    _r(
        "su",
        "fire_disaster",
        C,
        r"kahuruan|kaduruk",
        r"caina? (?:\w+ ){0,3}(?:dugi ka|nepi ka|dugi) (?:beuheung|dada|hateup|lantai)",
        r"banjir (?:\w+ ){0,3}(?:ageung|gede|luhur)",
        r"lini",
    ),
    _r(
        "jv",
        "fire_disaster",
        C,
        r"kobongan|kebanjiran|lindhu",
        r"banyune (?:\w+ ){0,3}(?:gulu|dodo)",
    ),
    _r(
        "zh",
        "fire_disaster",
        C,
        r"火災|火灾|着火|著火|失火|地震|水災|水灾|颱風|台风|台風|被困|山泥傾瀉|泥石流",
    ),
    _r("ar", "fire_disaster", C, r"حريق|زلزال|فيضان|محاصر\w*"),
    # --- death_now -----------------------------------------------------------------------------
    _r(
        "id",
        "death_now",
        C,
        r"(?:sedang|lagi|mau|hampir|sudah mau) (?:meninggal|mati|sekarat)",
        r"(?:sudah )?tidak (?:bernafas|bernapas|napas|nafas) (?:\w+ ){0,2}(?:lagi|dari tadi)?",
        r"tidak ada (?:nafas|napas|nadi|denyut)",
        r"(?:baru|barusan|tadi) (?:saja )?(?:meninggal|mati|tewas|dibunuh) (?:\w+ ){0,5}"
        r"(?:di depan|sekarang|takut|giliran|di sini|di kamar)",
        r"(?:mayat|jenazah) (?:\w+ ){0,3}(?:di kamar|di sini|belum diurus|"
        r"masih di (?:kamar|sini|rumah(?! sakit)|mess|asrama|kapal))",
        r"giliran (?:saya|aku|kami) (?:\w+ ){0,2}(?:dibunuh|mati|dipukul)",
        r"badan\w* (?:sudah )?(?:dingin|kaku|membiru)",
        r"(?:barusan|baru saja|baru|tadi) (?:\w+ ){0,2}(?:meninggal|mati|tewas|pupus) (?:\w+ ){0,10}(?:jangan lapor|jgn lapor|tidak boleh lapor|tanpa lapor|tidak mau lapor|tidak mau telepon|dikubur sendiri|kubur sendiri|tanam sendiri|dibuang)",
        span=True,
    ),
    _r(
        "en",
        "death_now",
        C,
        r"dying",
        r"(?:is|are) (?:not breathing|not moving)",
        r"stopped breathing",
        r"just died",
        r"died in front of (?:me|us)",
        r"(?:i am|we are) next",
        r"body (?:is )?(?:still )?(?:here|in the room)",
        r"killed (?:\w+ ){0,2}(?:in front|today|just now)",
    ),
    _r("jv", "death_now", C, r"lagi sekarat", r"(?:ora|tidak) ambegan"),
    _r(
        "su",
        "death_now",
        C,
        r"keur sakaratul",
        r"teu ngambekan",
        r"(?:nembe|karek) (?:\w+ ){0,2}(?:pupus|maot) (?:\w+ ){0,10}teu (?:kersa|daek) (?:nelepon|lapor)",
        span=True,
    ),
    _r(
        "ms",
        "death_now",
        C,
        r"nazak",
        r"(?:tidak|tak) bernafas",
        r"baru meninggal (?:\w+ ){0,10}(?:tanpa lapor|tanam sendiri|kubur sendiri)",
        span=True,
    ),
    _r(
        "zh",
        "death_now",
        C,
        r"快死了|沒呼吸|没呼吸|沒有呼吸|没有呼吸|刚刚.{0,12}死|剛剛.{0,12}死|不让.{0,6}报警|不讓.{0,6}報警",
    ),
    _r("ar", "death_now", C, r"يموت الآن|لا يتنفس"),
    # === high ===================================================================================
    _r(
        "id",
        "arrest_detention",
        H,
        r"(?:di|ter)?tangkap\w*",
        r"(?:di)?tahan (?:polisi|imigrasi|polis)",
        r"ditahan (?:di (?:kantor polisi|penjara|imigrasi|sel|lapas|rutan|depo|detensi|bandara)|"
        r"(?:oleh|sama) (?:polisi|imigrasi|aparat|polis))",
        r"dipenjara|penjara|rutan|lapas|rumah tahanan|sel tahanan",
        r"detensi|depot imigr\w*",
        r"overstay|over stay",
        r"deportasi|dideportasi|dideport",
        r"hukuman mati",
        r"diadili|disidang|sidang (?:\w+ ){0,2}(?:pengadilan|kasus)",
        r"dituduh (?:\w+ ){0,3}(?:mencuri|curi|nyuri|membunuh|narkoba)",
        r"kena razia|dirazia|razia imigrasi",
        ongoing=False,
    ),
    _r(
        "en",
        "arrest_detention",
        H,
        r"arrest\w*",
        r"jail|prison|detention|detain\w*",
        r"police station",
        r"caught by (?:the )?(?:police|immigration)",
        r"overstay\w*",
        r"deport\w*",
        r"accuse\w* (?:\w+ ){0,2}(?:steal\w*|theft|stole)",
        r"court (?:case|hearing)",
        ongoing=False,
    ),
    _r(
        "ms",
        "arrest_detention",
        H,
        r"ditangkap|kena tangkap|penjara|lokap",
        # "ditahan" alone is also a held passport in Indonesian ("paspor ditahan agen"): only a
        # person held counts here.
        r"(?<!ijazah )(?<!paspor )(?<!passport )(?<!dokumen )(?<!gaji )(?<!ktp )(?<!visa )"
        r"(?:saya|aku|kami|dia|suami|isteri|istri|anak|adik|kakak|abang|kawan|teman) "
        r"(?:\w+ ){0,2}ditahan(?! (?:paspor|passport|gaji|ijazah|dokumen))",
        r"ditahan (?:polis|imigresen|di lokap|di penjara|di depot)",
        ongoing=False,
    ),
    _r("jv", "arrest_detention", H, r"dicekel polisi|dipenjara", ongoing=False),
    _r("su", "arrest_detention", H, r"ditewak|dipenjara", ongoing=False),
    _r("zh", "arrest_detention", H, r"被抓|被捕|坐牢|拘留|遣返", ongoing=False),
    _r("ar", "arrest_detention", H, r"سجن|القبض|ترحيل|الشرطة أخذت", ongoing=False),
    _r(
        "id",
        "death_report",
        H,
        r"meninggal\w*",
        r"wafat|tewas|innalillahi\w*|inna lillahi\w*",
        r"jenazah\w*|mayat\w*",
        r"almarhum\w*",
        r"pemulangan jenazah",
        ongoing=False,
    ),
    _r(
        "en",
        "death_report",
        H,
        r"died|passed away|death",
        r"(?:is|was|found) dead",
        r"(?:bring|send) (?:\w+ ){0,2}body",
        ongoing=False,
    ),
    _r("jv", "death_report", H, r"seda|tilar donya|ninggal", ongoing=False),
    _r("su", "death_report", H, r"pupus|maot|tilar dunya", ongoing=False),
    _r("ms", "death_report", H, r"meninggal dunia|arwah", ongoing=False),
    _r("zh", "death_report", H, r"去世|過世|过世|死了|遺體|遗体", ongoing=False),
    _r("ar", "death_report", H, r"توفي|توفيت|مات|ماتت|جثة", ongoing=False),
    _r(
        "id",
        "lost_contact",
        H,
        r"hilang (?:kontak|kabar)|putus (?:kontak|komunikasi|hubungan)",
        r"tidak bisa (?:di)?hubungi",
        r"tidak ada (?:kabar|berita)",
        r"(?:hp|nomor|nomer|wa|whatsapp|fb|facebook)\w* (?:\w+ ){0,8}tidak aktif",
        r"(?:\d+|dua|tiga|beberapa) (?:minggu|bulan) (?:\w+ ){0,2}(?:hp|nomor|wa)\w* (?:\w+ ){0,2}"
        r"(?:mati|tidak aktif)",
        r"menghilang|hilang sejak",
        r"tidak tahu (?:dia )?(?:dimana|di mana|keberadaannya)",
        r"tidak pernah (?:kasih kabar|telepon|menghubungi) (?:\w+ ){0,2}(?:lagi|sejak|bulan|tahun)",
        ongoing=False,
    ),
    _r(
        "en",
        "lost_contact",
        H,
        r"lost contact|(?:cannot|can not) (?:contact|reach)",
        r"no news (?:from|about)",
        r"(?:is|has been|went|gone|been) missing|missing (?:since|for)",
        r"not answer\w* (?:the |her |his )?phone",
        ongoing=False,
    ),
    _r(
        "jv",
        "lost_contact",
        H,
        r"hilang kabar|(?:ora|tidak|ra) iso dihubungi|ora ono kabar",
        ongoing=False,
    ),
    _r(
        "su",
        "lost_contact",
        H,
        # "leungit" alone is anything lost (keys, signal): a person or their news must be lost.
        r"leungit (?:kontak|kabar|beja)|teu aya beja|teu tiasa dihubungi",
        r"(?:adi|lanceuk|pamajikan|salaki|anak|budak|indung|bapa|teteh|akang|rai) "
        r"(?:\w+ ){0,3}leungit",
        ongoing=False,
    ),
    _r(
        "ms", "lost_contact", H, r"hilang hubungan|tak dapat dihubungi|tiada khabar", ongoing=False
    ),
    _r("zh", "lost_contact", H, r"失聯|失联|聯絡不上|联系不上|找不到她", ongoing=False),
    _r(
        "id",
        "stranded",
        H,
        r"terlantar|terdampar",
        r"tidur di (?:jalan|taman|masjid|bandara|terminal|emperan|luar)",
        r"kabur dari (?:majikan|rumah majikan|agen|penampungan)",
        r"melarikan diri",
        r"tidak punya (?:uang|tempat tinggal|tempat tidur|ongkos|makan)",
        r"tidak ada tempat (?:tinggal|tidur|berteduh)",
        r"diusir (?:dari|majikan|agen)",
        r"(?:tertahan|terjebak) di bandara",
        ongoing=False,
    ),
    _r(
        "en",
        "stranded",
        H,
        r"run away|ran away|runaway",
        r"sleep\w* (?:in|on) the street|sleep\w* outside",
        r"stranded|homeless",
        r"no money (?:\w+ ){0,3}(?:food|ticket|go home|eat)",
        r"nowhere to (?:go|sleep|stay)",
        r"stuck at the airport",
        r"money (?:is )?(?:finish\w*|run out|ran out|gone|all gone)|no more money",
        ongoing=False,
    ),
    _r(
        "id",
        "serious_illness",
        H,
        r"sakit (?:parah|keras|berat)",
        r"dirawat (?:di )?(?:rumah sakit|icu|rs)|opname|masuk icu|di icu",
        r"operasi",
        r"kanker|tumor|lumpuh|gagal ginjal|cuci darah|tbc|hepatitis",
        r"patah tulang|(?:kaki|tangan) (?:\w+ ){0,1}patah",
        r"kecelakaan",
        r"luka (?:parah|berat)",
        r"hamil",
        r"depresi|stress berat|stres berat|gangguan jiwa|sakit jiwa",
        r"stroke",
        ongoing=False,
    ),
    _r(
        "en",
        "serious_illness",
        H,
        r"hospital\w*",
        r"serious\w* (?:sick|ill)",
        r"cancer|tumou?r|paralys\w*",
        r"accident",
        r"broken (?:leg|arm|bone|hand|back)",
        r"pregnan\w*",
        r"depress\w*",
        r"surgery|operation",
        r"tb|tbc|tuberculosis",
        ongoing=False,
    ),
    _r(
        "ms",
        "serious_illness",
        H,
        r"sakit teruk|masuk hospital|kemalangan|mengandung",
        ongoing=False,
    ),
    _r("zh", "serious_illness", H, r"住院|開刀|开刀|懷孕|怀孕|癌|骨折|憂鬱|忧郁", ongoing=False),
    _r(
        "id",
        "past_sexual_assault",
        H,
        r"dilecehkan|dilecehin|pelecehan",
        r"diintip|ngintip|mengintip",
        r"dicolek|colek\w*",
        r"dirayu (?:\w+ ){0,2}(?:majikan|bos|anak majikan)",
        r"(?:kirim|dikirimi|minta) (?:\w+ ){0,2}(?:foto|video) (?:\w+ ){0,1}(?:telanjang|bugil|seksi)",
        ongoing=False,
    ),
    _r(
        "en",
        "past_sexual_assault",
        H,
        r"harass\w*",
        r"sexy (?:photo|picture)",
        r"dirty (?:picture|message)\w*",
        r"assault\w*",
    ),
    _r(
        "id",
        "documents_held_wants_leave",
        H,
        r"(?:paspor|iqomah|iqamah|arc|dokumen|ktp)\w* (?:\w+ ){0,8}(?:pulang|mudik|pindah|keluar)",
        r"(?:pulang|mudik|pindah) (?:\w+ ){0,8}(?:paspor|iqomah|iqamah|arc|dokumen)",
        r"tidak (?:boleh|diizinkan|dibolehkan|dikasih) pulang",
        r"dilarang pulang",
        r"(?:paspor|iqama|iqomah|iqamah|dokumen|arc)\w* (?:\w+ ){0,10}(?:exit|final exit|exit final|resign|berhenti kerja|keluar kerja|habis kontrak|terminate|terminit|putus kontrak|ganti majikan)",
        ongoing=False,
        span=True,
    ),
    _r(
        "en",
        "documents_held_wants_leave",
        H,
        r"paspor (?:\w+ ){0,8}(?:go|going) (?:home|back)",
        r"(?:go|going) (?:home|back) (?:\w+ ){0,8}paspor",
        r"(?:want to|wanna) (?:leave|change|go out|go)\w* (?:\w+ ){0,10}paspor",
        r"paspor (?:\w+ ){0,10}(?:want to|wanna) (?:leave|change|go out|go)",
        r"(?:not|never) let me go home",
        r"(?:hold|holds|keep|keeps|took|take) my paspor (?:\w+ ){0,10}(?:resign|leave|quit|go home|finish)",
        ongoing=False,
        span=True,
    ),
    _r("ar", "documents_held_wants_leave", H, r"(?:ماسك|حاجز|أخذ|اخذ|يحجز) جوازي", ongoing=False),
    _r(
        "ms",
        "documents_held_wants_leave",
        H,
        r"paspor (?:\w+ ){0,8}pulang|pulang (?:\w+ ){0,8}paspor",
        ongoing=False,
    ),
    # Events, not topics: "calo" alone is what FAQ questions are about.
    _r(
        "id",
        "trafficking",
        H,
        r"tppo|perdagangan orang|diperdagangkan|jalur tikus|ditipu calo",
        r"(?:dipaksa|terpaksa) (?:kerja|bekerja)",
    ),
    _r("en", "trafficking", H, r"traffick\w*", r"forced labou?r"),
    # --- indirect phrasings (issue 12: the catch must not depend on the exact words) ----------
    # Each describes the situation through what is happening rather than its name.
    _r(
        "id",
        "self_harm",
        C,
        r"(?:ingin|mau) (?:semua|semuanya|semua ini|ini semua) (?:\w+ ){0,1}(?:selesai|berakhir|berhenti)",
        r"tidak (?:akan|bakal|bakalan) (?:merepotkan|ngerepotin|menyusahkan|nyusahin|membebani|"
        r"bebanin) (?:\w+ ){0,2}lagi",
        r"(?:kalau|jika) (?:besok|nanti) (?:saya|aku) (?:sudah )?tidak (?:balas|bales|membalas|ada|"
        r"bangun|online)",
        r"(?:surat )?wasiat|surat terakhir|pesan terakhir",
        r"obat tidur\w* (?:\w+ ){0,4}(?:beli|kumpul\w*|simpan|strip|butir|banyak)",
        r"(?:kumpul\w*|nyimpen|menyimpan|simpan) (?:\w+ ){0,2}obat (?:tidur|banyak)",
        r"jalan pintas|tidak (?:akan |bakal )?bangun lagi|tidur (?:untuk )?selamanya|"
        r"pergi (?:untuk )?selamanya",
    ),
    _r(
        "en",
        "self_harm",
        C,
        r"sleep forever|never wake up|(?:do not|don't) want to wake up",
        r"goodbye letter|suicide note|last goodbye",
        r"(?:will not|won't) (?:be a burden|bother anyone)",
    ),
    _r("jv", "self_harm", C, r"wasiat", r"(?:ora|tidak) (?:bakal|arep) ngrepoti"),
    _r("su", "self_harm", C, r"wasiat", r"(?:hoyong|hayang) (?:sadayana )?(?:rengse|beres)"),
    _r(
        "id",
        "poisoning",
        C,
        r"(?:minum|meminum|menelan|telan|nelen|menenggak) (?:\w+ ){0,3}(?:dettol|harpic|soklin|"
        r"paraquat|gramoxone|obat rumput|obat kutu|sabun)",
        r"(?:minum|menelan|telan|nelen) (?:\w+ ){0,2}obat (?:\w+ ){0,2}(?:satu plastik|sekantong|"
        r"sebungkus|satu strip|semua|sekaligus)",
        r"mulut\w* (?:\w+ ){0,2}(?:berbusa|busa)",
    ),
    _r(
        "en",
        "poisoning",
        C,
        r"(?:took|take|taken|swallowed|ate) (?:\w+ ){0,2}(?:all|whole|many|lots of|\d+) "
        r"(?:\w+ ){0,2}(?:pills|tablets|medicine)",
        r"(?:drank|drink\w*|swallow\w*) (?:\w+ ){0,3}(?:dettol|clorox|rat poison|weed killer)",
        r"foam\w* (?:at|from) (?:the )?mouth",
    ),
    _r(
        "jv",
        "poisoning",
        C,
        r"(?:ngombe|nguntal|nelen) (?:\w+ ){0,3}(?:dettol|pemutih|racun|baygon|bayclin|wipol|"
        r"porstex|obat nyamuk)",
        r"(?:ngombe|nguntal|nelen) (?:\w+ ){0,1}obat (?:\w+ ){0,2}(?:akeh|sak plastik|kabeh|sak botol)",
    ),
    _r(
        "su",
        "poisoning",
        C,
        r"(?:nginum|neureuy) (?:\w+ ){0,3}(?:dettol|pemutih|racun|baygon|bayclin|obat reungit)",
        r"(?:nginum|neureuy) (?:\w+ ){0,1}obat (?:\w+ ){0,2}(?:loba|sadayana|sakantong)",
    ),
    _r(
        "id",
        "medical_emergency",
        C,
        r"tidak bisa (?:gerak\w*|menggerakkan|angkat) (?:\w+ ){0,1}(?:separuh|sebelah|setengah) "
        r"(?:badan|tubuh)",
        r"(?:mulut|muka|wajah)\w* (?:\w+ ){0,1}mencong|bicara\w* pelo",
        r"muntah (?:\w+ ){0,1}(?:hijau|darah)",
        r"darah\w* (?:\w+ ){0,2}(?:netes|menetes|ngucur|mengalir|ngalir) (?:\w+ ){0,2}(?:terus|dari)",
        r"bibir\w* (?:\w+ ){0,1}(?:biru|membiru)",
    ),
    _r(
        "en",
        "medical_emergency",
        C,
        r"not allow\w* (?:\w+ ){0,2}(?:hospital|doctor|clinic)",
        r"(?:cannot|can not) (?:stand|walk|move) (?:\w+ ){0,4}(?:pain|vomit\w*|blood|fell|fall)",
        r"vomit\w* (?:\w+ ){0,1}green|lips? (?:\w+ ){0,1}blue",
    ),
    _r(
        "jv",
        "medical_emergency",
        C,
        r"(?:ora|tidak) (?:gelem|oleh|diolehi|entuk) (?:\w+ ){0,3}(?:rumah sakit|dokter|klinik)",
    ),
    _r(
        "su",
        "medical_emergency",
        C,
        r"teu (?:kersa|daek|dipasihan|kenging|meunang) (?:\w+ ){0,3}(?:rumah sakit|dokter|klinik)",
    ),
    _r(
        "ms",
        "medical_emergency",
        C,
        r"(?:tidak|tak) (?:bagi|benarkan|izinkan|mahu bawa|nak bawa|hantar) (?:\w+ ){0,3}"
        r"(?:hospital|klinik|doktor)",
    ),
    _r(
        "id",
        "violence",
        C,
        r"(?:nyiram|menyiram|siram)\w* (?:\w+ ){0,3}(?:air panas|air keras|air mendidih|bensin|"
        r"minyak panas)",
        r"(?:di|ke)?setrum|kena setrum",
        r"(?:keluarga|anak|orang tua|ibu|bapak) (?:\w+ ){0,4}(?:mau |akan )?(?:didatangi|"
        r"didatengin|diancam|dibunuh|dicelakai|disakiti|diteror)",
    ),
    _r(
        "id",
        "violence",
        C,
        # Hiding from someone who is looking for the writer: the two halves often sit in two
        # clauses ("sy sembunyi di toilet, dia gedor2 pintu").
        r"(?:sembunyi|ngumpet|bersembunyi) (?:[^\s|]+ |\| ){0,8}(?:gedor\w*|digedor\w*|dobrak\w*|"
        r"ngamuk|mengamuk|nyari\w*|mencari)",
        span=True,
    ),
    _r(
        "en",
        "violence",
        C,
        r"(?:pour\w*|splash\w*|throw\w*|threw) (?:\w+ ){0,3}(?:hot|boiling) (?:water|oil)",
        r"electric shock\w*",
        r"(?:hiding|hide|hid) (?:\w+ ){0,5}(?:bang\w*|kick\w*|looking for me|searching)",
        r"threat\w* (?:\w+ ){0,3}(?:my )?(?:family|children|kids|mother|parents)",
    ),
    _r(
        "su",
        "violence",
        C,
        r"(?:ngancam|ngancem) (?:\w+ ){0,3}(?:maehan\w*|paehan|neunggeul|meuncit)",
        r"bedil",
    ),
    _r(
        "ms",
        "violence",
        C,
        r"baling (?:\w+ ){0,2}(?:pinggan|cawan|kerusi|botol|pisau|kasut|periuk|barang)",
        r"(?:kena|dipukul|dibelasah) (?:\w+ ){0,2}(?:tali pinggang|rotan|kayu|besi)",
    ),
    _r(
        "id",
        "sexual_violence",
        C,
        r"(?:harus|disuruh|dipaksa|diminta|suruh) (?:\w+ ){0,2}(?:nemenin|menemani|temani|temenin|"
        r"melayani|layani|tidur sama|tidur dengan)",
        r"(?:difoto|divideo|direkam|merekam|ngerekam|rekam)\w* (?:\w+ ){0,3}(?:mandi|telanjang|"
        r"bugil|ganti baju)",
        r"(?:dilecehin|dilecehkan) (?:\w+ ){0,2}(?:lagi|terus|malam ini|tadi|sekarang|barusan)",
    ),
    _r(
        "en",
        "sexual_violence",
        C,
        r"(?:film\w*|record\w*|video\w*|photo\w*) (?:\w+ ){0,3}(?:shower|bathroom|naked|changing|"
        r"undress\w*)",
        r"(?:post|share|spread|upload) (?:\w+ ){0,2}(?:video|videos|photos|pictures) "
        r"(?:\w+ ){0,3}(?:if|unless)",
    ),
    _r("ms", "sexual_violence", C, r"(?:raba|meraba) saya"),
    _r(
        "id",
        "confinement",
        C,
        r"(?:ngurung|mengurung|ngunciin|menguncikan)\w*",
        r"ditahan di (?:rumah|gedung|gudang|penampungan|kamar|mess|asrama|hotel|ruko|ruang)\w*",
        r"ruang\w* gelap",
    ),
    _r(
        "en",
        "confinement",
        C,
        r"(?:not|never|will not|has not|have not|does not|do not|did not) (?:let|allow)\w* "
        r"(?:\w+ ){0,1}(?:out|go out|leave|outside)",
    ),
    _r(
        "id",
        "trafficking",
        C,
        r"(?:kerja|disuruh|dipaksa|jadi) (?:\w+ ){0,2}(?:nipu|menipu|scam\w*|scammer) (?:\w+ ){0,2}online",
        r"(?:scam|nipu|penipuan) online (?:\w+ ){0,6}(?:paspor|dikurung|dijaga|tidak boleh|target)",
        r"akta (?:kelahiran )?(?:\w+ ){0,1}(?:baru|palsu|diganti|dipalsu\w*)",
        r"(?:baru|umur|usia|masih) (?:1[0-7]|empat belas|lima belas|enam belas)(?: tahun)? "
        r"(?:[^\s|]+ |\| ){0,8}(?:dijemput|dibawa|berangkat|sponsor|agen|calo|akta|ktp|paspor)",
        span=True,
    ),
    _r(
        "en",
        "trafficking",
        C,
        r"(?:we|i|she|they|he) (?:are|were|was|am|been|have been|has been) sold|sold to",
        r"(?:fake|scam) (?:investment|crypto|trading|romance) (?:\w+ ){0,6}(?:must|forced|target|"
        r"guard\w*|cannot leave)",
    ),
    _r(
        "ms",
        "trafficking",
        C,
        r"(?:jual|menjual|jualkan) (?:saya|kami|dia|aku)",
        r"dibawa (?:\w+ ){0,4}(?:sempadan|perbatasan|border) (?:\w+ ){0,3}(?:malam|malem)",
    ),
    _r(
        "id",
        "seafarer",
        C,
        r"(?:kapten|nahkoda|nakhoda|mandor) (?:\w+ ){0,3}(?:ngurung|mengurung|kurung|mengunci|ngunci)",
        r"ditahan (?:di )?(?:atas )?kapal",
        r"(?:tidak|tak) boleh turun (?:\w+ ){0,2}(?:kapal|darat)",
    ),
    _r(
        "id",
        "fire_disaster",
        C,
        r"api\w* (?:\w+ ){0,3}(?:nyamber|menyambar|menjalar|membesar|merambat|makin besar)",
        r"(?:nyala|keluar|muncul) api|percikan api",
    ),
    _r("jv", "fire_disaster", C, r"kobong\w*"),
    _r(
        "su",
        "fire_disaster",
        C,
        r"kajebak|caah (?:\w+ ){0,2}(?:gede|ageung)",
        r"cai (?:\w+ ){0,3}dugi ka (?:tuur|cangkeng|dada|beuheung)",
    ),
    _r(
        "id",
        "fire_disaster",
        C,
        r"api\w* (?:\w+ ){0,3}(?:sampai|sudah sampai) (?:lantai|kamar|dapur|atas|bawah|tangga)",
    ),
    _r(
        "id",
        "violence",
        C,
        r"(?:gedor|menggedor|dobrak|mendobrak)\w* (?:\w+ ){0,2}pintu",
    ),
    _r(
        "jv",
        "medical_emergency",
        C,
        r"(?:tibo|tiba|ceblok) (?:saka|seko|soko|dari) (?:lantai|dhuwur|atap|jendela)",
        r"(?:ora|tidak) (?:isa |iso )?obah",
    ),
    _r("id", "medical_emergency", C, r"tidak bergerak (?:lagi|dari tadi|sama sekali)"),
    # --- found in the third development set (issue 12): general phrasings, not its sentences ---
    _r(
        "en",
        "self_harm",
        C,
        r"(?:written|wrote|write|writing) (?:\w+ ){0,2}letters? to my (?:kids|children|family|"
        r"mother|mom|son|daughter|husband)",
        r"(?:not|will not) be (?:here|around) tomorrow|what is the point of (?:anything|living|life|"
        r"it all)",
    ),
    _r(
        "id",
        "self_harm",
        C,
        r"pamit (?:[^\s|]+ |\| ){0,4}(?:jagain|jaga|titip)|pamit (?:\w+ ){0,1}(?:selamanya|"
        r"untuk selamanya)",
        span=True,
    ),
    _r(
        "id",
        "poisoning",
        C,
        r"(?:telen|nenggak|nelan) (?:\w+ ){0,2}(?:\d+|puluhan|banyak|semua) (?:butir|pil|tablet|obat)",
    ),
    _r(
        "en",
        "poisoning",
        C,
        r"(?:bleach|clorox|poison|pesticide|dettol) (?:[^\s|]+ |\| ){0,4}(?:drank|drink\w*|"
        r"swallow\w*|ate)",
        span=True,
    ),
    _r(
        "en",
        "medical_emergency",
        C,
        r"(?:says?|said) no (?:hospital|doctor|clinic)|no hospital",
        r"bent the wrong way|bone (?:\w+ ){0,2}(?:sticking out|is out)|screaming (?:in|with) pain",
    ),
    _r(
        "id",
        "medical_emergency",
        C,
        r"(?:jari|tangan|kaki)\w* (?:\w+ ){0,1}(?:kepotong|terpotong|putus|hancur|remuk)",
        r"(?:tidak|tak) (?:izinin|izinkan|diizinin|ngizinin|dibolehin|bolehin|bagi|benarkan) "
        r"(?:\w+ ){0,2}(?:berobat|periksa|ke dokter|ke klinik|ke rumah sakit|doktor|hospital)",
        r"(?:tunggu|tunggulah) (?:\w+ ){0,3}(?:baru|then) (?:\w+ ){0,1}(?:pergi|ke|bawa) "
        r"(?:\w+ ){0,1}(?:doktor|dokter|hospital|klinik|rumah sakit)",
    ),
    _r("jv", "violence", C, r"diantemi|diantem|dijotosi|digebug|digajul|ditempiling|dipenthungi"),
    _r(
        "en",
        "trafficking",
        C,
        r"put (?:us|me|them) in (?:a |the )?(?:truck|van|boat|lorry|car)",
    ),
    _r(
        "id",
        "trafficking",
        C,
        # Towns known for scam compounds (docs/emergencies.md): a message from there is read as
        # one from inside, unless it is a question about a job offer (then it is discounted).
        r"poipet|sihanoukville|myawaddy|shwe kokko|golden triangle|kk park|bavet",
        weak=True,
    ),
    _r(
        "id",
        "medical_emergency",
        C,
        r"ngomong\w* (?:\w+ ){0,1}(?:ngaco|ngelantur|pelo|tidak jelas)|keringat\w* dingin|"
        r"keringetan dingin",
    ),
    _r(
        "id",
        "sexual_violence",
        C,
        r"(?:remes|ngeremes|meremes)\w* (?:\w+ ){0,2}(?:dada|payudara|paha|pantat|badan)",
        # A man of the house in her room at night or while she sleeps or bathes.
        r"(?:malam|tengah malam) (?:\w+ ){0,4}(?:suami majikan|anak majikan|majikan|bos|baba|sir|"
        r"laoban|tuan|akong|a gong) (?:\w+ ){0,2}masuk (?:ke )?kamar",
        r"(?:suami majikan|anak majikan|majikan|bos|baba|sir|laoban|tuan|akong|a gong) (?:\w+ ){0,3}"
        r"masuk (?:ke )?kamar (?:\w+ ){0,3}(?:waktu|saat|pas|ketika|kalau|tiap) (?:saya|aku) "
        r"(?:tidur|mandi)",
    ),
    _r(
        "su",
        "sexual_violence",
        C,
        r"asup (?:\w+ ){0,1}ka kamar (?:abdi|kuring) (?:\w+ ){0,2}(?:wengi|peuting)",
    ),
    _r(
        "id",
        "sexual_violence",
        C,
        r"(?:narik|menarik|tarik|ditarik|diseret|nyeret|seret)\w* (?:\w+ ){0,2}(?:ke )?(?:gudang|kamar|"
        r"toilet|ruangan|mobil)",
    ),
    _r(
        "id",
        "confinement",
        C,
        r"(?:\d+|dua|tiga|empat|lima|beberapa) hari (?:\w+ ){0,4}(?:cuma|hanya) (?:dikasih |diberi )?"
        r"(?:\w+ ){0,2}(?:sisa|sekali sehari)",
    ),
    _r(
        "id",
        "trafficking",
        C,
        r"dipindahtangan\w*|dioper (?:\w+ ){0,2}(?:ke )?(?:bos|majikan|agen)",
        r"tidak tahu (?:\w+ ){0,2}(?:di kota mana|ada di mana)",
    ),
    _r(
        "id",
        "death_now",
        C,
        r"(?:meninggal|mati|tewas) (?:[^\s|]+ |\| ){0,20}(?:\d+|dua|tiga|beberapa|yang lain|"
        r"others?) (?:\w+ ){0,2}(?:lagi |juga |jg )?(?:sakit|sekarat|demam|pingsan|muntah)",
        r"kubur (?:saja|aja) (?:di sini|disini|sendiri)",
        span=True,
    ),
    _r(
        "id",
        "arrest_detention",
        H,
        r"ditahan (?:aparat|polisi|imigrasi|syurtah|polis)",
        r"(?:ruang|rumah) tahanan|tahanan imigrasi|(?:di|ke) kantor polisi|di (?:sel|penjara|tarhil)",
        ongoing=False,
    ),
    _r("zh", "arrest_detention", H, r"警察抓|被警察|收容所|拘留所", ongoing=False),
    _r(
        "zh",
        "stranded",
        H,
        r"没有钱|沒有錢|没有地方住|沒有地方住|无家可归|無家可歸",
        ongoing=False,
    ),
    _r(
        "id",
        "stranded",
        H,
        r"(?:tidur|turu|nginep|numpang) (?:\w+ ){0,2}(?:di |ning |neng )?(?:masjid|jalan|emperan|"
        r"terminal|stasiun|taman|pelabuhan|bandara)",
        r"luntang lantung|terlunta lunta|gelandangan",
        r"(?:tidak|ga) (?:ada|punya) (?:duit|uang|wang|ongkos|tiket)",
        r"(?:ra|ora) nduwe (?:duit|dhuwit)|teu (?:boga|gaduh) (?:duit|artos)",
        ongoing=False,
    ),
    _r(
        "id",
        "medical_emergency",
        C,
        r"tiada siapa (?:\w+ ){0,2}(?:hantar|bawa|tolong)|tidak ada (?:yang|orang) (?:mau )?(?:bawa|"
        r"antar|nganter|hantar) (?:\w+ ){0,2}(?:ke )?(?:rs|rumah sakit|dokter|klinik|hospital)",
        r"(?:nafas|napas)\w* (?:\w+ ){0,2}(?:lemah|tersengal|satu satu)",
    ),
    _r(
        "id",
        "serious_illness",
        H,
        r"demam berdarah|dbd|trombosit|diinfus|infus|infeksi|tertekan|kaunseling|konseling|trauma",
        r"paru paru|flek paru",
        ongoing=False,
    ),
    _r(
        "en",
        "serious_illness",
        H,
        r"lungs? (?:\w+ ){0,2}(?:shadow|spot)|counsel\w*|trauma\w*",
        ongoing=False,
    ),
    _r("su", "serious_illness", H, r"kaserang|gering parah", ongoing=False),
    _r("jv", "past_sexual_assault", H, r"dilecehke|dipekso|dicekeli", ongoing=False),
    _r("ms", "past_sexual_assault", H, r"dicabul|diraba|dicium paksa", ongoing=False),
    _r(
        "id",
        "stranded",
        H,
        r"tiket (?:\w+ ){0,2}(?:tidak ada|tak ada|hangus)",
        r"(?:cuma|hanya) (?:pegang|punya|ada) \d+ (?:dolar|ringgit|riyal|dollar)",
        r"tidak tahu (?:mau|nak) (?:pergi|ke) (?:mana)",
        ongoing=False,
    ),
    _r(
        "jv",
        "sexual_violence",
        C,
        r"(?:nek|yen|menawa) (?:aku )?(?:ora gelem|nolak|emoh) (?:\w+ ){0,4}(?:dipulangke|dipecat|"
        r"ora dibayar|dipotong|diusir|dilaporke)",
    ),
    _r(
        "id",
        "trafficking",
        C,
        # "Already here, and not allowed to go home": the offer was a trap.
        r"(?:sudah|udah) (?:di sini|disini|di sana|sampai) (?:[^\s|]+ |\| ){0,5}(?:tidak boleh|"
        r"dilarang|tidak bisa|tidak dikasih) (?:pulang|keluar|pergi)",
        span=True,
    ),
    _r(
        "id",
        "seafarer",
        C,
        # A vessel gone silent after a storm.
        r"(?:abk|kapal|kru) (?:[^\s|]+ |\| ){0,12}(?:teu aya beja|tidak ada kabar|hilang kontak|"
        r"ora ono kabar) (?:[^\s|]+ |\| ){0,8}(?:badai|topan|storm|typhoon)",
        r"(?:abk|kapal|kru) (?:[^\s|]+ |\| ){0,12}(?:badai|topan|storm|typhoon) (?:[^\s|]+ |\| ){0,8}"
        r"(?:teu aya beja|tidak ada kabar|hilang kontak|ora ono kabar)",
        span=True,
    ),
    _r(
        "su",
        "confinement",
        C,
        r"teu (?:dipasihan|dipaparin|dibere) (?:\w+ ){0,1}(?:dahar|tuang|nyatu|emam)",
    ),
    _r(
        "ar",
        "confinement",
        C,
        r"قفلت? علي|قفل\w* علي|ما في أكل|ما فيه أكل|بدون طعام",
    ),
    _r(
        "id",
        "death_now",
        C,
        # Someone dead or dying, and nobody helping: the plea makes it now.
        r"(?:mati|meninggal|tewas|maot|pupus) (?:[^\s|]+ |\| ){0,12}(?:tolong (?:cepat|cepet|segera)|"
        r"tidak ada (?:yang|orang) (?:nolong|menolong|bantu|membantu)|teu aya nu nulungan|"
        r"ora ono sing nulungi)",
        span=True,
    ),
    _r(
        "id",
        "serious_illness",
        H,
        r"kesehatan mental|mental health|psikolog|psikiater|panic attack|serangan panik",
        r"(?:menangis|nangis|sedih) (?:terus|tiap hari|setiap hari|tiap malam)",
        r"pembedahan|dioperasi",
        r"patah (?:tulang|kaki|tangan|jari|lengan)|(?:jari|lengan) (?:\w+ ){0,1}patah|gips",
        r"melecur teruk|luka bakar",
        r"jantung|ginjal|hiv",
        ongoing=False,
    ),
    _r(
        "en",
        "serious_illness",
        H,
        r"sad every ?day|(?:cannot|can not) sleep (?:\w+ ){0,3}(?:every|for|weeks|months)",
        r"fracture\w*|broken (?:finger|wrist|ankle)",
        r"heart (?:problem|disease|condition)|kidney|dialysis|hiv|hepatitis|stroke",
        ongoing=False,
    ),
    _r(
        "id",
        "stranded",
        H,
        r"(?:tidur|duduk|terlantar|terdampar|tinggal) (?:\w+ ){0,2}di (?:jalanan|pelabuhan|"
        r"stasiun|kolong|emperan|bandara|terminal)",
        r"(?:uang|duit|wang)\w* (?:\w+ ){0,2}(?:tinggal|cuma|hanya) (?:\d+|sedikit|beberapa)",
        r"(?:tidak|gak) (?:boleh|bisa) naik pesawat|terkandas",
        ongoing=False,
    ),
    _r(
        "en",
        "stranded",
        H,
        r"(?:sitting|sleeping|stuck) (?:\w+ ){0,2}(?:on the street|at the airport|at the port)",
        r"(?:told|tell|asked) me to leave (?:the )?(?:house|flat|home|immediately)|kicked (?:me )?out",
        ongoing=False,
    ),
    _r(
        "su",
        "documents_held_wants_leave",
        H,
        r"paspor (?:\w+ ){0,2}(?:dicepeng|dicekel|ditahan|dicandak|dicarandak) (?:[^\s|]+ |\| ){0,8}"
        r"(?:uih|mulih|wangsul|balik)",
        r"(?:hoyong|hayang) (?:uih|mulih|wangsul|balik) (?:[^\s|]+ |\| ){0,8}paspor",
        ongoing=False,
        span=True,
    ),
    _r(
        "en",
        "documents_held_wants_leave",
        H,
        r"(?:kept|keep\w*|hold\w*|took|has|have|holding) (?:\w+ ){0,2}paspor (?:[^\s|]+ |\| ){0,14}"
        r"(?:go home|going home|return home|fly home|leave)",
        ongoing=False,
        span=True,
    ),
)
