"""ballot kinds: seats and max_choices null where the kind has none (evaluation)

Revision ID: i9a1_kinds
Revises: i8e1_logins
Create Date: 2026-12-01 09:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'i9a1_kinds'
down_revision = 'i8e1_logins'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_polls_seats'), type_='check')
        batch_op.alter_column('seats', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('max_choices', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(
            batch_op.f('ck_polls_seats'),
            '(seats IS NULL OR seats >= 1) AND (max_choices IS NULL OR max_choices >= 1)')


def downgrade() -> None:
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_polls_seats'), type_='check')
        batch_op.alter_column('max_choices', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('seats', existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(batch_op.f('ck_polls_seats'),
                                         'seats >= 1 AND max_choices >= 1')
