"""participant overrides: confirmed availability changes read over the roster file

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:00:00

A participant who writes "I now work 08:00-16:00 Mon-Thu" or "I've moved to Singapore" and confirms
it gets a row here; booking and the fit checks read it over the roster's values. The roster file
stays the administrator's: they are told to make the change permanent there.
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'participant_overrides',
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('hours', sa.JSON(), nullable=True),
        sa.Column('timezone', sa.String(length=64), nullable=True),
        sa.Column('change_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('email', name=op.f('pk_participant_overrides')),
    )


def downgrade() -> None:
    op.drop_table('participant_overrides')
