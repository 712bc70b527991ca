"""signed outbound webhooks (subscribers and a delivery outbox) and scoped API tokens

Issue 15, part 6.

Revision ID: 0013_integration
Revises: 0012_accounts
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0013_integration"
down_revision: str | None = "0012_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = storage.models.UTCDateTime(timezone=True)


def _operator_fk(table: str, column: str) -> sa.ForeignKey:
    return sa.ForeignKey("operators.id", name=f"fk_{table}_{column}_operators")


def upgrade() -> None:
    """Create the three tables."""
    op.create_table(
        "webhook_subscribers",
        sa.Column("id", BigId, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("personal_data", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", BigId, _operator_fk("webhook_subscribers", "created_by")),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_subscribers"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", BigId, nullable=False),
        sa.Column(
            "subscriber_id",
            BigId,
            sa.ForeignKey(
                "webhook_subscribers.id",
                name="fk_webhook_deliveries_subscriber_id_webhook_subscribers",
            ),
            nullable=False,
        ),
        sa.Column("case_reference", sa.String(16), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", When, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("sent_at", When, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_webhook_deliveries_case",
        "webhook_deliveries",
        ["subscriber_id", "case_reference", "id"],
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", BigId, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_by", BigId, _operator_fk("api_tokens", "created_by"), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("revoked_at", When, nullable=True),
        sa.Column("last_used_at", When, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("api_tokens")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscribers")
