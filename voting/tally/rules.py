"""The counting rules, as plain Python (no Flask, no database).

The server, the CLI and the independent verifier all count with this module, so a result can
be re-derived from the public bulletin board alone. Every rule is a setting; the defaults
follow the poll settings of docs/protocol.md (selection, for/against, evaluation):

- threshold: "more than half" of a base: the roster (default), the deputies present, or the
  ballots cast. threshold = base // 2 + 1 (the fewest votes that are more than half).
- elected: among candidates with votes >= threshold, the most votes win the seats; rank is
  votes descending, then the poll's candidate order.
- a tie at the last seat that cannot all fit: the tied are not elected and go to a runoff
  for the seats left; too few over the threshold: a further poll (另行投票) among the rest.

Ballots cast are the ballots given: `valid + invalid`. An invalid ballot counts in the
ballots cast (and so in a "cast" threshold base) but none of its choices count. `None` stands
for a paper ballot that cannot be read at all (invalid). Reconciling issued against returned
paper ballots happens before counting and is not this module's job.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import chain
from typing import Literal

ThresholdBase = Literal["roster", "present", "cast"]
RunoffReason = Literal["tie", "shortfall"]
THRESHOLD_BASES: tuple[str, ...] = ("roster", "present", "cast")

FOR, AGAINST, ABSTAIN = "for", "against", "abstain"
FOR_AGAINST_CHOICES = frozenset({FOR, AGAINST, ABSTAIN})

SATISFIED, BASIC, DISSATISFIED = "satisfied", "basic", "dissatisfied"
SATISFACTION_CHOICES = frozenset({SATISFIED, BASIC, DISSATISFIED, ABSTAIN})


# ---------------------------------------------------------------- inputs

@dataclass(frozen=True)
class Turnout:
    """Who could vote. `cast` may be left None: the count fills it from the ballots given,
    and refuses a value that disagrees with them (a sign that ballots went missing)."""

    roster: int
    present: int
    cast: int | None = None

    def __post_init__(self) -> None:
        for name in ("roster", "present", "cast"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValueError(f"turnout.{name} must be a non-negative integer")
        if self.present > self.roster:
            raise ValueError("turnout.present cannot exceed turnout.roster")


def _check_base(threshold_base: str) -> None:
    if threshold_base not in THRESHOLD_BASES:
        raise ValueError(f"threshold_base must be one of {THRESHOLD_BASES}")


def _check_seats(seats: int) -> None:
    if not isinstance(seats, int) or seats < 1:
        raise ValueError("seats must be a positive integer")


@dataclass(frozen=True)
class SelectionRules:
    """差额票决: each ballot approves at most `max_choices` (default: `seats`) candidates."""

    seats: int
    max_choices: int | None = None
    threshold_base: ThresholdBase = "roster"

    def __post_init__(self) -> None:
        _check_seats(self.seats)
        if self.max_choices is None:
            object.__setattr__(self, "max_choices", self.seats)
        if not isinstance(self.max_choices, int) or self.max_choices < 1:
            raise ValueError("max_choices must be a positive integer")
        _check_base(self.threshold_base)


@dataclass(frozen=True)
class ForAgainstRules:
    """赞成/反对/弃权 on each candidate. `max_for` caps the "for" marks on one ballot
    (a ballot over it is invalid); None (default) means no cap: each candidate is judged
    on its own, and the seats cap only who is elected."""

    seats: int
    max_for: int | None = None
    threshold_base: ThresholdBase = "roster"

    def __post_init__(self) -> None:
        _check_seats(self.seats)
        if self.max_for is not None and (not isinstance(self.max_for, int) or self.max_for < 1):
            raise ValueError("max_for must be a positive integer or None")
        _check_base(self.threshold_base)


@dataclass(frozen=True)
class EvaluationRules:
    """满意度测评. The base defaults to all members (the roster), as in the Zhenhai rule."""

    threshold_base: ThresholdBase = "roster"

    def __post_init__(self) -> None:
        _check_base(self.threshold_base)


# ---------------------------------------------------------------- outputs

@dataclass(frozen=True)
class SelectionOutcome:
    """`counts` has every candidate, zeros too, in candidate order. `elected` is in rank
    order. `tied` is non-empty only when a tie at the last seat left seats unfilled."""

    counts: dict[str, int]
    valid: int
    invalid: int
    threshold: int
    seats: int
    elected: list[str]
    tied: list[str]
    seats_left: int
    runoff_candidates: list[str]
    runoff_reason: RunoffReason | None

    @property
    def cast(self) -> int:
        return self.valid + self.invalid


@dataclass(frozen=True)
class ForAgainstOutcome(SelectionOutcome):
    """As SelectionOutcome, with `counts` the for-votes; `against` and `abstain` complete
    each candidate's tally (for + against + abstain = valid)."""

    against: dict[str, int] = field(default_factory=dict)
    abstain: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectRating:
    satisfied: int
    basic: int
    dissatisfied: int
    abstain: int
    rating: Literal["satisfied", "basic", "dissatisfied"]

    @property
    def rectify(self) -> bool:
        """Rated dissatisfied: the project must be rectified (整改)."""
        return self.rating == DISSATISFIED


@dataclass(frozen=True)
class SatisfactionOutcome:
    """`overall_rate`: (satisfied + basic) / all non-abstain ratings over all projects, in
    percent, rounded half up to 2 places (98.56); None when nobody rated anything."""

    ratings: dict[str, ProjectRating]
    valid: int
    invalid: int
    threshold: int
    overall_rate: Decimal | None

    @property
    def cast(self) -> int:
        return self.valid + self.invalid

    @property
    def rectify(self) -> list[str]:
        return [pid for pid, r in self.ratings.items() if r.rectify]


# ---------------------------------------------------------------- counting

def threshold_for(rules: SelectionRules | ForAgainstRules | EvaluationRules,
                  turnout: Turnout) -> int:
    """The fewest votes that are more than half of the base (1 when the base is 0)."""
    base = getattr(turnout, rules.threshold_base)
    if base is None:
        raise ValueError("turnout.cast is needed for a threshold on ballots cast")
    return base // 2 + 1


def _candidates(ids: Sequence[str]) -> list[str]:
    ids = list(ids)
    if len(set(ids)) != len(ids):
        raise ValueError("candidate ids must be distinct")
    return ids


def _with_cast(turnout: Turnout, cast: int) -> Turnout:
    if turnout.cast is not None and turnout.cast != cast:
        raise ValueError(f"turnout.cast is {turnout.cast} but {cast} ballots were given")
    return replace(turnout, cast=cast)


def _safely(check, *args) -> bool:
    """A ballot too malformed to inspect (unhashable choices, not a collection) is invalid."""
    try:
        return check(*args)
    except TypeError:
        return False


def _judged(ballots: Iterable, check) -> tuple[list, int]:
    """(the valid ballots, how many are invalid), `check` telling them apart. A board shares
    one object among the ballots whose choices read the same (the count decodes each
    distinct JSON text once), so each object is judged once; it is kept alive meanwhile, so
    its id cannot be reused by another."""
    judged: dict[int, tuple[object, bool]] = {}
    valid: list = []
    invalid = 0
    for ballot in ballots:
        seen = judged.get(id(ballot))
        if seen is None:
            seen = judged[id(ballot)] = (ballot, _safely(check, ballot))
        if seen[1]:
            valid.append(ballot)
        else:
            invalid += 1
    return valid, invalid


def _marks_ok(ballot, known: frozenset, choices: frozenset) -> bool:
    """A mapping of known ids to known marks."""
    return (isinstance(ballot, Mapping) and ballot.keys() <= known
            and set(ballot.values()) <= choices)


def _seat(candidate_ids: list[str], votes: dict[str, int], threshold: int, seats: int) -> dict:
    """Fill the seats from those at or over the threshold; report a tie or a shortfall."""
    # sorted() is stable, so equal votes keep the poll's candidate order.
    over = sorted((c for c in candidate_ids if votes[c] >= threshold), key=lambda c: -votes[c])
    tied: list[str] = []
    if len(over) > seats and votes[over[seats]] == votes[over[seats - 1]]:
        last = votes[over[seats - 1]]
        elected = [c for c in over if votes[c] > last]
        tied = [c for c in over if votes[c] == last]
    else:
        elected = over[:seats]
    seats_left = seats - len(elected)
    if tied:
        reason, runoff = "tie", tied
    elif seats_left:
        # 另行投票 among everyone not elected, in the poll's candidate order. Empty only when
        # there were fewer candidates than seats and all were elected.
        chosen = set(elected)
        reason, runoff = "shortfall", [c for c in candidate_ids if c not in chosen]
    else:
        reason, runoff = None, []
    return dict(threshold=threshold, seats=seats, elected=elected, tied=tied,
                seats_left=seats_left, runoff_candidates=runoff, runoff_reason=reason)


def count_selection(candidate_ids: Sequence[str], ballots: Iterable[Sequence[str] | None],
                    rules: SelectionRules, turnout: Turnout) -> SelectionOutcome:
    """Count approval ballots. A ballot is a collection of candidate ids; it is invalid
    if it names an unknown id, an id twice, or more than `max_choices` ids."""
    ids = _candidates(candidate_ids)
    known = frozenset(ids)
    limit = rules.max_choices

    def ok(ballot) -> bool:
        if ballot is None or isinstance(ballot, str):
            return False  # unreadable, or a bare string where a collection belongs
        names = set(ballot)
        return len(ballot) <= limit and len(names) == len(ballot) and names <= known

    valid, invalid = _judged(ballots, ok)
    tally = Counter(chain.from_iterable(valid))  # one C-level pass over every choice
    counts = {c: tally[c] for c in ids}
    threshold = threshold_for(rules, _with_cast(turnout, len(valid) + invalid))
    return SelectionOutcome(counts=counts, valid=len(valid), invalid=invalid,
                            **_seat(ids, counts, threshold, rules.seats))


def count_for_against(candidate_ids: Sequence[str],
                      ballots: Iterable[Mapping[str, str] | None],
                      rules: ForAgainstRules, turnout: Turnout) -> ForAgainstOutcome:
    """Count for/against/abstain ballots: each maps candidate id -> "for" | "against" |
    "abstain"; a candidate left out is an abstention. An unknown id or mark, or more "for"
    marks than `max_for`, makes the ballot invalid. A candidate passes with for >= threshold."""
    ids = _candidates(candidate_ids)
    known = frozenset(ids)
    cap = rules.max_for

    def ok(ballot) -> bool:
        return (_marks_ok(ballot, known, FOR_AGAINST_CHOICES)
                and (cap is None or sum(1 for v in ballot.values() if v == FOR) <= cap))

    valid, invalid = _judged(ballots, ok)
    marks = Counter(chain.from_iterable(b.items() for b in valid))
    for_votes = {c: marks[c, FOR] for c in ids}
    against = {c: marks[c, AGAINST] for c in ids}
    abstain = {c: len(valid) - for_votes[c] - against[c] for c in ids}
    threshold = threshold_for(rules, _with_cast(turnout, len(valid) + invalid))
    return ForAgainstOutcome(counts=for_votes, valid=len(valid), invalid=invalid,
                             against=against, abstain=abstain,
                             **_seat(ids, for_votes, threshold, rules.seats))


def _percent(num: int, den: int) -> Decimal:
    """num/den in percent, rounded half up to 2 places, exactly (integer arithmetic)."""
    hundredths = (num * 20000 + den) // (2 * den)
    return Decimal(hundredths).scaleb(-2)


def rate_satisfaction(project_ids: Sequence[str],
                      ballots: Iterable[Mapping[str, str] | None],
                      rules: EvaluationRules, turnout: Turnout) -> SatisfactionOutcome:
    """Year-end evaluation (Zhenhai rule). Each ballot maps project id -> "satisfied" |
    "basic" | "dissatisfied" | "abstain"; a project left out is an abstention; an unknown id
    or mark makes the ballot invalid. Per project: satisfied > half the base -> satisfied;
    else satisfied + basic > half -> basic; else dissatisfied (整改)."""
    ids = _candidates(project_ids)
    known = frozenset(ids)
    valid, invalid = _judged(ballots, lambda b: _marks_ok(b, known, SATISFACTION_CHOICES))
    marks = Counter(chain.from_iterable(b.items() for b in valid))
    threshold = threshold_for(rules, _with_cast(turnout, len(valid) + invalid))
    ratings: dict[str, ProjectRating] = {}
    good = rated = 0
    for p in ids:
        s, b, d = marks[p, SATISFIED], marks[p, BASIC], marks[p, DISSATISFIED]
        rating = SATISFIED if s >= threshold else BASIC if s + b >= threshold else DISSATISFIED
        ratings[p] = ProjectRating(satisfied=s, basic=b, dissatisfied=d,
                                   abstain=len(valid) - s - b - d, rating=rating)
        good += s + b
        rated += s + b + d
    return SatisfactionOutcome(ratings=ratings, valid=len(valid), invalid=invalid,
                               threshold=threshold,
                               overall_rate=_percent(good, rated) if rated else None)
