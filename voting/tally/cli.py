"""`flask poll tally|publish|runoff|rotate-key`: the count from the command line (PROTOCOL.md)."""

from __future__ import annotations

import click
from flask import current_app

from voting.ballots.cli import poll_cli
from voting.core.cli import run_service
from voting.tally import keys, services

CLI_ACTOR = "cli"


@poll_cli.command("tally")
@click.argument("poll_id", type=int)
def tally_command(poll_id: int):
    """Count a closed poll, check every signature and sign the result."""
    result = run_service(lambda s: services.tally_poll(s, CLI_ACTOR, poll_id, current_app.instance_path))
    doc = result.document
    click.echo(f"poll {poll_id}: {doc['ballots_cast']} ballots cast, {doc['valid_ballots']} valid, "
               f"threshold {doc['threshold']}")
    click.echo(f"elected: {' '.join(doc['elected']) or '-'}")
    if doc["tied"]:
        click.echo(f"tied: {' '.join(doc['tied'])}")
    if doc["runoff_reason"]:
        click.echo(f"runoff needed ({doc['runoff_reason']}) for {doc['seats_left']} seat(s): "
                   f"{' '.join(doc['runoff_candidates'])}")
    click.echo(f"board digest: {doc['board_digest']}")


@poll_cli.command("publish")
@click.argument("poll_id", type=int)
def publish_command(poll_id: int):
    """Publish a counted poll's result and bulletin board."""
    run_service(lambda s: services.publish_poll(s, CLI_ACTOR, poll_id))
    click.echo(f"poll {poll_id} published")


@poll_cli.command("runoff")
@click.argument("poll_id", type=int)
def runoff_command(poll_id: int):
    """Open the runoff (or further vote) a counted poll needs; prints the new poll's id."""
    runoff = run_service(lambda s: services.open_runoff(
        s, CLI_ACTOR, poll_id, key_bits=current_app.config["POLL_KEY_BITS"]))
    click.echo(runoff.id)


@poll_cli.command("rotate-key")
def rotate_key_command():
    """Retire the result-signing key (kept, so old results stay verifiable) and make a new one."""
    key = keys.rotate(current_app)
    click.echo(f"new result-signing key {key.fingerprint}")
