"""The import direction of the layers (README, "Architecture"), enforced with ``ast``.

bot → {flows, nlu, knowledge, storage}; flows → {nlu.types, knowledge}; storage → {flows.types,
nlu.types}; nlu and knowledge import no other project package (nlu.normalize and nlu.types
excepted for knowledge). Only bot imports aiohttp web, telegram or twilio; flows, nlu and
knowledge never import SQLAlchemy. Inside bot/, each room imports only what its job needs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {"bot", "nlu", "flows", "knowledge", "storage"}

ALLOWED: dict[str, set[str]] = {
    "bot": {"bot", "flows", "nlu", "knowledge", "storage"},
    "flows": {"flows", "nlu.types", "knowledge"},
    "storage": {"storage", "flows.types", "nlu.types"},
    "nlu": {"nlu"},
    "knowledge": {"knowledge", "nlu.normalize", "nlu.types"},
}
FORBIDDEN_THIRD_PARTY: dict[str, set[str]] = {
    "flows": {"aiohttp", "sqlalchemy", "telegram", "twilio", "asyncpg", "aiosqlite"},
    "nlu": {"sqlalchemy", "telegram", "twilio"},
    "knowledge": {"aiohttp", "sqlalchemy", "telegram", "twilio"},
    "storage": {"aiohttp", "telegram", "twilio"},
}


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def allowed(module: str, rules: set[str]) -> bool:
    return any(module == rule or module.startswith(rule + ".") for rule in rules)


# Inside bot/: the rooms may only use what their job needs. Channel adapters know only the
# wire, the settings and the flows' value types (never the console, storage or the pipeline);
# the console is a leaf that the composition root alone mounts; nothing imports the CLI.
BOT_ROOMS: dict[str, set[str]] = {
    "bot.channels": {"bot.channels", "bot.config", "flows.types"},
    "bot.console": {
        "bot.console",
        "bot.channels.registry",
        "bot.keys",
        "bot.media",
        "bot.config",
        "flows",
        "knowledge",
        "nlu.types",
        "storage",
    },
}
ONLY_IMPORTED_BY = {
    "bot.console": {"bot.app", "bot.console"},
    "bot.cli": {"bot.cli", "bot.__main__"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize("room", sorted(BOT_ROOMS))
def test_bot_rooms_import_only_what_their_job_needs(room: str) -> None:
    problems = []
    folder = ROOT / room.replace(".", "/")
    for path in sorted(folder.rglob("*.py")):
        for name in imports_of(path):
            top = name.split(".", 1)[0]
            if top in PROJECT and not allowed(name, BOT_ROOMS[room]):
                problems.append(f"{path.relative_to(ROOT)} imports {name}")
    assert problems == []


def test_leaves_are_imported_only_where_they_are_mounted() -> None:
    problems = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        importer = module_name(path)
        for name in imports_of(path):
            for leaf, importers in ONLY_IMPORTED_BY.items():
                if allowed(name, {leaf}) and not allowed(importer, importers):
                    problems.append(f"{importer} imports {name}")
    assert problems == []


@pytest.mark.parametrize("package", sorted(PROJECT))
def test_import_direction(package: str) -> None:
    problems = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for name in imports_of(path):
            top = name.split(".", 1)[0]
            if top in PROJECT and not allowed(name, ALLOWED[package]):
                problems.append(f"{path.relative_to(ROOT)} imports {name}")
            if top in FORBIDDEN_THIRD_PARTY.get(package, set()):
                problems.append(f"{path.relative_to(ROOT)} imports {name}")
    assert problems == []
