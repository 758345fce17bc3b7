"""Counting a closed poll, certifying and publishing the result, opening runoffs.

The count is redone from what the public will see: every ballot's signature is checked
against the poll's key (a bad one stops the count and is named), the ballots are counted with
`voting.tally.rules` through `voting.tally.board` (the verifier's own code), and the result
document is signed with the installation's Ed25519 key, committing to the board's digest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, func, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.ballots import kinds
from voting.ballots.models import Ballot, Poll, TokenIssuance
from voting.crypto import result_signing
from voting.crypto.encoding import canonical_json
from voting.db import get_one, utcnow
from voting.errors import Conflict, DomainError, Invalid
from voting.sessions import attendance
from voting.sessions.models import CongressSession
from voting.tally import board, keys, paper
from voting.tally import progress as count_progress
from voting.tally.models import CountOfficials, PollResult
from voting.tally.replacements import replacements

MAX_OFFICIALS = 30
MAX_NAME = 40


def get_poll(db: Session, poll_id: int, *, for_update: bool = False) -> Poll:
    """With `for_update`, the poll row stays locked to this transaction (PostgreSQL), so two
    secretaries pressing "count" at once cannot both count."""
    return get_one(db, Poll, poll_id, _l("No such poll."), with_for_update=for_update or None,
                   populate_existing=for_update or None)


def get_result(db: Session, poll_id: int, *, published: bool = False) -> PollResult:
    """The poll's result; with `published`, only once the poll is published (else Conflict)."""
    poll = get_poll(db, poll_id)
    result = db.scalar(select(PollResult).where(PollResult.poll_id == poll_id))
    if result is None or (published and poll.status != "published"):
        raise Conflict(_l("The result of this poll has not been published yet."),
                       code="not_published")
    return result


def find_result(db: Session, poll_id: int) -> PollResult | None:
    return db.scalar(select(PollResult).where(PollResult.poll_id == poll_id))


# ---- scrutineers and tellers -----------------------------------------------------------------

def _names(raw: list[str], field: str) -> list[str]:
    names = [n.strip() for n in raw if n and n.strip()]
    if len(names) > MAX_OFFICIALS:
        raise Invalid(_l("At most %(n)s names.", n=MAX_OFFICIALS), field=field)
    if any(len(n) > MAX_NAME for n in names):
        raise Invalid(_l("A name may have at most %(n)s characters.", n=MAX_NAME), field=field)
    if len(set(names)) != len(names):
        raise Invalid(_l("A name is listed twice."), field=field)
    return names


def officials(db: Session, poll_id: int) -> CountOfficials:
    return db.get(CountOfficials, poll_id) or CountOfficials(poll_id=poll_id, scrutineers=[],
                                                              tellers=[])


def set_officials(db: Session, actor, *, poll_id: int, scrutineers: list[str],
                  tellers: list[str]) -> CountOfficials:
    """Name the scrutineers and tellers; fixed once the result is signed."""
    poll = get_poll(db, poll_id)
    if poll.status in ("tallied", "published"):
        raise Conflict(_l("The count is signed; its scrutineers and tellers can no longer change."))
    row = db.get(CountOfficials, poll_id) or CountOfficials(poll_id=poll_id)
    row.scrutineers = _names(scrutineers, "scrutineers")
    row.tellers = _names(tellers, "tellers")
    db.add(row)
    db.flush()
    record(db, actor, "poll.officials", "poll", poll.id, scrutineers=row.scrutineers,
           tellers=row.tellers)
    return row


# ---- the count --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Paper:
    issued: int
    returned: int
    ballots: list


def _paper(db: Session, poll: Poll) -> Paper | None:
    """Paper ballots of the poll, if paper was used; refuses while the paper count is not
    ready (returned > issued, tellers disagree...)."""
    count = paper.paper_ballots(db, poll)
    if not count.ready:
        raise Conflict(count.problem or _l("The paper ballots are not reconciled yet."),
                       code="paper_not_ready")
    if not count.issued and not count.ballots:
        return None
    # Sorted so that the published list keeps no trace of the order of entry.
    ballots = sorted(count.ballots, key=lambda b: (b is not None, canonical_json(b)))
    return Paper(issued=count.issued, returned=count.returned, ballots=ballots)


def named_officials(db: Session, poll: Poll) -> tuple[list[str], list[str]]:
    """(scrutineers, tellers) for the result: those named for the count, then those named
    on the paper-ballot page who are not already listed."""
    own = officials(db, poll.id)
    scrutineers, tellers = list(own.scrutineers or []), list(own.tellers or [])
    record_ = paper.paper_record(db, poll)
    if record_ is not None:
        scrutineers += [n for n in record_.scrutineers or [] if n not in scrutineers]
        tellers += [n for n in (record_.teller1_name, record_.teller2_name)
                    if n and n not in tellers]
    return scrutineers, tellers


def _turnout(db: Session, poll: Poll) -> tuple[int, int, int]:
    """(eligible, checked_in, tokens_issued): the roster and the deputies present as the poll
    closed (a deputy checking in later, for another poll, does not make room for a ballot)."""
    tokens = db.scalar(select(func.count(TokenIssuance.id))
                       .where(TokenIssuance.poll_id == poll.id)) or 0
    if poll.present_at_close is not None:
        return poll.eligible_at_close, poll.present_at_close, tokens
    q = attendance.quorum(db, db.get(CongressSession, poll.session_id))  # closed before the snapshot was kept
    return q.expected, q.present, tokens


# ---- the turnout's arithmetic -------------------------------------------------------------------

def _fault_message(code: str, v: dict):
    """One failed inequality of the turnout, in words with its numbers."""
    if code == "electronic_over_tokens":
        return _l("There are %(electronic)s electronic ballots but only %(tokens)s ballot tokens "
                  "were issued.", **v)
    if code == "replaced_token_used":
        return _l("There are %(electronic)s electronic ballots, but of the %(tokens)s tokens "
                  "issued %(replacements)s were replaced by paper ballots, leaving %(left)s: a "
                  "replaced token was used as well.", left=v["tokens"] - v["replacements"], **v)
    if code == "paper_over_issued":
        return _l("%(paper_returned)s paper ballots were returned but only %(paper_issued)s "
                  "were issued.", **v)
    if code == "cast_over_checked_in":
        return _l("%(cast)s ballots were cast (%(electronic)s electronic, %(paper_returned)s on "
                  "paper) but only %(checked_in)s deputies are checked in.", **v)
    if code == "checked_in_over_eligible":
        return _l("%(checked_in)s deputies are checked in but only %(eligible)s are on the "
                  "roster.", **v)
    if code == "issued_over_checked_in":
        return _l("%(tokens)s ballot tokens and %(paper_issued)s paper ballots were issued to "
                  "%(checked_in)s deputies present, with %(replacements)s recorded "
                  "replacement(s): a deputy holding a token may be given a paper ballot only as a "
                  "recorded replacement.", **v)
    return _l("%(replacements)s replacement(s) are recorded but only %(paper_issued)s paper "
              "ballots were issued.", **v)


def check_turnout(turnout: board.Turnout) -> None:
    """Refuse the count (Conflict naming the numbers) when the turnout does not add up."""
    faults = board.turnout_faults(turnout)
    if not faults:
        return
    code = ("too_many_ballots" if faults[0][0] == "electronic_over_tokens"
            else "turnout_mismatch")
    sentences = [str(_fault_message(c, v)) for c, v in faults]
    # Chinese sentences end in "。" and run on without a space; English ones need one.
    joined = ("" if all(t.endswith("。") for t in sentences) else " ").join(sentences)
    raise Conflict(_l("The turnout does not add up: %(faults)s The count is refused.",
                      faults=joined), code=code)


def _iso(dt) -> str:
    return dt.replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class BoardRead:
    """The board as the count needs it: each ballot's choices in board order (by msg), the
    board digest, and the receipts of the ballots whose signature fails."""

    choices: list
    digest: str
    bad: list[str]
    outcome: object = None  # what `count` returned (or the ValueError it raised)


def _read_and_check(db: Session, poll: Poll, *, echo=None, count=None) -> BoardRead:
    """Read the board in chunks and check each chunk's signatures on every core while the
    next is read; meanwhile order the board, decode its choices (once per distinct JSON
    text) and hash it. The same board, digest and ballots as board_ballots + board_digest
    (the verifier's code), in about the time the reading and the checking take alone.
    `count(choices)` runs meanwhile too; its result (or ValueError) is in `outcome`."""
    total = db.scalar(select(func.count()).select_from(Ballot)
                      .where(Ballot.poll_id == poll.id)) or 0
    recorder = count_progress.Recorder(db.get_bind(), poll.id, total, echo=echo)
    rows: list = []
    try:
        with board.SignatureChecker(poll.public_key_pem,
                                    workers=None if total >= board.PARALLEL_FROM else 1
                                    ) as checker, board.quick_switching():
            # A server-side cursor on PostgreSQL: the rows come chunk by chunk, as checked.
            result = db.execute(
                select(Ballot.msg, Ballot.msg_prefix, Ballot.sig, sql_cast(Ballot.choices, Text),
                       Ballot.receipt).where(Ballot.poll_id == poll.id),
                execution_options={"stream_results": True})
            for part in result.partitions(board.CHUNK):
                checker.feed(part)
                rows.extend(part)
                recorder(checker.checked())
            ordered = sorted(rows, key=itemgetter(0))
            texts = [r[3] for r in ordered]
            distinct = list(dict.fromkeys(texts))
            values = [board.board_choices(v)
                      for v in json.loads("[" + ",".join(distinct) + "]")]
            value_of = dict(zip(distinct, values))
            canon_of = dict(zip(distinct, map(board.choices_json, values)))
            choices = [value_of[t] for t in texts]
            entries = [(r[0], r[1], r[2], canon_of[r[3]]) for r in ordered]
            # Hashed before the last chunks are checked: if one fails, the count is refused
            # and the digest unused (the fast digest holds only for strict base64url).
            digest = board.safe_digest(entries)
            outcome = None
            if count is not None:
                try:
                    outcome = count(choices)
                except ValueError as exc:
                    outcome = exc
            bad = checker.bad(recorder)
    finally:
        recorder.close()
    return BoardRead(choices=choices, digest=digest, bad=[rows[i][4] for i in bad],
                     outcome=outcome)


def tally_poll(db: Session, actor, poll_id: int, instance_path, *,
               echo: Callable[[int, int], None] | None = None) -> PollResult:
    """Count a closed poll, sign the result and mark the poll tallied. Its progress is
    written for the count page (voting.tally.progress); `echo(checked, total)` is told too."""
    poll = get_poll(db, poll_id, for_update=True)
    if poll.status in ("tallied", "published"):
        raise Conflict(_l("This poll has already been counted."), code="already_tallied")
    if poll.status != "closed":
        raise Conflict(_l("Only a closed poll can be counted: close the poll first."),
                       code="not_closed")
    try:
        kind = kinds.of(poll)
    except kinds.UnknownKind:
        raise Invalid(_l("Polls of this kind are not counted here.")) from None
    eligible, checked_in, tokens = _turnout(db, poll)
    try:
        paper, paper_refused = _paper(db, poll), None
    except DomainError as exc:  # said after the signatures, as a count refused for both would
        paper, paper_refused = None, exc
    replaced = replacements(db, poll.id)
    candidates = [{"id": c.candidate_id, "title": c.title} for c in poll.candidates]

    def count_board(ballots: list):
        return board.count(kind=poll.kind, candidate_ids=[c["id"] for c in candidates],
                           seats=poll.seats, max_choices=poll.max_choices,
                           threshold_base=poll.threshold_base, eligible=eligible,
                           checked_in=checked_in,
                           ballots=ballots + (paper.ballots if paper else []))

    with board.no_gc():
        board_read = _read_and_check(db, poll, echo=echo, count=count_board)
    if board_read.bad:
        raise Conflict(_l("%(n)s ballot(s) do not carry a valid signature of this poll "
                          "(first: receipt %(receipt)s); the count is refused.",
                          n=len(board_read.bad), receipt=board_read.bad[0]), code="bad_signature")
    if paper_refused is not None:
        raise paper_refused
    ballots, digest = board_read.choices, board_read.digest
    check_turnout(board.Turnout(
        eligible=eligible, checked_in=checked_in, tokens_issued=tokens, electronic=len(ballots),
        paper_issued=paper.issued if paper else 0,
        paper_returned=len(paper.ballots) if paper else 0, replacements=len(replaced)))
    if isinstance(board_read.outcome, ValueError):
        exc = board_read.outcome
        raise Invalid(_l("The poll cannot be counted: %(reason)s", reason=str(exc))) from exc
    outcome = board_read.outcome
    counted = kind.outcome_fields(outcome)
    cast = counted["valid_ballots"] + counted["invalid_ballots"]
    scrutineers, tellers = named_officials(db, poll)
    document = {
        "poll_id": poll.id, "title": poll.title, "kind": poll.kind,
        "parent_poll_id": poll.parent_id,
        "eligible": eligible, "checked_in": checked_in, "tokens_issued": tokens,
        "ballots_cast": cast, "electronic_ballots": len(ballots),
        "paper": ({"issued": paper.issued, "returned": paper.returned, "ballots": paper.ballots}
                  if paper else None),
        "seats": poll.seats, "max_choices": poll.max_choices,
        "threshold_base": poll.threshold_base, "candidates": candidates,
        **counted,
        "key_fingerprint": poll.key_fingerprint,
        "board_digest": digest,
        "replacements": replaced,
        "scrutineers": scrutineers, "tellers": tellers,
        "created": _iso(utcnow()),
    }
    key = keys.current_key(instance_path)
    poll.status = "tallied"
    try:
        # The tally's own audit entry is written first and the signed result anchors it
        # (audit_head): a log cut short or rewritten after the count no longer matches.
        entry = record(db, actor, "poll.tally", "poll", poll.id, status="tallied",
                       board_digest=document["board_digest"], ballots_cast=cast,
                       key_fingerprint=poll.key_fingerprint, signing_key=key.fingerprint)
        document["audit_head"], document["audit_seq"] = entry.hash, entry.seq
        signed = result_signing.sign_document(key.private_key(), document)
        result = PollResult(poll_id=poll.id, signature=signed.pop("signature"), document=signed)
        db.add(result)
        db.flush()
    except IntegrityError as exc:  # counted meanwhile by another request (SQLite)
        raise Conflict(_l("This poll has already been counted."), code="already_tallied") from exc
    return result


def publish_poll(db: Session, actor, poll_id: int) -> PollResult:
    """Make the board and the signed result public."""
    poll = get_poll(db, poll_id, for_update=True)
    if poll.status == "published":
        raise Conflict(_l("This result is already published."), code="already_published")
    if poll.status != "tallied":
        raise Conflict(_l("Only a counted poll can be published: count it first."),
                       code="not_tallied")
    result = get_result(db, poll.id)
    poll.status = "published"
    result.published_at = utcnow()
    db.flush()
    record(db, actor, "poll.publish", "poll", poll.id, status="published")
    kind = kinds.of(poll)
    _select_elected(db, actor, poll, kind.selected(result.document))
    kind.published(db, actor, poll, result.document)
    return result


def _select_elected(db: Session, actor, poll: Poll, elected: list[str]) -> None:
    """The candidates the kind selects on publication (selection, for_against: the elected;
    evaluation: none) become the year's selected projects, through a recorded round of the
    pool (the congress session is the deciding body), like every other stage change."""
    if not elected:
        return
    from voting.pool import rounds
    from voting.pool.models import Project

    project_ids = [c.project_id for c in poll.candidates
                   if c.candidate_id in set(elected) and c.project_id is not None]
    projects = db.scalars(select(Project).where(Project.id.in_(project_ids),
                                                Project.stage == "candidate")).all()
    session = db.get(CongressSession, poll.session_id)
    for year in sorted({p.year for p in projects}):
        rounds.select_by_vote(
            db, actor, year=year, project_ids=[p.id for p in projects if p.year == year],
            body=session.title, decided_on=utcnow().date(),
            rationale=_("Elected by secret ballot in “%(poll)s”; the result is signed and "
                        "published with its bulletin board.", poll=poll.title))


# ---- runoffs ----------------------------------------------------------------------------------

def runoffs_of(db: Session, poll_id: int) -> list[Poll]:
    return list(db.scalars(select(Poll).where(Poll.parent_id == poll_id).order_by(Poll.id)))


def open_runoff(db: Session, actor, poll_id: int, *, key_bits: int = 3072) -> Poll:
    """A runoff (tie at the last seat) or further poll (too few over the threshold) among the
    result's runoff candidates for the seats left, keeping their ids. It is created as a
    draft with its own key: like any poll it opens only after its key fingerprint has been
    read out in the hall (the poll's page, or `flask poll open`)."""
    from voting.ballots import services as ballots

    poll = get_poll(db, poll_id, for_update=True)
    result = find_result(db, poll.id)
    if result is None:
        raise Conflict(_l("Count the poll before opening a runoff."), code="not_tallied")
    doc = result.document
    if not doc["seats_left"] or not doc["runoff_candidates"]:
        raise Conflict(_l("Every seat is filled: no runoff is needed."), code="no_runoff")
    if runoffs_of(db, poll.id):
        raise Conflict(_l("A runoff poll for this poll already exists."), code="runoff_exists")
    by_id = {c.candidate_id: c for c in poll.candidates}
    candidates = [(cid, by_id[cid].title, by_id[cid].project_id)
                  for cid in doc["runoff_candidates"]]
    label = _("runoff") if doc["runoff_reason"] == "tie" else _("further vote")
    seats = doc["seats_left"]
    runoff = ballots.create_poll(
        db, actor, session_id=poll.session_id, title=f"{poll.title}（{label}）"[:200],
        kind="selection", seats=seats, max_choices=seats,
        threshold_base=poll.threshold_base, candidates=candidates, parent_id=poll.id,
        key_bits=key_bits)
    record(db, actor, "poll.runoff", "poll", poll.id, runoff_poll_id=runoff.id,
           reason=doc["runoff_reason"], seats=seats, candidates=doc["runoff_candidates"])
    return runoff
