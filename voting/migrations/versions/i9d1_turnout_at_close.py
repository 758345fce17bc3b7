"""the turnout as the poll closed: the roster and the deputies present

Revision ID: i9d1_turnout_at_close
Revises: i9c1_units
Create Date: 2026-12-01 10:25:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'i9d1_turnout_at_close'
down_revision = 'i9c1_units'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eligible_at_close', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('present_at_close', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_polls_turnout_at_close'),
            'present_at_close IS NULL OR (present_at_close >= 0 AND '
            'present_at_close <= eligible_at_close)')


def downgrade() -> None:
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_polls_turnout_at_close'), type_='check')
        batch_op.drop_column('present_at_close')
        batch_op.drop_column('eligible_at_close')
