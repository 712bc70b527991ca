"""Conversation logic: pure functions from (turn, state) to (replies, new state, effects).

No ``await``, no aiohttp, no SQLAlchemy here; see ``flows.types`` for the contract.
"""
