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
