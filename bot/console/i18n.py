"""The console's own words, one catalogue per language (Indonesian first, English second).

Every string the console shows that was added with issue 15 goes through :func:`text`, and the
pages hand the strings their scripts need to the browser with :func:`script_texts` (a JSON data
block, which the Content-Security-Policy allows since it is never executed). A test fails when a
key is missing in either catalogue. Indonesian is the default: the command centre's operators are
Indonesian civil servants (docs/console.md, "Language and time").
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import Any

LANGUAGES: tuple[str, ...] = ("id", "en")
DEFAULT_LANGUAGE = "id"

CATALOGUE: dict[str, dict[str, str]] = {
    "id": {
        # --- referrals (part 2) -----------------------------------------------------------
        "ref.title": "Rujukan ke mitra",
        "ref.none": "Belum ada rujukan.",
        "ref.partner": "Mitra",
        "ref.partner_reference": "Nomor rujukan dari mitra",
        "ref.request": "Yang diminta",
        "ref.due": "Tenggat",
        "ref.province": "Provinsi asal (untuk BP3MI)",
        "ref.submit": "Rujuk kasus",
        "ref.status": "Status",
        "ref.note": "Catatan (internal)",
        "ref.update": "Simpan",
        "ref.history": "Riwayat",
        "ref.overdue": "Lewat tenggat",
        "ref.overdue_title": "Rujukan lewat tenggat",
        "ref.created": "Kasus dirujuk ke {partner}; pekerja sudah diberi tahu.",
        "ref.updated": "Rujukan diperbarui.",
        "ref.choose": "Pilih mitra…",
        "ref.contacts": "Kontak",
        "ref.no_contacts": "Nomor belum terverifikasi; gunakan daftar kontak internal.",
        "ref.stats_title": "Rujukan per mitra",
        "ref.stats_none": "Belum ada rujukan pada periode ini.",
        "ref.col.referrals": "Rujukan",
        "ref.col.open": "Terbuka",
        "ref.col.overdue": "Lewat tenggat",
        "ref.col.done": "Selesai",
        "ref.col.declined": "Ditolak",
        "ref.col.ack": "Jam sampai diterima (median)",
        "ref.col.close": "Jam sampai selesai (median)",
        "ref.status.sent": "terkirim",
        "ref.status.acknowledged": "diterima mitra",
        "ref.status.acting": "sedang ditindaklanjuti",
        "ref.status.done": "selesai",
        "ref.status.declined": "ditolak",
        "ref.kind.mission": "Perwakilan RI",
        "ref.kind.bp3mi": "BP3MI",
        "ref.kind.police": "Kepolisian",
        "ref.kind.bpjs": "BPJS Ketenagakerjaan",
        "ref.kind.immigration": "Imigrasi",
        "ref.case": "Kasus",
        "ref.by": "oleh",
        # --- shift handover and duty (part 5) -------------------------------------------
        "nav.handover": "Serah terima",
        "ho.title": "Serah terima shift",
        "ho.on_duty": "Petugas jaga sekarang",
        "ho.urgent": "Kasus kritis dan tinggi yang masih terbuka",
        "ho.due": "Target respons pertama yang jatuh tempo sampai akhir shift berikutnya",
        "ho.referrals": "Rujukan lewat tenggat",
        "ho.notes": "Catatan untuk shift berikutnya (24 jam terakhir)",
        "ho.note_label": "Tulis catatan untuk shift berikutnya…",
        "ho.note_submit": "Simpan catatan",
        "ho.col.case": "Kasus",
        "ho.col.urgency": "Urgensi",
        "ho.col.category": "Kategori",
        "ho.col.status": "Status",
        "ho.col.operator": "Petugas",
        "ho.col.deadline": "Tenggat",
        "ho.col.partner": "Mitra",
        "ho.me_on": "Anda sedang jaga.",
        "ho.me_off": "Anda tidak sedang jaga.",
        "ho.go_on": "Mulai jaga",
        "ho.go_off": "Selesai jaga",
        "ho.nobody": "Tidak ada petugas yang menandai diri sedang jaga.",
        "ho.none": "Tidak ada.",
        "ho.since": "sejak",
        "ho.breached": "lewat target",
        "ho.unassigned": "belum diambil",
        # --- accounts (part 4) -------------------------------------------------------------
        "nav.account": "Akun saya",
        "acc.title": "Akun saya",
        "acc.change_password": "Kata sandi Anda direset oleh admin: buat kata sandi baru dulu.",
        "acc.setup_totp": "Admin wajib memakai verifikasi dua langkah: aktifkan dulu di bawah.",
        "acc.password": "Ganti kata sandi",
        "acc.current": "Kata sandi sekarang",
        "acc.new": "Kata sandi baru (minimal 10 karakter)",
        "acc.repeat": "Ulangi kata sandi baru",
        "acc.save_password": "Simpan kata sandi",
        "acc.password_saved": "Kata sandi diganti. Sesi lain akun ini sudah diakhiri.",
        "acc.mismatch": "Kedua kata sandi baru tidak sama.",
        "acc.totp": "Verifikasi dua langkah (TOTP)",
        "acc.totp_on": "Aktif: saat masuk, Anda memasukkan kode dari aplikasi autentikator.",
        "acc.totp_off": "Belum aktif.",
        "acc.totp_begin": "Aktifkan verifikasi dua langkah",
        "acc.totp_secret": "Masukkan kunci ini ke aplikasi autentikator Anda:",
        "acc.totp_enable": "Konfirmasi kode",
        "acc.totp_enabled": "Verifikasi dua langkah aktif.",
        "acc.code": "Kode 6 digit dari aplikasi autentikator",
        "acc.reset": "Reset kata sandi",
        "acc.reset_prompt": "Kata sandi sementara untuk {user} (minimal 10 karakter):",
        "acc.reset_done": "Kata sandi {user} direset; wajib diganti saat masuk berikutnya.",
        "acc.deactivate": "Nonaktifkan",
        "acc.reactivate": "Aktifkan lagi",
        "acc.deactivate_confirm": "Nonaktifkan akun {user}? Semua sesinya langsung berakhir.",
        "acc.yes": "ya",
        "acc.no": "tidak",
        # --- integration (part 6) ----------------------------------------------------------
        "nav.integration": "Integrasi",
        "int.title": "Integrasi sistem",
        "int.webhooks": "Webhook keluar (ditandatangani HMAC-SHA256)",
        "int.name": "Nama",
        "int.events": "Peristiwa",
        "int.personal": "Data pribadi",
        "int.personal_allow": "Boleh menerima data pribadi (nama pekerja, P3MI)",
        "int.active": "Aktif",
        "int.add_webhook": "Tambah webhook",
        "int.failed": "Pengiriman gagal",
        "int.none": "Tidak ada.",
        "int.tokens": "Token API",
        "int.scopes": "Cakupan",
        "int.last_used": "Terakhir dipakai",
        "int.add_token": "Buat token",
        "int.revoke": "Cabut",
        "int.revoked": "dicabut",
        "int.secret_once": "Simpan sekarang, tidak ditampilkan lagi:",
        "int.yes": "ya",
        "int.no": "tidak",
    },
    "en": {
        "ref.title": "Referrals to partners",
        "ref.none": "No referral yet.",
        "ref.partner": "Partner",
        "ref.partner_reference": "The partner's reference number",
        "ref.request": "What was asked",
        "ref.due": "Due",
        "ref.province": "Home province (for BP3MI)",
        "ref.submit": "Refer the case",
        "ref.status": "Status",
        "ref.note": "Note (internal)",
        "ref.update": "Save",
        "ref.history": "History",
        "ref.overdue": "Overdue",
        "ref.overdue_title": "Overdue referrals",
        "ref.created": "Case referred to {partner}; the worker has been told.",
        "ref.updated": "Referral updated.",
        "ref.choose": "Choose a partner…",
        "ref.contacts": "Contacts",
        "ref.no_contacts": "No verified number; use the internal contact list.",
        "ref.stats_title": "Referrals per partner",
        "ref.stats_none": "No referral in this period.",
        "ref.col.referrals": "Referrals",
        "ref.col.open": "Open",
        "ref.col.overdue": "Overdue",
        "ref.col.done": "Done",
        "ref.col.declined": "Declined",
        "ref.col.ack": "Hours to acknowledge (median)",
        "ref.col.close": "Hours to close (median)",
        "ref.status.sent": "sent",
        "ref.status.acknowledged": "acknowledged",
        "ref.status.acting": "acting",
        "ref.status.done": "done",
        "ref.status.declined": "declined",
        "ref.kind.mission": "Indonesian mission",
        "ref.kind.bp3mi": "BP3MI",
        "ref.kind.police": "Police",
        "ref.kind.bpjs": "BPJS Ketenagakerjaan",
        "ref.kind.immigration": "Immigration",
        "ref.case": "Case",
        "ref.by": "by",
        "nav.handover": "Handover",
        "ho.title": "Shift handover",
        "ho.on_duty": "On duty now",
        "ho.urgent": "Open critical and high cases",
        "ho.due": "First-response targets falling due before the next shift ends",
        "ho.referrals": "Overdue referrals",
        "ho.notes": "Notes for the next shift (last 24 hours)",
        "ho.note_label": "Write a note for the next shift…",
        "ho.note_submit": "Save note",
        "ho.col.case": "Case",
        "ho.col.urgency": "Urgency",
        "ho.col.category": "Category",
        "ho.col.status": "Status",
        "ho.col.operator": "Operator",
        "ho.col.deadline": "Due",
        "ho.col.partner": "Partner",
        "ho.me_on": "You are on duty.",
        "ho.me_off": "You are not on duty.",
        "ho.go_on": "Go on duty",
        "ho.go_off": "Go off duty",
        "ho.nobody": "Nobody has marked themselves on duty.",
        "ho.none": "None.",
        "ho.since": "since",
        "ho.breached": "past target",
        "ho.unassigned": "unassigned",
        "nav.account": "My account",
        "acc.title": "My account",
        "acc.change_password": "An admin reset your password: choose a new one first.",
        "acc.setup_totp": "Admins must use two-step login: turn it on below first.",
        "acc.password": "Change password",
        "acc.current": "Current password",
        "acc.new": "New password (10+ characters)",
        "acc.repeat": "Repeat the new password",
        "acc.save_password": "Save password",
        "acc.password_saved": "Password changed. This account's other sessions have ended.",
        "acc.mismatch": "The two new passwords differ.",
        "acc.totp": "Two-step login (TOTP)",
        "acc.totp_on": "On: at login you enter the code from your authenticator app.",
        "acc.totp_off": "Off.",
        "acc.totp_begin": "Turn on two-step login",
        "acc.totp_secret": "Enter this key in your authenticator app:",
        "acc.totp_enable": "Confirm the code",
        "acc.totp_enabled": "Two-step login is on.",
        "acc.code": "6-digit code from the authenticator app",
        "acc.reset": "Reset password",
        "acc.reset_prompt": "Temporary password for {user} (10+ characters):",
        "acc.reset_done": "{user}'s password was reset; it must be changed at the next login.",
        "acc.deactivate": "Deactivate",
        "acc.reactivate": "Reactivate",
        "acc.deactivate_confirm": "Deactivate {user}? All their sessions end at once.",
        "acc.yes": "yes",
        "acc.no": "no",
        "nav.integration": "Integration",
        "int.title": "System integration",
        "int.webhooks": "Outbound webhooks (HMAC-SHA256 signed)",
        "int.name": "Name",
        "int.events": "Events",
        "int.personal": "Personal data",
        "int.personal_allow": "May receive personal data (worker's name, P3MI)",
        "int.active": "Active",
        "int.add_webhook": "Add webhook",
        "int.failed": "Failed deliveries",
        "int.none": "None.",
        "int.tokens": "API tokens",
        "int.scopes": "Scopes",
        "int.last_used": "Last used",
        "int.add_token": "Create token",
        "int.revoke": "Revoke",
        "int.revoked": "revoked",
        "int.secret_once": "Keep it now, it is not shown again:",
        "int.yes": "yes",
        "int.no": "no",
    },
}


def language_of(value: str | None) -> str:
    """A catalogue language: English when asked for, else Indonesian."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def text(key: str, lang: str | None = None, **kwargs: Any) -> str:
    """The string ``key`` in ``lang`` (Indonesian by default), formatted with ``kwargs``.

    Raises:
        KeyError: an unknown key (the catalogue test catches a key missing in one language).
    """
    value = CATALOGUE[language_of(lang)][key]
    return value.format(**kwargs) if kwargs else value


def script_texts(prefixes: Iterable[str], lang: str | None = None) -> str:
    """A ``<script type="application/json" id="texts">`` block with the keys a page's scripts
    use (those starting with one of ``prefixes``); ``</`` is escaped so text cannot end it."""
    chosen = {
        k: v
        for k, v in CATALOGUE[language_of(lang)].items()
        if any(k.startswith(p) for p in prefixes)
    }
    payload = json.dumps(chosen, ensure_ascii=False).replace("</", "<\\/")
    return (
        f'<script type="application/json" id="texts" data-lang="{html.escape(language_of(lang))}">'
        f"{payload}</script>"
    )
