"""findings with sightings, machine state apart from reviewer decisions, and their history

A finding is now one (rule, subject) on one site; each snapshot that showed it is a sighting that
carries its own URL, snippet and values. The machine's state (open | gone) and the reviewer's decision
(confirmed | dismissed | escalated) are separate columns, and every change of either is a row of
``finding_events``. Existing findings keep their id: their snapshot becomes their first sighting, their
old ``status`` is split into state and decision.

SQLite cannot drop columns of a table other tables point at without losing their rows (with foreign
keys on, dropping the old table deletes what references it), so the findings table is built anew
beside the old one, filled, and renamed into place before anything points at it... except the new
tables, which point at the new one from the start.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

STATE_OF_STATUS = {"open": ("open", None), "confirmed": ("open", "confirmed"),
                   "dismissed": ("open", "dismissed"), "retracted": ("gone", None)}


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"

    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finding_summary', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    with op.batch_alter_table('page_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('judge_status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('judge_note', sa.Text(), nullable=True))
        batch_op.create_index('ix_snapshots_site_url_fetched', ['site_id', 'final_url', 'fetched_at'], unique=False)
    op.execute("UPDATE page_snapshots SET judge_status = 'judged' WHERE detected_rules_version IS NOT NULL")

    reference_fk = ([sa.ForeignKeyConstraint(['reference_sighting_id'], ['finding_sightings.id'],
                                             name='fk_findings_reference_sighting', ondelete='SET NULL')]
                    if sqlite else [])  # SQLite may name a table that does not exist yet; PostgreSQL adds it below
    op.create_table('findings_v3',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedup_key', sa.String(length=64), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('title_vi', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('uncertain', sa.Text(), nullable=True),
    sa.Column('rules_version', sa.String(length=64), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('state_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('gone_snapshot_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('decided_by', sa.String(length=128), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('reference_sighting_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['gone_snapshot_id'], ['page_snapshots.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    *reference_fk,
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedup_key')
    )
    op.create_table('finding_sightings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('ad_id', sa.String(length=128), nullable=True),
    sa.Column('rules_version', sa.String(length=64), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['finding_id'], ['findings_v3.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['snapshot_id'], ['page_snapshots.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('finding_id', 'snapshot_id', name='uq_sighting_finding_snapshot')
    )
    op.create_table('finding_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('field', sa.String(length=16), nullable=False),
    sa.Column('old', sa.String(length=16), nullable=True),
    sa.Column('new', sa.String(length=16), nullable=True),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('snapshot_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['finding_id'], ['findings_v3.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['crawl_runs.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['snapshot_id'], ['page_snapshots.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.execute(
        "INSERT INTO findings_v3 (id, dedup_key, site_id, rule, subject, severity, title, title_vi, legal_basis,"
        " uncertain, rules_version, first_seen_at, last_seen_at, state, state_at, decided_by, decision_note)"
        " SELECT id, dedup_key, site_id, rule, dedup_key, severity, title, '', legal_basis, uncertain,"
        " rules_version, observed_at, last_seen_at, 'open', observed_at, reviewer, note FROM findings")
    for status, (state, decision) in STATE_OF_STATUS.items():
        op.execute(sa.text("UPDATE findings_v3 SET state = :state, decision = :decision"
                           " WHERE id IN (SELECT id FROM findings WHERE status = :status)")
                   .bindparams(state=state, decision=decision, status=status))

    # The old row's snapshot is its first sighting; its first observation is the first event.
    op.execute(
        "INSERT INTO finding_sightings (finding_id, snapshot_id, url, seen_at, message, evidence, ad_id, rules_version)"
        " SELECT id, snapshot_id, url, observed_at, message, evidence, ad_id, rules_version FROM findings")
    op.execute(
        "UPDATE findings_v3 SET reference_sighting_id ="
        " (SELECT s.id FROM finding_sightings s WHERE s.finding_id = findings_v3.id)")
    op.execute(
        "INSERT INTO finding_events (finding_id, at, field, old, new, actor, snapshot_id)"
        " SELECT id, observed_at, 'state', NULL, 'open', 'ecwatch', snapshot_id FROM findings")
    op.execute(
        "INSERT INTO finding_events (finding_id, at, field, old, new, actor)"
        " SELECT id, last_seen_at, 'state', 'open', 'gone', 'ecwatch' FROM findings WHERE status = 'retracted'")
    op.execute(
        "INSERT INTO finding_events (finding_id, at, field, old, new, actor, note)"
        " SELECT id, last_seen_at, 'decision', NULL, status, COALESCE(reviewer, 'unknown'), note FROM findings"
        " WHERE status IN ('confirmed', 'dismissed')")

    op.drop_table('findings')
    op.rename_table('findings_v3', 'findings')
    if not sqlite:
        op.create_foreign_key('fk_findings_reference_sighting', 'findings', 'finding_sightings',
                              ['reference_sighting_id'], ['id'], ondelete='SET NULL')
        # The ids were copied: the sequence must go on after them.
        op.execute("SELECT setval(pg_get_serial_sequence('findings', 'id'), COALESCE(MAX(id), 0) + 1, false)"
                   " FROM findings")
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index('ix_findings_rule_state', ['rule', 'state'], unique=False)
        batch_op.create_index('ix_findings_site_rule', ['site_id', 'rule'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_site_id'), ['site_id'], unique=False)
    with op.batch_alter_table('finding_sightings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_sightings_finding_id'), ['finding_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finding_sightings_snapshot_id'), ['snapshot_id'], unique=False)
    with op.batch_alter_table('finding_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_events_finding_id'), ['finding_id'], unique=False)


def downgrade() -> None:
    raise NotImplementedError("0003 splits findings into sightings and events; there is no way back without loss")
