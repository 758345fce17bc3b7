import click
from flask.cli import AppGroup
from flask_babel import gettext as _

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
        click.echo(_("BROKEN at entry %(seq)s: %(reason)s", seq=chain.first_bad_seq,
                     reason=chain.reason), err=True)
    for fault in report.faults:
        click.echo(_("CUT: %(fault)s", fault=fault), err=True)
    if not report.ok:
        raise SystemExit(1)
    anchored = (_("; %(n)s signed result(s) anchor it, the newest at entry %(seq)s",
                  n=report.anchors, seq=report.newest_anchor_seq) if report.anchors else "")
    click.echo(_("OK: %(n)s entries, chain intact", n=chain.entries) + anchored)
    if report.newest_anchor_seq is not None and chain.entries > report.newest_anchor_seq:
        click.echo(_("note: entries %(first)s–%(last)s are not yet anchored by a signed result",
                     first=report.newest_anchor_seq + 1, last=chain.entries))
