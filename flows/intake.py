"""Complaint intake: consent, then only what the command centre needs to act, then "send".

The order follows what an officer needs first (issue 13): who is reporting and for whom, where
the worker is, what happened, and whether it is safe to make contact. The story is taken from the
first message, and whatever that message already says (the country, that it is about a sister)
is filled in without asking. The summary lets the person change any answer before sending.
Everything else (employer, agency, documents, photos) is offered after the report is sent, so a
report is never held back by a long form.

State names are ``intake:consent``, ``intake:<step>`` for each step of :data:`STEPS`,
``intake:summary``, ``intake:edit`` (choosing what to change) and ``intake:resume`` (the person
came back after hours). The answers live in ``state.data["fields"]``, so the flow survives
restarts: nothing is kept in memory.

The case is opened as soon as consent is given (or at once when it was given before), and every
answer is merged into it with ``UpdateCase``: if the person stops half-way, what they told us
still reaches an officer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flows import faq, states
from flows.common import CANCEL, DONE, NO, SKIP, UNSURE, YES, Ctx, btn, finish, main_menu, norm
from flows.safety import (
    PHONE_NUMBER,
    complaint_intent,
    country_code,
    emergency_lines,
    name_from_text,
    reporter_answer,
    reporter_from_text,
)
from flows.texts import CATEGORY_LABELS, CONSENT_VERSION, NATIONAL_LINES, label, t
from flows.types import (
    LOCATION,
    MEDIA,
    PHONE,
    Button,
    Effect,
    OpenCase,
    RecordConsent,
    Reply,
    TurnResult,
    UpdateCase,
)
from knowledge.directory import Directory
from nlu.types import Urgency

RESUME_AFTER = timedelta(hours=6)
CATEGORY_CHOICES: tuple[str, ...] = (
    "complaint.unpaid_wages",
    "complaint.abuse",
    "complaint.sexual_abuse",
    "complaint.document_withheld",
    "complaint.working_conditions",
    "complaint.wants_repatriation",
    "complaint.illness_injury",
    "complaint.lost_contact",
    "complaint.trafficking",
    "complaint.other",
)
COUNTRY_CHOICES: tuple[str, ...] = ("MY", "TW", "HK", "SA", "SG", "KR", "JP")
# A first message that tells this much is the story: "what happened?" is not asked again.
STORY_MIN_WORDS = 6

SUBMITTED = "submitted"  # state data: the report was sent; the steps now are the optional extras
EDITING = "editing"  # state data: the step being changed from the summary
MISSED = "missed"  # state data: the step whose answer matched no button once already


def _directory(ctx: Ctx) -> Directory:
    return ctx.deps.retriever.directory


def _fields(data: Mapping[str, Any]) -> dict[str, Any]:
    return dict(data.get(states.FIELDS) or {})


def _other(data: Mapping[str, Any]) -> bool:
    """The report is about someone else (family, friend): questions say "dia", not "Anda"."""
    return bool(_fields(data).get("reporter", "self") != "self")


def _who(data: Mapping[str, Any]) -> str:
    return "other" if _other(data) else "self"


def _skip_cancel(lang: str) -> tuple[Button, ...]:
    return (btn("btn.skip", "skip", lang), btn("btn.cancel", "cancel", lang))


# --- the steps -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One question of the form: when it is asked, how it is asked, how its answer is taken.

    ``ask`` builds the question; ``take`` turns the answer into the value stored under
    ``name`` (or returns a TurnResult when the turn ends otherwise, e.g. the question asked
    again); ``needed`` says whether the question applies to this report at all. ``extra`` steps
    are offered only after the report was sent.
    """

    name: str
    ask: Callable[[Ctx, Mapping[str, Any]], Reply]
    take: Callable[[_Turn], Any]
    needed: Callable[[Ctx, Mapping[str, Any]], bool] = lambda _ctx, _data: True
    extra: bool = False
    always_take: bool = False  # run ``take`` even when the person skips


@dataclass
class _Turn:
    """One answer being taken: the working data, and what the turn adds to the case."""

    ctx: Ctx
    step: str
    data: dict[str, Any]
    fields: dict[str, Any]
    effects: list[Effect] = field(default_factory=list)
    pre: list[Reply] = field(default_factory=list)

    @property
    def ref(self) -> str | None:
        """The case the answers go to."""
        ref = self.data.get(states.REF)
        return str(ref) if ref else None

    @property
    def text(self) -> str:
        """What the person typed, trimmed."""
        return self.ctx.turn.text.strip()

    def store(self, values: Mapping[str, Any]) -> None:
        """Keep answers in the state and merge them into the case."""
        self.fields.update(values)
        if self.ref:
            self.effects.append(UpdateCase(reference=self.ref, fields=dict(values)))


_KEEP = object()  # the step stored what it needed itself: nothing more to store


def _choice(ctx: Ctx, prefix: str, typed: Mapping[str, str]) -> str | None:
    """The value of a ``prefix:value`` button, or a typed synonym mapped by ``typed``."""
    if ctx.payload and ctx.payload.startswith(prefix + ":"):
        return ctx.payload.split(":", 1)[1]
    return typed.get(ctx.text)


def _plain_question(key: str) -> Callable[[Ctx, Mapping[str, Any]], Reply]:
    def ask(ctx: Ctx, data: Mapping[str, Any]) -> Reply:
        return Reply(t(key, ctx.lang), _skip_cancel(ctx.lang))

    return ask


def _who_question(key: str) -> Callable[[Ctx, Mapping[str, Any]], Reply]:
    def ask(ctx: Ctx, data: Mapping[str, Any]) -> Reply:
        return Reply(t(f"{key}.{_who(data)}", ctx.lang), _skip_cancel(ctx.lang))

    return ask


def _free_text(a: _Turn) -> Any:
    return a.text


_REPORTER_WORDS = {
    "saya": "self",
    "sendiri": "self",
    "saya sendiri": "self",
    "diri sendiri": "self",
    "myself": "self",
    "me": "self",
    "keluarga": "family",
    "family": "family",
    "teman": "friend",
    "friend": "friend",
    "orang lain": "other",
    "someone else": "other",
}


def _ask_reporter(ctx: Ctx, data: Mapping[str, Any]) -> Reply:
    return Reply(
        t("q.reporter", ctx.lang),
        (
            btn("btn.self", "reporter:self", ctx.lang),
            btn("btn.family", "reporter:family", ctx.lang),
            btn("btn.friend", "reporter:friend", ctx.lang),
            btn("btn.other_person", "reporter:other", ctx.lang),
            btn("btn.cancel", "cancel", ctx.lang),
        ),
    )


def _take_reporter(a: _Turn) -> Any:
    if is_skip(a.ctx):
        return "other"
    who = _choice(a.ctx, "reporter", _REPORTER_WORDS) or reporter_answer(a.ctx.turn.text)
    return who if who is not None else _repeat(a.ctx, a.step, a.data)


def _ask_where(ctx: Ctx, data: Mapping[str, Any]) -> Reply:
    fields = _fields(data)
    directory = _directory(ctx)
    known = directory.lookup(str(fields.get("country") or ""))
    if known is not None:
        return Reply(
            t(f"q.city.{_who(data)}", ctx.lang, country=known.name(ctx.lang)),
            _skip_cancel(ctx.lang),
        )
    buttons = tuple(
        Button(directory.countries[c].name(ctx.lang), f"country:{c}")
        for c in COUNTRY_CHOICES
        if c in directory.countries
    )
    return Reply(t(f"q.place.{_who(data)}", ctx.lang), buttons + _skip_cancel(ctx.lang))


def _take_where(a: _Turn) -> Any:
    """A country button, or typed text: a country, a city, or "city, country"."""
    directory = _directory(a.ctx)
    code = _choice(a.ctx, "country", {})
    if code and directory.lookup(code) is not None:
        a.store({"country": code})
        return _KEEP
    found = directory.lookup(a.text) or directory.find_in_text(a.text)
    values: dict[str, Any] = {}
    if found is not None:
        values["country"] = found.code
        city = a.text
        # "Kuala Lumpur" is a city (it names Malaysia); "Malaysia" alone names no city.
        if norm(city) not in {norm(found.name("id")), norm(found.name("en"))}:
            values["city"] = city
    elif a.fields.get("country"):
        values["city"] = a.text
    else:
        values["country"] = a.text  # a country the directory does not know: kept as typed
    a.store(values)
    return _KEEP


def _needs_where(ctx: Ctx, data: Mapping[str, Any]) -> bool:
    fields = _fields(data)
    return not (fields.get("country") and fields.get("city"))


def _needs_story(ctx: Ctx, data: Mapping[str, Any]) -> bool:
    return not _fields(data).get("details")


def _ask_safe_contact(ctx: Ctx, data: Mapping[str, Any]) -> Reply:
    fields = _fields(data)
    here = t("here.phone" if PHONE in ctx.turn.features else "here.chat", ctx.lang)
    text = t(
        f"q.safe_contact.{_who(data)}",
        ctx.lang,
        here=here,
        name=fields.get("worker_name") or t("the_worker", ctx.lang),
    )
    return Reply(
        text,
        (
            btn("btn.contact_yes", "contact:yes", ctx.lang),
            btn("btn.contact_no", "contact:no", ctx.lang),
            btn("btn.contact_times", "contact:times", ctx.lang),
            *_skip_cancel(ctx.lang),
        ),
    )


_AT_TIMES = re.compile(
    r"\b(?:jam|pukul|pagi|siang|sore|malam|minggu|sabtu|libur|off|weekend|after|before|only|"
    r"hanya|cuma|kalau|klo|kalo|setelah|habis|sebelum|when|morning|evening|night)\b|\d{1,2}[.:]\d{2}",
    re.IGNORECASE,
)
_NOT_SAFE = re.compile(
    r"\b(?:tidak|tdk|gak|ga|gk|nggak|ngga|enggak|jangan|bahaya|no|not|don't|dont|never)\b",
    re.IGNORECASE,
)
_SAFE = re.compile(r"^(?:ya|iya|iy|y|yes|bisa|boleh|aman|ok|oke|okay|okey|silakan|sure)\b", re.I)


def _take_safe_contact(a: _Turn) -> Any:
    """A button, or what people type: "ya bisa", "jam 8 malam aja", "jangan, majikan baca hp"."""
    value = _choice(a.ctx, "contact", {**dict.fromkeys(YES, "yes"), **dict.fromkeys(NO, "no")})
    if value is not None:
        return value
    text = a.text
    if _NOT_SAFE.search(text) and not _AT_TIMES.search(text):
        return "no"
    if _AT_TIMES.search(text):  # safe only then: the times are the answer to the next question
        a.store({"contact_time": text})
        return "times"
    if found := PHONE_NUMBER.search(text):
        a.store({"phone": found.group(0).strip()})
        return "yes"
    if _SAFE.match(norm(text)):
        return "yes"
    return _repeat(a.ctx, a.step, a.data)


def _needs_contact_time(ctx: Ctx, data: Mapping[str, Any]) -> bool:
    fields = _fields(data)
    return fields.get("safe_contact") in ("no", "times") and not fields.get("contact_time")


def _needs_phone(ctx: Ctx, data: Mapping[str, Any]) -> bool:
    """The worker's own phone, where the channel does not give it and calling is safe."""
    fields = _fields(data)
    return (
        PHONE not in ctx.turn.features
        and not _other(data)
        and fields.get("safe_contact") in ("yes", "times")
        and not fields.get("phone")
    )


def _needs_reporter_contact(ctx: Ctx, data: Mapping[str, Any]) -> bool:
    """How to reach a family member who reports, where the channel does not give a number."""
    return _other(data) and PHONE not in ctx.turn.features


def _ask_documented(ctx: Ctx, data: Mapping[str, Any]) -> Reply:
    return Reply(
        t(f"q.documented.{_who(data)}", ctx.lang),
        (
            btn("btn.doc_yes", "doc:yes", ctx.lang),
            btn("btn.doc_no", "doc:no", ctx.lang),
            btn("btn.unsure", "doc:unsure", ctx.lang),
            *_skip_cancel(ctx.lang),
        ),
    )


_YES_NO = {
    **dict.fromkeys(YES, "yes"),
    **dict.fromkeys(NO, "no"),
    **dict.fromkeys(UNSURE, "unsure"),
}


def _yes_no_typed(text: str) -> str | None:
    """ "iya resmi", "gk tau kak", "tidak, lewat calo": the answer at the start of a sentence."""
    if any(text.startswith(u) for u in UNSURE):
        return "unsure"
    if _NOT_SAFE.match(text):
        return "no"
    if _SAFE.match(text):
        return "yes"
    return None


def _take_documented(a: _Turn) -> Any:
    value = _choice(a.ctx, "doc", _YES_NO) or _yes_no_typed(a.ctx.text)
    if value is None:
        return _repeat(a.ctx, a.step, a.data)
    if value in ("no", "unsure"):
        a.pre.append(Reply(t("undocumented_ok", a.ctx.lang)))
    return value


def _ask_media(ctx: Ctx, data: Mapping[str, Any]) -> Reply:
    media = _fields(data).get("media") or []
    text = t("media_received", ctx.lang, count=len(media)) if media else t("q.media", ctx.lang)
    return Reply(
        text,
        (
            btn("btn.done", "done", ctx.lang),
            btn("btn.skip", "skip", ctx.lang),
            btn("btn.cancel", "cancel", ctx.lang),
        ),
    )


def _take_media(a: _Turn) -> Any:
    ctx = a.ctx
    if not is_skip(ctx) and not (ctx.payload == "done" or ctx.text in DONE) and a.text:
        # A typed note instead of a file: keep it as a note and move on.
        a.store({"media_note": a.text})
    return _KEEP


def _ask_location(ctx: Ctx, data: Mapping[str, Any]) -> Reply:
    key = "q.location.pin" if LOCATION in ctx.turn.features else "q.location.text"
    return Reply(t(key, ctx.lang), _skip_cancel(ctx.lang))


def _take_location(a: _Turn) -> Any:
    loc = a.ctx.turn.location
    if loc is not None:
        return {"latitude": loc.latitude, "longitude": loc.longitude, "label": loc.label}
    return a.text


def _has(feature: str) -> Callable[[Ctx, Mapping[str, Any]], bool]:
    return lambda ctx, _data: feature in ctx.turn.features


# The form, in the order the questions are asked. A step whose answer is already known (filled
# from the first message, or answered before) is not asked.
STEPS: tuple[Step, ...] = (
    Step("reporter", _ask_reporter, _take_reporter, always_take=True),
    Step(
        "reporter_name",
        _plain_question("q.reporter_name"),
        _free_text,
        needed=lambda _ctx, data: _other(data),
    ),
    Step(
        "reporter_contact",
        _plain_question("q.reporter_contact"),
        _free_text,
        needed=_needs_reporter_contact,
    ),
    Step("worker_name", _who_question("q.name"), _free_text),
    Step("where", _ask_where, _take_where, needed=_needs_where),
    Step("details", _plain_question("q.details"), _free_text, needed=_needs_story),
    Step("safe_contact", _ask_safe_contact, _take_safe_contact),
    Step(
        "contact_time", _plain_question("q.contact_time"), _free_text, needed=_needs_contact_time
    ),
    Step("phone", _plain_question("q.phone"), _free_text, needed=_needs_phone),
    # --- offered after sending ---
    Step("employer", _plain_question("q.employer"), _free_text, extra=True),
    Step("agency_abroad", _plain_question("q.agency_abroad"), _free_text, extra=True),
    Step("p3mi", _plain_question("q.p3mi"), _free_text, extra=True),
    Step("documented", _ask_documented, _take_documented, extra=True),
    Step("since", _plain_question("q.since"), _free_text, extra=True),
    Step("id_number", _plain_question("q.id_number"), _free_text, extra=True),
    Step("media", _ask_media, _take_media, needed=_has(MEDIA), extra=True, always_take=True),
    Step("location", _ask_location, _take_location, extra=True),
)
BY_NAME: dict[str, Step] = {s.name: s for s in STEPS}
# What the summary lists and lets the person change, in this order.
EDITABLE: tuple[str, ...] = (
    "reporter",
    "reporter_name",
    "reporter_contact",
    "worker_name",
    "where",
    "category",
    "details",
    "safe_contact",
    "contact_time",
    "phone",
)
# Typed words that say which answer the person wants to change at the summary.
_EDIT_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(negara|kota|country|city|lokasi|alamat|tempat|where)\b"), "where"),
    (re.compile(r"\b(cerita|kejadian|masalahnya|story|what happened|kronologi)\b"), "details"),
    (re.compile(r"\b(jenis|kategori|category|masalah)\b"), "category"),
    (re.compile(r"\b(hp|nomor|nomer|telepon|telpon|phone|wa|kontak)\b"), "phone"),
    (re.compile(r"\b(nama|name)\b"), "worker_name"),
    (re.compile(r"\b(aman|safe|hubungi)\b"), "safe_contact"),
)


def _next(ctx: Ctx, data: Mapping[str, Any], after: str | None, *, extra: bool) -> str | None:
    """The next step to ask after ``after`` (None: from the start), or None when done."""
    fields = _fields(data)
    names = [s.name for s in STEPS]
    start = names.index(after) + 1 if after in names else 0
    for step in STEPS[start:]:
        if step.extra != extra:
            continue
        if step.name in fields or not step.needed(ctx, data):
            continue
        return step.name
    return None


# --- prefilling from the first message -----------------------------------------------------------


def prefill(ctx: Ctx) -> dict[str, Any]:
    """What the first message already says: the country, for whom, a name, the story."""
    fields: dict[str, Any] = {}
    code = country_code(ctx)
    if code:
        fields["country"] = code
    who = reporter_from_text(ctx.turn.text)
    if who is not None:
        fields["reporter"] = who
    name = name_from_text(ctx.turn.text)
    if name:
        fields["worker_name"] = name
    words = [w for w in norm(ctx.turn.text).split() if len(w) > 2]
    if ctx.turn.parse.kind == "complaint" and len(words) >= STORY_MIN_WORDS:
        fields["details"] = ctx.turn.text.strip()
    return fields


# --- starting ------------------------------------------------------------------------------------


def start(ctx: Ctx, *, intent: str | None = None) -> TurnResult:
    """Start a report: consent first unless it was recorded earlier for this contact."""
    data: dict[str, Any] = {
        states.INTENT: intent or complaint_intent(ctx),
        states.URGENCY: str(ctx.turn.parse.urgency.at_least(Urgency.NORMAL)),
        states.URGENCY_REASONS: list(ctx.turn.parse.urgency_reasons),
        states.FIRST_MESSAGE: ctx.turn.text if ctx.turn.parse.kind == "complaint" else "",
        states.FIELDS: prefill(ctx),
    }
    pre: list[Reply] = []
    if Urgency(data[states.URGENCY]) is Urgency.HIGH:
        # High urgency (arrest, serious illness, a death...): the numbers come before the form.
        code = data[states.FIELDS].get("country")
        pre.append(Reply(t("urgent_lines", ctx.lang, lines=emergency_lines(ctx, code))))
    if ctx.turn.has_consent:
        return _open_and_ask(ctx, data, [], pre)
    return finish(ctx, [*pre, _consent_question(ctx)], states.INTAKE_CONSENT, data)


def _consent_question(ctx: Ctx) -> Reply:
    return Reply(
        t("consent", ctx.lang),
        (
            btn("btn.consent_yes", "consent:yes", ctx.lang),
            btn("btn.consent_no", "consent:no", ctx.lang),
        ),
    )


def _open_and_ask(
    ctx: Ctx, data: dict[str, Any], effects: list[Effect], pre: list[Reply]
) -> TurnResult:
    """Open the case with what is known, then ask the first question still open."""
    fields = _fields(data)
    ref = ctx.deps.new_reference()
    pin = ctx.deps.new_pin()
    data.update({states.REF: ref, states.PIN: pin, states.LAST_REF: ref, states.LAST_PIN: pin})
    opened = {"first_message": data.get(states.FIRST_MESSAGE, ""), **fields}
    effects.append(
        OpenCase(
            reference=ref,
            intent=str(data.get(states.INTENT, "complaint.other")),
            urgency=Urgency(str(data.get(states.URGENCY, "normal"))),
            urgency_reasons=tuple(data.get(states.URGENCY_REASONS) or ()),
            reporter=str(fields.get("reporter", "self")),
            fields=opened,
            pin=pin,
        )
    )
    pre.append(Reply(t("intake_intro", ctx.lang)))
    return _ask_next(ctx, data, None, effects, pre)


def _ask_next(
    ctx: Ctx, data: dict[str, Any], after: str | None, effects: list[Effect], pre: list[Reply]
) -> TurnResult:
    """Ask the next open question, or show the summary (or end the extras) when none is left."""
    extra = bool(data.get(SUBMITTED))
    nxt = _next(ctx, data, after, extra=extra)
    if nxt is None:
        if extra:
            return _extras_done(ctx, data, effects, pre)
        return finish(ctx, [*pre, summary(ctx, data)], states.state(states.INTAKE, "summary"),
                      data, effects)  # fmt: skip
    reply = BY_NAME[nxt].ask(ctx, data)
    return finish(ctx, [*pre, reply], states.state(states.INTAKE, nxt), data, effects)


def turn(ctx: Ctx) -> TurnResult | None:
    """The message while a report is open: the consent answer, or the current question's.

    None after the report was sent and the message is not about the optional details: the
    router then treats it as a new message.
    """
    if ctx.state.name == states.INTAKE_CONSENT:
        return consent_step(ctx)
    if states.step_of(ctx.state.name) == "extras":
        return extras_step(ctx)
    if ctx.state.name != states.INTAKE_RESUME:
        back = maybe_welcome_back(ctx)
        if back is not None:
            return back
    return step(ctx)


_ONLY_ASKING = re.compile(
    r"\b(?:(?:cuma|cm|cuman|hanya|just|only)\s+(?:mau\s+)?(?:nanya|tanya|bertanya|ask)|"
    r"(?:gak|ga|gk|nggak|ngga|tidak|tdk|bukan|not)\s+(?:mau\s+|jadi\s+|want to\s+)?"
    r"(?:lapor|melapor|report))\b",
    re.IGNORECASE,
)
_REFUSE = re.compile(
    r"\b(?:gak|ga|gk|nggak|ngga|enggak|tidak|tdk|ogah|jangan|takut|no|don't|dont)\b"
    r"|\bnot\s+agree\b",
    re.IGNORECASE,
)
_AGREE = re.compile(r"^(?:ya|iya|iy|y|yes|ok|oke|okay|boleh|setuju|silakan|sure|agree)\b", re.I)


def consent_step(ctx: Ctx) -> TurnResult:
    """Record the answer to the consent question, with the text version shown."""
    data = dict(ctx.data)
    choice = ctx.payload
    if choice is None:
        if _ONLY_ASKING.search(ctx.text):
            # "sy gk mau lapor kak, cm nanya aja": not a refusal to record, not a report.
            return faq.topics(ctx, intro=t("ask_away", ctx.lang))
        if ctx.text in YES or ctx.text in ("saya setuju", "i agree"):
            choice = "consent:yes"
        elif (
            ctx.text in NO
            or ctx.text in ("tidak setuju", "i don't agree", "i dont agree")
            or _REFUSE.search(ctx.text)  # "gk mau, takut ketauan agensi"
        ):
            choice = "consent:no"
        elif _AGREE.match(ctx.text):  # "iya kak setuju", "ok boleh"
            choice = "consent:yes"
    if choice == "consent:yes":
        effects: list[Effect] = [RecordConsent(granted=True, text_version=CONSENT_VERSION)]
        return _open_and_ask(ctx, data, effects, [])
    if choice == "consent:no":
        reply = Reply(
            t(
                "consent_refused",
                ctx.lang,
                lines=NATIONAL_LINES[ctx.lang],
                days=ctx.deps.unconsented_days,
            ),
            (
                btn("btn.tip", "tip", ctx.lang),
                btn("btn.info", "info", ctx.lang),
                btn("btn.erase", "erase", ctx.lang),
                btn("btn.menu", "menu", ctx.lang),
            ),
        )
        return finish(
            ctx,
            [reply],
            states.IDLE,
            {},
            [RecordConsent(granted=False, text_version=CONSENT_VERSION)],
        )
    return finish(
        ctx,
        [Reply(t("consent_repeat", ctx.lang), _consent_question(ctx).buttons)],
        states.INTAKE_CONSENT,
        data,
    )


# --- answering -----------------------------------------------------------------------------------


def is_skip(ctx: Ctx) -> bool:
    """The person chose to skip the question."""
    return ctx.payload == "skip" or ctx.text in SKIP or ctx.turn.text.strip() in ("-", ".")


def is_cancel(ctx: Ctx) -> bool:
    """The person wants to stop the current flow."""
    return ctx.payload == "cancel" or ctx.text in CANCEL


def step(ctx: Ctx) -> TurnResult:
    """Take the answer to the current question and ask the next one."""
    data: dict[str, Any] = {k: v for k, v in ctx.data.items() if k != states.BUTTONS}
    fields = _fields(data)
    data[states.FIELDS] = fields
    current = states.step_of(ctx.state.name)
    if current == "resume":
        return _resume(ctx, data)
    if current == "summary":
        return _at_summary(ctx, data)
    if current == "edit":
        return _choose_edit(ctx, data)
    if current == "category":
        return _take_category(ctx, data)
    step_def = BY_NAME.get(current)
    if step_def is None:
        return _ask_next(ctx, data, None, [], [])
    a = _Turn(ctx, current, data, fields)
    if ctx.turn.media:
        kept = _keep_media(a)
        if kept is not None:
            return kept
    skipped = is_skip(ctx)
    value = step_def.take(a) if (step_def.always_take or not skipped) else None
    if isinstance(value, TurnResult):
        return value
    if value is not _KEEP:
        a.store({current: value})
    data.pop(MISSED, None)
    if data.pop(EDITING, None):
        return finish(ctx, [*a.pre, summary(ctx, data)], states.state(states.INTAKE, "summary"),
                      data, a.effects)  # fmt: skip
    return _ask_next(ctx, data, current, a.effects, a.pre)


def _keep_media(a: _Turn) -> TurnResult | None:
    """Media can arrive at any step: keep it with the case. A file with no words keeps the
    current question open (or, at the media step, counts what arrived)."""
    ctx = a.ctx
    media = list(a.fields.get("media") or [])
    media.extend(
        {"kind": m.kind, "url": m.url, "mime_type": m.mime_type, "caption": m.caption}
        for m in ctx.turn.media
    )
    a.store({"media": media})
    if a.step != "media" and a.text:
        return None
    reply = BY_NAME[a.step].ask(ctx, a.data)
    if a.step != "media":
        reply = Reply(t("media_kept", ctx.lang, count=len(media)) + "\n" + reply.text,
                      reply.buttons)  # fmt: skip
    return finish(ctx, [reply], ctx.state.name, a.data, a.effects)


def _repeat(ctx: Ctx, current: str, data: dict[str, Any]) -> TurnResult:
    """The answer did not match a button: ask again, gently, once.

    A second answer that still matches nothing is kept as the person wrote it (under
    ``<step>_text``, for the officer) and the form moves on: nobody is held in a loop.
    """
    if data.get(MISSED) != current:
        q = BY_NAME[current].ask(ctx, data)
        data[MISSED] = current
        return finish(ctx, [Reply(t("pick_button", ctx.lang)), q], ctx.state.name, data)
    data.pop(MISSED, None)
    fields = _fields(data)
    fields[f"{current}_text"] = ctx.turn.text.strip()
    data[states.FIELDS] = fields
    effects: list[Effect] = []
    ref = data.get(states.REF)
    if ref:
        effects.append(
            UpdateCase(reference=str(ref), fields={f"{current}_text": fields[f"{current}_text"]})
        )
    kept = Reply(t("kept_as_written", ctx.lang))
    if data.pop(EDITING, None):
        return finish(ctx, [kept, summary(ctx, data)], states.state(states.INTAKE, "summary"),
                      data, effects)  # fmt: skip
    return _ask_next(ctx, data, current, effects, [kept])


# --- the summary: send, or change an answer ------------------------------------------------------


def _value_label(key: str, value: Any, lang: str, directory: Directory) -> str:
    if key == "reporter":
        return t(f"v.{value}", lang)
    if key in ("documented", "safe_contact") and value in ("yes", "no", "unsure", "times"):
        return t(f"v.{value}", lang)
    if key == "category":
        return label(CATEGORY_LABELS, str(value), lang)
    if key == "country":
        found = directory.lookup(str(value))
        return str(found.name(lang)) if found is not None else str(value)
    if key == "media":
        return str(len(value))
    if key == "location" and isinstance(value, dict):
        return str(value.get("label") or f"{value.get('latitude')}, {value.get('longitude')}")
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"


def summary_lines(ctx: Ctx, data: Mapping[str, Any]) -> list[str]:
    """The answers so far, one line each, in the order of the form."""
    fields = _fields(data)
    fields.setdefault("category", data.get(states.INTENT))
    keys = ["reporter", "reporter_name", "reporter_contact", "worker_name", "country", "city",
            "category", "details", "safe_contact", "contact_time", "phone"]  # fmt: skip
    keys += [s.name for s in STEPS if s.extra]
    directory = _directory(ctx)
    return [
        f"• {t('f.' + key, ctx.lang)}: {_value_label(key, fields[key], ctx.lang, directory)}"
        for key in keys
        if fields.get(key) not in (None, "", [])
    ]


def summary(ctx: Ctx, data: Mapping[str, Any]) -> Reply:
    """The summary of the answers, with Send / Change / Cancel."""
    body = "\n".join(summary_lines(ctx, data)) or t("summary_empty", ctx.lang)
    return Reply(
        t("summary", ctx.lang, ref=data.get(states.REF, ""), lines=body),
        (
            btn("btn.submit", "submit", ctx.lang),
            btn("btn.edit", "edit", ctx.lang),
            btn("btn.cancel", "cancel", ctx.lang),
        ),
    )


_SOMETHING_WRONG = re.compile(
    r"\b(?:salah|keliru|bukan|bkn|ganti|ubah|koreksi|ralat|wrong|mistake|not right)\b"
)


def _at_summary(ctx: Ctx, data: dict[str, Any]) -> TurnResult:
    """Send, go to "what to change", or understand a typed correction ("nama sy salah")."""
    if (
        ctx.payload == "submit"
        or ctx.text in YES
        or ctx.text in ("kirim", "send", "kirim laporan")
    ):
        return submit(ctx, data)
    if ctx.payload == "edit" or ctx.text in ("ubah", "edit", "ganti", "change", "koreksi"):
        return _edit_menu(ctx, data)
    if ctx.payload and ctx.payload.startswith("edit:"):
        return _start_edit(ctx, data, ctx.payload.split(":", 1)[1])
    for pattern, key in _EDIT_WORDS:
        if pattern.search(ctx.text):
            return _start_edit(ctx, data, key)
    if _SOMETHING_WRONG.search(ctx.text):  # "eh salah kak, bkn tsuen wan": which answer?
        return _edit_menu(ctx, data)
    return finish(
        ctx,
        [Reply(t("summary_hint", ctx.lang)), summary(ctx, data)],
        states.state(states.INTAKE, "summary"),
        data,
    )


def _editable(ctx: Ctx, data: Mapping[str, Any]) -> list[str]:
    out = []
    for key in EDITABLE:
        step_def = BY_NAME.get(key)
        known = key in _fields(data) or (key == "where" and bool(_fields(data).get("country")))
        needed = step_def is None or step_def.needed(ctx, data) or known
        if key == "category" or needed:
            out.append(key)
    return out


def _edit_menu(ctx: Ctx, data: dict[str, Any]) -> TurnResult:
    buttons = (
        *(
            Button(t("f.where" if key == "where" else f"f.{key}", ctx.lang), f"edit:{key}")
            for key in _editable(ctx, data)
        ),
        btn("btn.back", "back", ctx.lang),
    )
    reply = Reply(t("q.edit", ctx.lang), buttons)
    return finish(ctx, [reply], states.state(states.INTAKE, "edit"), data)


def _choose_edit(ctx: Ctx, data: dict[str, Any]) -> TurnResult:
    if ctx.payload and ctx.payload.startswith("edit:"):
        return _start_edit(ctx, data, ctx.payload.split(":", 1)[1])
    for pattern, key in _EDIT_WORDS:
        if pattern.search(ctx.text):
            return _start_edit(ctx, data, key)
    return finish(ctx, [summary(ctx, data)], states.state(states.INTAKE, "summary"), data)


def _start_edit(ctx: Ctx, data: dict[str, Any], key: str) -> TurnResult:
    """Ask one question again; its answer goes back to the summary."""
    if key == "worker_name" and _other(data) and "nama saya" in ctx.text:
        key = "reporter_name"
    fields = _fields(data)
    if key == "category":
        return _category_menu(ctx, data)
    if key not in BY_NAME:
        return finish(ctx, [summary(ctx, data)], states.state(states.INTAKE, "summary"), data)
    if key == "where":
        fields.pop("country", None)
        fields.pop("city", None)
    else:
        fields.pop(key, None)
    data[states.FIELDS] = fields
    data[EDITING] = True
    reply = BY_NAME[key].ask(ctx, data)
    return finish(ctx, [reply], states.state(states.INTAKE, key), data)


def _category_menu(ctx: Ctx, data: dict[str, Any]) -> TurnResult:
    buttons = tuple(
        Button(label(CATEGORY_LABELS, c, ctx.lang), f"cat:{c}") for c in CATEGORY_CHOICES
    )
    reply = Reply(t("q.category_choose", ctx.lang), buttons)
    return finish(ctx, [reply], states.state(states.INTAKE, "category"), data)


def _take_category(ctx: Ctx, data: dict[str, Any]) -> TurnResult:
    picked = _choice(ctx, "cat", {})
    if picked is None:
        typed = ctx.text
        matches = [c for c in CATEGORY_LABELS if typed in {p.lower() for p in CATEGORY_LABELS[c]}]
        picked = matches[0] if matches else None
    if picked not in CATEGORY_LABELS:
        return _category_menu(ctx, data)
    effects: list[Effect] = []
    ref = data.get(states.REF)
    if picked != data.get(states.INTENT) and ref:
        effects.append(UpdateCase(reference=str(ref), intent=picked))
    data[states.INTENT] = picked
    return finish(ctx, [summary(ctx, data)], states.state(states.INTAKE, "summary"), data, effects)


# --- sending, the optional extras, cancelling, coming back ---------------------------------------


def submit(ctx: Ctx, data: dict[str, Any]) -> TurnResult:
    """Send the report: the case is marked submitted; tell the reference, PIN and next steps,
    and offer to add the optional details."""
    fields = _fields(data)
    ref = str(data.get(states.REF, ""))
    pin = str(data.get(states.PIN, ""))
    when = ""
    if fields.get("safe_contact") == "times":
        when = t("submitted_when_safe", ctx.lang)
    elif fields.get("safe_contact") == "no":
        when = t("submitted_no_contact", ctx.lang)
    effects: list[Effect] = [
        UpdateCase(
            reference=ref, fields=dict(fields), intent=data.get(states.INTENT), submitted=True
        )
    ]
    sent = Reply(t("submitted", ctx.lang, ref=ref, pin=pin, when=when), secret=pin or None)
    offer = Reply(
        t("extras_offer" if MEDIA in ctx.turn.features else "extras_offer.no_media", ctx.lang),
        (btn("btn.add_details", "extras", ctx.lang), btn("btn.finish", "finish", ctx.lang)),
    )
    data[SUBMITTED] = True
    return finish(ctx, [sent, offer], states.state(states.INTAKE, "extras"), data, effects)


def extras_step(ctx: Ctx) -> TurnResult | None:
    """After sending: "add details" starts the optional questions; anything else leaves."""
    data: dict[str, Any] = {k: v for k, v in ctx.data.items() if k != states.BUTTONS}
    if ctx.payload == "extras" or ctx.text in YES or ctx.text in ("tambah", "add"):
        return _ask_next(ctx, data, None, [], [])
    if ctx.payload == "finish" or ctx.text in DONE or ctx.text in NO:
        return _extras_done(ctx, data, [], [], thanked=False)
    return None  # a new message: the router treats it as if idle


def _extras_done(
    ctx: Ctx,
    data: Mapping[str, Any],
    effects: list[Effect],
    pre: list[Reply],
    thanked: bool = True,
) -> TurnResult:
    ref = str(data.get(states.REF, ""))
    key = "extras_done" if thanked else "extras_none"
    reply = Reply(t(key, ctx.lang, ref=ref), main_menu(ctx.lang)[1:5])
    kept = {states.LAST_REF: ref, states.LAST_PIN: data.get(states.PIN)}
    return finish(ctx, [*pre, reply], states.IDLE, kept, effects)


def cancel(ctx: Ctx) -> TurnResult:
    """Stop the report. A case already opened is marked as withdrawn, never silently dropped;
    after sending, "batal" only ends the optional questions."""
    ref = ctx.data.get(states.REF)
    if ctx.data.get(SUBMITTED):
        return _extras_done(ctx, ctx.data, [], [], thanked=False)
    if ref:
        effects: list[Effect] = [
            UpdateCase(reference=str(ref), fields={"withdrawn_by_reporter": True}, submitted=True)
        ]
        text = t("cancelled_with_case", ctx.lang, ref=ref)
        buttons = (btn("btn.erase", "erase", ctx.lang), *main_menu(ctx.lang)[:4])
    else:
        effects = []
        text = t("cancelled", ctx.lang)
        buttons = main_menu(ctx.lang)
    return finish(ctx, [Reply(text, buttons)], states.IDLE, {states.PAUSED: None}, effects)


def maybe_welcome_back(ctx: Ctx) -> TurnResult | None:
    """After hours away, ask before taking the next message as an answer."""
    updated = ctx.data.get(states.UPDATED_AT)
    if not isinstance(updated, str) or ctx.turn.payload:
        return None
    try:
        then = datetime.fromisoformat(updated)
    except ValueError:
        return None
    if ctx.now() - then < RESUME_AFTER:
        return None
    data = dict(ctx.data)
    data[states.RESUME_STEP] = states.step_of(ctx.state.name)
    reply = Reply(
        t("welcome_back", ctx.lang),
        (btn("btn.continue", "continue", ctx.lang), btn("btn.cancel", "cancel", ctx.lang)),
    )
    return finish(ctx, [reply], states.INTAKE_RESUME, data)


def _resume(ctx: Ctx, data: dict[str, Any]) -> TurnResult:
    step_name = str(data.pop(states.RESUME_STEP, "") or "")
    if step_name == "summary":
        return finish(ctx, [summary(ctx, data)], states.state(states.INTAKE, "summary"), data)
    if step_name in BY_NAME:
        reply = BY_NAME[step_name].ask(ctx, data)
        return finish(ctx, [reply], states.state(states.INTAKE, step_name), data)
    return _ask_next(ctx, data, None, [], [])


def reask(ctx: Ctx, pre: list[Reply]) -> TurnResult:
    """Ask the current question again (after a language switch, for instance)."""
    current = states.step_of(ctx.state.name)
    data = dict(ctx.data)
    if current == "consent":
        return finish(ctx, [*pre, _consent_question(ctx)], ctx.state.name, data)
    if current == "resume":
        current = str(data.get(states.RESUME_STEP, ""))
    if current in ("summary", "edit", "category"):
        return finish(ctx, [*pre, summary(ctx, data)], states.state(states.INTAKE, "summary"),
                      data)  # fmt: skip
    if current == "extras":
        offer = Reply(
            t("extras_offer" if MEDIA in ctx.turn.features else "extras_offer.no_media", ctx.lang),
            (btn("btn.add_details", "extras", ctx.lang), btn("btn.finish", "finish", ctx.lang)),
        )
        return finish(ctx, [*pre, offer], ctx.state.name, data)
    if current in BY_NAME:
        return finish(ctx, [*pre, BY_NAME[current].ask(ctx, data)], ctx.state.name, data)
    return _ask_next(ctx, data, None, [], pre)
