"""indexes for "the oldest pending event of each conversation"

The dispatcher's ``peek_ready`` takes pending events in id order and asks, for each, whether its
conversation has an older pending one. Without these partial indexes the first part walked the
primary key through every finished event, and the second scanned all pending events for each
candidate (measured: the busiest queries under load, growing with the table and the backlog).
The sender's "due heads" query has the same shape on the outbox.

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
    """Add the partial indexes over pending events: by arrival, and by conversation."""
    op.create_index(
        "ix_inbox_pending_id", "inbox", ["id"], postgresql_where=PENDING, sqlite_where=PENDING
    )
    op.create_index(
        "ix_outbox_pending_id", "outbox", ["id"], postgresql_where=PENDING, sqlite_where=PENDING
    )
    op.create_index(
        "ix_inbox_pending_by_conversation",
        "inbox",
        ["channel", "conversation_key", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_inbox_pending_by_conversation", table_name="inbox")
    op.drop_index("ix_inbox_pending_id", table_name="inbox")
    op.drop_index("ix_outbox_pending_id", table_name="outbox")
