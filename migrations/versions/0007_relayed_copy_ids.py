"""The id of each relayed copy in the chat that received it, so a staff member's edit can edit the
family's copy too.

- ``relay_messages.delivered_message_id``: the message id of the copy (either direction).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add relay_messages.delivered_message_id."""
    with op.batch_alter_table("relay_messages") as batch:
        batch.add_column(sa.Column("delivered_message_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop it again."""
    with op.batch_alter_table("relay_messages") as batch:
        batch.drop_column("delivered_message_id")
