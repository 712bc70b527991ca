"""abuse blocks and the team-alert log (issue 14, finding 9)

``abuse_blocks`` holds the senders operators marked as abusive (a contact, or a web-chat
address as a keyed hash); ``alert_log`` records each team-alert decision so alerts can be
coalesced per channel and window. docs/abuse.md explains both.

Revision ID: 0006_abuse_blocks_alert_log
Revises: 0005_message_kind_versions
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0006_abuse_blocks_alert_log"
# The head of this branch when written; if 0005 lands first, this points at it instead.
down_revision: str | None = "0005_message_kind_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    """Create both tables."""
    op.create_table(
        "abuse_blocks",
        sa.Column("id", BigId, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "case_id",
            BigId,
            sa.ForeignKey("cases.id", name="fk_abuse_blocks_case_id_cases"),
            nullable=True,
        ),
        sa.Column(
            "created_by",
            BigId,
            sa.ForeignKey("operators.id", name="fk_abuse_blocks_created_by_operators"),
            nullable=True,
        ),
        sa.Column("created_at", When, nullable=False),
        sa.Column("lifted_at", When, nullable=True),
        sa.Column(
            "lifted_by",
            BigId,
            sa.ForeignKey("operators.id", name="fk_abuse_blocks_lifted_by_operators"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_abuse_blocks"),
    )
    op.create_index("ix_abuse_blocks_key", "abuse_blocks", ["kind", "channel", "key"])
    op.create_table(
        "alert_log",
        sa.Column("id", BigId, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "case_id",
            BigId,
            sa.ForeignKey("cases.id", name="fk_alert_log_case_id_cases"),
            nullable=True,
        ),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column(
            "summary_id",
            BigId,
            sa.ForeignKey("outbox.id", name="fk_alert_log_summary_id_outbox"),
            nullable=True,
        ),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alert_log"),
    )
    op.create_index("ix_alert_log_channel_created", "alert_log", ["channel", "created_at"])
    op.create_index("ix_alert_log_summary_id", "alert_log", ["summary_id"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("alert_log")
    op.drop_table("abuse_blocks")
