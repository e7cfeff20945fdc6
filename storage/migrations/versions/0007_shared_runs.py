"""shared runs: run names, the workers of a run, a unique fetch key on snapshots

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=128), nullable=True))
        batch_op.create_index('uq_crawl_runs_name', ['name'], unique=True)

    with op.batch_alter_table('page_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fetch_key', sa.String(length=64), nullable=True))
        batch_op.create_index('uq_page_snapshots_fetch_key', ['fetch_key'], unique=True)

    op.create_table('run_workers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=128), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['crawl_runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'worker', name='uq_run_workers_run_worker')
    )
    with op.batch_alter_table('run_workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_workers_run_id'), ['run_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('run_workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_workers_run_id'))
    op.drop_table('run_workers')
    with op.batch_alter_table('page_snapshots', schema=None) as batch_op:
        batch_op.drop_index('uq_page_snapshots_fetch_key')
        batch_op.drop_column('fetch_key')
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.drop_index('uq_crawl_runs_name')
        batch_op.drop_column('name')
