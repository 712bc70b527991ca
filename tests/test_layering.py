"""The import direction of architecture.md, enforced with ``ast`` (no extra tool).

bot → {flows, nlu, knowledge, storage}; flows → {nlu.types, knowledge}; storage → {flows.types,
nlu.types}; nlu and knowledge import no other project package (nlu.normalize excepted for
knowledge). Only bot imports aiohttp web, telegram or twilio; only storage imports SQLAlchemy.
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
