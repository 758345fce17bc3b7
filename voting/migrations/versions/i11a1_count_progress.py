"""count progress: how many ballot signatures a running count has checked, for the progress bar

Revision ID: i11a1_count_progress
Revises: i10a1_supervision
Create Date: 2026-12-01 15:10:00
"""
from alembic import op
import sqlalchemy as sa

from voting.db import UTCDateTime

revision = 'i11a1_count_progress'
down_revision = 'i10a1_supervision'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'count_progress',
        sa.Column('poll_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('checked', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('checked >= 0 AND checked <= total',
                           name=op.f('ck_count_progress_checked')),
        sa.PrimaryKeyConstraint('poll_id', name=op.f('pk_count_progress')),
    )


def downgrade() -> None:
    op.drop_table('count_progress')
