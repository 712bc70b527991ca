"""Shared fixtures for the NLU tests: the shipped model is loaded once per session."""

from __future__ import annotations

import pytest

from nlu.pipeline import EmbeddedNlu


@pytest.fixture(scope="session")
def embedded() -> EmbeddedNlu:
    """The artefact shipped in nlu/model/, as the server loads it."""
    return EmbeddedNlu.load()
