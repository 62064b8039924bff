"""Kept questions say why they were kept: no answer, unsure (suggestions offered), or an answer
rated "did not help" (with the entry that was given).

- ``unanswered_questions.reason``: none | unsure | unhelpful (rows kept so far: none).
- ``unanswered_questions.entry_id``: the entry answered, for unhelpful.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add unanswered_questions.reason and .entry_id."""
    with op.batch_alter_table("unanswered_questions") as batch:
        batch.add_column(
            sa.Column("reason", sa.String(length=10), nullable=False, server_default="none")
        )
        batch.add_column(sa.Column("entry_id", sa.String(length=80), nullable=True))


def downgrade() -> None:
    """Drop them again (the unsure and unhelpful rows go: before, only unanswered were kept)."""
    op.execute("DELETE FROM unanswered_questions WHERE reason <> 'none'")
    with op.batch_alter_table("unanswered_questions") as batch:
        batch.drop_column("entry_id")
        batch.drop_column("reason")
