"""crawl runs: the process running them and its heartbeat; snapshots: a note on how they were fetched

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('host', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('pid', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('page_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fetch_note', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('page_snapshots', schema=None) as batch_op:
        batch_op.drop_column('fetch_note')
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('pid')
        batch_op.drop_column('host')
