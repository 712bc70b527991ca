"""referrals of cases to partners, and their updates

Issue 15, part 2: a case is referred to a partner (a mission, BP3MI, the police, BPJS
Ketenagakerjaan, Immigration) and followed up until done or declined.

Revision ID: 0010_referrals
Revises: 0006_abuse_blocks_alert_log
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0010_referrals"
down_revision: str | None = "0006_abuse_blocks_alert_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    """Create ``referrals`` and ``referral_updates``."""
    op.create_table(
        "referrals",
        sa.Column("id", BigId, nullable=False),
        sa.Column(
            "case_id",
            BigId,
            sa.ForeignKey("cases.id", name="fk_referrals_case_id_cases"),
            nullable=False,
        ),
        sa.Column("partner_key", sa.String(120), nullable=False),
        sa.Column("partner_name", sa.String(200), nullable=False),
        sa.Column("partner_kind", sa.String(24), nullable=False),
        sa.Column("partner_reference", sa.String(120), nullable=True),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("due_at", When, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column(
            "created_by",
            BigId,
            sa.ForeignKey("operators.id", name="fk_referrals_created_by_operators"),
            nullable=True,
        ),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.Column("acknowledged_at", When, nullable=True),
        sa.Column("closed_at", When, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_referrals"),
    )
    op.create_index("ix_referrals_case_id", "referrals", ["case_id"])
    op.create_index("ix_referrals_partner_key", "referrals", ["partner_key"])
    op.create_index("ix_referrals_status_due", "referrals", ["status", "due_at"])
    op.create_table(
        "referral_updates",
        sa.Column("id", BigId, nullable=False),
        sa.Column(
            "referral_id",
            BigId,
            sa.ForeignKey("referrals.id", name="fk_referral_updates_referral_id_referrals"),
            nullable=False,
        ),
        sa.Column(
            "operator_id",
            BigId,
            sa.ForeignKey("operators.id", name="fk_referral_updates_operator_id_operators"),
            nullable=True,
        ),
        sa.Column("status_from", sa.String(16), nullable=True),
        sa.Column("status_to", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_referral_updates"),
    )
    op.create_index("ix_referral_updates_referral_id", "referral_updates", ["referral_id"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("referral_updates")
    op.drop_table("referrals")
