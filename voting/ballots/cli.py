"""Polls, blind-signed tokens and anonymous ballots (PROTOCOL.md)."""
import click
from flask import current_app
from flask.cli import AppGroup

from voting import db
from voting.ballots import services
from voting.errors import DomainError

poll_cli = AppGroup("poll", help="Run a poll from the command line: close, tally, publish.")

CLI_ACTOR = "cli"


@poll_cli.command("close")
@click.argument("poll_id", type=int)
def close_command(poll_id: int):
    """Close an open poll: no further ballot is accepted, and the board becomes public."""
    # Domain errors translate their message for a request's locale: give them one.
    with current_app.test_request_context():
        s = db.new_session()
        try:
            poll = services.close_poll(s, CLI_ACTOR, poll_id)
            count = services.ballots_cast(s, poll.id)
            s.commit()
        except DomainError as exc:
            s.rollback()
            raise click.ClickException(str(exc.message)) from exc
        finally:
            s.close()
    click.echo(f"poll {poll_id} closed: {count} ballots cast")
