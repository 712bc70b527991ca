"""The ``siaga`` command: serve, database, operators, NLU, knowledge and channel tools."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, markdown_table


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)  # noqa: T201 - CLI output
        raise SystemExit(2) from None


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the server in its role (migrations are applied first)."""
    from bot.app import build_app, run
    from bot.logs import configure_logging

    settings = _settings()
    if args.role:
        settings = dataclasses.replace(settings, role=args.role)
        try:
            settings.check()
        except ConfigError as exc:
            print(f"configuration error: {exc}", file=sys.stderr)  # noqa: T201 - CLI output
            return 2
    configure_logging(settings.log_level, secrets=settings.secret_values())
    host = args.host or settings.host
    port = args.port or settings.port
    run(build_app(settings), host=host, port=port)
    return 0


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    """Apply database migrations."""
    from storage.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    print("database is up to date")  # noqa: T201
    return 0


def cmd_operator_add(args: argparse.Namespace) -> int:
    """Create a console user; the password comes from a prompt or from stdin."""
    from storage.db import create_engine, session_factory
    from storage.migrate import upgrade
    from storage.operators import create_operator

    settings = _settings()
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != password:
            print("passwords differ", file=sys.stderr)  # noqa: T201
            return 1
    else:
        password = sys.stdin.readline().rstrip("\n")
    upgrade(settings.database_url)

    async def run() -> None:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session, session.begin():
                await create_operator(session, args.username, password, args.role)
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except ValueError as exc:
        print(f"not created: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    print(f"operator {args.username!r} created with role {args.role}")  # noqa: T201
    return 0


def cmd_nlu_corrections(args: argparse.Namespace) -> int:
    """Write the console's label corrections as reviewable Rasa YAML (names and numbers masked).

    Needs the database, so it lives here rather than in ``nlu.cli``; the masking and the YAML
    are ``nlu.corrections``'s (docs/nlu.md, "Learning from operators").
    """
    from nlu.corrections import to_rasa_yaml
    from storage.audit import label_corrections
    from storage.db import create_engine, session_factory

    settings = _settings()

    async def run() -> str:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                return to_rasa_yaml(await label_corrections(session))
        finally:
            await engine.dispose()

    text = asyncio.run(run())
    count = text.count("\n  - text:")
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    print(f"{count} corrected examples", file=sys.stderr)  # noqa: T201 - CLI output
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    """Print every setting with its default and help (``--markdown``: the README's table)."""
    if args.markdown:
        print(markdown_table())  # noqa: T201
        return 0
    for name, default, help_text in Settings.documentation():
        print(f"{name}\n    default: {default}\n    {help_text}\n")  # noqa: T201
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The full command tree (each package registers its own subcommands)."""
    from bot.channels.telegram_cli import register as register_telegram
    from knowledge.cli import register as register_knowledge
    from nlu.cli import register as register_nlu

    parser = argparse.ArgumentParser(prog="siaga", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server (web chat, webhooks, console, workers)")
    serve.add_argument("--host", default=None, help="default: SIAGA_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: SIAGA_PORT or 8080")
    serve.add_argument(
        "--role",
        choices=["all", "web", "worker"],
        default=None,
        help="default: SIAGA_ROLE or all (web and worker need PostgreSQL)",
    )
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)

    operator = sub.add_parser("operator", help="console users").add_subparsers(
        dest="operator", required=True
    )
    add = operator.add_parser("add", help="create an operator (password from prompt or stdin)")
    add.add_argument("username")
    add.add_argument("--role", choices=["operator", "supervisor", "admin"], default="operator")
    add.set_defaults(func=cmd_operator_add)

    config = sub.add_parser("config", help="list all settings")
    config.add_argument(
        "--markdown", action="store_true", help="as the README's configuration table"
    )
    config.set_defaults(func=cmd_config)

    nlu = sub.add_parser("nlu", help="train, run and evaluate the NLU").add_subparsers(
        dest="nlu", required=True
    )
    register_nlu(nlu)
    corrections = nlu.add_parser(
        "corrections", help="console label corrections as Rasa YAML for review (masked)"
    )
    corrections.add_argument("--out", type=Path, default=None, help="file (default: stdout)")
    corrections.set_defaults(func=cmd_nlu_corrections)
    register_knowledge(
        sub.add_parser("knowledge", help="knowledge base tools").add_subparsers(
            dest="knowledge", required=True
        )
    )
    register_telegram(
        sub.add_parser("telegram", help="Telegram webhook and polling").add_subparsers(
            dest="telegram", required=True
        )
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``siaga`` console script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
