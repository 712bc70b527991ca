"""Settings: the one place that reads ``os.environ``.

Every setting is a ``SIAGA_*`` variable with help text (printed by ``siaga config`` and copied into
the README). A missing or invalid value stops start-up with the variable's name and what is wrong.
Secrets are wrapped in :class:`Secret` so that ``repr`` and logs never show them.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable."""


class Secret:
    """A string that never shows itself in ``repr``/``str`` (Starlette's ``Secret``)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        """Wrap ``value``."""
        self._value = value

    def get(self) -> str:
        """The secret itself; call only where it is used."""
        return self._value

    def __bool__(self) -> bool:
        """True when a value is set."""
        return bool(self._value)

    def __repr__(self) -> str:
        """Never the value."""
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        """Compare by value (used only in tests)."""
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        """Hash by value."""
        return hash(self._value)


def _setting(env: str, help: str, **kw: Any) -> Any:
    return field(metadata={"env": env, "help": help}, **kw)


def _url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"{name}: must be an http(s) URL like https://x.org, got {value!r}")
    return value.rstrip("/")


def _int_range(lo: int, hi: int) -> Callable[[str, str], int]:
    def parse(name: str, value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name}: must be a whole number, got {value!r}") from None
        if not lo <= number <= hi:
            raise ConfigError(f"{name}: must be between {lo} and {hi}, got {number}")
        return number

    return parse


def _float_pos(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name}: must be a number, got {value!r}") from None
    if number <= 0:
        raise ConfigError(f"{name}: must be greater than 0, got {number}")
    return number


def _choice(*options: str) -> Callable[[str, str], str]:
    def parse(name: str, value: str) -> str:
        if value not in options:
            raise ConfigError(f"{name}: must be one of {', '.join(options)}, got {value!r}")
        return value

    return parse


def _bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name}: must be true or false, got {value!r}")


def _database_url(name: str, value: str) -> str:
    if not (value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://"))):
        raise ConfigError(
            f"{name}: must start with sqlite+aiosqlite:// or postgresql+asyncpg://, got "
            f"{value.split('://', 1)[0]}://…"
        )
    return value


def _optional_url(name: str, value: str) -> str:
    return _url(name, value) if value else ""


def _urgency_minutes(name: str, value: str) -> Mapping[str, int]:
    out: dict[str, int] = {}
    for part in value.split(","):
        if not part.strip():
            continue
        key, _, minutes = part.partition("=")
        key = key.strip()
        if key not in {"critical", "high", "normal"} or not minutes.strip().isdigit():
            raise ConfigError(f"{name}: expected e.g. critical=15,high=240, got {value!r}")
        out[key] = int(minutes)
    return out


@dataclass(frozen=True, slots=True)
class Rate:
    """A budget: ``count`` events per ``seconds``, as a token bucket (``bot.ratelimit``).

    Written ``count/seconds`` (``20/600``: 20 at once, then one every 30 seconds).
    """

    count: int
    seconds: float

    def __str__(self) -> str:
        """The form the variable is written in."""
        return f"{self.count}/{self.seconds:g}"


def _rate(name: str, value: str) -> Rate:
    count, _, seconds = value.partition("/")
    try:
        rate = Rate(int(count), float(seconds))
    except ValueError:
        raise ConfigError(f"{name}: expected COUNT/SECONDS like 20/600, got {value!r}") from None
    if rate.count < 1 or not 0 < rate.seconds <= 86400:
        raise ConfigError(f"{name}: COUNT must be 1 or more and SECONDS 1 day or less")
    return rate


def _addresses(name: str, value: str) -> tuple[str, ...]:
    out = []
    for part in value.split(","):
        if not part.strip():
            continue
        try:
            out.append(str(ipaddress.ip_network(part.strip(), strict=False)))
        except ValueError:
            raise ConfigError(f"{name}: {part.strip()!r} is not an address or network") from None
    return tuple(out)


_PARSERS: dict[str, Callable[[str, str], Any]] = {}


@dataclass(frozen=True, slots=True)
class Settings:
    """All configuration, validated. Build with :meth:`from_env`."""

    database_url: str = _setting(
        "SIAGA_DATABASE_URL",
        "SQLAlchemy URL. sqlite+aiosqlite:///./siaga.db (default, one instance) or "
        "postgresql+asyncpg://user@host/db (production, several instances).",
        default="sqlite+aiosqlite:///./siaga.db",
    )
    public_url: str = _setting(
        "SIAGA_PUBLIC_URL",
        "The externally visible base URL (https://siaga.example.org). Webhook signatures that "
        "cover the URL (Twilio) are checked against it, so it must match what the provider calls.",
        default="http://127.0.0.1:8080",
    )
    secret_key: Secret = _setting(
        "SIAGA_SECRET_KEY",
        "Random string (32+ characters) that signs console sessions and CSRF tokens. Required "
        "unless SIAGA_ENV=development.",
        default=Secret(""),
    )
    env: str = _setting(
        "SIAGA_ENV",
        "development (lenient defaults, a generated secret key) or production.",
        default="development",
    )
    role: str = _setting(
        "SIAGA_ROLE",
        "all: web server and background workers in one process. web: webhooks, web chat and "
        "console only. worker: dispatcher and sender only (serves /healthz). web and worker need "
        "PostgreSQL; run them as separate processes for throughput.",
        default="all",
    )
    host: str = _setting("SIAGA_HOST", "Interface to listen on.", default="127.0.0.1")
    port: int = _setting("SIAGA_PORT", "TCP port to listen on.", default=8080)
    log_level: str = _setting(
        "SIAGA_LOG_LEVEL",
        "DEBUG, INFO, WARNING or ERROR. Logs never contain message text.",
        default="INFO",
    )
    db_pool_size: int = _setting(
        "SIAGA_DB_POOL_SIZE",
        "PostgreSQL connections a process keeps for requests (webhooks, web chat, console). "
        "Each process also uses SIAGA_DB_WORKER_POOL_SIZE for its background workers (roles "
        "all and worker) and one for notifications: a process of role all holds at most "
        "pool + worker pool + 1, web pool + 1, worker worker pool + 2. Keep the sum over all "
        "processes below PostgreSQL's max_connections (100 by default).",
        default=10,
    )
    db_worker_pool_size: int = _setting(
        "SIAGA_DB_WORKER_POOL_SIZE",
        "PostgreSQL connections a process keeps for its dispatcher and sender.",
        default=6,
    )
    max_body_bytes: int = _setting(
        "SIAGA_MAX_BODY_BYTES",
        "Largest request body accepted from a webhook or the web chat (413 above it).",
        default=256 * 1024,
    )
    nlu_backend: str = _setting(
        "SIAGA_NLU_BACKEND",
        "embedded (default, offline) or rasa (calls SIAGA_RASA_URL).",
        default="embedded",
    )
    nlu_model_path: str = _setting(
        "SIAGA_NLU_MODEL",
        "Path of the trained embedded model (siaga nlu train). Empty: the model shipped in "
        "the package.",
        default="",
    )
    rasa_url: str = _setting(
        "SIAGA_RASA_URL",
        "Base URL of a Rasa server started with --enable-api.",
        default="http://127.0.0.1:5005",
    )
    media_dir: str = _setting(
        "SIAGA_MEDIA_DIR",
        "Directory where voice notes, photos and documents are stored.",
        default="./media",
    )
    media_max_bytes: int = _setting(
        "SIAGA_MEDIA_MAX_BYTES",
        "Largest attachment downloaded and kept.",
        default=20 * 1024 * 1024,
    )
    outbox_max_attempts: int = _setting(
        "SIAGA_OUTBOX_MAX_ATTEMPTS",
        "Send attempts before an outbox message is marked failed.",
        default=8,
    )
    outbox_poll_seconds: float = _setting(
        "SIAGA_OUTBOX_POLL_SECONDS",
        "How often the sender looks for due messages besides being woken up directly.",
        default=1.0,
    )
    inbox_recover_seconds: float = _setting(
        "SIAGA_INBOX_RECOVER_SECONDS",
        "Longest wait before an inbound event nobody was woken for (a crash, a restart, another "
        "instance died) is picked up: the dispatchers also poll every half of this.",
        default=30.0,
    )
    telegram_token: Secret = _setting(
        "SIAGA_TELEGRAM_TOKEN",
        "Bot token from @BotFather. Empty: Telegram is off.",
        default=Secret(""),
    )
    telegram_webhook_secret: Secret = _setting(
        "SIAGA_TELEGRAM_WEBHOOK_SECRET",
        "Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token (1-256 of A-Z a-z 0-9 _ -).",
        default=Secret(""),
    )
    telegram_api_url: str = _setting(
        "SIAGA_TELEGRAM_API_URL",
        "Bot API base URL (tests point it at a local fake).",
        default="https://api.telegram.org",
    )
    twilio_account_sid: str = _setting(
        "SIAGA_TWILIO_ACCOUNT_SID", "Twilio Account SID (AC…). Empty: Twilio is off.", default=""
    )
    twilio_auth_token: Secret = _setting(
        "SIAGA_TWILIO_AUTH_TOKEN",
        "Twilio auth token; also verifies X-Twilio-Signature.",
        default=Secret(""),
    )
    twilio_whatsapp_number: str = _setting(
        "SIAGA_TWILIO_WHATSAPP_NUMBER", "Sender, e.g. whatsapp:+14155238886.", default=""
    )
    twilio_api_url: str = _setting(
        "SIAGA_TWILIO_API_URL",
        "Twilio API base URL (tests point it at a local fake).",
        default="https://api.twilio.com",
    )
    twilio_template_sid: str = _setting(
        "SIAGA_TWILIO_TEMPLATE_SID",
        "Approved Content SID (HX…) sent outside WhatsApp's 24-hour window.",
        default="",
    )
    whatsapp_token: Secret = _setting(
        "SIAGA_WHATSAPP_TOKEN",
        "Cloud API access token. Empty: Cloud API is off.",
        default=Secret(""),
    )
    whatsapp_app_secret: Secret = _setting(
        "SIAGA_WHATSAPP_APP_SECRET",
        "App secret; verifies X-Hub-Signature-256.",
        default=Secret(""),
    )
    whatsapp_verify_token: Secret = _setting(
        "SIAGA_WHATSAPP_VERIFY_TOKEN",
        "Token for the GET webhook verification handshake.",
        default=Secret(""),
    )
    whatsapp_phone_number_id: str = _setting(
        "SIAGA_WHATSAPP_PHONE_NUMBER_ID", "Sender phone number id.", default=""
    )
    whatsapp_api_url: str = _setting(
        "SIAGA_WHATSAPP_API_URL",
        "Graph API base URL incl. version (tests: a local fake).",
        default="https://graph.facebook.com/v21.0",
    )
    whatsapp_template_name: str = _setting(
        "SIAGA_WHATSAPP_TEMPLATE_NAME",
        "Approved template sent outside the 24-hour window (language from the contact).",
        default="",
    )
    alert_telegram_chat_id: str = _setting(
        "SIAGA_ALERT_TELEGRAM_CHAT_ID",
        "Telegram group of the on-duty rapid-response team, alerted on critical cases.",
        default="",
    )
    sla_minutes: Mapping[str, int] = _setting(
        "SIAGA_SLA_MINUTES",
        "First-response targets per urgency, in minutes.",
        default_factory=lambda: {"critical": 15, "high": 240, "normal": 2880},
    )
    login_max_failures: int = _setting(
        "SIAGA_LOGIN_MAX_FAILURES",
        "Failed console logins before the account is locked.",
        default=5,
    )
    login_lockout_minutes: int = _setting(
        "SIAGA_LOGIN_LOCKOUT_MINUTES",
        "How long a locked console account stays locked.",
        default=15,
    )
    login_max_per_address: int = _setting(
        "SIAGA_LOGIN_MAX_PER_ADDRESS",
        "Failed console logins from one client address (any usernames) within "
        "SIAGA_LOGIN_LOCKOUT_MINUTES before that address gets 429; counted per process. Behind "
        "a reverse proxy the address is the proxy's (docs/console.md).",
        default=20,
    )
    require_2fa: str = _setting(
        "SIAGA_REQUIRE_2FA",
        "Who must use a TOTP second factor in the console: none, or admins (an admin without "
        "one can only set it up after logging in).",
        default="none",
    )
    unconsented_retention_days: int = _setting(
        "SIAGA_UNCONSENTED_RETENTION_DAYS",
        "Days the messages of people who gave no consent and have no case are kept before their "
        "text is erased (docs/privacy.md). The consent-refusal message quotes this number.",
        default=30,
    )
    pin_max_failures: int = _setting(
        "SIAGA_PIN_MAX_FAILURES",
        "Wrong case PINs per reference, and per conversation, within the lockout window before "
        "further tries are refused (the right PIN too).",
        default=5,
    )
    pin_lockout_minutes: int = _setting(
        "SIAGA_PIN_LOCKOUT_MINUTES",
        "The window for SIAGA_PIN_MAX_FAILURES, in minutes.",
        default=60,
    )
    secure_cookies: bool = _setting(
        "SIAGA_SECURE_COOKIES",
        "Mark console cookies Secure (HTTPS only). Default: on when SIAGA_PUBLIC_URL is https.",
        default=False,
    )
    forwarded_allow_ips: tuple[str, ...] = _setting(
        "SIAGA_FORWARDED_ALLOW_IPS",
        "Proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the "
        "client; the abuse limits count per client address (docs/abuse.md). From any other "
        "peer the header is ignored.",
        default=("127.0.0.1/32", "::1/128"),
    )
    webchat_address_limit: Rate = _setting(
        "SIAGA_WEBCHAT_ADDRESS_LIMIT",
        "Web-chat messages per client address, as COUNT/SECONDS (429 with Retry-After above "
        "it; the page keeps the message and resends). Per instance (docs/abuse.md).",
        default=Rate(120, 60),
    )
    webchat_session_limit: Rate = _setting(
        "SIAGA_WEBCHAT_SESSION_LIMIT",
        "Web-chat messages per chat session, as COUNT/SECONDS. Per instance.",
        default=Rate(30, 60),
    )
    webchat_new_session_limit: Rate = _setting(
        "SIAGA_WEBCHAT_NEW_SESSION_LIMIT",
        "New web-chat sessions per client address, as COUNT/SECONDS. An address an operator "
        "blocked gets one per SECONDS. Per instance.",
        default=Rate(20, 600),
    )
    webhook_refusal_limit: Rate = _setting(
        "SIAGA_WEBHOOK_REFUSAL_LIMIT",
        "Refused webhook requests (wrong or missing signature) per client address, as "
        "COUNT/SECONDS, before that address gets 429 without being read. Authentic provider "
        "traffic is never limited. Per instance.",
        default=Rate(30, 60),
    )
    body_read_seconds: float = _setting(
        "SIAGA_BODY_READ_SECONDS",
        "Longest time a webhook or web-chat request body may take to arrive (408 after it).",
        default=10.0,
    )
    alert_limit: Rate = _setting(
        "SIAGA_ALERT_LIMIT",
        "Individual team alerts per channel, as COUNT/SECONDS; further critical cases in the "
        "window are grouped into one summary alert (docs/abuse.md). Cases are never grouped.",
        default=Rate(5, 600),
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every ``SIAGA_*`` variable. Raises ConfigError naming the variable."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f.metadata["env"]
            raw = env.get(name)
            if raw is None:
                continue
            values[f.name] = _PARSERS[f.name](name, raw.strip())
        if "secure_cookies" not in values:
            values["secure_cookies"] = values.get("public_url", "").startswith("https://")
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Cross-field rules. Raises ConfigError."""
        if self.env == "production" and len(self.secret_key.get()) < 32:
            raise ConfigError(
                "SIAGA_SECRET_KEY: required in production, at least 32 random characters"
            )
        if self.role != "all" and self.is_sqlite:
            raise ConfigError(
                "SIAGA_ROLE: web and worker run as separate processes and need PostgreSQL "
                "(SQLite has a single writer); use all"
            )
        if self.twilio_account_sid and not self.twilio_auth_token:
            raise ConfigError("SIAGA_TWILIO_AUTH_TOKEN: required with SIAGA_TWILIO_ACCOUNT_SID")
        if self.whatsapp_token and not self.whatsapp_app_secret:
            raise ConfigError("SIAGA_WHATSAPP_APP_SECRET: required with SIAGA_WHATSAPP_TOKEN")

    def secret_values(self) -> list[str]:
        """Every secret that is set: the log formatter replaces them with ``***`` (bot.logs)."""
        values = (getattr(self, f.name) for f in fields(self))
        return [value.get() for value in values if isinstance(value, Secret) and value]

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite database (one instance only)."""
        return self.database_url.startswith("sqlite")

    @staticmethod
    def documentation() -> list[tuple[str, str, str]]:
        """(variable, default, help) for every setting: the README's configuration table."""
        rows = []
        for f in fields(Settings):
            factory: Any = f.default_factory
            default = factory() if factory is not _MISSING else f.default
            if isinstance(default, Secret):
                shown = "(empty)" if not default else "(secret)"
            elif isinstance(default, Mapping):
                shown = ",".join(f"{k}={v}" for k, v in default.items())
            elif isinstance(default, tuple):
                shown = ",".join(default)
            else:
                shown = str(default) if default != "" else "(empty)"
            rows.append((f.metadata["env"], shown, f.metadata["help"]))
        return rows


def markdown_table() -> str:
    """The README's configuration table, generated so the two can never disagree."""
    lines = ["| variable | default | what it does |", "| --- | --- | --- |"]
    for name, default, help_text in Settings.documentation():
        lines.append(f"| `{name}` | `{default}` | {help_text} |")
    return "\n".join(lines)


from dataclasses import MISSING as _MISSING  # noqa: E402 - used only by documentation()

_PARSERS.update(
    {
        "database_url": _database_url,
        "public_url": _url,
        "secret_key": lambda _n, v: Secret(v),
        "env": _choice("development", "production"),
        "role": _choice("all", "web", "worker"),
        "host": lambda _n, v: v,
        "port": _int_range(1, 65535),
        "log_level": _choice("DEBUG", "INFO", "WARNING", "ERROR"),
        "db_pool_size": _int_range(1, 500),
        "db_worker_pool_size": _int_range(2, 500),
        "max_body_bytes": _int_range(1024, 64 * 1024 * 1024),
        "nlu_backend": _choice("embedded", "rasa"),
        "nlu_model_path": lambda _n, v: v,
        "rasa_url": _url,
        "media_dir": lambda _n, v: v,
        "media_max_bytes": _int_range(1024, 1024 * 1024 * 1024),
        "outbox_max_attempts": _int_range(1, 100),
        "outbox_poll_seconds": _float_pos,
        "inbox_recover_seconds": _float_pos,
        "telegram_token": lambda _n, v: Secret(v),
        "telegram_webhook_secret": lambda _n, v: Secret(v),
        "telegram_api_url": _url,
        "twilio_account_sid": lambda _n, v: v,
        "twilio_auth_token": lambda _n, v: Secret(v),
        "twilio_whatsapp_number": lambda _n, v: v,
        "twilio_api_url": _url,
        "twilio_template_sid": lambda _n, v: v,
        "whatsapp_token": lambda _n, v: Secret(v),
        "whatsapp_app_secret": lambda _n, v: Secret(v),
        "whatsapp_verify_token": lambda _n, v: Secret(v),
        "whatsapp_phone_number_id": lambda _n, v: v,
        "whatsapp_api_url": _url,
        "whatsapp_template_name": lambda _n, v: v,
        "alert_telegram_chat_id": lambda _n, v: v,
        "sla_minutes": _urgency_minutes,
        "login_max_failures": _int_range(1, 100),
        "login_lockout_minutes": _int_range(1, 24 * 60),
        "login_max_per_address": _int_range(1, 100_000),
        "require_2fa": _choice("none", "admins"),
        "unconsented_retention_days": _int_range(1, 3650),
        "pin_max_failures": _int_range(1, 100),
        "pin_lockout_minutes": _int_range(1, 7 * 24 * 60),
        "secure_cookies": _bool,
        "forwarded_allow_ips": _addresses,
        "webchat_address_limit": _rate,
        "webchat_session_limit": _rate,
        "webchat_new_session_limit": _rate,
        "webhook_refusal_limit": _rate,
        "body_read_seconds": _float_pos,
        "alert_limit": _rate,
    }
)
