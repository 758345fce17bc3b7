"""赞成/反对/弃权 on each candidate, at most `max_choices` "for" marks on a ballot; the most
"for" votes over the threshold fill the seats. Choices: {candidate id: mark}, keys sorted; a
candidate left out abstains."""

from __future__ import annotations

from collections.abc import Mapping

from voting.ballots.kinds.base import (Kind, _l, bad_choices, bad_marks, known_ids,
                                       marks_object, seat_fields)
from voting.tally import rules

MARKS = (rules.FOR, rules.AGAINST, rules.ABSTAIN)


class ForAgainst(Kind):
    name = "for_against"
    marks = MARKS
    recounted = ("against", "abstain")

    @property
    def label(self):
        return _l("For, against or abstain on each project")

    @property
    def choices_schema(self) -> dict:
        return {**super().choices_schema,
                "description": "for_against: candidate id → mark; candidates left out "
                               "abstain; at most max_for (= max_choices) \"for\" marks"}

    def document_fields(self, poll) -> dict:
        return {"max_for": poll.max_choices, "marks": list(MARKS)}

    def normalise(self, poll, choices) -> dict:
        choices = marks_object(poll, choices, MARKS,
                               _l("Each mark must be for, against or abstain."))
        if sum(mark == rules.FOR for mark in choices.values()) > poll.max_choices:
            raise bad_choices(_l("At most %(n)s candidates may be voted for.",
                                 n=poll.max_choices))
        return choices

    def messages(self, gettext) -> dict[str, str]:
        return {"counter": gettext("For {n} / at most {max}"),
                "limit": gettext("You can vote for at most {max}. Change one to against or "
                                 "abstain first."),
                "marks": {"for": gettext("For"), "against": gettext("Against"),
                          "abstain": gettext("Abstain")}}

    def count(self, *, candidate_ids, seats, max_choices, threshold_base, turnout, ballots):
        return rules.count_for_against(
            candidate_ids, ballots, rules.ForAgainstRules(seats, max_choices, threshold_base),
            turnout)

    def outcome_fields(self, outcome) -> dict:
        return {**seat_fields(outcome), "against": dict(outcome.against),
                "abstain": dict(outcome.abstain)}

    def reading(self, poll, marks) -> dict:
        if not isinstance(marks, Mapping):
            raise bad_marks(_l("Unknown mark."))
        if not marks.keys() <= known_ids(poll) or not set(marks.values()) <= set(MARKS):
            raise bad_marks(_l("Unknown candidate or mark."))
        return dict(sorted(marks.items()))

    def counted(self, marks, blank: bool) -> dict:
        return {} if blank else {c: m for c, m in sorted(marks.items()) if m != rules.ABSTAIN}

    def form_marks(self, poll, form) -> dict:
        return {c.candidate_id: form[f"mark-{c.position}"] for c in poll.candidates
                if form.get(f"mark-{c.position}")}


KIND = ForAgainst()
