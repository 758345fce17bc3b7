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


@poll_cli.command("evaluate")
@click.argument("poll_id", type=int)
def evaluate_command(poll_id: int):
    """Open a year-end evaluation poll in POLL_ID's session and for its roster, over the
    projects POLL_ID with its runoffs selected (docs/protocol.md); prints its key fingerprint
    (to read out in the hall) and, last, the new poll's id."""
    from flask import current_app

    from voting.supervision import evaluation

    def evaluate(s):
        poll = evaluation.evaluate_poll(s, CLI_ACTOR, poll_id,
                                        key_bits=current_app.config["POLL_KEY_BITS"])
        services.open_poll(s, CLI_ACTOR, poll.id)
        return poll.id, poll.title, poll.key_fingerprint, len(poll.candidates)

    new_id, title, key, n = run_service(evaluate)
    fingerprint = " ".join(key[i:i + 4] for i in range(0, len(key), 4))
    click.echo(f"evaluation poll {new_id} open: {title} ({n} projects)")
    click.echo(f"key fingerprint: {fingerprint}")
    click.echo(new_id)
