"""drop users.login_token: sessions end through login_sessions, nothing reads the token

Revision ID: i11b1_drop_login_token
Revises: i11a1_count_progress
Create Date: 2026-12-01 15:40:00
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = 'i11b1_drop_login_token'
down_revision = 'i11a1_count_progress'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('login_token')


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('login_token', sa.String(length=32), nullable=True))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('login_token', sa.String))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(users.update().where(users.c.id == user_id)
                     .values(login_token=secrets.token_urlsafe(16)))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('login_token', existing_type=sa.String(length=32), nullable=False)
