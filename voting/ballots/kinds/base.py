"""What every ballot kind provides, and the helpers its modules share.

A kind module is plain Python at import time (no Flask, no SQLAlchemy): the independent
verifier (`python -m voting.verify`, `cryptography` alone) counts through it. Messages and
domain errors are imported only when one is made, which happens on the server alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def _l(message: str, **variables):
    """flask_babel.lazy_gettext, imported when a message is made (babel extracts `_l`)."""
    from flask_babel import lazy_gettext

    return lazy_gettext(message, **variables)


def bad_choices(message) -> Exception:
    """A cast's choices that do not fit the poll (422; the token is not spent)."""
    from voting.errors import Invalid

    return Invalid(message, code="bad_choices")


def bad_marks(message) -> Exception:
    """A teller's entry that does not fit the poll (shown beside the marks)."""
    from voting.errors import Invalid

    return Invalid(message, field="marks")


def bad_setting(message, field: str) -> Exception:
    from voting.errors import Invalid

    return Invalid(message, field=field)


def known_ids(poll) -> set[str]:
    return {c.candidate_id for c in poll.candidates}


def marks_object(poll, choices, marks: Sequence[str], wrong_mark) -> dict:
    """An object {candidate id: mark} of known ids and marks, keys sorted (canonical form)."""
    if not isinstance(choices, Mapping):
        raise bad_choices(_l("This poll takes an object of marks per candidate."))
    unknown = sorted(set(choices) - known_ids(poll))
    if unknown:
        raise bad_choices(_l("Unknown candidate: %(ids)s.", ids=", ".join(unknown)))
    if any(mark not in marks for mark in choices.values()):
        raise bad_choices(wrong_mark)
    return dict(sorted(choices.items()))


class Kind:
    """One ballot kind. Subclasses set `name` and override what differs; the defaults are
    those of a ballot that names candidates and fills seats."""

    name: str = ""
    marks: tuple[str, ...] = ()  # the marks a ballot gives a candidate; () for a list of ids
    seated = True  # seats and max_choices mean something (else both are null)
    paper = True  # tellers may enter paper ballots of this kind
    offered = True  # on the secretariat's new-poll form
    # The result's fields the verifier recounts beyond the common ones.
    recounted: tuple[str, ...] = ()

    @property
    def label(self):
        return self.name

    @property
    def template(self) -> str:
        """Jinja macros (templates/ballots/kinds/): `rule` and `mark` (the ballot page),
        `paper_marks` (with `paper`), `result_head`/`result_cells` (seated kinds) or `result`."""
        return f"ballots/kinds/{self.name}.html"

    @property
    def script(self) -> str:
        """The ballot page's part for this kind (voting/static/js/kinds/), under static/."""
        return f"js/kinds/{self.name}.js"

    # ---- creating a poll -------------------------------------------------------------------

    def settings(self, seats, max_choices, n_candidates: int) -> tuple[int | None, int | None]:
        """(seats, max_choices) checked for a poll of `n_candidates`."""
        if not isinstance(seats, int) or not 1 <= seats <= n_candidates:
            raise bad_setting(_l("Seats must be from 1 to the number of candidates "
                                 "(%(n)s).", n=n_candidates), "seats")
        max_choices = seats if max_choices is None else max_choices
        if not isinstance(max_choices, int) or not 1 <= max_choices <= n_candidates:
            raise bad_setting(_l("The most choices must be from 1 to the number of candidates "
                                 "(%(n)s).", n=n_candidates), "max_choices")
        return seats, max_choices

    def document_fields(self, poll) -> dict:
        """What the poll document (GET /api/v1/polls/{id}) adds for this kind."""
        return {}

    @property
    def choices_schema(self) -> dict:
        """The OpenAPI schema of a ballot's `choices`: here an object of marks."""
        return {"type": "object",
                "additionalProperties": {"type": "string", "enum": list(self.marks)},
                "description": f"{self.name}: candidate id → mark; candidates left out "
                               "abstain"}

    # ---- casting ---------------------------------------------------------------------------

    def normalise(self, poll, choices):
        """The cast's choices checked against the poll, in canonical form."""
        raise NotImplementedError

    def messages(self, gettext) -> dict[str, str]:
        """The ballot page's kind-specific words (vote.js holds none), translated with
        `gettext`."""
        return {}

    # ---- counting (pure: the verifier runs it) ----------------------------------------------

    def count(self, *, candidate_ids: Sequence[str], seats, max_choices, threshold_base: str,
              turnout, ballots):
        raise NotImplementedError

    def outcome_fields(self, outcome) -> dict:
        """The counted part of the result document: at least `valid_ballots`,
        `invalid_ballots` (their sum is the ballots cast), `threshold`, `counts`, `elected`
        and `tied` (docs/protocol.md)."""
        raise NotImplementedError

    def summary(self, document: dict):
        """One line on a published result's card (home page, results list): what the vote
        gave, in the kind's own terms."""
        return _l("%(cast)s ballots cast, %(elected)s of %(seats)s seats filled",
                  cast=document.get("ballots_cast"),
                  elected=len(document.get("elected") or []), seats=document.get("seats"))

    def selected(self, document: dict) -> list[str]:
        """Publication's effect: the candidates that become the year's selected projects."""
        return list(document.get("elected") or [])

    def published(self, db, actor, poll, document: dict) -> None:
        """Anything else publication does for this kind (evaluation: open rectifications),
        in publication's transaction. Server only: imports what it needs when called."""

    # ---- paper ballots -----------------------------------------------------------------------

    def reading(self, poll, marks):
        """A teller's marks checked (too many pass: the count decides validity), in
        canonical form."""
        raise NotImplementedError

    def counted(self, marks, blank: bool):
        """A reading as the count receives it: equal for two readings that count the same."""
        raise NotImplementedError

    def form_marks(self, poll, form):
        """The marks a paper-entry form (a werkzeug MultiDict) carries, as typed."""
        return form.getlist("choice")


def seat_fields(outcome) -> dict:
    """The result fields of a count that fills seats (selection, for/against): who is elected
    or tied, and what a runoff would be about."""
    return {"valid_ballots": outcome.valid, "invalid_ballots": outcome.invalid,
            "threshold": outcome.threshold, "counts": dict(outcome.counts),
            "elected": list(outcome.elected), "tied": list(outcome.tied),
            "seats_left": outcome.seats_left,
            "runoff_candidates": list(outcome.runoff_candidates),
            "runoff_reason": outcome.runoff_reason}
