"""What the public reads of the counts: the published results, a poll's announcement with its
runoffs, who was finally elected, and each candidate's row in rank order."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.ballots.models import Poll
from voting.tally.models import PollResult
from voting.tally.services import get_poll, get_result

def published_results(db: Session) -> list[tuple[Poll, PollResult]]:
    """Every published result whose poll is not a runoff (runoffs show with their first poll)."""
    rows = db.execute(select(Poll, PollResult).join(PollResult, PollResult.poll_id == Poll.id)
                      .where(Poll.status == "published", Poll.parent_id.is_(None))
                      .order_by(Poll.id.desc()))
    return [(p, r) for p, r in rows]


def announcement(db: Session, poll_id: int) -> list[tuple[Poll, PollResult]]:
    """The published result of a poll followed by those of its runoffs, runoff of runoff
    included, in the order they were held."""
    chain = [(get_poll(db, poll_id), get_result(db, poll_id, published=True))]
    frontier = [poll_id]
    while frontier:
        children = db.execute(select(Poll, PollResult)
                              .join(PollResult, PollResult.poll_id == Poll.id)
                              .where(Poll.parent_id.in_(frontier), Poll.status == "published")
                              .order_by(Poll.id)).all()
        chain.extend((p, r) for p, r in children)
        frontier = [p.id for p, _r in children]
    return chain


def settled(chain: list[tuple[Poll, PollResult]]) -> bool:
    """No runoff can follow the last published round: the announcement can no longer change.
    (A round that needs one ends the chain until that runoff is published.)"""
    doc = chain[-1][1].document
    return not (doc.get("seats_left") and doc.get("runoff_candidates"))


def finally_elected(chain: list[tuple[Poll, PollResult]]) -> list[dict]:
    """Everyone elected over the first poll and its runoffs: {id, title, votes, poll_id}."""
    elected = []
    for poll, result in chain:
        titles = {c["id"]: c["title"] for c in result.document["candidates"]}
        for cid in result.document["elected"]:
            elected.append({"id": cid, "title": titles[cid], "poll_id": poll.id,
                            "votes": result.document["counts"][cid]})
    return elected


@dataclass(frozen=True)
class Row:
    rank: int
    id: str
    title: str
    votes: int
    against: int | None
    abstain: int | None
    outcome: str  # elected | tied | runoff | not_elected


def result_rows(document: dict) -> list[Row]:
    """Every candidate in rank order (votes descending, then the poll's order) with what
    became of them."""
    counts = document["counts"]
    order = sorted(document["candidates"], key=lambda c: -counts[c["id"]])
    elected, tied = set(document["elected"]), set(document["tied"])
    runoff = set(document.get("runoff_candidates") or [])
    rows = []
    for c in order:
        cid = c["id"]
        outcome = ("elected" if cid in elected else "tied" if cid in tied
                   else "runoff" if cid in runoff else "not_elected")
        rows.append(Row(rank=1 + sum(1 for v in counts.values() if v > counts[cid]), id=cid,
                        title=c["title"], votes=counts[cid],
                        against=(document.get("against") or {}).get(cid),
                        abstain=(document.get("abstain") or {}).get(cid), outcome=outcome))
    return rows
