"""hybrid gatherings: venues with numbered tables, who is in which room, each round's mode

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import crossroads.store.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = crossroads.store.types.UTCDateTime
    op.create_table(
        "venue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("room", sa.String(length=120), nullable=False),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("projector_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(["convening_id"], ["convening.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
    )
    with op.batch_alter_table("venue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_venue_convening_id"), ["convening_id"])
    op.create_table(
        "venue_presence",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("no_phone", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["venue_id"], ["venue.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id"),
    )
    with op.batch_alter_table("venue_presence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_venue_presence_venue_id"), ["venue_id"])
    op.create_table(
        "round_mode",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("round_id"),
    )


def downgrade() -> None:
    op.drop_table("round_mode")
    with op.batch_alter_table("venue_presence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_venue_presence_venue_id"))
    op.drop_table("venue_presence")
    with op.batch_alter_table("venue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_venue_convening_id"))
    op.drop_table("venue")
