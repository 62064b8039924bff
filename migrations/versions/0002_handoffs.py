"""Hand-over to staff: handoffs (one per family chat) and the relay outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create handoffs and relay_messages."""
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("claimed_by", sa.BigInteger(), nullable=True),
        sa.Column("claimed_by_name", sa.String(length=64), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("family_blocked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_handoffs_chat_id")),
    )
    op.create_index(op.f("ix_handoffs_status"), "handoffs", ["status"])
    op.create_index(op.f("ix_handoffs_topic_id"), "handoffs", ["topic_id"])
    op.create_table(
        "relay_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("to_staff", sa.Boolean(), nullable=False),
        sa.Column("from_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dropped", sa.Boolean(), nullable=False),
        sa.Column("staff_message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["handoff_id"],
            ["handoffs.id"],
            name=op.f("fk_relay_messages_handoff_id_handoffs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relay_messages")),
    )
    op.create_index(op.f("ix_relay_messages_handoff_id"), "relay_messages", ["handoff_id"])
    op.create_index(op.f("ix_relay_messages_delivered_at"), "relay_messages", ["delivered_at"])
    op.create_index(
        op.f("ix_relay_messages_staff_message_id"), "relay_messages", ["staff_message_id"]
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("relay_messages")
    op.drop_table("handoffs")
