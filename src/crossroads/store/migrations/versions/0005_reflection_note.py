"""reflection note

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import crossroads.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reflection_note",
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", crossroads.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", crossroads.store.types.UTCDateTime(), nullable=False),
        sa.Column("published_at", crossroads.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["convening_id"], ["convening.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("convening_id"),
    )


def downgrade() -> None:
    op.drop_table("reflection_note")
