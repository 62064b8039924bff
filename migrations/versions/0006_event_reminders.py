"""Event reminders get a table of their own instead of posing as appointments.

Until now the events' "remind me" button stored an appointment with ``status = "event"`` and a
``title``. Now:

- ``event_reminders``: chat, event id, title (as shown, in the family's language), language,
  start, place, created; one row per chat and event (asking again updates it).
- ``reminders`` keeps being the one table of reminders, with a second, nullable parent
  ``event_reminder_id`` beside ``appointment_id`` (now nullable too) and a check that exactly
  one of the two is set. Chosen over a second reminders table because claiming stays one query
  with one lease (``claim_due``: claim -> send -> mark, exactly once), one sweep and one index
  on ``due_at`` for both kinds; the check keeps a reminder from having no parent or two.
- The existing "event" rows move over, keeping their ids (so their reminders only change which
  column points at them); their event id was never stored, so it stays NULL. The now unused
  ``appointments.title`` is dropped.

The downgrade moves event reminders back into ``appointments`` (with ids after the highest
appointment id) and restores the columns. Batch mode makes both work on SQLite, which cannot
alter a column or add a constraint in place (``reminders`` is copied; nothing refers to it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_PARENT = "(appointment_id IS NULL) <> (event_reminder_id IS NULL)"


def _continue_ids_after_explicit_inserts(table: str) -> None:
    """PostgreSQL: let the table's id sequence continue after ids that were inserted as they
    are (SQLite takes the highest id by itself)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}"
        )


def upgrade() -> None:
    """Create event_reminders, give reminders their second parent, move the "event" rows."""
    op.create_table(
        "event_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=48), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_reminders")),
        sa.UniqueConstraint("chat_id", "event_id", name=op.f("uq_event_reminders_chat_id")),
    )
    op.create_index(op.f("ix_event_reminders_starts_at"), "event_reminders", ["starts_at"])
    with op.batch_alter_table("reminders") as batch:
        batch.alter_column("appointment_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("event_reminder_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_reminders_event_reminder_id_event_reminders"), "event_reminders",
            ["event_reminder_id"], ["id"], ondelete="CASCADE",
        )  # fmt: skip
        batch.create_index(op.f("ix_reminders_event_reminder_id"), ["event_reminder_id"])
        batch.create_check_constraint(op.f("ck_reminders_one_parent"), ONE_PARENT)
    op.execute(
        "INSERT INTO event_reminders "
        "(id, chat_id, event_id, title, lang, starts_at, place, created_at) "
        "SELECT id, chat_id, NULL, COALESCE(title, ''), lang, starts_at, place, created_at "
        "FROM appointments WHERE status = 'event'"
    )
    op.execute(
        "UPDATE reminders SET event_reminder_id = appointment_id, appointment_id = NULL "
        "WHERE appointment_id IN (SELECT id FROM appointments WHERE status = 'event')"
    )
    op.execute("DELETE FROM appointments WHERE status = 'event'")
    _continue_ids_after_explicit_inserts("event_reminders")
    # Not in batch mode: SQLite (3.35 and later) drops a plain column in place, whereas copying
    # the table would drop the old one, and with it (ON DELETE CASCADE) every reminder.
    op.drop_column("appointments", "title")


def downgrade() -> None:
    """Move event reminders back into appointments ("event" rows with a title); drop the table."""
    with op.batch_alter_table("appointments") as batch:
        batch.add_column(sa.Column("title", sa.Text(), nullable=True))
    after = op.get_bind().scalar(sa.text("SELECT COALESCE(MAX(id), 0) FROM appointments"))
    op.execute(
        sa.text(
            "INSERT INTO appointments "
            "(id, chat_id, handoff_id, lang, starts_at, place, bring, status, title, created_at) "
            "SELECT id + :after, chat_id, NULL, lang, starts_at, place, NULL, 'event', title, "
            "created_at FROM event_reminders"
        ).bindparams(after=after)
    )
    op.execute(
        sa.text(
            "UPDATE reminders SET appointment_id = event_reminder_id + :after, "
            "event_reminder_id = NULL WHERE event_reminder_id IS NOT NULL"
        ).bindparams(after=after)
    )
    _continue_ids_after_explicit_inserts("appointments")
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint(op.f("ck_reminders_one_parent"), type_="check")
        batch.drop_index(op.f("ix_reminders_event_reminder_id"))
        batch.drop_constraint(
            op.f("fk_reminders_event_reminder_id_event_reminders"), type_="foreignkey"
        )
        batch.drop_column("event_reminder_id")
        batch.alter_column("appointment_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index(op.f("ix_event_reminders_starts_at"), table_name="event_reminders")
    op.drop_table("event_reminders")
