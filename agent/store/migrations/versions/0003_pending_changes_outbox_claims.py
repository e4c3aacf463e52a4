"""pending changes awaiting a participant's confirmation; outbox claims and deferred composition

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 09:10:00

``pending_changes`` holds what a participant asked for (reschedule, skip, pause, resume, cadence,
end, an availability change, or a low-confidence reading) until they confirm it in answer to the
agent's "here is what will change" mail. ``outbox.claimed_by``/``lease_until`` let several workers
share the outbox (FOR UPDATE SKIP LOCKED under a lease). ``outbox.content`` holds rendered parts
composed into bytes at delivery, so ``raw`` becomes nullable. Written by hand; batch mode on SQLite.
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pending_changes',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('pair_key', sa.String(length=320), nullable=False),
        sa.Column('requested_by', sa.String(length=320), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('confirm_message_id', sa.String(length=300), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ledger_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_changes')),
        sa.UniqueConstraint('confirm_message_id', name=op.f('uq_pending_changes_confirm_message_id')),
    )
    op.create_index(op.f('ix_pending_changes_pair_key'), 'pending_changes', ['pair_key'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('content', sa.JSON(), nullable=True))
        batch_op.alter_column('raw', existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('raw', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('content')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claimed_by')
    op.drop_index(op.f('ix_pending_changes_pair_key'), table_name='pending_changes')
    op.drop_table('pending_changes')
