"""index for "the oldest pending event of each conversation"

The dispatcher's ``peek_ready`` asks, for every pending event, whether its conversation has an
older pending one. Without this partial index that check scanned all pending events for each
candidate, so its cost grew with the square of a backlog (measured: the busiest query under load).

Revision ID: 0002_inbox_pending_order
Revises: 0001_initial
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_inbox_pending_order"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    """Add the partial index over pending events, by conversation and arrival."""
    op.create_index(
        "ix_inbox_pending_by_conversation",
        "inbox",
        ["channel", "conversation_key", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    """Drop it again."""
    op.drop_index("ix_inbox_pending_by_conversation", table_name="inbox")
