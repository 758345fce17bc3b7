"""Words for the public audit page: each action, object and detail key of an entry, and the
values that are codes (stages, statuses, kinds, roles, booleans), in the reader's language.

The log itself keeps the codes (they are what the hash covers); only the page translates.
An action or key without a label here is shown as its code, so nothing is ever hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "congress.create": _l("Congress created"),
    "session.create": _l("Session created"),
    "deputy.add": _l("Deputy added to the roster"),
    "deputy.update": _l("Deputy's details changed"),
    "deputy.deactivate": _l("Deputy taken off the roster"),
    "deputy.reactivate": _l("Deputy put back on the roster"),
    "deputy.reset_credential": _l("Deputy's credential reset"),
    "roster.import": _l("Roster imported"),
    "attendance.check_in": _l("Deputy checked in"),
    "project.create": _l("Project created"),
    "project.update": _l("Project edited"),
    "project.import": _l("Projects imported"),
    "suggestion.approve": _l("Suggestion approved"),
    "suggestion.reject": _l("Suggestion rejected"),
    "suggestion.merge": _l("Suggestion merged into a project"),
    "suggestion.import": _l("Suggestions imported"),
    "round.record": _l("Screening round recorded"),
    "unit.create": _l("Responsible unit added"),
    "unit.import": _l("Responsible units imported from the seed documents"),
    "unit.attach_user": _l("Account attached to a responsible unit"),
    "unit.detach_user": _l("Account removed from a responsible unit"),
    "target.amend": _l("Target of a selected project amended"),
    "poll.create": _l("Poll created"),
    "poll.open": _l("Poll opened"),
    "poll.close": _l("Poll closed"),
    "poll.officials": _l("Scrutineers and tellers recorded"),
    "poll.tally": _l("Ballots counted and the result signed"),
    "poll.publish": _l("Result published"),
    "poll.runoff": _l("Runoff poll created (draft)"),
    "poll.replacement": _l("Paper ballot given in place of a deputy's token"),
    "paper.counts": _l("Paper ballots issued and returned recorded"),
    "paper.officials": _l("Paper ballot tellers recorded"),
    "paper.enter": _l("Paper ballot entered by a teller"),
    "paper.resolve": _l("Paper ballot readings reconciled"),
    "paper.resolve_confirm": _l("A teller's reading of a disputed paper ballot recorded"),
    "paper.withdraw": _l("Paper ballot taken back by the scrutineer"),
    "account.create": _l("Staff account created"),
    "account.reset": _l("Staff account's password reset"),
    "account.activate": _l("Staff account reactivated"),
    "account.deactivate": _l("Staff account deactivated"),
}

OBJECT_LABELS = {
    "congress": _l("Congress"),
    "congress_session": _l("Session"),
    "deputy": _l("Deputy"),
    "attendance": _l("Check-in"),
    "project": _l("Project"),
    "suggestion": _l("Suggestion"),
    "screening_round": _l("Screening round"),
    "unit": _l("Responsible unit"),
    "project_target": _l("Target"),
    "poll": _l("Poll"),
    "user": _l("Account"),
}

KEY_LABELS = {
    "title": _l("Name or title"),
    "name": _l("Name"),
    "term": _l("Term"),
    "year": _l("Year"),
    "kind": _l("Kind"),
    "seats": _l("Seats"),
    "max_choices": _l("Most choices on one ballot"),
    "threshold_base": _l("Threshold base"),
    "parent_id": _l("Runoff of poll"),
    "candidates": _l("Candidates"),
    "key_fingerprint": _l("Poll key fingerprint"),
    "present": _l("Deputies present"),
    "expected": _l("Deputies expected"),
    "tokens_issued": _l("Ballot tokens issued"),
    "ballots_cast": _l("Ballots cast"),
    "session_id": _l("Session"),
    "congress_id": _l("Congress"),
    "opens_on": _l("Opens on"),
    "quorum": _l("Quorum"),
    "number": _l("Number"),
    "delegation": _l("Delegation"),
    "username": _l("Username"),
    "changes": _l("Changes"),
    "filename": _l("File"),
    "count": _l("Count"),
    "numbers": _l("Numbers"),
    "deputy_id": _l("Deputy"),
    "by_desk": _l("Checked in at the desk"),
    "field": _l("Field"),
    "investment_wan_yuan": _l("Investment (10,000 yuan)"),
    "lead_unit": _l("Lead unit"),
    "targets": _l("Targets"),
    "source": _l("Source"),
    "note": _l("Note"),
    "project_id": _l("Project"),
    "new_project": _l("New project"),
    "direction": _l("Direction"),
    "from_stage": _l("From stage"),
    "to_stage": _l("To stage"),
    "stage": _l("Stage"),
    "body": _l("Decided by"),
    "decided_on": _l("Decided on"),
    "went_in": _l("Projects considered"),
    "moved": _l("Projects moved"),
    "created": _l("Created"),
    "updated": _l("Updated"),
    "ids": _l("Ids"),
    "scrutineers": _l("Scrutineers"),
    "tellers": _l("Tellers"),
    "teller": _l("Teller"),
    "status": _l("Status"),
    "board_digest": _l("Bulletin board digest"),
    "signing_key": _l("Result-signing key"),
    "audit_head": _l("Audit log head"),
    "runoff_poll_id": _l("Runoff poll"),
    "reason": _l("Reason"),
    "issued": _l("Issued"),
    "returned": _l("Returned"),
    "before": _l("Before"),
    "marks": _l("Marks"),
    "flag": _l("Reading"),
    "replaced": _l("Replaced"),
    "role": _l("Role"),
    "teller_accounts": _l("Teller accounts"),
    "scrutineer_account": _l("Scrutineer's account"),
    "by": _l("Settled by"),
    "old": _l("Old value"),
    "new": _l("New value"),
    "display_name": _l("Name"),
    "readings": _l("Readings taken back"),
}

# Supervision keeps its words in its own module.
from voting.supervision import audit_labels as _supervision  # noqa: E402

ACTION_LABELS.update(_supervision.ACTIONS)
OBJECT_LABELS.update(_supervision.OBJECTS)
KEY_LABELS.update(_supervision.KEYS)

# Values that are codes, by the key they appear under.
_STAGES = {"pool": _l("Reserve pool"), "alternative": _l("Alternatives"),
           "candidate": _l("Candidates"), "selected": _l("Selected")}
VALUE_LABELS: dict[str, dict[str, Any]] = {
    "from_stage": _STAGES,
    "to_stage": _STAGES,
    "stage": _STAGES,
    "status": {"draft": _l("Draft"), "open": _l("Open"), "closed": _l("Closed"),
               "tallied": _l("Counted"), "published": _l("Published"),
               "pending": _l("Awaiting moderation"), "approved": _l("Approved"),
               "rejected": _l("Rejected"), "merged": _l("Merged into a project")},
    "kind": {"selection": _l("Selection poll"), "for_against": _l("For, against or abstain"),
             "evaluation": _l("Year-end evaluation")},
    "threshold_base": {"roster": _l("all deputies on the roster"),
                       "present": _l("the deputies checked in to the session"),
                       "cast": _l("the ballots cast")},
    "direction": {"forward": _l("forward"), "reverse": _l("backward")},
    "reason": {"tie": _l("a tie at the last seat"),
               "shortfall": _l("too few candidates over the threshold")},
    "flag": {"blank": _l("blank ballot"), "unreadable": _l("unreadable ballot")},
    "role": {"secretariat": _l("secretariat"), "teller": _l("teller"),
             "unit": _l("responsible unit"),
             "deputy": _l("deputy")},
}
MARKS = {"for": _l("for"), "against": _l("against"), "abstain": _l("abstain"),
         "satisfied": _l("satisfied"), "basic": _l("basically satisfied"),
         "dissatisfied": _l("dissatisfied")}
VALUE_LABELS["marks"] = MARKS
VALUE_LABELS["by"] = VALUE_LABELS["teller"] = {"scrutineer": _l("the scrutineer"),
                                               "both tellers": _l("both tellers")}

# Long hex values: shown whole, in monospace, wrapping.
HEX_KEYS = {"key_fingerprint", "board_digest", "signing_key", "audit_head"}


@dataclass(frozen=True)
class Detail:
    key: str
    label: str
    text: str
    code: bool  # a digest or fingerprint: monospace, wraps anywhere


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def object_label(object_type: str, object_id: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    name = str(label) if label is not None else object_type
    return name if object_id in ("", "-") else f"{name} {object_id}"


def key_label(key: str) -> str:
    label = KEY_LABELS.get(key)
    return str(label) if label is not None else key


def value_text(key: str, value: Any) -> str:
    """A detail's value in words: booleans as yes/no, codes by their key, lists joined,
    mappings as "label: value" pairs, nothing as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str):
        label = VALUE_LABELS.get(key, {}).get(value)
        return str(label) if label is not None else value
    if isinstance(value, (list, tuple)):
        return _(", ").join(value_text(key, v) for v in value) if value else "—"
    if isinstance(value, dict):
        if not value:
            return "—"
        pairs = []
        for k, v in value.items():
            if key == "changes":  # {field: [old, new]}
                shown = " → ".join(value_text(k, x) for x in (v if isinstance(v, list) else [v]))
            else:  # marks are keyed by candidate id; other mappings by detail keys
                shown = value_text("marks" if key == "marks" else k, v)
            pairs.append(_("%(key)s: %(value)s", key=k if key == "marks" else key_label(k),
                           value=shown))
        return _("; ").join(pairs)
    return str(value)


def details(entry_details: dict) -> list[Detail]:
    return [Detail(k, key_label(k), value_text(k, v), k in HEX_KEYS)
            for k, v in (entry_details or {}).items()]
