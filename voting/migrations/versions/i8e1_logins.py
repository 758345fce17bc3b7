"""login sessions: sign-in sessions kept and ended server-side

Revision ID: i8e1_logins
Revises: i8d1_replacements
Create Date: 2026-12-01 10:30:00
"""
from alembic import op
import sqlalchemy as sa
import voting.db


revision = 'i8e1_logins'
down_revision = 'i8d1_replacements'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', voting.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', voting.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', voting.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ended_at IS NULL OR ended_at >= created_at', name=op.f('ck_login_sessions_ended_after_created')),
    sa.CheckConstraint('last_seen_at >= created_at', name=op.f('ck_login_sessions_seen_after_created')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions'))
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_user_id'))

    op.drop_table('login_sessions')
