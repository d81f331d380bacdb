"""reports and mutes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import crossroads.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "participant_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reported_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("run_number", sa.Integer(), nullable=True),
        sa.Column("created_at", crossroads.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["convening_id"], ["convening.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reported_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reporter_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("participant_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participant_report_convening_id"), ["convening_id"], unique=False
        )

    op.create_table(
        "participant_mute",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("muted_at", crossroads.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["convening_id"], ["convening.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id"),
    )
    with op.batch_alter_table("participant_mute", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participant_mute_convening_id"), ["convening_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("participant_mute", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_mute_convening_id"))
    op.drop_table("participant_mute")
    with op.batch_alter_table("participant_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_report_convening_id"))
    op.drop_table("participant_report")
