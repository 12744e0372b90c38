"""Complaints (laporan trantib, IKU 4): the register, photos, audit trail, ratings, the per-year
tracking counter, officials' pending moves and the daily overdue notices.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _complaint_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["complaint_id"],
        ["complaints.id"],
        name=op.f(f"fk_{table}_complaint_id_complaints"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "complaint_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_complaint_counters")),
    )
    _create_complaints()
    op.create_table(
        "complaint_photos",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("complaint_id", Id, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(256), nullable=False),
        sa.Column("file_unique_id", sa.String(128), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("local_path", sa.String(500), nullable=True),
        sa.Column("download_attempts", sa.Integer(), nullable=False),
        _complaint_fk("complaint_photos"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_photos")),
        sa.UniqueConstraint(
            "complaint_id", "position", name=op.f("uq_complaint_photos_complaint_id_position")
        ),
    )
    op.create_table(
        "complaint_events",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("complaint_id", Id, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor_id", Id, nullable=True),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["residents.id"], name=op.f("fk_complaint_events_actor_id_residents")
        ),
        _complaint_fk("complaint_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_events")),
    )
    op.create_index(op.f("ix_complaint_events_complaint_id"), "complaint_events", ["complaint_id"])
    op.create_table(
        "complaint_ratings",
        sa.Column("complaint_id", Id, autoincrement=False, nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 4", name=op.f("ck_complaint_ratings_score_range")),
        _complaint_fk("complaint_ratings"),
        sa.PrimaryKeyConstraint("complaint_id", name=op.f("pk_complaint_ratings")),
    )
    op.create_table(
        "complaint_pending_moves",
        sa.Column("official_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("complaint_id", Id, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("expected", sa.String(16), nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("prompt_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        _complaint_fk("complaint_pending_moves"),
        sa.PrimaryKeyConstraint(
            "official_id", "complaint_id", name=op.f("pk_complaint_pending_moves")
        ),
    )
    op.create_table(
        "complaint_overdue_notices",
        sa.Column("complaint_id", Id, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
        _complaint_fk("complaint_overdue_notices"),
        sa.PrimaryKeyConstraint("complaint_id", "day", name=op.f("pk_complaint_overdue_notices")),
    )


def _create_complaints() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("submission_key", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("desa", sa.String(100), nullable=False),
        sa.Column("place", sa.String(300), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("privacy", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reject_reason", sa.String(32), nullable=True),
        sa.Column("reporter_id", Id, nullable=True),
        sa.Column("recorded_by_id", Id, nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("verify_by", sa.Date(), nullable=False),
        sa.Column("plan_by", sa.Date(), nullable=False),
        sa.Column("resolve_by", sa.Date(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("card_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("card_message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["residents.id"],
            name=op.f("fk_complaints_recorded_by_id_residents"),
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["residents.id"], name=op.f("fk_complaints_reporter_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("code", name=op.f("uq_complaints_code")),
        sa.UniqueConstraint("submission_key", name=op.f("uq_complaints_submission_key")),
        sa.UniqueConstraint("year", "number", name=op.f("uq_complaints_year_number")),
    )
    op.create_index(op.f("ix_complaints_received_on"), "complaints", ["received_on"])
    op.create_index(op.f("ix_complaints_status"), "complaints", ["status"])
    op.create_index(
        "ix_complaints_reporter_id_received_on", "complaints", ["reporter_id", "received_on"]
    )


def downgrade() -> None:
    op.drop_table("complaint_overdue_notices")
    op.drop_table("complaint_pending_moves")
    op.drop_table("complaint_ratings")
    op.drop_index(op.f("ix_complaint_events_complaint_id"), table_name="complaint_events")
    op.drop_table("complaint_events")
    op.drop_table("complaint_photos")
    op.drop_index("ix_complaints_reporter_id_received_on", table_name="complaints")
    op.drop_index(op.f("ix_complaints_status"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_received_on"), table_name="complaints")
    op.drop_table("complaints")
    op.drop_table("complaint_counters")
