"""safety advisories to many: audiences on contacts, advisories, outbox priority

Issue 16. Contacts carry the country learned from their report and their own advisory opt-in
(when, on which channel); ``advisories`` holds what supervisors write and approve; outbox rows
get a priority (alerts, replies, then advisories: the claim order) and the advisory they carry;
an inbound message that answers an advisory points at it (docs/advisories.md).

Revision ID: 0020_advisories
Revises: 0014_companies
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0020_advisories"
down_revision: str | None = "0014_companies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = storage.models.UTCDateTime(timezone=True)
PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    """Create ``advisories`` and add the new columns and indexes."""
    op.create_table(
        "advisories",
        sa.Column("id", BigId, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("text_id", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("source_url", sa.String(500), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column(
            "created_by",
            BigId,
            sa.ForeignKey("operators.id", name="fk_advisories_created_by_operators"),
            nullable=False,
        ),
        sa.Column(
            "approved_by",
            BigId,
            sa.ForeignKey("operators.id", name="fk_advisories_approved_by_operators"),
            nullable=True,
        ),
        sa.Column(
            "cancelled_by",
            BigId,
            sa.ForeignKey("operators.id", name="fk_advisories_cancelled_by_operators"),
            nullable=True,
        ),
        sa.Column("scheduled_at", When, nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("approved_at", When, nullable=True),
        sa.Column("cancelled_at", When, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_advisories"),
    )
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("country", sa.String(64), nullable=True))
        batch.add_column(sa.Column("advisory_opt_in", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("advisory_opt_in_at", When, nullable=True))
        batch.add_column(sa.Column("advisory_opt_in_channel", sa.String(32), nullable=True))
        batch.create_index("ix_contacts_country", ["country"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("advisory_id", BigId, nullable=True))
        batch.create_foreign_key(
            "fk_outbox_advisory_id_advisories", "advisories", ["advisory_id"], ["id"]
        )
        batch.create_index("ix_outbox_advisory_id", ["advisory_id"])
    op.create_index(
        "ix_outbox_pending_priority",
        "outbox",
        ["priority", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("advisory_id", BigId, nullable=True))
        batch.create_foreign_key(
            "fk_messages_advisory_id_advisories", "advisories", ["advisory_id"], ["id"]
        )
        batch.create_index("ix_messages_advisory_id", ["advisory_id"])


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_advisory_id")
        batch.drop_constraint("fk_messages_advisory_id_advisories", type_="foreignkey")
        batch.drop_column("advisory_id")
    op.drop_index("ix_outbox_pending_priority", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_advisory_id")
        batch.drop_constraint("fk_outbox_advisory_id_advisories", type_="foreignkey")
        batch.drop_column("advisory_id")
        batch.drop_column("priority")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_index("ix_contacts_country")
        batch.drop_column("advisory_opt_in_channel")
        batch.drop_column("advisory_opt_in_at")
        batch.drop_column("advisory_opt_in")
        batch.drop_column("country")
    op.drop_table("advisories")
