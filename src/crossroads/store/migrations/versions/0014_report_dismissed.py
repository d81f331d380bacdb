"""reports a host dismissed (#29): they leave the list of reports to act on

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-06 12:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import crossroads.store.types

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participant_report", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dismissed_at", crossroads.store.types.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("participant_report", schema=None) as batch_op:
        batch_op.drop_column("dismissed_at")
