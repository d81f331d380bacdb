"""after the call: feedback, follow-up interests, series, connections (#9)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import crossroads.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC = crossroads.store.types.UTCDateTime


def _index(table: str, column: str, *, unique: bool = False) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=unique)


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["host_id"], ["host_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
    )
    op.create_table(
        "series_member",
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["convening_id"], ["convening.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("convening_id"),
    )
    _index("series_member", "series_id")
    op.create_table(
        "series_consent",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id"),
    )
    op.create_table(
        "round_topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("round_topic", "round_id")
    op.create_table(
        "feedback_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["convening_id"], ["convening.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("feedback_question", "convening_id")
    op.create_table(
        "feedback_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("submitted_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["convening_id"], ["convening.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id"),
    )
    _index("feedback_response", "convening_id")
    op.create_table(
        "follow_up_interest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["convening_id"], ["convening.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("follow_up_interest", "convening_id")
    _index("follow_up_interest", "participant_id")
    op.create_table(
        "connection_opt_in",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id"),
    )
    op.create_table(
        "connection_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("from_id", sa.Integer(), nullable=False),
        sa.Column("to_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["convening_id"], ["convening.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["from_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["to_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("connection_request", "convening_id")


def downgrade() -> None:
    for table in (
        "connection_request",
        "connection_opt_in",
        "follow_up_interest",
        "feedback_response",
        "feedback_question",
        "round_topic",
        "series_consent",
        "series_member",
        "series",
    ):
        op.drop_table(table)
