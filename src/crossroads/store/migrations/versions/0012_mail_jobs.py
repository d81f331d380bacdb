"""invitations by e-mail: mail jobs with leases, opt-outs, first opening of a personal link;
translations of a convening's texts and round titles

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import crossroads.store.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = crossroads.store.types.UTCDateTime
    with op.batch_alter_table("convening", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("translations", sa.JSON(), server_default="{}", nullable=False)
        )
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("title_translations", sa.JSON(), server_default="{}", nullable=False)
        )
    op.create_table(
        "mail_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("convening_id", sa.Integer(), nullable=False),
        sa.Column("invite_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("due_at", utc(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", utc(), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=False),
        sa.Column("lease_expires_at", utc(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("sent_at", utc(), nullable=True),
        sa.Column("created_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(["convening_id"], ["convening.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invite_id"], ["invite.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invite_id", "kind", name="uq_mail_job_invite_kind"),
    )
    with op.batch_alter_table("mail_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_job_convening_id"), ["convening_id"])
        batch_op.create_index(batch_op.f("ix_mail_job_due_at"), ["due_at"])
        batch_op.create_index(batch_op.f("ix_mail_job_status"), ["status"])
    op.create_table(
        "mail_opt_out",
        sa.Column("invite_id", sa.Integer(), nullable=False),
        sa.Column("reported_abuse", sa.Boolean(), nullable=False),
        sa.Column("created_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(["invite_id"], ["invite.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("invite_id"),
    )
    op.create_table(
        "invite_opened",
        sa.Column("invite_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(["invite_id"], ["invite.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("invite_id"),
    )


def downgrade() -> None:
    op.drop_table("invite_opened")
    op.drop_table("mail_opt_out")
    with op.batch_alter_table("mail_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_job_status"))
        batch_op.drop_index(batch_op.f("ix_mail_job_due_at"))
        batch_op.drop_index(batch_op.f("ix_mail_job_convening_id"))
    op.drop_table("mail_job")
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.drop_column("title_translations")
    with op.batch_alter_table("convening", schema=None) as batch_op:
        batch_op.drop_column("translations")
