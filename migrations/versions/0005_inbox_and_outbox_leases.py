"""A durable inbox of updates; relay and reminder deliveries claimed with leases.

- ``inbox_updates``: every update Telegram delivered, stored before it is confirmed; the payload
  is cleared once it is handled (the row stays a little while, so a redelivery is recognised).
- ``handoffs.relay_owner``/``relay_lease_until``: which process delivers a conversation's queue;
  ``topic_name``: the staff topic still to be opened (the sender does it, not the handler).
- ``relay_messages``: attempts, next attempt, why a message was set aside, buttons of the bot's
  own messages, the family's text while it waits (so several can go to a throttled staff topic
  as one message; cleared once delivered); one row per source message (a replayed update does
  not relay twice).
- ``reminders.claimed_at``: a reminder is "sending" until Telegram took it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create inbox_updates; add the lease and retry columns."""
    op.create_table(
        "inbox_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("owner", sa.String(length=80), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inbox_updates")),
    )
    op.create_index(op.f("ix_inbox_updates_handled_at"), "inbox_updates", ["handled_at"])
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("relay_owner", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("topic_name", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("relay_lease_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("relay_messages") as batch:
        batch.add_column(sa.Column("reply_markup", sa.Text(), nullable=True))
        batch.add_column(sa.Column("quote", sa.Text(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("failure", sa.String(length=200), nullable=True))
        batch.create_unique_constraint(
            op.f("uq_relay_messages_from_chat_id"), ["from_chat_id", "message_id", "to_staff"]
        )
    with op.batch_alter_table("reminders") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("reminders") as batch:
        batch.drop_column("claimed_at")
    with op.batch_alter_table("relay_messages") as batch:
        batch.drop_constraint(op.f("uq_relay_messages_from_chat_id"), type_="unique")
        batch.drop_column("failure")
        batch.drop_column("next_attempt_at")
        batch.drop_column("attempts")
        batch.drop_column("reply_markup")
        batch.drop_column("quote")
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("relay_lease_until")
        batch.drop_column("relay_owner")
        batch.drop_column("topic_name")
    op.drop_index(op.f("ix_inbox_updates_handled_at"), table_name="inbox_updates")
    op.drop_table("inbox_updates")
