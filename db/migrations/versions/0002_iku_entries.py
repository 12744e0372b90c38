"""IKU 1 and IKU 3 data entry (program indicators, empowerment activities, their audit trail)
and the weekly summary's delivery record.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "program_indicators",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("program", sa.String(500), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(60), nullable=False),
        sa.Column("higher_is_better", sa.Boolean(), nullable=False),
        sa.Column("realization", sa.Float(), nullable=True),
        sa.Column("explicit", sa.Boolean(), nullable=True),
        sa.Column("explicit_note", sa.Text(), nullable=False),
        sa.Column("achieved", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_indicators")),
        sa.UniqueConstraint("year", "code", name=op.f("uq_program_indicators_year_code")),
    )
    op.create_index(op.f("ix_program_indicators_year"), "program_indicators", ["year"])
    op.create_table(
        "empowerment_activities",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("planned_month", sa.Integer(), nullable=False),
        sa.Column("facilitated_on", sa.Date(), nullable=True),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_empowerment_activities")),
        sa.UniqueConstraint("year", "name", name=op.f("uq_empowerment_activities_year_name")),
    )
    op.create_index(op.f("ix_empowerment_activities_year"), "empowerment_activities", ["year"])
    op.create_table(
        "entry_audit",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_audit")),
    )
    op.create_index(op.f("ix_entry_audit_entity_id"), "entry_audit", ["entity_id"])
    op.create_table(
        "summary_deliveries",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("period_key", sa.String(40), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("error", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summary_deliveries")),
        sa.UniqueConstraint(
            "period_key", "chat_id", name=op.f("uq_summary_deliveries_period_key_chat_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("summary_deliveries")
    op.drop_index(op.f("ix_entry_audit_entity_id"), table_name="entry_audit")
    op.drop_table("entry_audit")
    op.drop_index(op.f("ix_empowerment_activities_year"), table_name="empowerment_activities")
    op.drop_table("empowerment_activities")
    op.drop_index(op.f("ix_program_indicators_year"), table_name="program_indicators")
    op.drop_table("program_indicators")
