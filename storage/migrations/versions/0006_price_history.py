"""price history: one observation per (snapshot, product); revisit requests for deadlines to test

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('price_observations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('product_key', sa.String(length=400), nullable=False),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('observed_on', sa.Date(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('reference_price', sa.BigInteger(), nullable=True),
    sa.Column('discount_text', sa.String(length=120), nullable=True),
    sa.Column('in_stock', sa.Boolean(), nullable=True),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.ForeignKeyConstraint(['snapshot_id'], ['page_snapshots.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('snapshot_id', 'product_key', name='uq_observation_snapshot_product')
    )
    op.create_index('ix_observations_site_product_at', 'price_observations',
                    ['site_id', 'product_key', 'observed_at'], unique=False)
    op.create_table('revisit_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['crawl_runs.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.ForeignKeyConstraint(['snapshot_id'], ['page_snapshots.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('snapshot_id', name='uq_revisit_snapshot')
    )
    op.create_index(op.f('ix_revisit_requests_due_at'), 'revisit_requests', ['due_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_revisit_requests_due_at'), table_name='revisit_requests')
    op.drop_table('revisit_requests')
    op.drop_index('ix_observations_site_product_at', table_name='price_observations')
    op.drop_table('price_observations')
