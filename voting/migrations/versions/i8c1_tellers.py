"""paper tellers: each entry slot and the scrutineer are named user accounts; a disputed
ballot's resolution confirmed by both tellers

Revision ID: i8c1_tellers
Revises: 63e17d9c2727
Create Date: 2026-12-01 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'i8c1_tellers'
down_revision = '63e17d9c2727'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('paper_tallies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('teller1_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('teller2_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scrutineer_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_paper_tallies_teller1_user_id_users'),
                                    'users', ['teller1_user_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_paper_tallies_teller2_user_id_users'),
                                    'users', ['teller2_user_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_paper_tallies_scrutineer_user_id_users'),
                                    'users', ['scrutineer_user_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_paper_tallies_two_tellers'),
                                         'teller1_user_id <> teller2_user_id')
        batch_op.create_check_constraint(
            batch_op.f('ck_paper_tallies_scrutineer_apart'),
            'scrutineer_user_id <> teller1_user_id AND scrutineer_user_id <> teller2_user_id')
    op.create_table('paper_resolutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('teller', sa.Integer(), nullable=False),
    sa.Column('marks', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('flag', sa.String(length=20), nullable=True),
    sa.CheckConstraint("flag IS NULL OR flag IN ('unreadable', 'blank')", name=op.f('ck_paper_resolutions_flag')),
    sa.CheckConstraint('(flag IS NULL) <> (marks IS NULL)', name=op.f('ck_paper_resolutions_marks_or_flag')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_paper_resolutions_number')),
    sa.CheckConstraint('teller IN (1, 2)', name=op.f('ck_paper_resolutions_teller')),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_paper_resolutions_poll_id_polls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_resolutions')),
    sa.UniqueConstraint('poll_id', 'number', 'teller', name=op.f('uq_paper_resolutions_poll_id_number_teller'))
    )


def downgrade():
    op.drop_table('paper_resolutions')
    with op.batch_alter_table('paper_tallies', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_paper_tallies_scrutineer_apart'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_paper_tallies_two_tellers'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_paper_tallies_scrutineer_user_id_users'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_paper_tallies_teller2_user_id_users'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_paper_tallies_teller1_user_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('scrutineer_user_id')
        batch_op.drop_column('teller2_user_id')
        batch_op.drop_column('teller1_user_id')
