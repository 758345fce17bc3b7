"""Words for the supervision entries of the public audit log (merged by voting.audit.labels).
Each part of the domain keeps its own dictionaries below."""

from flask_babel import lazy_gettext as _l

# ---- reporting: schedules, assignments, reports --------------------------------------------
REPORTING_ACTIONS: dict = {
    "schedule.set": _l("Reporting schedule set"),
    "project.assign_units": _l("Project's units assigned"),
    "report.file": _l("Progress report filed"),
}
REPORTING_KEYS: dict = {
    "year": _l("Year"),
    "frequency": _l("Frequency"),
    "due_day": _l("Due day"),
    "final_deadline": _l("Final deadline"),
    "reason": _l("Reason"),
    "project": _l("Project"),
    "period": _l("Period"),
    "version": _l("Version"),
    "late": _l("Late"),
    "lead_unit": _l("Lead unit"),
    "responsible_units": _l("Responsible units"),
}

# ---- history and demo ---------------------------------------------------------------------
HISTORY_ACTIONS: dict = {
    "history.load": _l("Past year loaded from its seed document"),
}
HISTORY_KEYS: dict = {
    "seed": _l("Seed document"),
    "scope": _l("Scope"),
    "projects": _l("Projects"),
    "reports": _l("Reports"),
}

# ---- evaluation and rectification ---------------------------------------------------------
EVALUATION_ACTIONS: dict = {
    "evaluation.create": _l("Year-end evaluation poll created"),
    "rectification.open": _l("Rectification opened for a project rated dissatisfied"),
    "rectification.report": _l("Rectification report filed by the unit"),
    "rectification.follow_up": _l("Rectification followed up by the secretariat"),
    "rectification.closed": _l("Rectification closed"),
    "rectification.reopened": _l("Rectification reopened"),
}
EVALUATION_KEYS: dict = {
    "source_poll_id": _l("Selection poll"),
    "projects": _l("Projects"),
    "poll_id": _l("Poll"),
    "candidate": _l("Candidate"),
    "step_id": _l("Step"),
    "unit_id": _l("Responsible unit"),
    "text": _l("Text"),
}

ACTIONS = {**REPORTING_ACTIONS, **HISTORY_ACTIONS, **EVALUATION_ACTIONS}
KEYS = {**REPORTING_KEYS, **HISTORY_KEYS, **EVALUATION_KEYS}
OBJECTS = {
    "schedule": _l("Reporting schedule"),
    "report": _l("Progress report"),
    "rectification": _l("Rectification"),
    "year": _l("Year"),
}
