"""removal that sticks: marks that tie participant rows to a person, refused re-joins (#26)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 09:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import crossroads.store.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", crossroads.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["convening_id"], ["convening.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("person_mark", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_mark_convening_id"), ["convening_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_person_mark_digest"), ["digest"], unique=False)
    op.create_table(
        "rejoin_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("matched", sa.String(length=10), nullable=False),
        sa.Column("invite_kind", sa.String(length=10), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("first_at", crossroads.store.types.UTCDateTime(), nullable=False),
        sa.Column("last_at", crossroads.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["convening_id"], ["convening.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rejoin_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rejoin_attempt_convening_id"), ["convening_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rejoin_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rejoin_attempt_convening_id"))
    op.drop_table("rejoin_attempt")
    with op.batch_alter_table("person_mark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_mark_digest"))
        batch_op.drop_index(batch_op.f("ix_person_mark_convening_id"))
    op.drop_table("person_mark")
