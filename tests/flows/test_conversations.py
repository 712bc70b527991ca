"""Scripted conversations over run_turn: what the worker sees, and what reaches the officers."""

from __future__ import annotations

import pytest

from flows.handoff import taken_over
from flows.router import (
    handback_reply,
    render_case_status,
    safety_fallback_reply,
    status_change_reply,
)
from flows.texts import CONSENT_VERSION
from flows.types import (
    LOCATION,
    MEDIA,
    PHONE,
    CaseSummary,
    LookupCase,
    MediaRef,
    OpenCase,
    RecordConsent,
    RequestErasure,
    RequestHandoff,
    UpdateCase,
)
from nlu.types import Urgency
from tests.flows.builders import T0, Convo, payloads, texts

CRIT = Urgency.CRITICAL
WAGES_TAIPEI = "gaji saya sudah 3 bulan tidak dibayar majikan di Taipei, tolong dibantu"


def test_greeting_gets_menu_in_each_language() -> None:
    c = Convo()
    r = c.send("halo", "smalltalk.greeting")
    assert "Siaga" in texts(r)
    assert {"report", "info", "jobcheck", "status", "handoff"} <= set(payloads(r))
    e = Convo()
    r = e.send("hello there", "smalltalk.greeting", lang="en")
    assert "Hello" in texts(r)
    assert "Report a problem" in r[0].buttons[0].title


@pytest.mark.parametrize(
    ("intent", "expected"),
    [("smalltalk.thanks", "Sama-sama"), ("smalltalk.goodbye", "Sampai jumpa")],
)
def test_thanks_and_goodbye_are_short(intent: str, expected: str) -> None:
    c = Convo()
    r = c.send("makasih ya", intent)
    assert len(r) == 1
    assert expected in r[0].text
    assert len(r[0].text) < 120


def test_gibberish_gets_menu_and_out_of_scope_a_polite_no() -> None:
    c = Convo()
    r = c.send("asdfgh jkkk", "other.out_of_scope", lang="und", confidence=0.2)
    assert "belum mengerti" in texts(r)
    assert "report" in payloads(r)
    r = c.send("jual pulsa murah hubungi kami", "other.out_of_scope", confidence=0.9)
    assert "hanya bisa membantu" in texts(r)
    assert not c.effects


def test_full_intake_self_report_english_with_skips_and_restart() -> None:
    c = Convo(features=frozenset({MEDIA, LOCATION, PHONE}))  # WhatsApp
    r = c.send(
        "my employer has not paid my salary for 3 months in Hong Kong",
        "complaint.unpaid_wages",
        lang="en",
        urgency=Urgency.NORMAL,
        country="Hong Kong",
    )
    assert c.state.name == "intake:consent"
    assert "Do you agree?" in texts(r)
    assert not c.of_type(OpenCase)  # nothing is recorded before consent

    r = c.press("consent:yes")
    assert c.of_type(RecordConsent) == [RecordConsent(granted=True, text_version=CONSENT_VERSION)]
    [opened] = c.of_type(OpenCase)  # opened at once, with what the message said
    assert opened.intent == "complaint.unpaid_wages"
    assert opened.fields["country"] == "HK"  # taken from the first message, not asked again
    assert opened.fields["details"].startswith("my employer has not paid")  # the story
    assert opened.pin
    # "my salary": the writer reports for themself, so "who is this report for?" is not asked.
    assert opened.fields["reporter"] == "self"
    assert "Who is this report for?" not in texts(r)
    assert "your name" in texts(r)

    c.send("Siti Aminah")
    c.clock.advance(minutes=5)
    c.restart()  # the process restarts mid-form: the state comes back from JSON
    r = c.send("Kowloon")  # the city; the country is known
    assert "What happened" not in texts(r)  # the story was in the first message
    assert "safe for an officer to contact you on this number" in texts(r)
    r = c.press("contact:times")
    assert "When and how" in texts(r)
    r = c.send("Sunday 10-12")
    summary = texts(r)
    assert "Siti Aminah" in summary
    assert "Hong Kong" in summary
    assert "Kowloon" in summary
    assert "Unpaid or cut wages" in summary
    assert "Employer" not in summary  # not asked before sending
    assert {"submit", "edit", "cancel"} <= set(payloads(r))
    assert c.state.name == "intake:summary"
    r = c.press("submit")
    assert "SGA-0001" in texts(r)
    assert opened.pin in texts(r)
    assert r[0].secret == opened.pin  # masked in what operators read
    assert "at the time you gave" in texts(r)
    final = c.of_type(UpdateCase)[-1]
    assert final.submitted
    assert final.fields["worker_name"] == "Siti Aminah"
    assert final.fields["city"] == "Kowloon"
    assert final.columns == {"affected_name": "Siti Aminah", "country": "HK"}

    # The rest is optional, after sending.
    assert "extras" in payloads(r)
    r = c.press("extras")
    assert "employer" in texts(r)
    c.press("skip")  # employer
    c.send("skip")  # agency abroad, typed
    c.send("PT Maju Jaya")  # P3MI
    r = c.press("doc:no")
    assert "We help undocumented workers too" in texts(r)
    c.send("August 2026")  # since
    c.send("-")  # passport number skipped with a dash
    r = c.send("", media=(MediaRef(kind="image", url="media/1"),))
    assert "Received (1)" in texts(r)
    r = c.press("done")
    assert "Share the location" in texts(r) or "share the location" in texts(r)
    r = c.press("skip")  # location
    assert "details were added to report *SGA-0001*" in texts(r)
    assert c.state.name == "idle"
    merged = {k: v for u in c.of_type(UpdateCase) for k, v in u.fields.items()}
    assert merged["p3mi"] == "PT Maju Jaya"
    assert merged["documented"] == "no"
    assert merged["employer"] is None
    assert merged["media"] == [
        {"kind": "image", "url": "media/1", "mime_type": None, "caption": None}
    ]


def test_a_report_takes_five_answers_after_the_first_message() -> None:
    """Issue 13: the intake was about 17 turns; the officer's essentials come first."""
    c = Convo(has_consent=True)
    r = c.send(
        "gaji saya sudah 3 bulan tidak dibayar majikan di Taipei, tolong dibantu",
        "complaint.unpaid_wages",
        country="Taiwan",
    )
    turns = 0
    while c.state.name != "intake:summary":
        step = c.state.name
        turns += 1
        assert turns <= 5, f"still asking at {step}"
        if step == "intake:reporter":
            r = c.press("reporter:self")
        elif step == "intake:safe_contact":
            r = c.press("contact:yes")
        else:
            r = c.send("Dewi" if step == "intake:worker_name" else "Taipei")
    assert "Taiwan" in texts(r)


def test_summary_understands_corrections_and_never_crashes() -> None:
    c = Convo(has_consent=True)
    c.send("majikan tidak kasih libur sama sekali di hong kong", "complaint.working_conditions",
           country="Hong Kong")  # fmt: skip
    c.press("reporter:self")
    c.send("Sri")
    c.send("Tsuen Wan")
    c.press("contact:yes")
    r = c.send("-")  # phone skipped
    assert c.state.name == "intake:summary"
    # Issue 13, defect 1: anything typed at the summary crashed (KeyError 'q.summary').
    for typed in ("lewati", "hmm", "tunggu dulu", "???"):
        r = c.send(typed)
        assert c.state.name == "intake:summary"
        assert "Kirim laporan" in texts(r)
    r = c.send("tunggu, nama sy salah")
    assert c.state.name == "intake:worker_name"
    assert "Siapa nama Anda?" in texts(r)
    r = c.send("Sri Wahyuni")
    assert c.state.name == "intake:summary"  # straight back to the summary
    assert "Sri Wahyuni" in texts(r)
    r = c.press("edit")
    assert "edit:where" in payloads(r)
    r = c.press("edit:where")
    r = c.send("Kuala Lumpur")  # changed her mind: the country goes with the city
    assert "Malaysia" in texts(r)
    assert "Kuala Lumpur" in texts(r)
    r = c.press("edit")
    r = c.press("edit:category")
    r = c.press("cat:complaint.unpaid_wages")
    assert "Gaji tidak dibayar" in texts(r)
    assert any(u.intent == "complaint.unpaid_wages" for u in c.of_type(UpdateCase))
    c.press("submit")
    final = [u for u in c.of_type(UpdateCase) if u.submitted][-1]
    assert final.fields["worker_name"] == "Sri Wahyuni"
    assert final.fields["country"] == "MY"


def test_family_member_reports_in_indonesian() -> None:
    c = Convo(has_consent=True)  # consent recorded on an earlier visit: not asked again
    r = c.send(
        "anak saya di malaysia tidak bisa dihubungi sejak 2 bulan",
        "complaint.lost_contact",
        urgency=Urgency.HIGH,
    )
    assert "Jika perlu bantuan cepat" in texts(r)  # high urgency: numbers before the form
    assert "0800-1000" in texts(r)
    [opened] = c.of_type(OpenCase)
    assert opened.reporter == "family"  # "anak saya": not asked
    assert opened.urgency is Urgency.HIGH
    # Issue 13, defect 7: the reporter's own name and how to reach them.
    assert c.state.name == "intake:reporter_name"
    c.send("Bu Sumi")
    r = c.send("0812 3456 7890")  # this channel (web chat) has no phone number
    assert "nama pekerja migran" in texts(r)  # now about the worker
    c.send("Rina")
    r = c.send("Johor")
    assert "menghubungi Rina langsung" in texts(r)  # the worker's safety, not the mother's
    r = c.press("contact:no")
    r = c.send("jangan hubungi dia sama sekali")
    assert c.state.name == "intake:summary"
    summary = texts(r)
    assert "Bu Sumi" in summary
    assert "0812 3456 7890" in summary
    assert "Rina" in summary
    c.press("submit")
    final = [u for u in c.of_type(UpdateCase) if u.submitted][-1]
    assert final.fields["reporter_name"] == "Bu Sumi"
    assert final.fields["reporter_contact"] == "0812 3456 7890"
    assert final.fields["worker_name"] == "Rina"
    assert final.fields["safe_contact"] == "no"
    assert "phone" not in final.fields  # the worker's phone is not asked of a family member


def test_consent_refused_is_honest_and_offers_erasure() -> None:
    c = Convo()
    c.send("saya ditipu calo, uang saya dibawa lari", "complaint.trafficking")
    r = c.send("tidak")
    assert c.of_type(RecordConsent) == [RecordConsent(granted=False, text_version=CONSENT_VERSION)]
    assert "+62 21 2924 4800" in texts(r)
    assert "tidak membuat laporan" in texts(r)
    assert "dihapus otomatis setelah 30 hari" in texts(r)  # what is kept, and for how long
    assert "erase" in payloads(r)
    assert "tip" in payloads(r)
    assert not c.of_type(OpenCase)
    c.press("tip")
    r = c.send("calo namanya Pak X di desa Y, janji kerja di Kamboja", "complaint.trafficking")
    [tip] = c.of_type(OpenCase)
    assert tip.fields["anonymous_tip"] is True
    assert tip.pin is None
    assert tip.reference in texts(r)


@pytest.mark.parametrize(
    "typed", ["hapus data saya", "sy mau data sy dihapus aja", "please delete my data"]
)
def test_a_request_to_delete_data_is_confirmed_then_recorded(typed: str) -> None:
    c = Convo()
    c.send("halo", "smalltalk.greeting")
    r = c.send(typed, lang="en" if "please" in typed else "id")
    assert c.state.name == "privacy:confirm_erase"
    assert "erase:yes" in payloads(r)
    r = c.press("erase:yes")
    assert c.of_type(RequestErasure) != []
    assert c.state.name == "idle"
    assert "14" in texts(r)


def test_erasure_can_be_declined() -> None:
    c = Convo()
    c.send("hapus data saya")
    r = c.press("cancel")
    assert c.of_type(RequestErasure) == []
    assert "tidak ada yang dihapus" in texts(r)


def test_cancel_mid_intake_withdraws_the_open_case() -> None:
    c = Convo(has_consent=True)
    c.send("paspor saya ditahan majikan", "complaint.document_withheld")
    c.press("reporter:self")
    r = c.send("batal")
    assert "dibatalkan" in texts(r)
    assert "erase" in payloads(r)
    assert c.state.name == "idle"
    last = c.of_type(UpdateCase)[-1]
    assert last.fields == {"withdrawn_by_reporter": True}
    assert last.submitted


def test_resume_after_hours_asks_before_continuing() -> None:
    c = Convo(has_consent=True)
    c.send("gaji belum dibayar", "complaint.unpaid_wages")
    c.press("reporter:self")
    c.restart()
    c.clock.advance(hours=9)
    r = c.send("halo", "smalltalk.greeting")
    assert "Selamat datang kembali" in texts(r)
    assert c.state.name == "intake:resume"
    r = c.press("continue")
    assert "Siapa nama Anda?" in texts(r)  # the question we stopped at
    c.send("Dewi")
    assert c.of_type(UpdateCase)[-1].fields == {"worker_name": "Dewi"}


def test_openers_and_questions_do_not_start_a_report() -> None:
    """Issue 13: "sy mau tanya", a wage question, "bahasa indonesia aja" asked for consent."""
    c = Convo()
    r = c.send("sy mau tanya", "other.out_of_scope", confidence=0.6)
    assert c.state.name == "idle"
    assert "Silakan" in texts(r)
    assert any(p.startswith("topic:") for p in payloads(r))
    r = c.send("gaji minimum di taiwan berapa ya?", "complaint.unpaid_wages", confidence=0.55)
    assert c.state.name == "idle"
    assert not c.of_type(OpenCase)
    assert "report" in payloads(r)  # in case it is a complaint after all
    r = c.send("bahasa indonesia aja")
    assert "Bahasa Indonesia" in texts(r)
    assert c.state.data.get("lang_chosen") is True
    assert c.state.name == "idle"
    c.send("english please")
    assert c.state.language == "en"


def test_critical_message_skips_form_and_consent() -> None:
    c = Convo()
    r = c.send(
        "tolong majikan memukul saya sekarang, saya dikunci di kamar",
        "complaint.abuse",
        urgency=CRIT,
        country="Hong Kong",
    )
    [opened] = c.of_type(OpenCase)
    assert opened.urgency is CRIT
    assert not c.of_type(RecordConsent)  # vital interest: no consent question first
    text = texts(r)
    assert "999" in text
    assert "+852 6773 0466" in text  # KJRI Hong Kong
    assert "+62 812 9007 0027" in text  # Kemlu hotline
    assert "aman sekarang" in text
    r = c.press("safe:no")
    assert "Di mana Anda" in texts(r)
    r = c.send("Tai Po, lantai 3")
    assert "Petugas akan menghubungi" in texts(r)
    assert c.of_type(UpdateCase)[-1].fields == {"location": "Tai Po, lantai 3"}
    assert c.state.name == "idle"


def test_critical_unknown_country_gives_national_lines_and_safe_travel() -> None:
    c = Convo()
    r = c.send("help me he will kill me", "complaint.abuse", lang="en", urgency=CRIT)
    assert "+62 21 2924 4800" in texts(r)
    assert "Safe Travel" in texts(r)


def test_critical_message_in_the_middle_of_a_faq_conversation() -> None:
    c = Convo()
    r = c.send("berapa biaya penempatan ke taiwan?", "faq.placement_cost")
    assert "Taiwan" in r[0].text
    r = c.send("tolong saya dipukul majikan di taiwan sekarang", "complaint.abuse", urgency=CRIT)
    assert "+886 901 132 000" in texts(r)  # KDEI Taipei
    assert "1955" in texts(r)
    assert c.state.name == "critical:ask_safe"
    c.press("safe:cant_talk")
    assert "tidak akan menelepon" in texts(c.last.replies if c.last else ())


def test_critical_during_intake_raises_the_existing_case_and_can_resume() -> None:
    c = Convo(has_consent=True)
    c.send("gaji dipotong terus", "complaint.unpaid_wages")
    c.press("reporter:self")
    c.send("Ani")
    c.send("tolong dia mau memukul saya sekarang", "complaint.abuse", urgency=CRIT)
    assert len(c.of_type(OpenCase)) == 1  # no second case
    raised = c.of_type(UpdateCase)[-1]
    assert raised.urgency is CRIT
    assert raised.reference == "SGA-0001"
    c.press("safe:yes")
    r = c.send("di rumah majikan")
    assert "resume" in payloads(r)
    r = c.press("resume")
    assert c.state.name == "intake:where"
    assert "negara" in texts(r)


def test_handoff_then_silence_then_safety_then_handback() -> None:
    c = Convo()
    r = c.send("saya mau bicara dengan petugas", "handoff.human")
    [handoff] = c.of_type(RequestHandoff)
    assert handoff.urgency is Urgency.HIGH  # a person reads it within hours (issue 13)
    assert c.state.name == "handoff:active"
    assert "petugas" in texts(r)
    r = c.send("halo? ada orang?", "smalltalk.greeting")
    assert r == ()  # just told to wait: no second message at once
    c.clock.advance(minutes=11)
    r = c.send("halo?? masih nunggu", "smalltalk.greeting")
    assert "sudah kami terima" in texts(r)  # still waiting: an acknowledgement now and then
    c.state = taken_over(c.state, "SGA-0001", "HK")  # an operator takes it over (console)
    c.clock.advance(minutes=30)
    r = c.send("halo pak", "smalltalk.greeting")
    assert r == ()  # an operator owns the conversation: the bot is silent
    r = c.send("majikan datang mau pukul saya", "complaint.abuse", urgency=CRIT)
    assert "0800-1000" in texts(r)
    assert "999" in texts(r)  # the worker's own country's numbers, from the taken-over case
    assert c.of_type(RequestHandoff)[-1].urgency is CRIT
    assert c.state.name == "handoff:active"
    back = handback_reply("id")
    assert "kembali" in back.text
    assert "report" in [b.payload for b in back.buttons]


def test_handoff_from_intake_attaches_the_case() -> None:
    c = Convo(has_consent=True)
    c.send("gaji belum dibayar", "complaint.unpaid_wages")
    c.press("reporter:self")
    c.press("handoff")
    assert c.of_type(RequestHandoff)[-1].reference == "SGA-0001"


def test_language_switch_reasks_the_current_question() -> None:
    c = Convo(has_consent=True)
    c.send("gaji belum dibayar", "complaint.unpaid_wages")
    r = c.send("english")
    assert "I'll reply in English" in texts(r)
    assert "Who is this report for?" in texts(r)
    # The choice sticks even when the next message is detected as Indonesian.
    r = c.send("untuk saya sendiri ya", lang="id")
    assert c.state.language == "en"


def test_detected_language_is_followed_without_a_choice() -> None:
    c = Convo()
    c.send("halo", "smalltalk.greeting")
    r = c.send("how much does it cost to go to Hong Kong", "faq.placement_cost", lang="en")
    assert "Hong Kong" in r[0].text
    r = c.press("faq:more")  # longer than a phone screen: the sources come with the last part
    assert "Sources" in r[-1].text


def test_numbered_answer_maps_to_the_button() -> None:
    c = Convo()
    c.send("halo", "smalltalk.greeting")
    r = c.send("2")  # the second menu item, on a channel that shows a numbered list
    assert "Pilih topik" in texts(r)


def test_faq_answer_has_sources_caveat_and_follow_ups() -> None:
    c = Convo()
    r = c.send("apa tanda-tanda calo?", "faq.trafficking_signs")
    text = r[0].text
    assert "panjar" in text
    assert "satu sumber" in text  # single-source content is never stated as certain
    while "faq:more" in payloads(r):  # an answer in parts: sources and menu with the last
        r = c.press("faq:more")
    assert "Sumber" in r[-1].text
    assert "jobcheck" in payloads(r)
    assert "handoff" in payloads(r)


def test_faq_contact_with_country_lists_the_mission() -> None:
    c = Convo()
    r = c.send("nomor KBRI di jepang berapa", "faq.contact", country="Jepang")
    assert "+81 80 3506 8612" in texts(r)


def test_nothing_fits_offers_a_person() -> None:
    c = Convo()
    c.send("hello", "smalltalk.greeting", lang="en")
    r = c.press("faq:no-such-article", "quantum physics homework")
    assert "don't have a reliable answer" in texts(r)
    assert "handoff" in payloads(r)


def test_job_offer_checker_names_red_flags() -> None:
    c = Convo()
    r = c.press("jobcheck")
    assert "Tempel" in texts(r)
    r = c.press("jc:questions")
    assert "1/7" in texts(r)
    for answer in ("yes", "yes", "no", "no", "unsure", "no", "no"):
        r = c.press(answer)
    text = texts(r)
    assert "3 tanda bahaya" in text  # q1 and q2 answered yes, q7 (official route) answered no
    assert "panjar" in text
    assert "Tidak lewat Disnaker/LTSA" in text
    assert "LPK" not in text  # answered no
    assert "tidak tahu" in text
    assert "report:complaint.trafficking" in payloads(r)
    r = c.press("report:complaint.trafficking")
    assert c.state.name == "intake:consent"


def test_a_pasted_offer_is_read_before_any_question() -> None:
    """Issue 13: the checker asked all seven questions even when the offer said it all."""
    c = Convo()
    c.press("jobcheck")
    offer = (
        "DICARI admin online di Kamboja, gaji 15jt, tanpa pengalaman, tiket ditanggung, "
        "berangkat pakai visa turis minggu depan. Info hubungi sponsor di grup WA."
    )
    r = c.send(offer, "faq.trafficking_signs", confidence=0.5)
    assert "4 hal" in texts(r)  # sponsor/WA group, no experience, Cambodia, tourist visa
    # Only what the text does not say, numbered among those: the cash advance first.
    assert "1/3 Anda ditawari" in texts(r)
    c.press("no")  # q2
    c.press("no")  # q4 (LPK)
    r = c.press("no")  # q7: not through Disnaker
    assert "5 tanda bahaya" in texts(r)
    assert "report:complaint.trafficking" in payloads(r)


def test_no_red_flag_means_no_report_button() -> None:
    c = Convo()
    c.press("jobcheck")
    r = c.press("jc:questions")
    for answer in ("no", "no", "no", "no", "no", "no", "yes"):
        r = c.press(answer)
    assert "tidak terlihat tanda bahaya" in texts(r)
    assert "report:complaint.trafficking" not in payloads(r)


def test_job_checker_lets_a_real_question_through() -> None:
    c = Convo()
    c.press("jobcheck")
    r = c.send("syarat umur jadi TKI berapa?", "faq.requirements", confidence=0.8)
    assert "18 tahun" in r[0].text
    assert c.state.name == "idle"


def _case(status: str = "in_progress", note: str | None = None) -> CaseSummary:
    return CaseSummary(
        reference="SGA-0042",
        intent="complaint.unpaid_wages",
        urgency=Urgency.NORMAL,
        status=status,
        created_at=T0,
        updated_at=T0,
        last_update=note,
    )


def test_status_for_own_cases_and_by_pin_from_another_phone() -> None:
    owner = Convo(cases=(_case(note="Agensi sudah dihubungi"),))
    r = owner.send("cek status")
    assert "SGA-0042" in texts(r)
    assert "Sedang ditangani" in texts(r)
    assert "Agensi sudah dihubungi" in texts(r)

    other = Convo()
    r = other.send("cek status")
    assert other.state.name == "status:ask_ref"
    assert "SGA-7KXM4P 482913" in texts(r)  # the example looks like a real reference
    r = other.send("SGA-0042 4321")
    assert r == ()
    assert other.of_type(LookupCase) == [LookupCase(reference="SGA-0042", pin="4321")]
    r = other.send("cek status SGA-0042")  # no PIN and not the owner: only the PIN is asked
    assert "PIN kasus *SGA-0042*" in texts(r)
    assert not other.of_type(LookupCase)[1:]
    other.send("987654")
    assert other.of_type(LookupCase)[-1] == LookupCase(reference="SGA-0042", pin="987654")


def test_dispatcher_replies_render_in_both_languages() -> None:
    assert "no case was found" in render_case_status(None, "en").text
    assert "Resolved" in status_change_reply(_case("resolved"), "en").text
    assert "Selesai ditangani" in status_change_reply(_case("resolved"), "id").text
    fallback = safety_fallback_reply(None)
    assert "0800-1000" in fallback.text
    assert "+62 21 2924 4800" in fallback.text


def test_a_pressed_button_never_starts_the_critical_path() -> None:
    c = Convo(has_consent=True)
    c.send("gaji belum dibayar", "complaint.unpaid_wages")
    # The NLU may label a button's title oddly; the press is still just an answer.
    c.send("Untuk diri sendiri", "complaint.abuse", payload="reporter:self", urgency=CRIT)
    assert c.state.name == "intake:worker_name"
    assert [o.urgency for o in c.of_type(OpenCase)] == [Urgency.NORMAL]


def test_stopping_the_checker_or_status_lookup_says_stopped() -> None:
    c = Convo()
    c.press("jobcheck")
    r = c.send("batal")
    assert "dihentikan" in texts(r)
    assert c.state.name == "idle"


def test_a_photo_without_words_offers_report_or_person() -> None:
    c = Convo()
    r = c.send("", media=(MediaRef(kind="image", url="media/9"),))
    assert "file Anda kami terima" in texts(r)
    assert payloads(r) == ["report", "handoff"]


def test_emergency_path_gives_the_pin_at_once() -> None:
    """Issue 13, defect 6: the worker whose phone is about to be taken most needs it."""
    c = Convo()
    r = c.send("tolong majikan mau ambil hp sy, sy dipukul terus", "complaint.abuse", urgency=CRIT)
    [opened] = c.of_type(OpenCase)
    assert opened.pin is not None
    assert opened.pin in r[0].text
    assert r[0].secret == opened.pin  # the console shows it masked


def test_a_mother_reporting_an_emergency_is_asked_about_her_daughter() -> None:
    """Issue 13, defect 7: a mother's own answers were saved as the worker's."""
    c = Convo()
    r = c.send(
        "anak saya di riyadh dipukuli majikannya tiap hari, tolong",
        "complaint.abuse",
        urgency=CRIT,
        country="Saudi Arabia",
    )
    [opened] = c.of_type(OpenCase)
    assert opened.reporter == "family"
    assert "Apakah dia aman sekarang?" in texts(r)
    assert "999" in texts(r)  # Saudi police
    r = c.press("safe:no")
    assert "Di mana dia sekarang?" in texts(r)
    assert "📎" not in texts(r)  # this channel cannot share a location
    r = c.send("di rumah majikan, daerah Al Olaya")
    # Then her own name and number: the officer calls the mother back, not the daughter.
    assert "Siapa nama Anda" in texts(r)
    assert c.state.name == "critical:ask_reporter"
    r = c.send("Bu Sumiati, ibunya, 0812 3456 7890")
    assert "Petugas akan menghubungi" in texts(r)
    assert c.state.name == "idle"
    fields = {k: v for u in c.of_type(UpdateCase) for k, v in u.fields.items()}
    assert fields == {
        "worker_safe_now": "no",
        "worker_location": "di rumah majikan, daerah Al Olaya",
        "reporter_name": "Bu Sumiati, ibunya",
        "reporter_contact": "0812 3456 7890",
    }


def test_a_worker_in_danger_is_not_asked_who_she_is() -> None:
    c = Convo()
    c.send("tolong majikan sy pukul sy", "complaint.abuse", urgency=CRIT, country="Malaysia")
    c.press("safe:no")
    r = c.send("Cheras")
    assert c.state.name == "idle"
    assert "Siapa nama Anda" not in texts(r)


@pytest.mark.parametrize(
    ("typed", "who"),
    [
        ("sy sendiri", "self"),
        ("utk adik sy", "family"),
        ("buat temen", "friend"),
        ("aku", "self"),
        ("orang lain", "other"),
        ("ibu saya", "family"),
    ],
)
def test_who_the_report_is_for_can_be_typed(typed: str, who: str) -> None:
    c = Convo(has_consent=True)
    c.send("mau lapor masalah gaji di hong kong", "complaint.unpaid_wages", country="Hong Kong")
    assert c.state.name == "intake:reporter"  # "mau lapor": nobody named, so it is asked
    c.send(typed)
    assert c.state.name != "intake:reporter"
    assert {k: v for u in c.of_type(UpdateCase) for k, v in u.fields.items()}["reporter"] == who


@pytest.mark.parametrize(
    ("typed", "safe", "time"),
    [
        ("ya bisa", "yes", None),
        ("jam 8 malam aja", "times", "jam 8 malam aja"),
        ("hari minggu saja, libur", "times", "hari minggu saja, libur"),
        ("jangan, majikan suka cek hp", "no", None),
    ],
)
def test_safe_to_contact_can_be_typed(typed: str, safe: str, time: str | None) -> None:
    c = Convo(has_consent=True)
    c.send(WAGES_TAIPEI, "complaint.unpaid_wages", country="Taiwan")
    c.send("Dewi")
    c.send("Taipei")
    assert c.state.name == "intake:safe_contact"
    c.send(typed)
    fields = {k: v for u in c.of_type(UpdateCase) for k, v in u.fields.items()}
    assert fields["safe_contact"] == safe
    assert fields.get("contact_time") == time
    # With the times given already, the next question is not "when is it safe?".
    assert c.state.name != "intake:contact_time" or time is None


def test_an_answer_that_fits_no_button_is_kept_after_one_reask() -> None:
    c = Convo(has_consent=True)
    c.send(WAGES_TAIPEI, "complaint.unpaid_wages", country="Taiwan")
    c.send("Dewi")
    c.send("Taipei")
    r = c.send("hmm gimana ya")
    assert c.state.name == "intake:safe_contact"
    assert "pilih salah satu tombol" in texts(r)
    r = c.send("majikan di rumah terus")
    assert c.state.name != "intake:safe_contact"  # nobody is held in a loop
    assert "apa adanya" in texts(r)
    fields = {k: v for u in c.of_type(UpdateCase) for k, v in u.fields.items()}
    assert fields["safe_contact_text"] == "majikan di rumah terus"


def test_not_sure_is_not_safe() -> None:
    c = Convo()
    c.send("tolong dia bawa pisau", "complaint.abuse", urgency=CRIT)
    # The dispatcher re-parses an answer to "are you safe?" (nlu): "belum" comes back critical.
    c.send("belum", "other.out_of_scope", urgency=CRIT)
    assert c.of_type(UpdateCase)[-1].fields == {"safe_now": "no"}


def _open_case(c: Convo, ref: str = "SGA-0001", status: str = "new") -> CaseSummary:
    now = c.clock()
    return CaseSummary(ref, "complaint.abuse", CRIT, status, now, now, country="MY")


def test_a_mothers_next_message_goes_to_her_open_case_not_a_new_report() -> None:
    """Issue 13 walkthrough: her follow-up started a second consent, a second form and a second
    case without the beating."""
    c = Convo()
    c.send("anak saya di malaysia dipukuli majikannya", "complaint.abuse", urgency=CRIT)
    c.press("safe:no")
    c.send("Kuala Lumpur")
    c.send("Bu Karsinah, 0813 1111 2222")
    assert c.state.name == "idle"
    c.cases = (_open_case(c),)  # what the dispatcher loads: her own case, still open
    r = c.send(
        "trs gmn kalo hp anak sy diambil majikannya",
        "complaint.lost_contact",
        urgency=Urgency.HIGH,
    )
    assert "SGA-0001" in texts(r)
    assert "setuju" not in texts(r).lower()  # no second consent question
    assert len(c.of_type(OpenCase)) == 1  # no second case
    assert "report" in payloads(r)  # a new report stays one button away
    # A new critical message raises the same case.
    r = c.send("tolong dia dikunci sekarang", "complaint.trafficking", urgency=CRIT)
    assert len(c.of_type(OpenCase)) == 1
    assert c.of_type(UpdateCase)[-1].reference == "SGA-0001"
    assert c.of_type(UpdateCase)[-1].urgency is CRIT
    assert "SGA-0001" in texts(r)


def test_a_closed_case_does_not_take_a_new_report() -> None:
    c = Convo(has_consent=True)
    c.cases = (_open_case(c, status="closed"),)
    c.send(WAGES_TAIPEI, "complaint.unpaid_wages", country="Taiwan")
    assert c.state.name.startswith("intake:")
    assert c.of_type(OpenCase)


def test_only_asking_at_the_consent_question_is_not_a_refusal_or_a_report() -> None:
    c = Convo()
    c.send("gaji sy blm dibayar 2 bln", "complaint.unpaid_wages")
    assert c.state.name == "intake:consent"
    r = c.send("sy gk mau lapor kak, cm nanya aja")
    assert "tulis pertanyaan" in texts(r)
    assert not c.of_type(RecordConsent)  # nothing to record: she did not refuse anything
    assert not c.of_type(OpenCase)


@pytest.mark.parametrize(
    ("typed", "granted"),
    [("gk mau, takut ketauan agensi", False), ("iya kak setuju", True), ("ok boleh", True)],
)
def test_consent_answers_as_people_type_them(typed: str, granted: bool) -> None:
    c = Convo()
    c.send("gaji sy blm dibayar 2 bln", "complaint.unpaid_wages")
    c.send(typed)
    assert c.of_type(RecordConsent) == [
        RecordConsent(granted=granted, text_version=CONSENT_VERSION)
    ]


def test_a_question_about_the_rules_is_answered_even_when_it_names_wages() -> None:
    c = Convo()
    r = c.send("gaji minimum taiwan brp", "complaint.unpaid_wages", confidence=0.95)
    assert c.state.name == "idle"
    assert not c.of_type(OpenCase)
    assert "report" in payloads(r)  # a report stays one button away


def test_status_times_are_in_the_workers_own_clock() -> None:
    from datetime import UTC, datetime

    at = datetime(2026, 12, 1, 4, 41, tzinfo=UTC)
    hk = CaseSummary("SGA-7KXM4P", "complaint.unpaid_wages", Urgency.NORMAL, "in_progress", at,
                     at, country="HK")  # fmt: skip
    assert "01/12/2026 12:41 (waktu setempat)" in render_case_status(hk, "id").text
    unknown = CaseSummary("SGA-7KXM4P", "complaint.other", Urgency.NORMAL, "new", at, at)
    assert "01/12/2026 11:41 (WIB)" in render_case_status(unknown, "id").text


def test_typed_answers_in_the_optional_details_and_a_correction_without_a_field() -> None:
    c = Convo(has_consent=True)
    c.send(WAGES_TAIPEI, "complaint.unpaid_wages", country="Taiwan")
    c.send("Dewi")
    c.send("Taipei")
    r = c.send("hanya mlm stlh jam 10, majikan sdh tdr")
    # Safe only at night: the number to call then is still asked (the web chat has none).
    assert c.state.name == "intake:phone"
    r = c.send("+886 912 345 678")
    assert c.state.name == "intake:summary"
    r = c.send("eh salah kak, sy di tamsui bkn taipei")
    assert "edit:where" in payloads(r)  # which answer? the edit menu, not the summary again
    c.press("edit:where")
    r = c.send("Tamsui")
    assert "Tamsui" in texts(r)
    r = c.press("submit")
    assert "foto" not in texts(r)  # this channel (web chat) cannot send photos
    c.press("extras")
    c.send("-")  # employer
    c.send("-")  # agency abroad
    c.send("-")  # P3MI
    assert c.state.name == "intake:documented"
    c.send("iya resmi kak")
    fields = {k: v for u in c.of_type(UpdateCase) for k, v in u.fields.items()}
    assert fields["documented"] == "yes"


OFFER = (
    "Dibutuhkan caregiver Taiwan, gaji 30rb NTD, biaya proses 45 juta bayar di muka, berangkat "
    "pakai visa turis, paspor dipegang agensi"
)


def test_a_pasted_offer_names_the_fee_and_the_passport_and_skips_what_it_says() -> None:
    """Issue 13 walkthrough: the worst signs of this offer were missed, the destination was
    asked although Taiwan is in the text, and the counter jumped from 5/7 to 7/7."""
    c = Convo()
    c.press("jobcheck")
    r = c.send(OFFER, "faq.job_offer_check")
    assert "Kamboja" not in texts(r)
    asked = []
    while c.state.name.startswith("jobcheck:q"):
        asked.append(texts(r).splitlines()[-1].split(" ", 1)[0])
        r = c.press("no")
    assert asked == [f"{i}/{len(asked)}" for i in range(1, len(asked) + 1)]
    result = texts(r)
    assert "UU 18/2017 Pasal 30" in result
    assert "Paspor akan dipegang" in result
    assert "Visa turis" in result
    assert "report:complaint.trafficking" in payloads(r)


def test_an_offer_typed_with_a_question_is_checked_at_once() -> None:
    c = Convo()
    r = c.send(f"kak ini loker aman gk? {OFFER}", "faq.placement_cost")
    assert c.state.name.startswith("jobcheck:q")
    assert "saya sudah melihat" in texts(r)


def test_how_to_clear_the_chat_from_the_phone_is_not_an_erasure_request() -> None:
    c = Convo(channel="webchat")
    r = c.send("gmn cara hapus chat ini dr hp sy? takut dibaca majikan")
    assert not c.of_type(RequestErasure)
    assert "Keluar & hapus dari HP ini" in texts(r)
    assert c.state.name == "idle"
    r = Convo(channel="whatsapp").send("cara hapus percakapan ini di hp gimana")
    assert "Hapus chat" in texts(r)
    r = Convo().send("tolong hapus data saya")
    assert "hapus" in texts(r).lower()
