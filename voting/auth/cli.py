"""`flask --app voting account add`: a staff account from the command line (the first
secretariat of a new installation, or tellers before a sitting)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from voting.auth import accounts
from voting.core.cli import run_service

account_cli = AppGroup("account", help="Staff accounts (secretariat, tellers, units).")


@account_cli.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="The name shown on pages.")
@click.option("--role", type=click.Choice(accounts.STAFF_ROLES), default="teller",
              show_default=True)
def add_command(username: str, display_name: str, role: str):
    """Create the account and print its generated password (shown this once)."""
    user, password = run_service(lambda s: accounts.create_account(
        s, "cli", username=username, display_name=display_name, role=role,
        hash_method=current_app.config["PASSWORD_HASH_METHOD"]))
    click.echo(_("%(username)s / %(password)s", username=user.username, password=password))
