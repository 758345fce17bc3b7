"""A toy ballot kind, all in this one module: yes or no on each candidate, a candidate passes
with more than half of the base saying yes, no seats. tests/ballots/test_kinds.py registers it
to show that a kind needs nothing but its module."""

from __future__ import annotations

from collections import Counter

from voting.ballots.kinds.base import Kind, _l, marks_object
from voting.tally import rules

MARKS = ("yes", "no")


class YesNo(Kind):
    name = "toy_yes_no"
    marks = MARKS
    seated = False
    paper = False
    offered = False
    recounted = ("passed",)

    def settings(self, seats, max_choices, n_candidates):
        return None, None

    def normalise(self, poll, choices):
        return marks_object(poll, choices, MARKS, _l("Unknown mark."))

    def count(self, *, candidate_ids, seats, max_choices, threshold_base, turnout, ballots):
        ballots = list(ballots)
        known = set(candidate_ids)
        valid = [b for b in ballots
                 if isinstance(b, dict) and b.keys() <= known and set(b.values()) <= set(MARKS)]
        yes = Counter(c for b in valid for c, m in b.items() if m == "yes")
        threshold = rules.threshold_for(rules.EvaluationRules(threshold_base),
                                        rules.Turnout(turnout.roster, turnout.present,
                                                      len(ballots)))
        return {"valid": len(valid), "invalid": len(ballots) - len(valid),
                "threshold": threshold, "yes": {c: yes[c] for c in candidate_ids}}

    def outcome_fields(self, outcome) -> dict:
        passed = [c for c, n in outcome["yes"].items() if n >= outcome["threshold"]]
        return {"valid_ballots": outcome["valid"], "invalid_ballots": outcome["invalid"],
                "threshold": outcome["threshold"], "counts": outcome["yes"],
                "passed": passed, "elected": [], "tied": [], "seats_left": 0,
                "runoff_candidates": [], "runoff_reason": None}

    def selected(self, document):
        return []


KIND = YesNo()
