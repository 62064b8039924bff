"""Anonymous events for the staff's statistics, and the weekly digests sent.

- ``activity``: one row per event (a question and what it got, a suggestion taken, a
  conversation with staff opened or closed, staff's first reply and how long it took, a reminder
  sent or undeliverable, an appointment booked, confirmed or cancelled): the hour it happened
  in, kind, language, topic, entry, outcome, seconds. No chat id and no text.
- ``digests``: one row per weekly digest's due moment, claimed by one process and marked once
  sent (never twice across restarts and processes).
- ``handoffs.first_reply_at``: when staff first answered since the conversation (re)opened, so
  that only the first reply counts.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create activity and digests, add handoffs.first_reply_at."""
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("topic", sa.String(length=48), nullable=True),
        sa.Column("entry_id", sa.String(length=80), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("seconds", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
    )
    op.create_index(op.f("ix_activity_at"), "activity", ["at"])
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner", sa.String(length=80), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint("due_at", name=op.f("uq_digests_due_at")),
    )
    op.add_column("handoffs", sa.Column("first_reply_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    """Drop them again."""
    # Not in batch mode: SQLite (3.35 and later) drops a plain column in place, whereas copying
    # the table would drop the old one, and with it (ON DELETE CASCADE) what was relayed.
    op.drop_column("handoffs", "first_reply_at")
    op.drop_table("digests")
    op.drop_index(op.f("ix_activity_at"), table_name="activity")
    op.drop_table("activity")
