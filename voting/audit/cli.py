import click
from flask.cli import AppGroup

from voting import db
from voting.audit.services import verify_chain

audit_cli = AppGroup("audit", help="The hash-chained audit log.")


@audit_cli.command("verify")
def verify_command():
    """Recompute every entry's hash and check the chain links."""
    with db.new_session() as s:
        report = verify_chain(s)
    if report.ok:
        click.echo(f"OK: {report.entries} entries, chain intact")
    else:
        click.echo(f"BROKEN at entry {report.first_bad_seq}: {report.reason}", err=True)
        raise SystemExit(1)
