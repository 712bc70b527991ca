"""Scripted conversations through the web chat API: the real NLU, dispatcher and database.

These are the issue's "done when" checks: many turns, both languages, a restart of the whole
app in the middle of a report, skipped answers, a family member reporting, and a critical
message in the middle of a FAQ conversation.
"""

from __future__ import annotations

from typing import Any

from tests.support.webchat import WebChat


def _text(replies: list[dict[str, Any]]) -> str:
    return "\n".join(str(r["text"]) for r in replies)


def _payloads(replies: list[dict[str, Any]]) -> list[str]:
    return [str(b["payload"]) for r in replies for b in r.get("buttons") or ()]


async def test_report_in_indonesian_survives_a_restart_and_can_be_checked(
    webchat: WebChat,
) -> None:
    s = "wc-id-self"
    r = await webchat.send(s, "halo")
    assert "Siaga" in _text(r)
    assert "report" in _payloads(r)

    r = await webchat.send(s, "gaji saya tidak dibayar majikan sudah 3 bulan di hong kong")
    assert "setuju" in _text(r).lower()
    assert "consent:yes" in _payloads(r)
    r = await webchat.send(s, "Setuju", payload="consent:yes")
    # "gaji saya": she reports for herself; the form does not ask who the report is for.
    assert "Laporan ini untuk siapa?" not in _text(r)
    assert "nama Anda" in _text(r)
    await webchat.send(s, "Siti")

    await webchat.restart()  # the whole app restarts in the middle of the form

    r = await webchat.send(s, "Kowloon")  # the country came from the first message
    # The story was in the first message; the web chat has no phone number, so it asks
    # whether contact through this chat is safe (no "📎 > Lokasi" here: the page has none).
    assert "lewat chat ini" in _text(r)
    assert "📎" not in _text(r)
    r = await webchat.send(s, "Ya, aman", payload="contact:yes")
    assert "nomor HP" in _text(r)
    r = await webchat.send(s, "+852 9123 4567")
    summary = _text(r)
    assert "Siti" in summary
    assert "Hong Kong" in summary
    assert "Kowloon" in summary
    assert "submit" in _payloads(r)
    r = await webchat.send(s, "tunggu, nama sy salah")  # defect 1: this crashed
    assert "nama Anda" in _text(r)
    r = await webchat.send(s, "Siti Aminah")
    assert "Siti Aminah" in _text(r)
    r = await webchat.send(s, "Kirim laporan", payload="submit")
    done = _text(r)
    assert "Laporan terkirim" in done
    assert "PIN" in done
    r = await webchat.send(s, "Selesai", payload="finish")

    r = await webchat.send(s, "cek status")
    assert "Status" in _text(r)
    assert "Gaji tidak dibayar" in _text(r)

    # Defects 2 and 3: the queue shows her name and country.
    from storage.models import Case
    from tests.support.e2e import count

    assert webchat.server is not None
    assert (
        await count(
            webchat.server, Case, Case.affected_name == "Siti Aminah", Case.country == "HK"
        )
        == 1
    )


async def test_critical_message_in_the_middle_of_an_english_faq(webchat: WebChat) -> None:
    s = "wc-en-crit"
    r = await webchat.send(s, "how much is the placement fee to go to Taiwan?")
    assert "Taiwan" in _text(r)
    assert "faq:more" in _payloads(r)  # the answer goes on in parts; sources with the last

    r = await webchat.send(s, "help me, my employer is beating me right now in Taiwan")
    text = _text(r)
    assert "alerted" in text
    assert "+886 901 132 000" in text  # KDEI Taipei, from the directory
    assert "+62 812 9007 0027" in text  # Foreign Ministry hotline
    assert "Are you safe right now?" in text
    r = await webchat.send(s, "Not safe", payload="safe:no")
    assert "Where are you now?" in _text(r)
    r = await webchat.send(s, "Taoyuan, near the station")
    assert "An officer will contact you" in _text(r)

    r = await webchat.send(s, "I want to talk to a human")
    assert "passing you to an officer" in _text(r)
    r = await webchat.send(s, "hello? is anyone there")
    assert r == []  # an operator owns the conversation: the bot stays quiet


async def test_family_member_reports_lost_contact_and_cancels(webchat: WebChat) -> None:
    s = "wc-id-family"
    r = await webchat.send(s, "adik saya kerja di malaysia sudah 2 bulan tidak bisa dihubungi")
    text = _text(r)
    assert "0800-1000" in text  # high urgency: the lines come before the consent question
    r = await webchat.send(s, "Setuju", payload="consent:yes")
    assert "nama Anda (pelapor)" in _text(r)  # "adik saya": a family member, not asked
    await webchat.send(s, "Bu Sumi")
    r = await webchat.send(s, "0812 3456 7890")
    assert "nama pekerja migran" in _text(r)
    await webchat.send(s, "Rina")
    r = await webchat.send(s, "Johor")
    assert "Rina" in _text(r)
    r = await webchat.send(s, "batal")
    assert "dibatalkan" in _text(r)
    r = await webchat.send(s, "terima kasih")
    assert "Sama-sama" in _text(r)


async def _to_the_employer_question(webchat: WebChat, s: str) -> None:
    """A report sent, then the optional details: the employer's name is asked there."""
    r = await webchat.send(
        s, "paspor sy ditahan agen di kuching malaysia, sy mau pulang tp gk dikasih"
    )
    assert "consent:yes" in _payloads(r)
    await webchat.send(s, "Setuju", payload="consent:yes")
    await webchat.send(s, "Untuk diri sendiri", payload="reporter:self")
    await webchat.send(s, "Wati")
    await webchat.send(s, "Kuching")
    await webchat.send(s, "Ya, aman", payload="contact:yes")
    await webchat.send(s, "Lewati", payload="skip")  # phone
    await webchat.send(s, "Kirim laporan", payload="submit")
    r = await webchat.send(s, "Tambah keterangan", payload="extras")
    assert "majikan" in _text(r)


async def _critical_cases(webchat: WebChat) -> int:
    from storage.models import Case
    from tests.support.e2e import count

    assert webchat.server is not None
    return await count(webchat.server, Case, Case.urgency == "critical")


async def test_a_form_answer_with_an_alarming_word_does_not_raise_the_case(
    webchat: WebChat,
) -> None:
    s = "wc-answer-benign"
    await _to_the_employer_question(webchat, s)
    r = await webchat.send(s, "gk tau nama majikannya")  # the false alarm
    text = _text(r)
    assert "aman" not in text.lower() or "Apakah Anda aman" not in text
    assert "agensi" in text.lower()  # the form goes on: the next question
    assert await _critical_cases(webchat) == 0


async def test_a_real_emergency_typed_mid_form_interrupts_it(webchat: WebChat) -> None:
    s = "wc-answer-emergency"
    await _to_the_employer_question(webchat, s)
    r = await webchat.send(s, "Mr Tan. tolong dia lg mukulin sy pake kayu skrg")
    text = _text(r)
    assert "Apakah Anda aman sekarang?" in text, text
    assert "999" in text, text  # Malaysia's emergency number
    assert await _critical_cases(webchat) == 1


async def test_suicidal_thoughts_get_a_crisis_line_for_the_country(webchat: WebChat) -> None:
    s = "wc-crisis-hk"
    r = await webchat.send(
        s, "i dont want to live anymore, everything too heavy here in hong kong"
    )
    text = _text(r)
    assert "You are not alone" in text
    assert "2896 0000" in text  # The Samaritans Hong Kong, 24 hours (docs/facts.md §9.3)
    assert "999" in text  # the emergency services
    assert "+852 6773 0466" in text  # the Indonesian consulate
    assert "+62 812 9007 0027" in text  # the Foreign Ministry's hotline
    assert "0800-1000" in text  # the ministry's call centre
    assert "2157 9537" not in text  # a labour office is no help tonight
    assert await _critical_cases(webchat) == 1


async def test_other_emergencies_get_no_crisis_line(webchat: WebChat) -> None:
    r = await webchat.send("wc-fire-hk", "asrama kebakaran, kami kejebak di lantai 3 di hong kong")
    text = _text(r)
    assert "999" in text
    assert "2896 0000" not in text
    assert "Anda tidak sendirian" not in text
