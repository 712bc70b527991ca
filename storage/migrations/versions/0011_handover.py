"""duty periods (who is on duty) and handover notes

Issue 15, part 5: operators mark themselves on or off duty, so critical alerts name the person on
duty; the outgoing shift writes notes for the next one.

Revision ID: 0011_handover
Revises: 0010_referrals
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0011_handover"
down_revision: str | None = "0010_referrals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    """Create ``duty_periods`` and ``handover_notes``."""
    op.create_table(
        "duty_periods",
        sa.Column("id", BigId, nullable=False),
        sa.Column(
            "operator_id",
            BigId,
            sa.ForeignKey("operators.id", name="fk_duty_periods_operator_id_operators"),
            nullable=False,
        ),
        sa.Column("started_at", When, nullable=False),
        sa.Column("ended_at", When, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_duty_periods"),
    )
    op.create_index("ix_duty_periods_operator_id", "duty_periods", ["operator_id"])
    op.create_index(
        "uq_duty_periods_open",
        "duty_periods",
        ["operator_id"],
        unique=True,
        postgresql_where=sa.text("ended_at IS NULL"),
        sqlite_where=sa.text("ended_at IS NULL"),
    )
    op.create_table(
        "handover_notes",
        sa.Column("id", BigId, nullable=False),
        sa.Column(
            "operator_id",
            BigId,
            sa.ForeignKey("operators.id", name="fk_handover_notes_operator_id_operators"),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_handover_notes"),
    )
    op.create_index("ix_handover_notes_created_at", "handover_notes", ["created_at"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("handover_notes")
    op.drop_table("duty_periods")
