"""Configuration: one place, validated, secrets never shown."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import ConfigError, Secret, Settings, markdown_table
from bot.logs import JsonFormatter


def test_defaults_run_on_sqlite_without_any_setting() -> None:
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.is_sqlite


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"SIAGA_PORT": "eighty"}, "SIAGA_PORT"),
        ({"SIAGA_PORT": "70000"}, "SIAGA_PORT"),
        ({"SIAGA_DATABASE_URL": "mysql://x"}, "SIAGA_DATABASE_URL"),
        ({"SIAGA_PUBLIC_URL": "siaga.example.org"}, "SIAGA_PUBLIC_URL"),
        ({"SIAGA_NLU_BACKEND": "gpt"}, "SIAGA_NLU_BACKEND"),
        ({"SIAGA_ENV": "production"}, "SIAGA_SECRET_KEY"),
        ({"SIAGA_TWILIO_ACCOUNT_SID": "AC1"}, "SIAGA_TWILIO_AUTH_TOKEN"),
        ({"SIAGA_SLA_MINUTES": "urgent=5"}, "SIAGA_SLA_MINUTES"),
    ],
)
def test_invalid_setting_names_the_variable(env: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env(env)


def test_secrets_never_print() -> None:
    settings = Settings.from_env({"SIAGA_TELEGRAM_TOKEN": "123:ABCsecret"})
    assert "ABCsecret" not in repr(settings)
    assert settings.telegram_token.get() == "123:ABCsecret"
    assert repr(Secret("x")) == "Secret('**********')"


def test_https_public_url_turns_on_secure_cookies() -> None:
    assert Settings.from_env({"SIAGA_PUBLIC_URL": "https://siaga.example.org"}).secure_cookies
    assert not Settings.from_env({}).secure_cookies


def test_every_setting_is_documented() -> None:
    rows = Settings.documentation()
    assert all(name.startswith("SIAGA_") and help_text for name, _default, help_text in rows)
    assert len({name for name, _d, _h in rows}) == len(rows)


def test_split_roles_need_postgresql() -> None:
    with pytest.raises(ConfigError, match="SIAGA_ROLE"):
        Settings.from_env(
            {"SIAGA_ROLE": "worker", "SIAGA_DATABASE_URL": "sqlite+aiosqlite:///x.db"}
        )
    settings = Settings.from_env(
        {"SIAGA_ROLE": "web", "SIAGA_DATABASE_URL": "postgresql+asyncpg://127.0.0.1/test"}
    )
    assert settings.role == "web"


def test_the_readme_lists_every_setting_as_siaga_config_prints_it() -> None:
    """The README's table is ``siaga config --markdown``: a new setting cannot go undocumented."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert markdown_table() in readme


def test_every_secret_setting_is_scrubbed_from_logs() -> None:
    """The log formatter replaces each secret the settings hold (tokens travel in PTB errors)."""
    settings = Settings.from_env(
        {
            "SIAGA_TELEGRAM_TOKEN": "7000000000:AAFakeTokenForTests",
            "SIAGA_TELEGRAM_WEBHOOK_SECRET": "hook-secret-123",
            "SIAGA_WHATSAPP_TOKEN": "EAAGmetatoken",
            "SIAGA_WHATSAPP_APP_SECRET": "meta-app-secret",
        }
    )
    formatter = JsonFormatter(settings.secret_values())
    record = logging.LogRecord(
        "bot",
        logging.ERROR,
        __file__,
        1,
        "GET /bot7000000000:AAFakeTokenForTests/x %s",
        ("hook-secret-123 EAAGmetatoken meta-app-secret",),
        None,
    )
    line = formatter.format(record)
    for secret in settings.secret_values():
        assert secret not in line
    assert "***" in line
