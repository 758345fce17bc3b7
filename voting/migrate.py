"""Alembic, driven from the app: `flask --app voting db upgrade`."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask.cli import AppGroup
from sqlalchemy.engine import Connection

from voting import db

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Connection, revision: str = "head") -> None:
    command.upgrade(alembic_config(connection), revision)


db_cli = AppGroup("db", help="Database schema (Alembic migrations).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str):
    """Create or bring the schema up to date."""
    with db.engine().begin() as conn:
        upgrade(conn, revision)
    click.echo("schema up to date")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def revision_command(message: str):
    """Autogenerate a migration from the models (developers)."""
    with db.engine().begin() as conn:
        command.revision(alembic_config(conn), message=message, autogenerate=True)


@db_cli.command("current")
def current_command():
    with db.engine().begin() as conn:
        command.current(alembic_config(conn))


@db_cli.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False))
def backup_command(dest: str):
    """A consistent copy of the database while the site runs (SQLite online backup; pg_dump)."""
    from flask import current_app

    from voting.core import backup

    try:
        backup.backup(current_app.config["DATABASE_URL"], Path(dest))
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written: {dest}")


@db_cli.command("restore")
@click.argument("src", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask: the database's contents are replaced.")
def restore_command(src: str, yes: bool):
    """Replace the database with a backup (stop the site first), then run the check."""
    from flask import current_app

    from voting.core import backup

    if not yes:
        click.confirm("Replace the whole database with this backup?", abort=True)
    try:
        backup.restore(current_app.config["DATABASE_URL"], Path(src))
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    db.engine().dispose()
    click.echo(f"restored from {src}")
    _check()


@db_cli.command("check")
def check_command():
    """The database as the record of the votes: audit chain and anchors, every board against
    its signed digest, every result's signature by one of this installation's keys."""
    _check()


def _check() -> None:
    from flask import current_app

    from voting.core import backup
    from voting.tally import keys

    known = [k.public_key for k in keys.all_keys(current_app)]
    with db.new_session() as s:
        faults = backup.check(s, known)
    for fault in faults:
        click.echo(f"FAULT: {fault}", err=True)
    if faults:
        raise SystemExit(1)
    click.echo("OK: audit chain intact and anchored; every board matches its signed result")
