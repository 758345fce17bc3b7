"""`flask poll tally|publish|runoff|open|rotate-key`: the count from the command line (docs/protocol.md)."""

from __future__ import annotations

import sys

import click
from flask import current_app

from voting.ballots.cli import poll_cli
from voting.core.cli import run_service
from voting.tally import keys, services
from voting.tally import progress as count_progress

CLI_ACTOR = "cli"


@poll_cli.command("tally")
@click.argument("poll_id", type=int)
def tally_command(poll_id: int):
    """Count a closed poll, check every signature and sign the result."""
    echo = terminal_progress(sys.stderr) if sys.stderr.isatty() else None
    result = run_service(lambda s: services.tally_poll(s, CLI_ACTOR, poll_id,
                                                       current_app.instance_path, echo=echo))
    doc = result.document
    click.echo(f"poll {poll_id}: {doc['ballots_cast']} ballots cast, {doc['valid_ballots']} valid, "
               f"threshold {doc['threshold']}")
    if doc.get("ratings") is not None:  # an evaluation: ratings instead of seats
        click.echo("ratings: " + (" ".join(f"{c}={r}" for c, r in doc["ratings"].items()) or "-"))
        click.echo(f"to rectify: {' '.join(doc.get('rectify') or []) or '-'}")
        click.echo(f"overall satisfaction rate: {doc.get('overall_rate') or '-'}")
    else:
        click.echo(f"elected: {' '.join(doc['elected']) or '-'}")
    if doc["tied"]:
        click.echo(f"tied: {' '.join(doc['tied'])}")
    if doc["runoff_reason"]:
        click.echo(f"runoff needed ({doc['runoff_reason']}) for {doc['seats_left']} seat(s): "
                   f"{' '.join(doc['runoff_candidates'])}")
    if doc.get("replacements"):
        click.echo("replacement paper ballots: " + ", ".join(
            f"{r['name']} ({r['number']})" for r in doc["replacements"]))
    click.echo(f"board digest: {doc['board_digest']}")
    click.echo(f"audit head: {doc['audit_head']} (entry {doc['audit_seq']})")


def terminal_progress(stream):
    """`echo(checked, total)` for the count: "已核验 45,000 / 100,000 张（45%）" rewritten in
    place on a terminal (stderr: what the command prints on stdout stays the same)."""
    def echo(checked: int, total: int) -> None:
        end = "\n" if checked >= total else ""
        stream.write("\r" + count_progress.words(checked, total) + end)
        stream.flush()

    return echo


@poll_cli.command("publish")
@click.argument("poll_id", type=int)
def publish_command(poll_id: int):
    """Publish a counted poll's result and bulletin board."""
    run_service(lambda s: services.publish_poll(s, CLI_ACTOR, poll_id))
    click.echo(f"poll {poll_id} published")


def _grouped(fingerprint: str) -> str:
    """In groups of four, as the poll's page shows it for reading out."""
    return " ".join(fingerprint[i:i + 4] for i in range(0, len(fingerprint), 4))


@poll_cli.command("runoff")
@click.argument("poll_id", type=int)
def runoff_command(poll_id: int):
    """Create the runoff (or further vote) a counted poll needs, as a draft; prints its key
    fingerprint (read it out before `poll open`) and, last, the new poll's id."""
    runoff = run_service(lambda s: services.open_runoff(
        s, CLI_ACTOR, poll_id, key_bits=current_app.config["POLL_KEY_BITS"]))
    click.echo(f"runoff poll {runoff.id} created as a draft: {runoff.title}")
    click.echo(f"key fingerprint: {_grouped(runoff.key_fingerprint)}")
    click.echo(f"read it out in the hall, then: flask --app voting poll open {runoff.id}")
    click.echo(runoff.id)


@poll_cli.command("open")
@click.argument("poll_id", type=int)
@click.option("--yes", is_flag=True,
              help="Confirm without asking that the fingerprint has been read out.")
def open_command(poll_id: int, yes: bool):
    """Open a draft poll once its key fingerprint has been read out in the hall."""
    from voting.ballots import services as ballots

    poll = run_service(lambda s: ballots.get_poll(s, poll_id))
    click.echo(f"poll {poll.id}: {poll.title}")
    click.echo(f"key fingerprint: {_grouped(poll.key_fingerprint)}")
    if not yes:
        click.confirm("The key fingerprint has been read out in the hall; open the poll?",
                      abort=True)
    run_service(lambda s: ballots.open_poll(s, CLI_ACTOR, poll_id))
    click.echo(f"poll {poll_id} open")


@poll_cli.command("rotate-key")
def rotate_key_command():
    """Retire the result-signing key (kept, so old results stay verifiable) and make a new one."""
    key = keys.rotate(current_app)
    click.echo(f"new result-signing key {key.fingerprint}")
