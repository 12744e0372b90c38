"""WhatsApp: the webhook's messages, stored before they are acknowledged, and the messages held
for a resident whose 24-hour window had closed.

A message id seen before is stored once (redeliveries are ignored), so each message is
processed once; a message acknowledged but not yet processed when the bot stops is processed at
the next start. Its content is cleared once processed; the row stays a while for the duplicate
check and for the time of the resident's last message (the 24-hour window).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "whatsapp_inbound",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(128), nullable=False),
        sa.Column("wa_id", sa.String(20), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("payload", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("handled_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_inbound")),
        sa.UniqueConstraint("message_id", name=op.f("uq_whatsapp_inbound_message_id")),
    )
    op.create_index("ix_whatsapp_inbound_wa_id_sent_at", "whatsapp_inbound", ["wa_id", "sent_at"])
    op.create_index("ix_whatsapp_inbound_handled_at", "whatsapp_inbound", ["handled_at"])
    op.create_table(
        "whatsapp_held",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("wa_id", sa.String(20), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_held")),
    )
    op.create_index(op.f("ix_whatsapp_held_wa_id"), "whatsapp_held", ["wa_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_whatsapp_held_wa_id"), table_name="whatsapp_held")
    op.drop_table("whatsapp_held")
    op.drop_index("ix_whatsapp_inbound_handled_at", table_name="whatsapp_inbound")
    op.drop_index("ix_whatsapp_inbound_wa_id_sent_at", table_name="whatsapp_inbound")
    op.drop_table("whatsapp_inbound")
