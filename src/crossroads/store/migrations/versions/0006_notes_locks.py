"""notes locks and attribution

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 07:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import crossroads.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notes_lock",
        sa.Column("room", sa.String(length=64), nullable=False),
        sa.Column("section", sa.String(length=80), nullable=False),
        sa.Column("locked_at", crossroads.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("room", "section"),
    )
    op.create_table(
        "notes_attribution",
        sa.Column("room", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("room"),
    )


def downgrade() -> None:
    op.drop_table("notes_attribution")
    op.drop_table("notes_lock")
