"""notes log: ids never handed out twice (SQLite), rows skipped since then recovered

SQLite gives a new row the largest id in the table plus one. Compaction deletes a room's rows
up to its snapshot's ``upto``; when those held the largest ids, the next updates got ids at or
below ``upto``, and every later load (which reads rows after ``upto``) skipped them, until
the next compaction deleted them: acknowledged edits lost. AUTOINCREMENT never reuses an id.
A room's rows at or below its snapshot's ``upto`` can only have been written after that
snapshot (compaction deleted the others), so they are given fresh ids, in their order.
PostgreSQL's sequences never reuse ids: nothing to do there.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SKIPPED = (
    "FROM notes_update WHERE id <= "
    "(SELECT upto FROM notes_snapshot s WHERE s.room = notes_update.room)"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "notes_update", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ):
        pass
    # Start above every id a snapshot already covers, not only above the rows left.
    bind.execute(text("DELETE FROM sqlite_sequence WHERE name = 'notes_update'"))
    bind.execute(
        text(
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'notes_update', max("
            "coalesce((SELECT max(id) FROM notes_update), 0), "
            "coalesce((SELECT max(upto) FROM notes_snapshot), 0))"
        )
    )
    bind.execute(
        text(
            "INSERT INTO notes_update (room, data, author, created_at) "
            f"SELECT room, data, author, created_at {SKIPPED} ORDER BY id"
        )
    )
    bind.execute(text(f"DELETE {SKIPPED}"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "notes_update", recreate="always", table_kwargs={"sqlite_autoincrement": False}
    ):
        pass
