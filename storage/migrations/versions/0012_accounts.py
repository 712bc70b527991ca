"""accounts an admin can run: forced password change, optional TOTP second factor

Issue 15, part 4.

Revision ID: 0012_accounts
Revises: 0011_handover
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_accounts"
down_revision: str | None = "0011_handover"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the columns to ``operators``."""
    with op.batch_alter_table("operators") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password",
                sa.Boolean(),
                nullable=False,
                server_default=sa.text("false"),
            )
        )
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column(
                "totp_enabled", sa.Boolean(), nullable=False, server_default=sa.text("false")
            )
        )
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_enabled")
        batch.drop_column("totp_secret")
        batch.drop_column("must_change_password")
