"""满意度测评 (docs/protocol.md, "Year-end evaluation polls"): each of the year's selected
projects is rated satisfied / basic / dissatisfied / abstain; no seats. Choices: {candidate
id: mark}, keys sorted, as sent; a candidate left out abstains. Publication selects nothing;
it opens a rectification (整改) for every project rated dissatisfied."""

from __future__ import annotations

from voting.ballots.kinds.base import Kind, _l, marks_object
from voting.tally import rules

MARKS = (rules.SATISFIED, rules.BASIC, rules.DISSATISFIED, rules.ABSTAIN)


class Evaluation(Kind):
    name = "evaluation"
    marks = MARKS
    seated = False
    paper = False
    # Not on the generic new-poll form (that one lists candidate projects): opened over a
    # year's selected projects by `poll evaluate` or the session's evaluation page.
    offered = False
    recounted = ("ratings", "rectify", "overall_rate")

    @property
    def label(self):
        return _l("Year-end evaluation")

    def settings(self, seats, max_choices, n_candidates: int) -> tuple[None, None]:
        return None, None

    def document_fields(self, poll) -> dict:
        return {"marks": list(MARKS)}

    def normalise(self, poll, choices) -> dict:
        return marks_object(poll, choices, MARKS,
                            _l("Each mark must be satisfied, basic, dissatisfied or abstain."))

    def messages(self, gettext) -> dict[str, str]:
        return {"counter": gettext("Rated {n} of {max}"),
                "marks": {"satisfied": gettext("Satisfied"),
                          "basic": gettext("Basically satisfied"),
                          "dissatisfied": gettext("Dissatisfied"),
                          "abstain": gettext("Abstain")}}

    def count(self, *, candidate_ids, seats, max_choices, threshold_base, turnout, ballots):
        return rules.rate_satisfaction(candidate_ids, ballots,
                                       rules.EvaluationRules(threshold_base), turnout)

    def outcome_fields(self, outcome) -> dict:
        rate = outcome.overall_rate
        return {"valid_ballots": outcome.valid, "invalid_ballots": outcome.invalid,
                "threshold": outcome.threshold,
                "counts": {pid: {"satisfied": r.satisfied, "basic": r.basic,
                                 "dissatisfied": r.dissatisfied, "abstain": r.abstain}
                           for pid, r in outcome.ratings.items()},
                "ratings": {pid: r.rating for pid, r in outcome.ratings.items()},
                "rectify": list(outcome.rectify),
                "overall_rate": None if rate is None else format(rate, "f"),
                "elected": [], "tied": [], "seats_left": 0, "runoff_candidates": [],
                "runoff_reason": None}

    def summary(self, document: dict):
        """No seats: how many projects were rated, the overall rate, how many dissatisfied."""
        ratings = document.get("ratings") or {}
        rate = document.get("overall_rate")
        rate = "—" if rate is None else str(rate) + " %"
        return _l("%(cast)s ballots cast, %(n)s projects rated, overall satisfaction rate "
                  "%(rate)s, %(bad)s rated dissatisfied", cast=document.get("ballots_cast"),
                  n=len(ratings), rate=rate,
                  bad=sum(1 for r in ratings.values() if r == rules.DISSATISFIED))

    def selected(self, document: dict) -> list[str]:
        return []

    def published(self, db, actor, poll, document: dict) -> None:
        from voting.supervision import rectification

        rectification.open_for_result(db, actor, poll, document)


KIND = Evaluation()
