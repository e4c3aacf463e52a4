"""daily answer counts per sender; outbox.sending_since

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 18:40:00

``answer_counts`` backs the per-sender daily cap on automatic answers (agent.mail.policy.DailyCap).
``outbox.sending_since`` marks rows whose send was attempted, so only those are looked up in the
backend (e.g. the IMAP Sent folder) before a resend. Written by hand; batch mode on SQLite.
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'answer_counts',
        sa.Column('sender', sa.String(length=320), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('sender', 'day', name=op.f('pk_answer_counts')),
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sending_since', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('sending_since')
    op.drop_table('answer_counts')
