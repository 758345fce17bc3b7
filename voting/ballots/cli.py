"""Polls, blind-signed tokens and anonymous ballots (docs/protocol.md)."""
import click
from flask.cli import AppGroup

from voting.ballots import services
from voting.core.cli import run_service

poll_cli = AppGroup("poll", help="Run a poll from the command line: close, tally, publish.")

CLI_ACTOR = "cli"


@poll_cli.command("close")
@click.argument("poll_id", type=int)
def close_command(poll_id: int):
    """Close an open poll: no further ballot is accepted, and the board becomes public."""
    def close(s):
        poll = services.close_poll(s, CLI_ACTOR, poll_id)
        return services.ballots_cast(s, poll.id)

    count = run_service(close)
    click.echo(f"poll {poll_id} closed: {count} ballots cast")
