"""The officials' dashboard: one-time sign-in links and browser sessions, and the indexes the
complaint list filters and sorts by.

Only a hash (SHA-256) of a link's or a session's token is stored, so a copy of the database
opens no session. A link is used once: its use is an UPDATE that only succeeds while
``used_at`` is empty and it has not expired.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# The register's sorts and filters, and the overdue count (from the index alone).
COMPLAINT_INDEXES = (
    ("ix_complaints_received_at", ("received_at",)),
    ("ix_complaints_status_received_at", ("status", "received_at")),
    ("ix_complaints_desa_received_at", ("desa", "received_at")),
    ("ix_complaints_category_received_at", ("category", "received_at")),
    ("ix_complaints_channel_received_at", ("channel", "received_at")),
    ("ix_complaints_resolve_by", ("resolve_by",)),
    ("ix_complaints_status_deadlines", ("status", "resolve_by", "plan_by", "verify_by")),
)


def upgrade() -> None:
    op.create_table(
        "web_links",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_links_token_hash")),
    )
    op.create_index(op.f("ix_web_links_expires_at"), "web_links", ["expires_at"])
    op.create_table(
        "web_sessions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    op.create_index(op.f("ix_web_sessions_expires_at"), "web_sessions", ["expires_at"])
    for name, columns in COMPLAINT_INDEXES:
        op.create_index(name, "complaints", list(columns))


def downgrade() -> None:
    for name, _ in reversed(COMPLAINT_INDEXES):
        op.drop_index(name, table_name="complaints")
    op.drop_index(op.f("ix_web_sessions_expires_at"), table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_index(op.f("ix_web_links_expires_at"), table_name="web_links")
    op.drop_table("web_links")
