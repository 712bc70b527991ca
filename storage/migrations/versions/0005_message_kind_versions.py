"""message kinds and versions: unsupported content, edits and revokes kept for operators

Issue 14: an edited message was stored as a second message and taken as a new answer, and
content we cannot read (reactions, polls, orders) left no trace. ``messages.kind`` says what a
row is (NULL for an ordinary message, ``unsupported``, ``edited``, ``revoked``) and
``messages.versions`` keeps every earlier state of an edited or revoked message.

Revision ID: 0005_message_kind_versions
Revises: 0004_pin_attempts_erasure
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_message_kind_versions"
down_revision: str | None = "0004_pin_attempts_erasure"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add both columns (nullable: existing rows are ordinary messages)."""
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=True))
        batch.add_column(sa.Column("versions", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop both columns."""
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("versions")
        batch.drop_column("kind")
