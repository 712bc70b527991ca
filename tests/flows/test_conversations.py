"""Scripted conversations over run_turn: what the worker sees, and what reaches the officers."""

from __future__ import annotations

import pytest

from flows.router import (
    handback_reply,
    render_case_status,
    safety_fallback_reply,
    status_change_reply,
)
from flows.texts import CONSENT_VERSION
from flows.types import (
    CaseSummary,
    LookupCase,
    MediaRef,
    OpenCase,
    RecordConsent,
    RequestHandoff,
    UpdateCase,
)
from nlu.types import Urgency
from tests.flows.builders import T0, Convo, payloads, texts

CRIT = Urgency.CRITICAL


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
    c = Convo()
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

    c.press("consent:yes")
    assert c.of_type(RecordConsent) == [RecordConsent(granted=True, text_version=CONSENT_VERSION)]
    r = c.press("reporter:self")
    [opened] = c.of_type(OpenCase)
    assert opened.reporter == "self"
    assert opened.intent == "complaint.unpaid_wages"
    assert opened.fields["country"] == "HK"  # taken from the first message, not asked again
    assert opened.pin
    assert "your name" in texts(r)

    c.send("Siti Aminah")
    c.clock.advance(minutes=5)
    c.restart()  # the process restarts mid-form: the state comes back from JSON
    r = c.send("Kowloon")
    assert "employer" in texts(r)
    c.press("skip")  # employer
    c.send("skip")  # agency abroad, typed
    c.send("PT Maju Jaya")  # P3MI
    c.send("-")  # passport number skipped with a dash
    r = c.press("doc:no")
    assert "We help undocumented workers too" in texts(r)
    assert "Unpaid or cut wages" in texts(r)  # the NLU's category, to confirm
    c.press("cat:ok")
    c.send("No salary since August")
    c.send("August 2026")
    r = c.send("", media=(MediaRef(kind="image", url="media/1"),))
    assert "Received (1)" in texts(r)
    c.press("done")
    c.press("skip")  # location
    r = c.press("contact:times")
    assert "When and how" in texts(r)
    r = c.send("Sunday 10-12")
    summary = texts(r)
    assert "Siti Aminah" in summary
    assert "Hong Kong" in summary
    assert "PT Maju Jaya" in summary
    assert "Employer" not in summary  # skipped answers are left out
    r = c.press("submit")
    assert "SGA-0001" in texts(r)
    assert opened.pin in texts(r)
    assert "at the time you gave" in texts(r)
    final = c.of_type(UpdateCase)[-1]
    assert final.submitted
    assert final.fields["documented"] == "no"
    assert final.fields["employer"] is None
    assert final.fields["media"] == [
        {"kind": "image", "url": "media/1", "mime_type": None, "caption": None}
    ]
    assert c.state.name == "idle"


def test_family_member_reports_in_indonesian() -> None:
    c = Convo(has_consent=True)  # consent recorded on an earlier visit: not asked again
    r = c.send(
        "anak saya di malaysia tidak bisa dihubungi sejak 2 bulan",
        "complaint.lost_contact",
        urgency=Urgency.HIGH,
    )
    assert "Jika perlu bantuan cepat" in texts(r)  # high urgency: numbers before the form
    assert "0800-1000" in texts(r)
    assert c.state.name == "intake:reporter"
    r = c.press("reporter:family")
    [opened] = c.of_type(OpenCase)
    assert opened.reporter == "family"
    assert opened.urgency is Urgency.HIGH
    assert "nama pekerja migran" in texts(r)  # asks about the worker, not the reporter
    c.send("Rina")
    r = c.send("x")  # city (country was in the message)
    assert c.state.name == "intake:employer"
    for _ in range(4):
        c.press("skip")
    r = c.press("doc:unsure")
    assert "Hilang kontak" in texts(r)
    r = c.press("cat:change")
    assert "cat:complaint.trafficking" in payloads(r)
    c.press("cat:complaint.trafficking")
    assert any(u.intent == "complaint.trafficking" for u in c.of_type(UpdateCase))
    assert c.state.data["fields"]["category"] == "complaint.trafficking"


def test_consent_refused_gives_hotlines_and_anonymous_tip() -> None:
    c = Convo()
    c.send("saya ditipu calo, uang saya dibawa lari", "complaint.trafficking")
    r = c.send("tidak")
    assert c.of_type(RecordConsent) == [RecordConsent(granted=False, text_version=CONSENT_VERSION)]
    assert "+62 21 2924 4800" in texts(r)
    assert "tip" in payloads(r)
    assert not c.of_type(OpenCase)
    c.press("tip")
    r = c.send("calo namanya Pak X di desa Y, janji kerja di Kamboja", "complaint.trafficking")
    [tip] = c.of_type(OpenCase)
    assert tip.fields["anonymous_tip"] is True
    assert tip.pin is None
    assert tip.reference in texts(r)


def test_cancel_mid_intake_withdraws_the_open_case() -> None:
    c = Convo(has_consent=True)
    c.send("paspor saya ditahan majikan", "complaint.document_withheld")
    c.press("reporter:self")
    r = c.send("batal")
    assert "dibatalkan" in texts(r)
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
    assert c.of_type(UpdateCase)[-1].fields == {"name": "Dewi"}


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
    assert c.state.name == "intake:country"
    assert "negara" in texts(r)


def test_handoff_then_silence_then_safety_then_handback() -> None:
    c = Convo()
    r = c.send("saya mau bicara dengan petugas", "handoff.human")
    [handoff] = c.of_type(RequestHandoff)
    assert handoff.urgency is Urgency.NORMAL
    assert c.state.name == "handoff:active"
    assert "petugas" in texts(r)
    r = c.send("halo? ada orang?", "smalltalk.greeting")
    assert r == ()  # an operator owns the conversation: the bot is silent
    r = c.send("majikan datang mau pukul saya", "complaint.abuse", urgency=CRIT)
    assert "0800-1000" in texts(r)
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
    assert "Sources" in r[0].text


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
    assert "Sumber" in text
    assert "satu sumber" in text  # single-source content is never stated as certain
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
    r = other.send("SGA-0042 4321")
    assert r == ()
    assert other.of_type(LookupCase) == [LookupCase(reference="SGA-0042", pin="4321")]
    r = other.send("cek status SGA-0042")  # no PIN and not the owner: asked for both
    assert not other.of_type(LookupCase)[1:]


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
    assert c.state.name == "intake:name"
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
