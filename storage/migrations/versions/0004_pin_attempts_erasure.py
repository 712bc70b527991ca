"""case PIN attempts (rate limit) and erasure requests (the right to erasure)

Issue 13: a case PIN could be guessed (no limit); a person asking for their data to be deleted
had no way to do so. ``pin_attempts`` counts recent tries per reference and per conversation;
``erasure_requests`` holds the requests a supervisor carries out from the console.

Revision ID: 0004_pin_attempts_erasure
Revises: 0003_outbox_leases
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0004_pin_attempts_erasure"
down_revision: str | None = "0003_outbox_leases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    """Create both tables."""
    op.create_table(
        "pin_attempts",
        sa.Column("id", BigId, nullable=False),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column(
            "conversation_id",
            BigId,
            sa.ForeignKey(
                "conversations.id", name="fk_pin_attempts_conversation_id_conversations"
            ),
            nullable=False,
        ),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pin_attempts"),
    )
    op.create_index("ix_pin_attempts_reference", "pin_attempts", ["reference", "created_at"])
    op.create_index(
        "ix_pin_attempts_conversation", "pin_attempts", ["conversation_id", "created_at"]
    )
    op.create_table(
        "erasure_requests",
        sa.Column("id", BigId, nullable=False),
        sa.Column(
            "contact_id",
            BigId,
            sa.ForeignKey("contacts.id", name="fk_erasure_requests_contact_id_contacts"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_at", When, nullable=False),
        sa.Column("decided_at", When, nullable=True),
        sa.Column(
            "decided_by",
            BigId,
            sa.ForeignKey("operators.id", name="fk_erasure_requests_decided_by_operators"),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("erased", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_erasure_requests"),
    )
    op.create_index("ix_erasure_requests_contact_id", "erasure_requests", ["contact_id"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("erasure_requests")
    op.drop_table("pin_attempts")
