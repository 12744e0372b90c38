"""Trust: an outbox for messages that must reach people after a change, a submission key that
makes a survey's "Kirim" idempotent, and a back-off time for photo downloads that failed.

The outbox is written in the same transaction as the change it reports (a complaint moved), so
a Bot API error or a kill right after the commit can no longer lose a reporter's news.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("complaint_id", Id, nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("error", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_outbox_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(op.f("ix_outbox_complaint_id"), "outbox", ["complaint_id"])
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_chat_id_message_id", "outbox", ["chat_id", "message_id"])
    with op.batch_alter_table("survey_responses") as batch:
        batch.add_column(sa.Column("submission_key", sa.String(64), nullable=True))
        batch.create_unique_constraint(
            op.f("uq_survey_responses_submission_key"), ["submission_key"]
        )
    with op.batch_alter_table("complaint_photos") as batch:
        batch.add_column(sa.Column("next_attempt_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaint_photos") as batch:
        batch.drop_column("next_attempt_at")
    with op.batch_alter_table("survey_responses") as batch:
        batch.drop_constraint(op.f("uq_survey_responses_submission_key"), type_="unique")
        batch.drop_column("submission_key")
    op.drop_index("ix_outbox_chat_id_message_id", table_name="outbox")
    op.drop_index("ix_outbox_status_next_attempt_at", table_name="outbox")
    op.drop_index(op.f("ix_outbox_complaint_id"), table_name="outbox")
    op.drop_table("outbox")
