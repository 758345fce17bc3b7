"""ballot replacements: a paper ballot for a deputy who holds a token, recorded

Revision ID: i8d1_replacements
Revises: i8c1_tellers
Create Date: 2026-12-01 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'i8d1_replacements'
down_revision = 'i8c1_tellers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ballot_replacements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_ballot_replacements_reason')),
    sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'], name=op.f('fk_ballot_replacements_deputy_id_deputies')),
    sa.ForeignKeyConstraint(['poll_id', 'deputy_id'], ['token_issuances.poll_id', 'token_issuances.deputy_id'], name='fk_ballot_replacements_token'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_ballot_replacements_poll_id_polls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_replacements')),
    sa.UniqueConstraint('poll_id', 'deputy_id', name=op.f('uq_ballot_replacements_poll_id_deputy_id'))
    )


def downgrade() -> None:
    op.drop_table('ballot_replacements')
