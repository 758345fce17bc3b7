import click
from flask.cli import AppGroup

from voting import db
from voting.audit.services import verify_anchored

audit_cli = AppGroup("audit", help="The hash-chained audit log.")


@audit_cli.command("verify")
def verify_command():
    """Recompute every entry's hash, check the chain links, and check that the log still
    holds the entry every signed result anchored (its audit_head)."""
    with db.new_session() as s:
        report = verify_anchored(s)
    chain = report.chain
    if not chain.ok:
        click.echo(f"BROKEN at entry {chain.first_bad_seq}: {chain.reason}", err=True)
    for fault in report.faults:
        click.echo(f"CUT: {fault}", err=True)
    if not report.ok:
        raise SystemExit(1)
    anchored = (f"; {report.anchors} signed result(s) anchor it, the newest at entry "
                f"{report.newest_anchor_seq}" if report.anchors else "")
    click.echo(f"OK: {chain.entries} entries, chain intact{anchored}")
    if report.newest_anchor_seq is not None and chain.entries > report.newest_anchor_seq:
        click.echo(f"note: entries {report.newest_anchor_seq + 1}–{chain.entries} are not yet "
                   "anchored by a signed result")
