"""Names the conversation state is made of: state names and the keys of the state's data.

Both are persisted (``conversations.state`` and ``conversations.state_data``), so each is written
here once and everything else refers to the constant: renaming a value needs a data migration.

A state name is ``"<flow>:<step>"`` (``"intake:country"``), or :data:`IDLE`; :func:`flow_of`
gives the flow, which ``flows.router`` looks up in its table of flows.
"""

from __future__ import annotations

# --- state names ------------------------------------------------------------------------------

IDLE = "idle"
HANDOFF = "handoff:active"  # an operator owns the conversation, or the worker waits for one
CRITICAL_ASK_SAFE = "critical:ask_safe"
CRITICAL_ASK_WHERE = "critical:ask_where"
CRITICAL_ASK_REPORTER = "critical:ask_reporter"  # a family member's own name and contact
INTAKE_CONSENT = "intake:consent"
INTAKE_RESUME = "intake:resume"
STATUS_ASK_REF = "status:ask_ref"
TIP_ASK = "tip:ask"

# Flow prefixes (the part before the colon).
CRITICAL = "critical"
INTAKE = "intake"
JOBCHECK = "jobcheck"
STATUS = "status"
TIP = "tip"


def flow_of(state_name: str) -> str:
    """The flow a state belongs to (``"intake:country"`` -> ``"intake"``); "" when idle."""
    prefix, sep, _step = state_name.partition(":")
    return prefix if sep else ""


def step_of(state_name: str) -> str:
    """The step within the flow (``"intake:country"`` -> ``"country"``)."""
    return state_name.partition(":")[2]


def state(flow: str, step: str) -> str:
    """The state name for ``step`` of ``flow``."""
    return f"{flow}:{step}"


# --- keys of the state's data ------------------------------------------------------------------

# Carried from one flow to the next (flows.common.carried).
LANG_CHOSEN = "lang_chosen"  # the person chose the language: stop following what they write
LAST_REF = "last_ref"  # their latest case reference, for "cek status"
LAST_PIN = "last_pin"  # and its PIN
PAUSED = "paused"  # a form an emergency interrupted: {"name": state, "data": data}
CARRIED = (LANG_CHOSEN, LAST_REF, LAST_PIN, PAUSED)

BUTTONS = "_buttons"  # the buttons offered last, [[title, payload], ...]: typed titles map back
UPDATED_AT = "updated_at"  # ISO time of the last turn (welcome-back after hours away)
REF = "ref"  # the case this flow files into
PIN = "pin"  # that case's PIN
COUNTRY_CODE = "country_code"  # the country the emergency path found
REPORTER = "reporter"  # on the critical path: self, or family/friend writing about a worker
OPERATOR_JOINED = "operator_joined"  # in a hand-off: an operator has taken the conversation
ACKED_AT = "acked_at"  # in a hand-off: when the worker was last told we are waiting for someone

# The intake's working data.
FIELDS = "fields"  # the answers so far
INTENT = "intent"  # the complaint category
URGENCY = "urgency"
URGENCY_REASONS = "urgency_reasons"
FIRST_MESSAGE = "first_message"  # what the person wrote first, kept with the case
RESUME_STEP = "resume_step"  # the question to come back to after "welcome back"

ANSWERS = "answers"  # the job-offer checker's answers so far
JOBCHECK_FLAGS = "jobcheck_flags"  # the red flags its last result named
LAST_ARTICLE = "last_article"  # the FAQ article shown last


# --- the question a state has just asked, for triage -------------------------------------------

# What the bot asked in each state, in the words of triage (``nlu.urgency.ANSWER_QUESTIONS`` and
# docs/emergencies.md, "Answers to the bot's questions"): the worker's reply is judged as the
# answer to it, so "gk tau nama majikannya" typed as the employer's name is not an alarm.
# A state not listed asks nothing, or asks for free text (what happened, a tip), and its reply
# is judged like any message.
OPEN_QUESTIONS: dict[str, str] = {
    INTAKE_CONSENT: "consent",
    INTAKE_RESUME: "confirm",
    "intake:reporter": "reporter",
    "intake:reporter_name": "worker_name",
    "intake:reporter_contact": "phone",
    "intake:worker_name": "worker_name",
    "intake:where": "location",
    "intake:details": "what_happened",
    "intake:safe_contact": "contact_ok",
    "intake:contact_time": "contact_ok",
    "intake:phone": "phone",
    "intake:summary": "confirm",
    "intake:edit": "confirm",
    "intake:category": "category",
    "intake:extras": "confirm",
    "intake:employer": "employer_name",
    "intake:agency_abroad": "agency_name",
    "intake:p3mi": "agency_name",
    "intake:documented": "confirm",
    "intake:since": "since_when",
    "intake:id_number": "id_number",
    "intake:location": "location",
    CRITICAL_ASK_SAFE: "safe_now",
    CRITICAL_ASK_WHERE: "location",
    CRITICAL_ASK_REPORTER: "worker_name",
    STATUS_ASK_REF: "case_reference",
}


def open_question(state_name: str) -> str | None:
    """The question the conversation in ``state_name`` is waiting to have answered, if any.

    Every step of the job-offer checker asks about the offer (``job_offer``): an answer that
    describes the offer ("paspor dipegang agen") is about the offer, not an event.
    """
    if flow_of(state_name) == JOBCHECK:
        return "job_offer"
    return OPEN_QUESTIONS.get(state_name)
