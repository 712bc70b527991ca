"""partial index over outbox rows being sent, for the lease checks

The sender renews the leases of the rows it is sending and, every few seconds, releases rows
whose lease expired (their sender died). Both look only at rows in ``sending``: a handful among
possibly millions of finished rows, so a partial index keeps the check cheap however large the
outbox grows (issue 10).

Revision ID: 0003_outbox_leases
Revises: 0002_inbox_pending_order
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_outbox_leases"
down_revision: str | None = "0002_inbox_pending_order"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SENDING = sa.text("status = 'sending'")


def upgrade() -> None:
    """Index the leases of rows being sent."""
    op.create_index(
        "ix_outbox_sending_lease",
        "outbox",
        ["lease_until"],
        postgresql_where=SENDING,
        sqlite_where=SENDING,
    )


def downgrade() -> None:
    """Drop it again."""
    op.drop_index("ix_outbox_sending_lease", table_name="outbox")
