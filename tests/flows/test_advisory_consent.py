"""Safety advisories: a separate yes, and STOP at once (issue 16, docs/advisories.md)."""

from __future__ import annotations

import pytest

from flows.types import RecordAdvisoryConsent, RecordConsent
from tests.flows.builders import Convo, payloads, texts


def _report(c: Convo) -> None:
    """A worker's report from the first message to "finish" after sending it."""
    c.send(
        "gaji saya sudah 3 bulan tidak dibayar majikan di Taipei, tolong dibantu",
        "complaint.unpaid_wages",
        country="Taiwan",
    )
    for _ in range(12):
        step = c.state.name
        if step == "intake:summary":
            break
        if step == "intake:reporter":
            c.press("reporter:self")
        elif step == "intake:safe_contact":
            c.press("contact:yes")
        else:
            c.send("Dewi" if step == "intake:worker_name" else "Taipei")
    c.press("submit")


def test_offered_after_a_report_as_a_separate_question() -> None:
    c = Convo(has_consent=True)
    _report(c)
    assert not c.of_type(RecordAdvisoryConsent)  # never bundled with the report
    r = c.press("finish")
    assert "advisory:yes" in payloads(r)
    assert "advisory:no" in payloads(r)
    assert "STOP" in texts(r)
    r = c.send("ya")  # typed, not pressed
    assert c.of_type(RecordAdvisoryConsent) == [RecordAdvisoryConsent(granted=True)]
    assert "STOP" in texts(r)


def test_not_offered_again_once_answered() -> None:
    c = Convo(has_consent=True, advisory_opt_in=False)
    _report(c)
    r = c.press("finish")
    assert "advisory:yes" not in payloads(r)


def test_from_the_menu_and_no_is_recorded_as_no() -> None:
    c = Convo()
    r = c.send("menu")
    assert "advisory:offer" in payloads(r)
    r = c.press("advisory:offer")
    assert "advisory:yes" in payloads(r)
    assert not c.of_type(RecordConsent)  # the report consent is not asked for this
    c.press("advisory:no")
    assert c.of_type(RecordAdvisoryConsent) == [RecordAdvisoryConsent(granted=False)]


@pytest.mark.parametrize("word", ["STOP", "berhenti", "Stop", "unsubscribe"])
def test_stop_opts_out_at_once_with_a_confirmation(word: str) -> None:
    c = Convo(advisory_opt_in=True)
    r = c.send(word)
    assert c.of_type(RecordAdvisoryConsent) == [RecordAdvisoryConsent(granted=False)]
    assert "berhenti menerima info keselamatan" in texts(r)
    assert c.advisory_opt_in is False


def test_the_button_on_an_advisory_opts_out_in_english_too() -> None:
    c = Convo(advisory_opt_in=True)
    c.send("hello", "smalltalk.greeting", lang="en")
    r = c.press("advisory:stop")
    assert c.of_type(RecordAdvisoryConsent) == [RecordAdvisoryConsent(granted=False)]
    assert "no longer receive safety advisories" in texts(r)


def test_stop_in_a_report_also_cancels_it_for_a_subscriber() -> None:
    c = Convo(has_consent=True, advisory_opt_in=True)
    c.send("gaji saya tidak dibayar di Taipei", "complaint.unpaid_wages", country="Taiwan")
    assert c.state.name.startswith("intake:")
    r = c.send("stop")
    assert c.of_type(RecordAdvisoryConsent) == [RecordAdvisoryConsent(granted=False)]
    assert c.state.name == "idle"
    assert "berhenti menerima info keselamatan" in texts(r)
    assert "Laporan dibatalkan" in texts(r)


def test_stop_from_a_non_subscriber_keeps_its_old_meaning() -> None:
    c = Convo(has_consent=True)
    c.send("gaji saya tidak dibayar di Taipei", "complaint.unpaid_wages", country="Taiwan")
    c.send("stop")
    assert not c.of_type(RecordAdvisoryConsent)


def test_stop_is_recorded_even_while_an_officer_owns_the_conversation() -> None:
    from flows.types import ConversationState

    c = Convo(advisory_opt_in=True)
    c.state = ConversationState(name="handoff:active", data={}, language="id")
    r = c.send("STOP")
    assert c.of_type(RecordAdvisoryConsent) == [RecordAdvisoryConsent(granted=False)]
    assert r  # confirmed
    assert c.state.name == "handoff:active"  # the officer keeps the conversation
