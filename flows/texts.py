"""Every user-facing string of the conversation flows, in Indonesian and English.

Texts are keyed so tests and the console can refer to them, and so a translator sees all of one
language in one place. Rules: short (a small phone screen), warm, plain words; no phone number,
fee or law here except the national lines in :data:`NATIONAL_LINES`, which come from
``docs/facts.md`` (§1.1 and §1.3, both confirmed by two sources).
"""

from __future__ import annotations

from typing import Any

LANGS: tuple[str, ...] = ("id", "en")

# The consent text is versioned: RecordConsent stores the version the person actually saw
# (UU 27/2022 Pasal 22 and 24, docs/facts.md §5.3: consent must be recorded and provable).
# Change the wording => bump the version.
CONSENT_VERSION = "consent-v2-2026-12-01"

# docs/facts.md §1.1 [C] (merdeka.com 10/04/2025; republika.co.id 27/06/2011) and §1.3 [C]
# (tribunnews.com 03/02/2020; last seen 2016-2020, so "check still current" is on the review list).
NATIONAL_LINES: dict[str, str] = {
    "id": (
        "• Call centre KP2MI (24 jam): 0800-1000 (gratis dari Indonesia), "
        "+62 21 2924 4800 (dari luar negeri)\n"
        "• Hotline Kemlu untuk WNI (24 jam): +62 812 9007 0027"
    ),
    "en": (
        "• KP2MI call centre (24 hours): 0800-1000 (free from Indonesia), "
        "+62 21 2924 4800 (from abroad)\n"
        "• Foreign Ministry hotline for Indonesians (24 hours): +62 812 9007 0027"
    ),
}

CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "complaint.unpaid_wages": ("Gaji tidak dibayar / dipotong", "Unpaid or cut wages"),
    "complaint.abuse": ("Kekerasan atau ancaman", "Violence or threats"),
    "complaint.sexual_abuse": ("Pelecehan / kekerasan seksual", "Sexual harassment or abuse"),
    "complaint.document_withheld": ("Paspor / dokumen ditahan", "Passport or papers held"),
    "complaint.working_conditions": ("Kondisi kerja buruk", "Bad working conditions"),
    "complaint.wants_repatriation": ("Ingin pulang", "Wants to go home"),
    "complaint.illness_injury": ("Sakit / kecelakaan", "Illness or injury"),
    "complaint.death": ("Pekerja meninggal", "A worker died"),
    "complaint.lost_contact": ("Hilang kontak", "Lost contact"),
    "complaint.trafficking": ("Perdagangan orang / calo", "Trafficking or illegal recruiter"),
    "complaint.overcharging": ("Biaya terlalu mahal / utang", "Overcharged or in debt"),
    "complaint.failed_departure": ("Gagal berangkat", "Never sent abroad"),
    "complaint.legal_trouble": ("Ditahan / masalah hukum", "Arrested or legal trouble"),
    "complaint.social_security": ("BPJS / asuransi", "BPJS or insurance"),
    "complaint.termination": ("Diberhentikan / PHK", "Dismissed early"),
    "complaint.other": ("Masalah lain", "Something else"),
}

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "new": ("Baru diterima", "Received"),
    "in_progress": ("Sedang ditangani", "Being handled"),
    "waiting_for_worker": ("Menunggu jawaban Anda", "Waiting for your reply"),
    "referred": ("Diteruskan ke instansi terkait", "Referred to the agency in charge"),
    "resolved": ("Selesai ditangani", "Resolved"),
    "closed": ("Ditutup", "Closed"),
}

TOPIC_LABELS: dict[str, tuple[str, str]] = {
    "faq.requirements": ("Syarat jadi PMI", "Requirements"),
    "faq.procedure": ("Langkah resmi", "Official steps"),
    "faq.placement_cost": ("Biaya penempatan", "Placement costs"),
    "faq.check_agency": ("Cek perusahaan (P3MI)", "Check an agency"),
    "faq.job_openings": ("Lowongan resmi", "Official jobs"),
    "faq.training_language": ("Pelatihan & bahasa", "Training & language"),
    "faq.documents": ("Dokumen", "Documents"),
    "faq.social_security": ("BPJS Ketenagakerjaan", "Social security"),
    "faq.financing_remittance": ("Pinjaman KUR", "Loans (KUR)"),
    "faq.trafficking_signs": ("Tanda calo & TPPO", "Trafficking signs"),
    "faq.complaint_process": ("Cara melapor", "How to complain"),
    "faq.contact": ("Nomor penting", "Hotlines"),
    "faq.return_reintegration": ("Pulang ke Indonesia", "Coming home"),
}

_T: dict[str, tuple[str, str]] = {
    # --- buttons -------------------------------------------------------------------------
    "btn.report": ("📝 Lapor masalah", "📝 Report a problem"),
    "btn.new_report": ("📝 Laporan baru (masalah lain)", "📝 New report (another problem)"),
    "btn.info": ("ℹ️ Info kerja aman", "ℹ️ Safe migration info"),
    "btn.jobcheck": ("🔍 Cek tawaran kerja", "🔍 Check a job offer"),
    "btn.status": ("📄 Cek status laporan", "📄 Case status"),
    "btn.human": ("🙋 Bicara dengan petugas", "🙋 Talk to a person"),
    "btn.lang": ("🌐 English", "🌐 Bahasa Indonesia"),
    "btn.advisory": ("🔔 Info keselamatan", "🔔 Safety advisories"),
    "btn.advisory_yes": ("✅ Ya, kirimi saya", "✅ Yes, send me"),
    "btn.advisory_no": ("Tidak", "No"),
    "btn.advisory_stop": ("🔕 Berhenti", "🔕 Stop"),
    "advisory_offer": (
        "Mau menerima info keselamatan dari Pusat Komando? Misalnya peringatan topan, amnesti, "
        "nomor darurat KBRI yang berubah, atau lowongan palsu yang sedang beredar di negara "
        "Anda. Ini terpisah dari laporan Anda: Anda bisa berhenti kapan saja dengan membalas "
        "STOP.",
        "Would you like safety advisories from the Command Centre? For example typhoon "
        "warnings, amnesties, a changed embassy emergency number, or fake job offers going "
        "around in your country. This is separate from your report: you can stop at any time "
        "by replying STOP.",
    ),
    "advisory_yes": (
        "Baik, Anda akan menerima info keselamatan. Balas STOP kapan saja untuk berhenti.",
        "Done: you will receive safety advisories. Reply STOP at any time to stop them.",
    ),
    "advisory_no": (
        "Baik, kami tidak akan mengirim info keselamatan. Anda bisa berubah pikiran lewat menu.",
        "OK, we will not send you safety advisories. You can change your mind from the menu.",
    ),
    "advisory_stopped": (
        "Anda sudah berhenti menerima info keselamatan. Laporan dan pertanyaan Anda tetap kami "
        "layani seperti biasa.",
        "You will no longer receive safety advisories. Your reports and questions are still "
        "handled as usual.",
    ),
    "advisory_footer": (
        "Sumber: {source}\n\nBalas STOP untuk berhenti menerima info keselamatan.",
        "Source: {source}\n\nReply STOP to stop receiving safety advisories.",
    ),
    "btn.menu": ("Menu", "Menu"),
    "btn.skip": ("Lewati", "Skip"),
    "btn.cancel": ("Batal", "Cancel"),
    "btn.done": ("Selesai", "Done"),
    "btn.yes": ("Ya", "Yes"),
    "btn.no": ("Tidak", "No"),
    "btn.unsure": ("Tidak tahu", "Not sure"),
    "btn.continue": ("Lanjutkan", "Continue"),
    "btn.submit": ("Kirim laporan", "Send report"),
    "btn.consent_yes": ("Setuju", "I agree"),
    "btn.consent_no": ("Tidak setuju", "I don't agree"),
    "btn.tip": ("Kirim info tanpa nama", "Send a tip without my name"),
    "btn.self": ("Untuk diri sendiri", "For myself"),
    "btn.family": ("Untuk keluarga", "For a family member"),
    "btn.friend": ("Untuk teman", "For a friend"),
    "btn.other_person": ("Orang lain", "Someone else"),
    "btn.doc_yes": ("Ya, lewat jalur resmi", "Yes, official route"),
    "btn.doc_no": ("Tidak / tanpa dokumen", "No / undocumented"),
    "btn.safe_yes": ("Aman sekarang", "Safe now"),
    "btn.safe_no": ("Tidak aman", "Not safe"),
    "btn.cant_talk": ("Tidak bisa bicara", "Can't talk now"),
    "btn.contact_yes": ("Ya, aman", "Yes, it's safe"),
    "btn.contact_no": ("Tidak aman", "Not safe"),
    "btn.contact_times": ("Hanya jam tertentu", "Only at certain times"),
    "btn.report_recruiter": ("Laporkan calo ini", "Report this recruiter"),
    "btn.jc_questions": ("Jawab pertanyaan", "Answer questions"),
    "btn.resume": ("Lanjutkan laporan", "Continue my report"),
    "btn.edit": ("✏️ Ubah jawaban", "✏️ Change an answer"),
    "btn.back": ("Kembali", "Back"),
    "btn.erase": ("Hapus data saya", "Delete my data"),
    "btn.erase_yes": ("Ya, hapus", "Yes, delete"),
    "btn.add_details": ("Tambah keterangan", "Add details"),
    "btn.finish": ("Selesai", "Done"),
    # --- small talk ----------------------------------------------------------------------
    "greeting": (
        "Halo, saya Siaga 👋 asisten pelindungan pekerja migran Indonesia.\n"
        "Saya bisa bantu Anda melapor masalah, memberi info kerja ke luar negeri yang aman, "
        "dan mengecek status laporan. Pilih di bawah atau tulis saja pertanyaan Anda.",
        "Hello, I'm Siaga 👋 the assistant for Indonesian migrant workers' protection.\n"
        "I can help you report a problem, give safe-migration information and check a "
        "case's status. Choose below or just type your question.",
    ),
    "thanks": (
        "Sama-sama 🙏 Semoga Anda sehat dan aman selalu.",
        "You're welcome 🙏 Stay safe and well.",
    ),
    "goodbye": (
        "Sampai jumpa 👋 Tulis kapan saja kalau butuh bantuan.",
        "Goodbye 👋 Write any time you need help.",
    ),
    "out_of_scope": (
        "Maaf, saya hanya bisa membantu urusan pekerja migran Indonesia.",
        "Sorry, I can only help with matters of Indonesian migrant workers.",
    ),
    "gibberish": (
        "Maaf, saya belum mengerti 🙏 Pilih salah satu di bawah:",
        "Sorry, I didn't understand 🙏 Please choose one below:",
    ),
    "menu": ("Apa yang bisa saya bantu?", "How can I help?"),
    "ask_away": (
        "Silakan, tulis pertanyaan Anda 🙂 Atau pilih topik:",
        "Go ahead, type your question 🙂 Or choose a topic:",
    ),
    "nothing_to_cancel": (
        "Tidak ada yang perlu dibatalkan. Apa yang bisa saya bantu?",
        "There is nothing to cancel. How can I help?",
    ),
    "stopped": ("Baik, dihentikan. Ada lagi yang bisa saya bantu?", "OK, stopped. Anything else?"),
    "location_idle": (
        "Terima kasih, lokasi Anda kami terima. Apakah Anda ingin melapor masalah atau bicara "
        "dengan petugas?",
        "Thank you, we received your location. Would you like to report a problem or talk to a "
        "person?",
    ),
    "media_idle": (
        "Terima kasih, file Anda kami terima. Apakah Anda ingin melapor masalah atau bicara "
        "dengan petugas?",
        "Thank you, we received your file. Would you like to report a problem or talk to a "
        "person?",
    ),
    "lang_set": (
        "Baik, saya akan membalas dalam Bahasa Indonesia.",
        "OK, I'll reply in English.",
    ),
    "lang_choose": ("Pilih bahasa / Choose a language:", "Choose a language / Pilih bahasa:"),
    # --- consent (UU 27/2022, docs/facts.md §5.3) -----------------------------------------
    "consent": (
        "Sebelum melapor, mohon izin Anda 🙏\n"
        "• Yang kami catat: cerita Anda, nama, negara, majikan/agensi, kontak, dan foto/"
        "dokumen yang Anda kirim. Bisa termasuk info kesehatan.\n"
        "• Untuk apa: agar petugas Command Centre KP2MI bisa menangani laporan Anda dan "
        "menghubungi Anda. Data hanya dibagikan ke instansi yang ikut menangani kasus "
        "(misalnya KBRI/KJRI, atau KDEI di Taiwan).\n"
        "• Berapa lama: selama kasus ditangani dan sesuai aturan arsip.\n"
        "• Hak Anda: boleh melewati pertanyaan, berhenti kapan saja, minta data dilihat, "
        "diperbaiki atau dihapus (ketik *hapus data saya*), dan menarik izin ini.\n"
        "Apakah Anda setuju?",
        "Before you report, we need your permission 🙏\n"
        "• What we record: your story, names, country, employer/agency, contact details and "
        "the photos/documents you send. This may include health information.\n"
        "• Why: so KP2MI Command Centre officers can handle your report and contact you. "
        "Data is shared only with the bodies that help with the case (e.g. the embassy or "
        "consulate).\n"
        "• How long: while the case is handled and as archive rules require.\n"
        "• Your rights: skip any question, stop at any time, ask to see, correct or delete "
        "your data (type *delete my data*), and withdraw this permission.\n"
        "Do you agree?",
    ),
    "consent_repeat": (
        "Mohon pilih *Setuju* atau *Tidak setuju*.",
        "Please choose *I agree* or *I don't agree*.",
    ),
    "consent_refused": (
        "Tidak apa-apa. Tanpa izin, kami tidak membuat laporan dan tidak menanyakan data "
        "Anda. Pesan yang sudah Anda kirim tersimpan di sistem kami dan dihapus otomatis "
        "setelah {days} hari, kecuali pesan yang menunjukkan bahaya bagi keselamatan "
        "seseorang: itu kami simpan agar petugas bisa menolong. Ingin dihapus sekarang? "
        "Tekan *Hapus data saya*.\n"
        "Anda tetap bisa menghubungi langsung:\n{lines}\n"
        "Anda juga bisa mengirim info (misalnya soal calo) tanpa menyebut nama Anda, "
        "atau bertanya info umum kapan saja.",
        "That's fine. Without permission we open no report and ask for no data. The messages "
        "you already sent are stored in our system and deleted automatically after {days} "
        "days, except messages that show someone's safety is in danger: we keep those so "
        "officers can help. Want them deleted now? Press *Delete my data*.\n"
        "You can still contact them directly:\n{lines}\n"
        "You can also send a tip (e.g. about a recruiter) without giving your name, "
        "or ask general questions any time.",
    ),
    "urgent_lines": (
        "Jika perlu bantuan cepat:\n{lines}",
        "If you need help quickly:\n{lines}",
    ),
    # --- anonymous tip -------------------------------------------------------------------
    "tip_ask": (
        "Ceritakan yang Anda ketahui: nama calo/perusahaan, tempat, negara tujuan, kapan. "
        "Jangan tulis nama atau nomor Anda sendiri.",
        "Tell us what you know: the recruiter's or company's name, place, destination, when. "
        "Don't write your own name or number.",
    ),
    "tip_thanks": (
        "Terima kasih 🙏 Info Anda sudah diteruskan ke petugas (nomor {ref}).",
        "Thank you 🙏 Your tip has been passed to the officers (number {ref}).",
    ),
    # --- intake --------------------------------------------------------------------------
    "intake_intro": (
        "Saya bantu buat laporan. Semua pertanyaan boleh dilewati. "
        "Ketik *BATAL* kapan saja untuk berhenti.",
        "I'll help you make a report. You can skip any question. "
        "Type *CANCEL* at any time to stop.",
    ),
    "q.reporter": (
        "Laporan ini untuk siapa?",
        "Who is this report for?",
    ),
    "q.name.self": ("Siapa nama Anda?", "What is your name?"),
    "q.reporter_name": (
        "Siapa nama Anda (pelapor)? Boleh dilewati.",
        "What is your name (you, who report)? You may skip.",
    ),
    "q.reporter_who": (
        "Siapa nama Anda, dan nomor HP/WhatsApp yang bisa dihubungi petugas? "
        "(contoh: Sumiati, ibunya, 0812 3456 7890)",
        "What is your name, and a phone/WhatsApp number an officer can call? "
        "(e.g. Sumiati, her mother, +62 812 3456 7890)",
    ),
    "q.reporter_who_phone": (
        "Siapa nama Anda, dan hubungan Anda dengan dia? Petugas akan menghubungi nomor ini. "
        "(contoh: Sumiati, ibunya)",
        "What is your name, and how are you related to them? An officer will contact this "
        "number. (e.g. Sumiati, her mother)",
    ),
    "q.reporter_contact": (
        "Bagaimana petugas bisa menghubungi Anda? Tulis nomor HP/WhatsApp. Boleh dilewati: "
        "petugas juga bisa membalas di chat ini.",
        "How can an officer reach you? Type your phone/WhatsApp number. You may skip: an officer "
        "can also reply in this chat.",
    ),
    "q.place.self": (
        "Di negara dan kota mana Anda sekarang? (contoh: Kuala Lumpur, Malaysia)",
        "Which country and city are you in now? (e.g. Kuala Lumpur, Malaysia)",
    ),
    "q.place.other": (
        "Di negara dan kota mana dia sekarang? (contoh: Kuala Lumpur, Malaysia)",
        "Which country and city is the worker in now? (e.g. Kuala Lumpur, Malaysia)",
    ),
    "q.city.self": (
        "Di kota atau daerah mana di {country}?",
        "Which city or area in {country}?",
    ),
    "q.city.other": (
        "Di kota atau daerah mana dia di {country}?",
        "Which city or area in {country} is the worker in?",
    ),
    "q.phone": (
        "Jika petugas perlu menelepon, tulis nomor HP/WhatsApp Anda. Boleh dilewati: petugas "
        "juga bisa membalas di chat ini.",
        "If an officer needs to call you, type your phone/WhatsApp number. You may skip: an "
        "officer can also reply in this chat.",
    ),
    "here.phone": ("di nomor ini", "on this number"),
    "here.chat": ("lewat chat ini", "through this chat"),
    "the_worker": ("pekerja itu", "the worker"),
    "q.edit": ("Bagian mana yang mau diubah?", "Which answer do you want to change?"),
    "summary_hint": (
        "Tekan *Kirim laporan* jika sudah benar, atau *Ubah jawaban* untuk memperbaiki.",
        "Press *Send report* if it is right, or *Change an answer* to correct something.",
    ),
    "extras_offer.no_media": (
        "Mau menambah keterangan (nama majikan, agensi, sejak kapan)? Ini membantu petugas, "
        "tapi tidak wajib.",
        "Would you like to add details (employer's name, agency, since when)? It helps the "
        "officers, but it is optional.",
    ),
    "extras_offer": (
        "Mau menambah keterangan (nama majikan, agensi, bukti foto)? Ini membantu petugas, "
        "tapi tidak wajib.",
        "Would you like to add details (employer's name, agency, photos)? It helps the "
        "officers, but it is optional.",
    ),
    "extras_done": (
        "Terima kasih 🙏 Keterangan sudah ditambahkan ke laporan *{ref}*.",
        "Thank you 🙏 The details were added to report *{ref}*.",
    ),
    "extras_none": (
        "Baik. Laporan *{ref}* sudah terkirim; petugas akan menindaklanjutinya.",
        "OK. Report *{ref}* is sent; an officer will follow it up.",
    ),
    "media_kept": ("📎 File diterima ({count}).", "📎 File received ({count})."),
    "q.name.other": (
        "Siapa nama pekerja migran yang mengalami masalah?",
        "What is the name of the migrant worker who has the problem?",
    ),
    "q.country.self": (
        "Di negara mana Anda bekerja sekarang?",
        "Which country are you working in now?",
    ),
    "q.country.other": (
        "Di negara mana dia bekerja?",
        "Which country does the worker work in?",
    ),
    "q.city": ("Di kota atau daerah mana?", "Which city or area?"),
    "q.employer": (
        "Siapa nama majikan atau perusahaan tempat bekerja?",
        "What is the employer's or company's name?",
    ),
    "q.agency_abroad": (
        "Apa nama agensi di luar negeri?",
        "What is the name of the agency abroad?",
    ),
    "q.p3mi": (
        "Apa nama perusahaan perekrut (P3MI / PT / PJTKI) di Indonesia?",
        "What is the name of the recruitment company (P3MI / PT) in Indonesia?",
    ),
    "q.id_number": (
        "Nomor paspor atau nomor PMI (boleh dilewati):",
        "Passport or PMI number (you may skip):",
    ),
    "q.documented.self": (
        "Apakah Anda berangkat lewat jalur resmi dengan dokumen lengkap? "
        "Jawaban apa pun tidak apa-apa: kami tetap membantu.",
        "Did you leave through the official route with full documents? "
        "Any answer is fine: we help everyone.",
    ),
    "q.documented.other": (
        "Apakah dia berangkat lewat jalur resmi dengan dokumen lengkap? "
        "Jawaban apa pun tidak apa-apa: kami tetap membantu.",
        "Did the worker leave through the official route with full documents? "
        "Any answer is fine: we help everyone.",
    ),
    "q.category_choose": ("Pilih yang paling sesuai:", "Choose the closest one:"),
    "q.details": (
        "Ceritakan apa yang terjadi. Boleh singkat.",
        "Tell us what happened. It can be short.",
    ),
    "q.since": ("Sejak kapan?", "Since when?"),
    "q.media": (
        "Ada foto, rekaman suara atau dokumen (kontrak, slip gaji, chat)? "
        "Kirim sekarang, lalu tekan *Selesai*.",
        "Any photos, voice notes or documents (contract, payslip, chats)? "
        "Send them now, then press *Done*.",
    ),
    "media_received": (
        "Diterima ({count}). Kirim lagi, atau tekan *Selesai*.",
        "Received ({count}). Send more, or press *Done*.",
    ),
    "q.location.pin": (
        "Boleh bagikan lokasi (📎 > Lokasi) atau tulis alamatnya? Boleh dilewati.",
        "Can you share the location (📎 > Location) or type the address? You may skip.",
    ),
    "q.location.text": (
        "Tulis alamat atau nama tempatnya (misalnya nama gedung dan jalan). Boleh dilewati.",
        "Type the address or the name of the place (e.g. building and street). You may skip.",
    ),
    "q.safe_contact.self": (
        "Apakah aman kalau petugas menghubungi Anda {here}? "
        "(Misalnya majikan bisa membaca HP Anda.)",
        "Is it safe for an officer to contact you {here}? (For example, if your employer "
        "can read your phone.)",
    ),
    "q.safe_contact.other": (
        "Apakah aman kalau petugas menghubungi {name} langsung? "
        "(Misalnya majikannya bisa membaca HP-nya.) Petugas tetap menghubungi Anda {here}.",
        "Is it safe for an officer to contact {name} directly? (For example, if the employer "
        "can read the worker's phone.) The officer will still contact you {here}.",
    ),
    "q.contact_time": (
        "Kapan dan lewat apa aman menghubungi? (contoh: Minggu jam 10-12, atau nomor lain)",
        "When and how is it safe to contact you? (e.g. Sunday 10-12, or another number)",
    ),
    "added_to_case": (
        "Terima kasih, pesan Anda sudah masuk ke laporan *{ref}* yang sedang ditangani. "
        "Petugas akan membacanya. Kalau ini masalah lain, buat laporan baru.",
        "Thank you, your message was added to case *{ref}*, which is being handled. An officer "
        "will read it. If this is a different problem, make a new report.",
    ),
    "local_time": ("waktu setempat", "local time"),
    "clear_phone.webchat": (
        "Tekan tombol 🧹 *Keluar & hapus dari HP ini* di bagian atas: percakapan ini hilang "
        "dari HP Anda dan halaman pindah ke Google. Laporan Anda di Command Centre tetap ada "
        "(cek dengan nomor kasus dan PIN dari HP mana pun).",
        "Press 🧹 *Leave & clear this phone* at the top: this conversation disappears from your "
        "phone and the page goes to Google. Your report stays with the Command Centre (check it "
        "with the case number and PIN from any phone).",
    ),
    "clear_phone.whatsapp": (
        "Di WhatsApp: tekan lama percakapan ini di daftar chat, lalu pilih Hapus chat. "
        "Laporan Anda di Command Centre tetap ada (cek dengan nomor kasus dan PIN dari HP mana "
        "pun). Ingat nomor kasus dan PIN Anda sebelum menghapus.",
        "In WhatsApp: press and hold this chat in the chat list, then choose Delete chat. Your "
        "report stays with the Command Centre (check it with the case number and PIN from any "
        "phone). Remember your case number and PIN before deleting.",
    ),
    "clear_phone.telegram": (
        "Di Telegram: tekan lama percakapan ini di daftar chat, lalu pilih Hapus (Delete "
        "chat). Laporan Anda di Command Centre tetap ada (cek dengan nomor kasus dan PIN dari HP "
        "mana pun). Ingat nomor kasus dan PIN Anda sebelum menghapus.",
        "In Telegram: press and hold this chat in the chat list, then choose Delete chat. Your "
        "report stays with the Command Centre (check it with the case number and PIN from any "
        "phone). Remember your case number and PIN before deleting.",
    ),
    "kept_as_written": (
        "Baik, saya catat jawaban Anda apa adanya untuk petugas.",
        "OK, I've noted your answer as you wrote it for the officer.",
    ),
    "pick_button": (
        "Mohon pilih salah satu tombol, atau ketik *LEWATI*.",
        "Please choose one of the buttons, or type *SKIP*.",
    ),
    "summary": (
        "Ringkasan laporan {ref}:\n{lines}\n\nKirim laporan ini?",
        "Summary of report {ref}:\n{lines}\n\nSend this report?",
    ),
    "summary_empty": ("(belum ada jawaban)", "(no answers yet)"),
    "submitted": (
        "✅ Laporan terkirim. Nomor kasus: *{ref}*\nPIN: *{pin}* (simpan untuk cek status "
        "dari HP lain)\n\nSelanjutnya: petugas Command Centre membaca laporan Anda dan akan "
        "menghubungi Anda{when}. Ketik *cek status* kapan saja untuk melihat perkembangannya.",
        "✅ Report sent. Case number: *{ref}*\nPIN: *{pin}* (keep it to check the status "
        "from another phone)\n\nNext: a Command Centre officer reads your report and will "
        "contact you{when}. Type *check status* any time to see progress.",
    ),
    "submitted_when_safe": (" pada waktu yang Anda sebut", " at the time you gave"),
    "submitted_no_contact": (
        " hanya jika aman (Anda bilang nomor ini tidak aman)",
        " only when it is safe (you said this number is not safe)",
    ),
    "cancelled": (
        "Laporan dibatalkan. Kami tidak akan bertanya lagi.",
        "Report cancelled. We won't ask anything more.",
    ),
    "cancelled_with_case": (
        "Laporan dibatalkan. Yang sudah Anda kirim tercatat dengan nomor {ref}. "
        "Jika ingin data itu dihapus, pilih *Bicara dengan petugas*.",
        "Report cancelled. What you already sent is recorded under number {ref}. "
        "If you want it deleted, choose *Talk to a person*.",
    ),
    "welcome_back": (
        "Selamat datang kembali 👋 Laporan Anda belum selesai. Lanjutkan?",
        "Welcome back 👋 Your report is not finished yet. Continue?",
    ),
    "undocumented_ok": (
        "Terima kasih. Pekerja tanpa dokumen juga kami bantu.",
        "Thank you. We help undocumented workers too.",
    ),
    # --- summary field labels --------------------------------------------------------------
    "f.reporter": ("Pelapor", "Reporter"),
    "f.reporter_name": ("Nama pelapor", "Reporter's name"),
    "f.reporter_contact": ("Kontak pelapor", "Reporter's contact"),
    "f.worker_name": ("Nama pekerja", "Worker's name"),
    "f.where": ("Negara/kota", "Country/city"),
    "f.phone": ("No. HP", "Phone"),
    "f.country": ("Negara", "Country"),
    "f.city": ("Kota", "City"),
    "f.employer": ("Majikan", "Employer"),
    "f.agency_abroad": ("Agensi luar negeri", "Agency abroad"),
    "f.p3mi": ("P3MI", "P3MI"),
    "f.id_number": ("No. paspor/PMI", "Passport/PMI no."),
    "f.documented": ("Jalur resmi", "Official route"),
    "f.category": ("Masalah", "Problem"),
    "f.details": ("Cerita", "What happened"),
    "f.since": ("Sejak", "Since"),
    "f.media": ("Lampiran", "Attachments"),
    "f.location": ("Lokasi", "Location"),
    "f.safe_contact": ("Aman dihubungi", "Safe to contact"),
    "f.contact_time": ("Waktu/cara aman", "Safe time/way"),
    "v.self": ("diri sendiri", "myself"),
    "v.family": ("keluarga", "family member"),
    "v.friend": ("teman", "friend"),
    "v.other": ("orang lain", "someone else"),
    "v.yes": ("ya", "yes"),
    "v.no": ("tidak", "no"),
    "v.unsure": ("tidak tahu", "not sure"),
    "v.times": ("jam tertentu", "certain times"),
    # --- critical path ---------------------------------------------------------------------
    "critical": (
        "⚠️ Kami sudah memberi tahu tim Command Centre. Nomor kasus: *{ref}*\n"
        "Jika Anda dalam bahaya sekarang, hubungi:\n{lines}",
        "⚠️ We have alerted the Command Centre team. Case number: *{ref}*\n"
        "If you are in danger now, call:\n{lines}",
    ),
    "critical.other": (
        "⚠️ Kami sudah memberi tahu tim Command Centre. Nomor kasus: *{ref}*\n"
        "Nomor darurat di negara tempat dia berada (untuk dia, atau siapa pun di "
        "dekatnya):\n{lines}",
        "⚠️ We have alerted the Command Centre team. Case number: *{ref}*\n"
        "Emergency numbers in the country where they are (for them, or anyone near "
        "them):\n{lines}",
    ),
    "critical_self_harm": (
        "Terima kasih sudah bercerita. Anda tidak sendirian, dan Anda penting bagi kami. "
        "Tim Command Centre sudah kami beri tahu. Nomor kasus: *{ref}*\n"
        "Bicaralah dengan seseorang sekarang:\n{lines}",
        "Thank you for telling us. You are not alone, and you matter to us. "
        "We have alerted the Command Centre team. Case number: *{ref}*\n"
        "Please talk to someone now:\n{lines}",
    ),
    "critical_again": (
        "⚠️ Pesan Anda sudah kami tandai darurat untuk petugas. Jika dalam bahaya, hubungi:\n"
        "{lines}",
        "⚠️ We marked your message as an emergency for the officers. If you are in danger, "
        "call:\n{lines}",
    ),
    "critical_pin": (
        "PIN: *{pin}* (simpan: untuk cek kasus ini dari HP lain)",
        "PIN: *{pin}* (keep it: to check this case from another phone)",
    ),
    "q.safe_now": ("Apakah Anda aman sekarang?", "Are you safe right now?"),
    "q.safe_now.other": ("Apakah dia aman sekarang?", "Is the worker safe right now?"),
    "q.where": (
        "Di mana Anda sekarang? Tulis kota atau alamatnya{pin}.",
        "Where are you now? Type the city or address{pin}.",
    ),
    "q.where.other": (
        "Di mana dia sekarang? Tulis kota atau alamatnya{pin}.",
        "Where is the worker now? Type the city or address{pin}.",
    ),
    "share_pin": (" atau bagikan lokasi (📎 > Lokasi)", " or share the location (📎 > Location)"),
    "critical_done": (
        "Terima kasih. Petugas akan menghubungi Anda di sini secepatnya. "
        "Jika keadaan memburuk, segera hubungi nomor di atas.",
        "Thank you. An officer will contact you here as soon as possible. "
        "If things get worse, call the numbers above right away.",
    ),
    "critical_cant_talk": (
        "Mengerti. Kami tidak akan menelepon; petugas akan menulis di sini. "
        "Balas kapan saja aman.",
        "Understood. We won't call; an officer will write here. Reply whenever it is safe.",
    ),
    "unverified": ("belum terverifikasi", "not verified"),
    "app_hint": ("aplikasi", "app"),
    # --- handoff -------------------------------------------------------------------------
    "handoff": (
        "Baik, saya teruskan ke petugas 🙋 Mohon tunggu, petugas akan membalas di chat ini.\n"
        "Jika Anda dalam bahaya:\n{lines}",
        "OK, I'm passing you to an officer 🙋 Please wait; an officer will reply in this chat.\n"
        "If you are in danger:\n{lines}",
    ),
    # --- the right to erasure (docs/privacy.md) ---------------------------------------------
    "erase_confirm": (
        "Anda minta agar data Anda dihapus: pesan, nama, nomor dan jawaban laporan. "
        "Laporan yang masih ditangani akan ditutup, dan kami tidak bisa lagi membantu kasus "
        "itu. Yang tetap disimpan: catatan siapa yang membuka dan mengubah data (wajib untuk "
        "pengawasan) dan angka statistik tanpa nama. Lanjutkan?",
        "You are asking us to delete your data: messages, names, numbers and report answers. "
        "A case still being handled will be closed, and we can no longer help with it. What "
        "stays: the record of who opened and changed data (required for oversight) and "
        "statistics without names. Continue?",
    ),
    "erase_requested": (
        "Permintaan hapus data sudah kami catat. Supervisor akan memprosesnya dalam 14 hari. "
        "Setelah dihapus, percakapan ini juga hilang dari sistem kami.",
        "Your request to delete your data is recorded. A supervisor will process it within "
        "14 days. Once it is done, this conversation is gone from our system too.",
    ),
    "erase_kept": (
        "Baik, tidak ada yang dihapus.",
        "OK, nothing will be deleted.",
    ),
    "handoff_waiting": (
        "Pesan Anda sudah kami terima dan diteruskan 🙏 Petugas akan membalas di sini "
        "secepatnya. Jika dalam bahaya, hubungi 0800-1000 atau +62 21 2924 4800.",
        "We received your message and passed it on 🙏 An officer will reply here as soon as "
        "possible. If you are in danger, call 0800-1000 or +62 21 2924 4800.",
    ),
    "operator_joined": (
        "🙋 Petugas Command Centre sudah bergabung di percakapan ini. Silakan ceritakan.",
        "🙋 A Command Centre officer has joined this conversation. Please go ahead.",
    ),
    "handed_back": (
        "Petugas sudah selesai. Anda kembali dengan asisten Siaga 🤖 Ada lagi yang bisa saya "
        "bantu?",
        "The officer has finished. You're back with the Siaga assistant 🤖 Anything else I can "
        "help with?",
    ),
    "safety_fallback": (
        "Maaf, ada gangguan teknis 🙏 Pesan Anda tersimpan dan akan dibaca petugas.\n"
        "Jika mendesak, hubungi:\n{lines}",
        "Sorry, something went wrong 🙏 Your message is saved and an officer will read it.\n"
        "If it is urgent, call:\n{lines}",
    ),
    # --- FAQ -----------------------------------------------------------------------------
    "faq_none": (
        "Maaf, saya belum punya jawaban yang pasti untuk itu. Mau bertanya ke petugas?",
        "Sorry, I don't have a reliable answer for that yet. Would you like to ask an officer?",
    ),
    "faq_sources": ("Sumber", "Sources"),
    "faq_caveat": (
        "⚠️ Sebagian info ini dari satu sumber saja dan sedang dicek. Pastikan ke BP3MI/"
        "Disnaker atau call centre KP2MI 0800-1000.",
        "⚠️ Part of this comes from a single source and is being checked. Confirm with BP3MI/"
        "Disnaker or the KP2MI call centre 0800-1000.",
    ),
    "no_country_numbers": (
        "Kami belum punya nomor perwakilan yang sudah dicek untuk negara ini. Gunakan hotline "
        "Kemlu +62 812 9007 0027 (24 jam) atau tombol darurat aplikasi Safe Travel.",
        "We don't have a checked mission number for this country yet. Use the Foreign Ministry "
        "hotline +62 812 9007 0027 (24 hours) or the Safe Travel app's panic button.",
    ),
    "faq_topics": ("Pilih topik:", "Choose a topic:"),
    "faq_more": ("Topik lain:", "Related topics:"),
    # --- case status ---------------------------------------------------------------------
    "status_ask": (
        "Kirim nomor kasus dan PIN Anda, contoh: *SGA-7KXM4P 482913*",
        "Send your case number and PIN, for example: *SGA-7KXM4P 482913*",
    ),
    "status_ask_pin": (
        "Kirim PIN kasus *{ref}* (6 angka yang diberikan saat melapor).",
        "Send the PIN of case *{ref}* (the 6 digits you were given when you reported).",
    ),
    "status_bad_format": (
        "Maaf, format tidak dikenali. Kirim nomor kasus lalu PIN, contoh: *SGA-7KXM4P 482913*",
        "Sorry, I couldn't read that. Send the case number then the PIN, e.g. *SGA-7KXM4P 482913*",
    ),
    "status_not_found": (
        "Maaf, kasus tidak ditemukan atau PIN salah. Periksa lagi, atau pilih *Bicara dengan "
        "petugas*.",
        "Sorry, no case was found or the PIN is wrong. Check again, or choose *Talk to a person*.",
    ),
    "status_locked": (
        "Terlalu banyak PIN yang salah. Demi keamanan, coba lagi setelah 1 jam, atau pilih "
        "*Bicara dengan petugas*.",
        "Too many wrong PINs. For safety, try again in an hour, or choose *Talk to a person*.",
    ),
    "status_line": (
        "📄 Kasus *{ref}* ({category})\nStatus: *{status}*\nPembaruan terakhir: {updated}",
        "📄 Case *{ref}* ({category})\nStatus: *{status}*\nLast update: {updated}",
    ),
    "status_note": ("Catatan petugas: {note}", "Officer's note: {note}"),
    "status_changed": (
        "🔔 Ada kabar untuk kasus *{ref}*: status sekarang *{status}*.",
        "🔔 News about case *{ref}*: the status is now *{status}*.",
    ),
    # The console referred the case to a partner (docs/console.md, "Referrals"): the partner's
    # name only, never the operator's internal request or notes.
    "case_referred": (
        "🔔 Kasus *{ref}* sudah kami teruskan ke *{partner}*. Mereka akan menindaklanjuti, dan "
        "kami tetap memantau kasus Anda. Balas pesan ini kapan saja jika ada perkembangan.",
        "🔔 We have passed case *{ref}* to *{partner}*. They will follow it up, and we keep "
        "following your case too. Reply at any time if anything changes.",
    ),
    # --- job-offer checker (docs/facts.md §4.1, §4.2) -------------------------------------
    "jc_paste": (
        "Tempel (paste) teks tawaran kerjanya di sini: iklan, pesan dari perekrut, atau "
        "brosur. Saya cek tanda bahayanya, lalu hanya menanyakan yang tidak tertulis. Atau "
        "tekan *Jawab pertanyaan*.",
        "Paste the job offer here: the ad, the recruiter's message or the brochure. I'll check "
        "it for warning signs and only ask what it does not say. Or press *Answer questions*.",
    ),
    "jc_paste_more": (
        "Itu terlalu pendek untuk saya periksa. Tempel seluruh teks tawarannya, atau tekan "
        "*Jawab pertanyaan*.",
        "That is too short to check. Paste the whole offer, or press *Answer questions*.",
    ),
    "jc_read": (
        "Dari teks tawaran itu saya sudah melihat {count} hal. Sisanya saya tanyakan:",
        "From the offer's text I can already see {count} thing(s). I'll ask about the rest:",
    ),
    "jc_intro": (
        "Saya akan bertanya 7 hal singkat tentang tawaran kerja itu.",
        "I'll ask 7 short questions about the job offer.",
    ),
    "jc.q1": (
        "1/7 Tawaran datang lewat media sosial, grup WhatsApp, calo atau sponsor?",
        "1/7 Did the offer come through social media, a WhatsApp group, a broker or 'sponsor'?",
    ),
    "jc.q2": (
        "2/7 Anda ditawari atau sudah menerima uang panjar / uang tip?",
        "2/7 Were you offered or given a cash advance ('uang panjar' / tip)?",
    ),
    "jc.q3": (
        "3/7 Gajinya tinggi, syaratnya sedikit, bisa cepat berangkat, atau 'semua biaya "
        "ditanggung'?",
        "3/7 High salary, few requirements, quick departure, or 'all costs covered'?",
    ),
    "jc.q4": (
        "4/7 Yang menjanjikan penempatan kerja adalah LPK (lembaga pelatihan)?",
        "4/7 Is a training centre (LPK) promising to place you in a job abroad?",
    ),
    "jc.q5": (
        "5/7 Negara tujuannya Kamboja, Myanmar atau Thailand?",
        "5/7 Is the destination Cambodia, Myanmar or Thailand?",
    ),
    "jc.q6": (
        "6/7 Anda diminta berangkat dengan visa turis/kunjungan, atau tanpa visa kerja?",
        "6/7 Are you told to travel on a tourist/visit visa, or without a work visa?",
    ),
    "jc.q7": (
        "7/7 Anda mendaftar lewat Disnaker/LTSA, dan izin perusahaannya (SIP3MI) bisa dicek?",
        "7/7 Did you register through Disnaker/LTSA, and can the company's licence (SIP3MI) "
        "be checked?",
    ),
    "jc.ffee": (
        "Diminta membayar biaya besar di muka: menurut UU 18/2017 Pasal 30, PMI tidak boleh "
        "dibebani biaya penempatan (untuk Taiwan ada pengecualian: cek rincian biaya yang "
        "diizinkan di Disnaker/BP3MI sebelum membayar apa pun).",
        "Asked to pay a large fee up front: under Law 18/2017 Article 30, migrant workers may "
        "not be charged placement costs (Taiwan is an exception: check the allowed costs with "
        "Disnaker/BP3MI before paying anything).",
    ),
    "jc.fpassport": (
        "Paspor akan dipegang agen/sponsor: paspor adalah milik Anda, dan paspor yang ditahan "
        "termasuk masalah yang bisa dilaporkan ke KP2MI.",
        "The agent/sponsor will keep your passport: it is yours, and a withheld passport is "
        "something you can report to KP2MI.",
    ),
    "jc.f1": (
        "Tawaran lewat medsos/calo/sponsor: Kemlu memperingatkan ini cara umum perekrutan ilegal.",
        "Offer via social media/brokers: the Foreign Ministry warns this is a common route of "
        "illegal recruitment.",
    ),
    "jc.f2": (
        "Uang panjar: Kemlu menyebutnya jebakan utang dan bagian dari tindak pidana "
        "perdagangan orang.",
        "Cash advance: the Foreign Ministry calls it a debt trap and part of the trafficking "
        "crime.",
    ),
    "jc.f3": (
        "Gaji tinggi, syarat sedikit, cepat berangkat, semua ditanggung: tanda tawaran palsu "
        "menurut Kemlu dan BP2MI.",
        "High pay, few requirements, fast departure, all costs covered: signs of a fake offer "
        "per the Foreign Ministry and BP2MI.",
    ),
    "jc.f4": (
        "LPK menjanjikan penempatan: menurut BP2MI, LPK tidak berwenang menempatkan pekerja "
        "(satu sumber, sedang dicek).",
        "A training centre promising placement: per BP2MI, training centres may not place "
        "workers (single source, being checked).",
    ),
    "jc.f5": (
        "Kamboja/Myanmar/Thailand: pemerintah mengingatkan tidak ada kerja sama penempatan dan "
        "banyak korban penipuan online di sana (satu sumber, sedang dicek).",
        "Cambodia/Myanmar/Thailand: the government warns there is no placement agreement and "
        "many online-scam victims there (single source, being checked).",
    ),
    "jc.f6": (
        "Visa turis/kunjungan untuk bekerja: bukan jalur resmi; pemerintah memperingatkan cara "
        "ini (di Malaysia, biayanya lalu dipotong dari gaji).",
        "A tourist/visit visa to work: not the official route; the government warns about it "
        "(in Malaysia, the fees were then deducted from wages).",
    ),
    "jc.f7": (
        "Tidak lewat Disnaker/LTSA atau izin P3MI tidak bisa dicek: jalur resmi dimulai di "
        "Disnaker/LTSA, dan P3MI resmi punya SIP3MI.",
        "Not through Disnaker/LTSA, or the agency's licence can't be checked: the official "
        "route starts at Disnaker/LTSA, and licensed agencies hold a SIP3MI.",
    ),
    "jc_result_flags": (
        "⚠️ Ada {count} tanda bahaya:\n{flags}\n\nSaran: kalau tidak sesuai prosedur, jangan "
        "berangkat. Cek perusahaan di Disnaker/LTSA atau BP3MI, dan laporkan calo ke KP2MI "
        "(0800-1000).",
        "⚠️ {count} warning sign(s):\n{flags}\n\nAdvice: if it doesn't follow the procedure, "
        "don't go. Check the company with Disnaker/LTSA or BP3MI, and report brokers to KP2MI "
        "(0800-1000).",
    ),
    "jc_result_clear": (
        "Dari jawaban Anda tidak terlihat tanda bahaya utama 👍 Tetap pastikan: daftar lewat "
        "Disnaker/LTSA, cek izin P3MI, dan jangan berangkat tanpa visa kerja.",
        "Your answers show none of the main warning signs 👍 Still make sure you register "
        "through Disnaker/LTSA, check the agency's licence, and never leave without a work visa.",
    ),
    "jc_unsure_note": (
        "Yang Anda jawab 'tidak tahu' juga perlu dicek dulu.",
        "Anything you answered 'not sure' should be checked first.",
    ),
}


def lang_of(language: str | None) -> str:
    """The reply language for a stored or detected code: English or (by default) Indonesian.

    Javanese, Sundanese and Malay readers are served in Indonesian, which they read; any other
    or unknown code falls back to Indonesian too, the language of most users.
    """
    return "en" if language == "en" else "id"


def t(key: str, language: str | None, **kwargs: Any) -> str:
    """The text ``key`` in the reply language, formatted with ``kwargs``.

    Raises:
        KeyError: unknown key (a bug caught by the catalogue test).
    """
    idx = 1 if lang_of(language) == "en" else 0
    text = _T[key][idx]
    return text.format(**kwargs) if kwargs else text


def text_keys() -> tuple[str, ...]:
    """All text keys (for the catalogue test)."""
    return tuple(_T)


def label(table: dict[str, tuple[str, str]], key: str, language: str | None) -> str:
    """A label from one of the label tables, falling back to the key itself."""
    pair = table.get(key)
    if pair is None:
        return key
    return pair[1] if lang_of(language) == "en" else pair[0]
