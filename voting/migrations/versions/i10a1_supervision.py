"""supervision: reporting schedules, progress reports and their values, rectifications;
a target may have no annual value (a past year's results state only what was achieved)

Revision ID: i10a1_supervision
Revises: i9d1_turnout_at_close
Create Date: 2026-12-01 12:10:00
"""
from alembic import op
import sqlalchemy as sa

from voting.db import UTCDateTime

revision = 'i10a1_supervision'
down_revision = 'i9d1_turnout_at_close'
branch_labels = None
depends_on = None

# Frozen copies of what voting.db.immutable_ddl produced when this migration was written.
TRIGGERS = {
    'sqlite': [
        "CREATE TRIGGER reporting_schedules_no_update BEFORE UPDATE ON reporting_schedules BEGIN SELECT RAISE(ABORT, 'reporting schedules are history'); END",
        "CREATE TRIGGER reporting_schedules_no_delete BEFORE DELETE ON reporting_schedules BEGIN SELECT RAISE(ABORT, 'reporting schedules are history'); END",
        "CREATE TRIGGER progress_reports_no_update BEFORE UPDATE ON progress_reports BEGIN SELECT RAISE(ABORT, 'progress reports are history'); END",
        "CREATE TRIGGER progress_reports_no_delete BEFORE DELETE ON progress_reports BEGIN SELECT RAISE(ABORT, 'progress reports are history'); END",
        "CREATE TRIGGER report_values_no_update BEFORE UPDATE ON report_values BEGIN SELECT RAISE(ABORT, 'progress reports are history'); END",
        "CREATE TRIGGER report_values_no_delete BEFORE DELETE ON report_values BEGIN SELECT RAISE(ABORT, 'progress reports are history'); END",
        "CREATE TRIGGER rectifications_no_update BEFORE UPDATE ON rectifications BEGIN SELECT RAISE(ABORT, 'rectifications are history'); END",
        "CREATE TRIGGER rectifications_no_delete BEFORE DELETE ON rectifications BEGIN SELECT RAISE(ABORT, 'rectifications are history'); END",
        "CREATE TRIGGER rectification_steps_no_update BEFORE UPDATE ON rectification_steps BEGIN SELECT RAISE(ABORT, 'rectification steps are history'); END",
        "CREATE TRIGGER rectification_steps_no_delete BEFORE DELETE ON rectification_steps BEGIN SELECT RAISE(ABORT, 'rectification steps are history'); END",
    ],
    'postgresql': [
        "CREATE OR REPLACE FUNCTION reporting_schedules_immutable() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'reporting schedules are history'; END; $$ LANGUAGE plpgsql",
        'CREATE TRIGGER reporting_schedules_no_change BEFORE UPDATE OR DELETE ON reporting_schedules FOR EACH ROW EXECUTE FUNCTION reporting_schedules_immutable()',
        "CREATE OR REPLACE FUNCTION progress_reports_immutable() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'progress reports are history'; END; $$ LANGUAGE plpgsql",
        'CREATE TRIGGER progress_reports_no_change BEFORE UPDATE OR DELETE ON progress_reports FOR EACH ROW EXECUTE FUNCTION progress_reports_immutable()',
        "CREATE OR REPLACE FUNCTION report_values_immutable() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'progress reports are history'; END; $$ LANGUAGE plpgsql",
        'CREATE TRIGGER report_values_no_change BEFORE UPDATE OR DELETE ON report_values FOR EACH ROW EXECUTE FUNCTION report_values_immutable()',
        "CREATE OR REPLACE FUNCTION rectifications_immutable() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'rectifications are history'; END; $$ LANGUAGE plpgsql",
        'CREATE TRIGGER rectifications_no_change BEFORE UPDATE OR DELETE ON rectifications FOR EACH ROW EXECUTE FUNCTION rectifications_immutable()',
        "CREATE OR REPLACE FUNCTION rectification_steps_immutable() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'rectification steps are history'; END; $$ LANGUAGE plpgsql",
        'CREATE TRIGGER rectification_steps_no_change BEFORE UPDATE OR DELETE ON rectification_steps FOR EACH ROW EXECUTE FUNCTION rectification_steps_immutable()',
    ],
}
# SQLite's batch mode copies a table and loses its triggers: these are put back (as i9c1 made them).
SQLITE_RESTORE = [
    "CREATE TRIGGER target_amendments_no_update BEFORE UPDATE ON target_amendments BEGIN SELECT RAISE(ABORT, 'target amendments are immutable'); END",
    "CREATE TRIGGER target_amendments_no_delete BEFORE DELETE ON target_amendments BEGIN SELECT RAISE(ABORT, 'target amendments are immutable'); END",
    "CREATE TRIGGER project_targets_frozen BEFORE DELETE ON project_targets WHEN (SELECT stage FROM projects WHERE id = OLD.project_id) = 'selected' BEGIN SELECT RAISE(ABORT, 'targets of a selected project are never deleted'); END",
]


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect == 'sqlite':
        for name in ('target_amendments_no_update', 'target_amendments_no_delete',
                     'project_targets_frozen'):
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
    with op.batch_alter_table('project_targets', schema=None) as batch_op:
        batch_op.alter_column('value', existing_type=sa.Numeric(18, 4), nullable=True)
    with op.batch_alter_table('target_amendments', schema=None) as batch_op:
        batch_op.alter_column('old_value', existing_type=sa.Numeric(18, 4), nullable=True)
    if dialect == 'sqlite':
        for statement in SQLITE_RESTORE:
            op.execute(statement)

    op.create_table(
        'reporting_schedules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('frequency', sa.String(length=20), nullable=False),
        sa.Column('due_day', sa.Integer(), nullable=False),
        sa.Column('final_deadline', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('set_by', sa.String(length=80), nullable=False),
        sa.Column('set_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint("frequency IN ('monthly', 'quarterly')",
                           name=op.f('ck_reporting_schedules_frequency')),
        sa.CheckConstraint('due_day >= 1 AND due_day <= 31', name=op.f('ck_reporting_schedules_due_day')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reporting_schedules')))
    op.create_index(op.f('ix_reporting_schedules_year'), 'reporting_schedules', ['year'])

    op.create_table(
        'progress_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('submitted_by', sa.String(length=80), nullable=False),
        sa.Column('submitted_at', UTCDateTime(), nullable=False),
        sa.Column('due', sa.Date(), nullable=True),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('narrative', sa.Text(), nullable=False),
        sa.Column('spending_wan_yuan', sa.Numeric(14, 2), nullable=True),
        sa.Column('delivery', sa.String(length=20), nullable=True),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.CheckConstraint('version >= 1', name=op.f('ck_progress_reports_version')),
        sa.CheckConstraint("source IN ('form', 'xlsx', 'api', 'demo', 'seed')",
                           name=op.f('ck_progress_reports_source')),
        sa.CheckConstraint("delivery IS NULL OR delivery IN ('in_use', 'partly_in_use', 'under_way')",
                           name=op.f('ck_progress_reports_delivery')),
        sa.CheckConstraint('spending_wan_yuan IS NULL OR spending_wan_yuan >= 0',
                           name=op.f('ck_progress_reports_spending')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_progress_reports_project_id_projects')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_progress_reports_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_reports')),
        sa.UniqueConstraint('project_id', 'period', 'version',
                            name=op.f('uq_progress_reports_project_id_period_version')))
    op.create_index(op.f('ix_progress_reports_project_id'), 'progress_reports', ['project_id'])
    op.create_index(op.f('ix_progress_reports_unit_id'), 'progress_reports', ['unit_id'])

    op.create_table(
        'report_values',
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('achieved', sa.String(length=40), nullable=False),
        sa.Column('entered', sa.String(length=40), nullable=False),
        sa.Column('entered_unit', sa.String(length=40), nullable=False),
        sa.Column('stated_completion', sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(['report_id'], ['progress_reports.id'],
                                name=op.f('fk_report_values_report_id_progress_reports')),
        sa.ForeignKeyConstraint(['target_id'], ['project_targets.id'],
                                name=op.f('fk_report_values_target_id_project_targets')),
        sa.PrimaryKeyConstraint('report_id', 'target_id', name=op.f('pk_report_values')))
    op.create_index(op.f('ix_report_values_target_id'), 'report_values', ['target_id'])

    op.create_table(
        'rectifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('poll_id', sa.Integer(), nullable=False),
        sa.Column('opened_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_rectifications_poll_id_polls')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_rectifications_project_id_projects')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rectifications')),
        sa.UniqueConstraint('project_id', 'poll_id', name=op.f('uq_rectifications_project_id_poll_id')))
    op.create_index(op.f('ix_rectifications_poll_id'), 'rectifications', ['poll_id'])
    op.create_index(op.f('ix_rectifications_project_id'), 'rectifications', ['project_id'])

    op.create_table(
        'rectification_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rectification_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('by', sa.String(length=80), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('report', 'follow_up', 'closed', 'reopened')",
                           name=op.f('ck_rectification_steps_kind')),
        sa.ForeignKeyConstraint(['rectification_id'], ['rectifications.id'],
                                name=op.f('fk_rectification_steps_rectification_id_rectifications')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_rectification_steps_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_steps')))
    op.create_index(op.f('ix_rectification_steps_rectification_id'), 'rectification_steps',
                    ['rectification_id'])

    for statement in TRIGGERS.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table, _ in (("reporting_schedules", 0), ("progress_reports", 0), ("report_values", 0),
                         ("rectifications", 0), ("rectification_steps", 0)):
            op.execute(f'DROP FUNCTION IF EXISTS {table}_immutable() CASCADE')
    for table in ('rectification_steps', 'rectifications', 'report_values', 'progress_reports',
                  'reporting_schedules'):
        op.drop_table(table)
