"""Complaint intake: consent first, then a short form where every answer can be skipped.

State names are ``intake:consent``, ``intake:<step>`` for each step of :data:`STEPS`, and
``intake:resume`` (the person came back after hours). The answers live in
``state.data["fields"]``, so the flow survives restarts: nothing is kept in memory.

The case is opened as soon as we know who is reporting (right after consent), and every later
answer is merged with ``UpdateCase``: if the person stops half-way, what they told us still
reaches an officer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flows import states
from flows.common import CANCEL, DONE, NO, SKIP, UNSURE, YES, Ctx, btn, finish, main_menu
from flows.safety import complaint_intent, country_code, emergency_lines
from flows.texts import CATEGORY_LABELS, CONSENT_VERSION, NATIONAL_LINES, label, t
from flows.types import Button, Effect, OpenCase, RecordConsent, Reply, TurnResult, UpdateCase
from knowledge.directory import Directory
from nlu.types import Urgency

# The order of the questions. "contact_time" is only asked when contacting is not simply safe.
STEPS: tuple[str, ...] = (
    "reporter",
    "name",
    "country",
    "city",
    "employer",
    "agency_abroad",
    "p3mi",
    "id_number",
    "documented",
    "category",
    "details",
    "since",
    "media",
    "location",
    "safe_contact",
    "contact_time",
    "summary",
)
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


def _directory(ctx: Ctx) -> Directory:
    return ctx.deps.retriever.directory


def _skip_cancel(lang: str) -> tuple[Button, ...]:
    return (btn("btn.skip", "skip", lang), btn("btn.cancel", "cancel", lang))


def _who(data: Any) -> str:
    return "self" if (data.get(states.FIELDS) or {}).get("reporter", "self") == "self" else "other"


def question(step: str, data: Any, lang: str, directory: Directory | None = None) -> Reply:
    """The question (and its buttons) for ``step``."""
    who = _who(data)
    fields = data.get(states.FIELDS) or {}
    if step == "reporter":
        return Reply(
            t("q.reporter", lang),
            (
                btn("btn.self", "reporter:self", lang),
                btn("btn.family", "reporter:family", lang),
                btn("btn.friend", "reporter:friend", lang),
                btn("btn.other_person", "reporter:other", lang),
                btn("btn.cancel", "cancel", lang),
            ),
        )
    if step in ("name", "country", "documented", "safe_contact"):
        text = t(f"q.{step}.{who}", lang)
    elif step == "category":
        text = t(
            "q.category", lang, label=label(CATEGORY_LABELS, data.get(states.INTENT, ""), lang)
        )
    else:
        text = t(f"q.{step}", lang)
    buttons: tuple[Button, ...]
    if step == "country" and directory is not None:
        buttons = tuple(
            Button(directory.countries[c].name(lang), f"country:{c}")
            for c in COUNTRY_CHOICES
            if c in directory.countries
        ) + _skip_cancel(lang)
    elif step == "documented":
        buttons = (
            btn("btn.doc_yes", "doc:yes", lang),
            btn("btn.doc_no", "doc:no", lang),
            btn("btn.unsure", "doc:unsure", lang),
            *_skip_cancel(lang),
        )
    elif step == "category":
        buttons = (btn("btn.cat_ok", "cat:ok", lang), btn("btn.cat_change", "cat:change", lang))
        buttons += _skip_cancel(lang)
    elif step == "media":
        buttons = (btn("btn.done", "done", lang), btn("btn.skip", "skip", lang))
        buttons += (btn("btn.cancel", "cancel", lang),)
    elif step == "safe_contact":
        buttons = (
            btn("btn.contact_yes", "contact:yes", lang),
            btn("btn.contact_no", "contact:no", lang),
            btn("btn.contact_times", "contact:times", lang),
            *_skip_cancel(lang),
        )
    elif step == "summary":
        return summary(data, lang, directory)
    else:
        buttons = _skip_cancel(lang)
    if step == "media" and fields.get("media"):
        text = t("media_received", lang, count=len(fields["media"]))
    return Reply(text, buttons)


def _value_label(key: str, value: Any, lang: str, directory: Directory | None) -> str:
    if key == "reporter":
        return t(f"v.{value}", lang)
    if key in ("documented", "safe_contact") and value in ("yes", "no", "unsure", "times"):
        return t(f"v.{value}", lang)
    if key == "category":
        return label(CATEGORY_LABELS, str(value), lang)
    if key == "country" and directory is not None:
        found = directory.lookup(str(value))
        return str(found.name(lang)) if found is not None else str(value)
    if key == "media":
        return str(len(value))
    if key == "location" and isinstance(value, dict):
        return str(value.get("label") or f"{value.get('latitude')}, {value.get('longitude')}")
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"


def summary(data: Any, lang: str, directory: Directory | None = None) -> Reply:
    """The summary of the answers, with Send / Cancel."""
    fields = dict(data.get(states.FIELDS) or {})
    fields.setdefault("category", data.get(states.INTENT))
    lines = [
        f"• {t('f.' + key, lang)}: {_value_label(key, fields[key], lang, directory)}"
        for key in STEPS
        if key != "summary" and fields.get(key) not in (None, "", [])
    ]
    body = "\n".join(lines) or t("summary_empty", lang)
    return Reply(
        t("summary", lang, ref=data.get(states.REF, ""), lines=body),
        (btn("btn.submit", "submit", lang), btn("btn.cancel", "cancel", lang)),
    )


def _next_step(step: str, fields: dict[str, Any]) -> str:
    """The step after ``step``, skipping questions already answered or not relevant."""
    i = STEPS.index(step) + 1
    while i < len(STEPS):
        nxt = STEPS[i]
        if nxt == "contact_time" and fields.get("safe_contact") not in ("no", "times"):
            i += 1
            continue
        if nxt == "country" and fields.get("country"):
            i += 1
            continue
        return nxt
    return "summary"


def _ask(
    ctx: Ctx, step: str, data: dict[str, Any], effects: list[Effect], pre: list[Reply]
) -> TurnResult:
    reply = (
        summary(data, ctx.lang, _directory(ctx))
        if step == "summary"
        else question(step, data, ctx.lang, _directory(ctx))
    )
    return finish(ctx, [*pre, reply], states.state(states.INTAKE, step), data, effects)


# --- starting ----------------------------------------------------------------------------------


def start(ctx: Ctx, *, intent: str | None = None) -> TurnResult:
    """Start a report: consent first unless it was recorded earlier for this contact."""
    data: dict[str, Any] = {
        states.INTENT: intent or complaint_intent(ctx),
        states.URGENCY: str(ctx.turn.parse.urgency.at_least(Urgency.NORMAL)),
        states.URGENCY_REASONS: list(ctx.turn.parse.urgency_reasons),
        states.FIRST_MESSAGE: ctx.turn.text if ctx.turn.parse.kind == "complaint" else "",
        states.FIELDS: {},
    }
    code = country_code(ctx)
    if code:
        data[states.FIELDS]["country"] = code
    pre: list[Reply] = []
    if Urgency(data[states.URGENCY]) is Urgency.HIGH:
        # High urgency (arrest, serious illness, a death...): the numbers come before the form.
        pre.append(Reply(t("urgent_lines", ctx.lang, lines=emergency_lines(ctx, code))))
    if ctx.turn.has_consent:
        pre.append(Reply(t("intake_intro", ctx.lang)))
        return _ask(ctx, "reporter", data, [], pre)
    consent = Reply(
        t("consent", ctx.lang),
        (
            btn("btn.consent_yes", "consent:yes", ctx.lang),
            btn("btn.consent_no", "consent:no", ctx.lang),
        ),
    )
    return finish(ctx, [*pre, consent], states.INTAKE_CONSENT, data)


def turn(ctx: Ctx) -> TurnResult:
    """The message while a report is open: the consent answer, or the current question's."""
    if ctx.state.name == states.INTAKE_CONSENT:
        return consent_step(ctx)
    if ctx.state.name != states.INTAKE_RESUME:
        back = maybe_welcome_back(ctx)
        if back is not None:
            return back
    return step(ctx)


def consent_step(ctx: Ctx) -> TurnResult:
    """Record the answer to the consent question, with the text version shown."""
    data = dict(ctx.data)
    choice = ctx.payload
    if choice is None:
        if ctx.text in YES or ctx.text in ("saya setuju", "i agree"):
            choice = "consent:yes"
        elif ctx.text in NO or ctx.text in ("tidak setuju", "i don't agree", "i dont agree"):
            choice = "consent:no"
    if choice == "consent:yes":
        effects: list[Effect] = [RecordConsent(granted=True, text_version=CONSENT_VERSION)]
        return _ask(ctx, "reporter", data, effects, [Reply(t("intake_intro", ctx.lang))])
    if choice == "consent:no":
        lines = NATIONAL_LINES[ctx.lang]
        reply = Reply(
            t("consent_refused", ctx.lang, lines=lines),
            (
                btn("btn.tip", "tip", ctx.lang),
                btn("btn.info", "info", ctx.lang),
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
        [
            Reply(
                t("consent_repeat", ctx.lang),
                (
                    btn("btn.consent_yes", "consent:yes", ctx.lang),
                    btn("btn.consent_no", "consent:no", ctx.lang),
                ),
            )
        ],
        states.INTAKE_CONSENT,
        data,
    )


# --- answering ---------------------------------------------------------------------------------


def _choice(ctx: Ctx, prefix: str, typed: dict[str, str]) -> str | None:
    """The value of a ``prefix:value`` button, or a typed synonym mapped by ``typed``."""
    if ctx.payload and ctx.payload.startswith(prefix + ":"):
        return ctx.payload.split(":", 1)[1]
    return typed.get(ctx.text)


_YES_NO = {
    **dict.fromkeys(YES, "yes"),
    **dict.fromkeys(NO, "no"),
    **dict.fromkeys(UNSURE, "unsure"),
}


def is_skip(ctx: Ctx) -> bool:
    """The person chose to skip the question."""
    return ctx.payload == "skip" or ctx.text in SKIP or ctx.turn.text.strip() in ("-", ".")


def is_cancel(ctx: Ctx) -> bool:
    """The person wants to stop the current flow."""
    return ctx.payload == "cancel" or ctx.text in CANCEL


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
        """The case the answers go to (opened once we know who reports)."""
        ref = self.data.get(states.REF)
        return str(ref) if ref else None

    @property
    def text(self) -> str:
        """What the person typed, trimmed."""
        return self.ctx.turn.text.strip()


# An answer handler returns the value to store, or a TurnResult when the turn ends otherwise
# (the question asked again, the category list, the report sent).
_Handler = Callable[[_Turn], "Any | TurnResult"]


def _reporter(a: _Turn) -> Any:
    """Who reports: opens the case with what is known so far (then every answer updates it)."""
    ctx = a.ctx
    skipped = is_skip(ctx)
    who = None if skipped else _choice(ctx, "reporter", _REPORTER_WORDS)
    if who is None and not skipped:
        return _repeat(ctx, a.step, a.data)
    a.fields["reporter"] = who or "other"
    ref = ctx.deps.new_reference()
    pin = ctx.deps.new_pin()
    a.data.update({states.REF: ref, states.PIN: pin, states.LAST_REF: ref, states.LAST_PIN: pin})
    opened: dict[str, Any] = {"first_message": a.data.get(states.FIRST_MESSAGE, "")}
    opened.update({k: v for k, v in a.fields.items() if k != "reporter"})
    a.effects.append(
        OpenCase(
            reference=ref,
            intent=str(a.data.get(states.INTENT, "complaint.other")),
            urgency=Urgency(str(a.data.get(states.URGENCY, "normal"))),
            urgency_reasons=tuple(a.data.get(states.URGENCY_REASONS) or ()),
            reporter=a.fields["reporter"],
            fields=opened,
            pin=pin,
        )
    )
    return _ask(ctx, _next_step(a.step, a.fields), a.data, a.effects, a.pre)


def _summary(a: _Turn) -> Any:
    ctx = a.ctx
    if ctx.payload == "submit" or ctx.text in YES or ctx.text in ("kirim", "send"):
        return submit(ctx, a.data)
    return _repeat(ctx, a.step, a.data)


def _country(a: _Turn) -> Any:
    directory = a.ctx.deps.retriever.directory
    code = _choice(a.ctx, "country", {})
    found = directory.lookup(code or a.text) or directory.find_in_text(a.text)
    return found.code if found is not None else a.text


def _documented(a: _Turn) -> Any:
    value = _choice(a.ctx, "doc", _YES_NO)
    if value is None:
        return _repeat(a.ctx, a.step, a.data)
    if value in ("no", "unsure"):
        a.pre.append(Reply(t("undocumented_ok", a.ctx.lang)))
    return value


def _category(a: _Turn) -> Any:
    ctx = a.ctx
    picked = _choice(ctx, "cat", {**dict.fromkeys(YES, "ok"), **dict.fromkeys(NO, "change")})
    if picked == "change":
        buttons = tuple(
            Button(label(CATEGORY_LABELS, c, ctx.lang), f"cat:{c}") for c in CATEGORY_CHOICES
        ) + _skip_cancel(ctx.lang)
        reply = Reply(t("q.category_choose", ctx.lang), buttons)
        return finish(ctx, [reply], states.state(states.INTAKE, "category"), a.data)
    if picked == "ok":
        value = a.data.get(states.INTENT)
    elif picked in CATEGORY_LABELS:
        value = picked
    else:
        typed = a.text.lower()
        match = [c for c in CATEGORY_LABELS if typed in {p.lower() for p in CATEGORY_LABELS[c]}]
        if not match:
            return _repeat(ctx, a.step, a.data)
        value = match[0]
    if value != a.data.get(states.INTENT) and a.ref:
        a.effects.append(UpdateCase(reference=a.ref, intent=str(value)))
    a.data[states.INTENT] = value
    return value


def _media(a: _Turn) -> Any:
    ctx = a.ctx
    if not is_skip(ctx) and not (ctx.payload == "done" or ctx.text in DONE) and a.text:
        # A typed note instead of a file: keep it as a note and move on.
        a.fields["media_note"] = a.text
        if a.ref:
            a.effects.append(UpdateCase(reference=a.ref, fields={"media_note": a.text}))
    return _KEEP


def _location(a: _Turn) -> Any:
    loc = a.ctx.turn.location
    if loc is not None:
        return {"latitude": loc.latitude, "longitude": loc.longitude, "label": loc.label}
    return a.text


def _safe_contact(a: _Turn) -> Any:
    value = _choice(a.ctx, "contact", {**dict.fromkeys(YES, "yes"), **dict.fromkeys(NO, "no")})
    if value is None:
        return _repeat(a.ctx, a.step, a.data)
    return value


def _free_text(a: _Turn) -> Any:
    return a.text


# How each step takes its answer; a step not listed takes free text. "reporter", "summary" and
# "media" run even when the person skips; the others store None for a skip.
_ANSWERS: dict[str, _Handler] = {
    "reporter": _reporter,
    "summary": _summary,
    "country": _country,
    "documented": _documented,
    "category": _category,
    "media": _media,
    "location": _location,
    "safe_contact": _safe_contact,
}
_RUN_ON_SKIP = frozenset({"reporter", "summary", "media"})
_KEEP = object()  # the step stored what it needed itself (media): nothing more to store
_REPORTER_WORDS = {
    "saya": "self",
    "sendiri": "self",
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


def step(ctx: Ctx) -> TurnResult:
    """Take the answer to the current question and ask the next one."""
    data: dict[str, Any] = {k: v for k, v in ctx.data.items() if k != states.BUTTONS}
    fields: dict[str, Any] = dict(data.get(states.FIELDS) or {})
    data[states.FIELDS] = fields
    current = states.step_of(ctx.state.name)
    if current == "resume":
        return _ask(ctx, str(data.get(states.RESUME_STEP, "reporter")), data, [], [])
    a = _Turn(ctx, current, data, fields)
    if ctx.turn.media:
        kept = _take_media(a)
        if kept is not None:
            return kept
    handler = _ANSWERS.get(current, _free_text)
    skipped = is_skip(ctx)
    value = handler(a) if (current in _RUN_ON_SKIP or not skipped) else None
    if isinstance(value, TurnResult):
        return value
    if value is not _KEEP:
        fields[current] = value
        if a.ref:
            a.effects.append(UpdateCase(reference=a.ref, fields={current: value}))
    return _ask(ctx, _next_step(current, fields), data, a.effects, a.pre)


def _take_media(a: _Turn) -> TurnResult | None:
    """Media can arrive at any step: keep it with the case. A file with no words keeps the
    current question open (or, at the media step, counts what arrived)."""
    ctx = a.ctx
    media = list(a.fields.get("media") or [])
    media.extend(
        {"kind": m.kind, "url": m.url, "mime_type": m.mime_type, "caption": m.caption}
        for m in ctx.turn.media
    )
    a.fields["media"] = media
    if a.ref:
        a.effects.append(UpdateCase(reference=a.ref, fields={"media": media}))
    if a.step != "media" and a.text:
        return None
    reply = (
        question(a.step, a.data, ctx.lang, _directory(ctx))
        if a.step != "media"
        else Reply(
            t("media_received", ctx.lang, count=len(media)),
            question("media", a.data, ctx.lang).buttons,
        )
    )
    return finish(ctx, [reply], ctx.state.name, a.data, a.effects)


def _repeat(ctx: Ctx, current: str, data: dict[str, Any]) -> TurnResult:
    """The answer did not match a button: ask again, gently."""
    q = question(current, data, ctx.lang, _directory(ctx))
    return finish(ctx, [Reply(t("pick_button", ctx.lang)), q], ctx.state.name, data)


def submit(ctx: Ctx, data: dict[str, Any]) -> TurnResult:
    """Send the report: the case is marked submitted; tell the reference, PIN and next steps."""
    fields = data.get(states.FIELDS) or {}
    ref = str(data.get(states.REF, ""))
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
    reply = Reply(
        t("submitted", ctx.lang, ref=ref, pin=data.get(states.PIN, ""), when=when),
        main_menu(ctx.lang)[1:4],
    )
    kept = {states.LAST_REF: ref, states.LAST_PIN: data.get(states.PIN)}
    return finish(ctx, [reply], states.IDLE, kept, effects)


def cancel(ctx: Ctx) -> TurnResult:
    """Stop the report. A case already opened is marked as withdrawn, never silently dropped."""
    ref = ctx.data.get(states.REF)
    if ref:
        effects: list[Effect] = [
            UpdateCase(reference=str(ref), fields={"withdrawn_by_reporter": True}, submitted=True)
        ]
        text = t("cancelled_with_case", ctx.lang, ref=ref)
    else:
        effects = []
        text = t("cancelled", ctx.lang)
    return finish(
        ctx, [Reply(text, main_menu(ctx.lang))], states.IDLE, {states.PAUSED: None}, effects
    )


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


def reask(ctx: Ctx, pre: list[Reply]) -> TurnResult:
    """Ask the current question again (after a language switch, for instance)."""
    current = ctx.state.name.split(":", 1)[1]
    data = dict(ctx.data)
    if current == "consent":
        reply = Reply(
            t("consent", ctx.lang),
            (
                btn("btn.consent_yes", "consent:yes", ctx.lang),
                btn("btn.consent_no", "consent:no", ctx.lang),
            ),
        )
        return finish(ctx, [*pre, reply], ctx.state.name, data)
    if current == "resume":
        current = str(data.get(states.RESUME_STEP, "reporter"))
    return _ask(ctx, current, data, [], pre)
