"""responsible units as entities; target amendments; targets of selected projects kept

Revision ID: i9c1_units
Revises: i9a1_kinds
Create Date: 2026-12-01 09:45:00
"""
import re

from alembic import op
import sqlalchemy as sa
import voting.db


revision = 'i9c1_units'
down_revision = 'i9a1_kinds'
branch_labels = None
depends_on = None

# Frozen copies of what voting.db.immutable_ddl and voting.pool.models.frozen_targets_ddl
# produced when this migration was written.
TRIGGERS = {
    'sqlite': [
        "CREATE TRIGGER target_amendments_no_update BEFORE UPDATE ON target_amendments BEGIN SELECT RAISE(ABORT, 'target amendments are immutable'); END",
        "CREATE TRIGGER target_amendments_no_delete BEFORE DELETE ON target_amendments BEGIN SELECT RAISE(ABORT, 'target amendments are immutable'); END",
        "CREATE TRIGGER project_targets_frozen BEFORE DELETE ON project_targets WHEN (SELECT stage FROM projects WHERE id = OLD.project_id) = 'selected' BEGIN SELECT RAISE(ABORT, 'targets of a selected project are never deleted'); END",
    ],
    'postgresql': [
        "CREATE OR REPLACE FUNCTION target_amendments_immutable() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'target amendments are immutable'; END; $$ LANGUAGE plpgsql",
        'CREATE TRIGGER target_amendments_no_change BEFORE UPDATE OR DELETE ON target_amendments FOR EACH ROW EXECUTE FUNCTION target_amendments_immutable()',
        "CREATE OR REPLACE FUNCTION project_targets_frozen() RETURNS trigger AS $$ BEGIN IF (SELECT stage FROM projects WHERE id = OLD.project_id) = 'selected' THEN RAISE EXCEPTION 'targets of a selected project are never deleted'; END IF; RETURN OLD; END; $$ LANGUAGE plpgsql",
        'CREATE TRIGGER project_targets_frozen BEFORE DELETE ON project_targets FOR EACH ROW EXECUTE FUNCTION project_targets_frozen()',
    ],
}
DROP = {
    'sqlite': [
        'DROP TRIGGER IF EXISTS project_targets_frozen',
    ],
    'postgresql': [
        'DROP TRIGGER IF EXISTS project_targets_frozen ON project_targets',
        'DROP FUNCTION IF EXISTS project_targets_frozen()',
        'DROP FUNCTION IF EXISTS target_amendments_immutable() CASCADE',
    ],
}


def upgrade() -> None:
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', voting.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('name', name=op.f('uq_units_name'))
    )
    op.create_table('project_units',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("position >= 1 AND (role = 'responsible' OR position = 1)", name=op.f('ck_project_units_position')),
    sa.CheckConstraint("role IN ('lead', 'responsible')", name=op.f('ck_project_units_role')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_units_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_project_units_unit_id_units')),
    sa.PrimaryKeyConstraint('project_id', 'role', 'position', name=op.f('pk_project_units')),
    sa.UniqueConstraint('project_id', 'role', 'unit_id', name=op.f('uq_project_units_project_id_role_unit_id'))
    )
    with op.batch_alter_table('project_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_units_unit_id'), ['unit_id'], unique=False)
    op.create_table('unit_members',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', voting.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_members_unit_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_unit_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', 'user_id', name=op.f('pk_unit_members'))
    )
    with op.batch_alter_table('unit_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_members_user_id'), ['user_id'], unique=False)
    op.create_table('target_amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('amended_by', sa.String(length=80), nullable=False),
    sa.Column('amended_at', voting.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('old_metric', sa.String(length=200), nullable=False),
    sa.Column('old_unit', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('new_metric', sa.String(length=200), nullable=False),
    sa.Column('new_unit', sa.String(length=40), nullable=False),
    sa.Column('new_value', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['project_targets.id'], name=op.f('fk_target_amendments_target_id_project_targets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target_amendments'))
    )
    with op.batch_alter_table('target_amendments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_amendments_target_id'), ['target_id'], unique=False)
    for statement in TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    _link_existing_units()


def _split(text):
    """A frozen copy of voting.pool.values.split_units."""
    return [u.strip() for u in re.split(r"[、,，;；\n]+", text or "") if u.strip()]


def _link_existing_units() -> None:
    """Every unit named in an existing project's text becomes a unit, linked to the project."""
    conn = op.get_bind()
    projects = conn.execute(sa.text(
        "SELECT id, lead_unit, responsible_units FROM projects ORDER BY id")).all()
    ids: dict[str, int] = {}
    now = voting.db.utcnow()
    units = sa.table('units', sa.column('id', sa.Integer), sa.column('name', sa.String),
                     sa.column('created_at', voting.db.UTCDateTime()))
    links = sa.table('project_units', sa.column('project_id', sa.Integer),
                     sa.column('role', sa.String), sa.column('position', sa.Integer),
                     sa.column('unit_id', sa.Integer))

    def unit_id(name: str) -> int:
        name = name[:200]
        if name not in ids:
            conn.execute(units.insert().values(name=name, created_at=now))
            ids[name] = conn.execute(sa.select(units.c.id).where(units.c.name == name)).scalar_one()
        return ids[name]

    for project_id, lead, responsible in projects:
        if (lead or "").strip():
            conn.execute(links.insert().values(project_id=project_id, role='lead', position=1,
                                               unit_id=unit_id(lead.strip())))
        seen = set()
        for name in _split(responsible):
            if name in seen:
                continue
            seen.add(name)
            conn.execute(links.insert().values(project_id=project_id, role='responsible',
                                               position=len(seen), unit_id=unit_id(name)))


def downgrade() -> None:
    for statement in DROP.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    with op.batch_alter_table('target_amendments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_target_amendments_target_id'))
    op.drop_table('target_amendments')
    with op.batch_alter_table('unit_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_members_user_id'))
    op.drop_table('unit_members')
    with op.batch_alter_table('project_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_units_unit_id'))
    op.drop_table('project_units')
    op.drop_table('units')
