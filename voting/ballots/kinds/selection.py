"""差额票决: approve at most `max_choices` candidates; the most votes over the threshold fill
the seats. Choices: a list of candidate ids (sorted is canonical); an empty list abstains."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from voting.ballots.kinds.base import Kind, _l, bad_choices, bad_marks, known_ids, seat_fields
from voting.tally import rules


class Selection(Kind):
    name = "selection"

    @property
    def label(self):
        return _l("Approve at most the given number of projects (差额票决)")

    @property
    def choices_schema(self) -> dict:
        return {"type": "array", "items": {"type": "string"}, "uniqueItems": True,
                "description": "selection: distinct candidate ids, at most max_choices"}

    def normalise(self, poll, choices) -> list[str]:
        if not isinstance(choices, list):
            raise bad_choices(_l("This poll takes a list of candidate ids."))
        if len(set(choices)) != len(choices):
            raise bad_choices(_l("A candidate is chosen twice."))
        unknown = sorted(set(choices) - known_ids(poll))
        if unknown:
            raise bad_choices(_l("Unknown candidate: %(ids)s.", ids=", ".join(unknown)))
        if len(choices) > poll.max_choices:
            raise bad_choices(_l("At most %(n)s candidates may be chosen.", n=poll.max_choices))
        return sorted(choices)

    def messages(self, gettext) -> dict[str, str]:
        return {"counter": gettext("Selected {n} / at most {max}"),
                "limit": gettext("You can choose at most {max}. Clear one before choosing "
                                 "another."),
                "marks": {}}

    def count(self, *, candidate_ids, seats, max_choices, threshold_base, turnout, ballots):
        return rules.count_selection(candidate_ids, ballots,
                                     rules.SelectionRules(seats, max_choices, threshold_base),
                                     turnout)

    def outcome_fields(self, outcome) -> dict:
        return seat_fields(outcome)

    def reading(self, poll, marks) -> list[str]:
        if isinstance(marks, Mapping) or not isinstance(marks, Sequence):
            raise bad_marks(_l("Unknown mark."))
        if not set(marks) <= known_ids(poll) or len(set(marks)) != len(marks):
            raise bad_marks(_l("Unknown or repeated candidate."))
        return sorted(marks)

    def counted(self, marks, blank: bool) -> list[str]:
        return [] if blank else sorted(marks)


KIND = Selection()
