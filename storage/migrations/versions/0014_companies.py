"""recruitment companies (P3MI) as records, and the company confirmed for a case

Issue 15, part 3.

Revision ID: 0014_companies
Revises: 0013_integration
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0014_companies"
down_revision: str | None = "0013_integration"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    """Create ``p3mi_companies`` and ``case_companies``."""
    op.create_table(
        "p3mi_companies",
        sa.Column("id", BigId, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("normalized", sa.String(200), nullable=False),
        sa.Column("licence_number", sa.String(100), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column(
            "created_by",
            BigId,
            sa.ForeignKey("operators.id", name="fk_p3mi_companies_created_by_operators"),
            nullable=True,
        ),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_p3mi_companies"),
        sa.UniqueConstraint("normalized", name="uq_p3mi_companies_normalized"),
        sa.UniqueConstraint("licence_number", name="uq_p3mi_companies_licence_number"),
    )
    op.create_table(
        "case_companies",
        sa.Column(
            "case_id",
            BigId,
            sa.ForeignKey("cases.id", name="fk_case_companies_case_id_cases"),
            nullable=False,
        ),
        sa.Column(
            "company_id",
            BigId,
            sa.ForeignKey("p3mi_companies.id", name="fk_case_companies_company_id_p3mi_companies"),
            nullable=False,
        ),
        sa.Column(
            "confirmed_by",
            BigId,
            sa.ForeignKey("operators.id", name="fk_case_companies_confirmed_by_operators"),
            nullable=True,
        ),
        sa.Column("confirmed_at", When, nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_case_companies"),
    )
    op.create_index("ix_case_companies_company_id", "case_companies", ["company_id"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("case_companies")
    op.drop_table("p3mi_companies")
