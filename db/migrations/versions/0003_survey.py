"""Satisfaction survey (SKM, IKU 2): responses by unsur key, and monthly service-user counts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Written out rather than imported: a migration must not change when the code does.
UNSUR_KEYS = (
    "persyaratan",
    "prosedur",
    "waktu",
    "biaya",
    "produk",
    "kompetensi",
    "perilaku",
    "sarana",
    "pengaduan",
)


def upgrade() -> None:
    op.create_table(
        "survey_responses",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("resident_id", Id, nullable=True),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("time_slot", sa.String(16), nullable=True),
        sa.Column("gender", sa.String(1), nullable=False),
        sa.Column("age", sa.SmallInteger(), nullable=False),
        sa.Column("education", sa.String(16), nullable=False),
        sa.Column("occupation", sa.String(16), nullable=False),
        *(sa.Column(key, sa.SmallInteger(), nullable=False) for key in UNSUR_KEYS),
        sa.Column("saran", sa.Text(), nullable=True),
        sa.Column("import_key", sa.String(64), nullable=True),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_survey_responses_resident_id_residents"),
        ),
        sa.UniqueConstraint("import_key", name=op.f("uq_survey_responses_import_key")),
        sa.CheckConstraint(
            "channel IN ('chat', 'paper')", name=op.f("ck_survey_responses_channel")
        ),
        *(
            sa.CheckConstraint(f"{key} BETWEEN 1 AND 4", name=op.f(f"ck_survey_responses_{key}"))
            for key in UNSUR_KEYS
        ),
    )
    op.create_index(op.f("ix_survey_responses_local_date"), "survey_responses", ["local_date"])
    op.create_index(
        "ix_survey_responses_service_local_date", "survey_responses", ["service", "local_date"]
    )
    op.create_index(
        "ix_survey_responses_resident_id_local_date",
        "survey_responses",
        ["resident_id", "local_date"],
    )
    op.create_table(
        "survey_populations",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("service_users", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_populations")),
        sa.UniqueConstraint("month", "service", name=op.f("uq_survey_populations_month_service")),
    )


def downgrade() -> None:
    op.drop_table("survey_populations")
    op.drop_index("ix_survey_responses_resident_id_local_date", table_name="survey_responses")
    op.drop_index("ix_survey_responses_service_local_date", table_name="survey_responses")
    op.drop_index(op.f("ix_survey_responses_local_date"), table_name="survey_responses")
    op.drop_table("survey_responses")
