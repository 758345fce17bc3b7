"""Imports every domain's models so that the metadata (create_all, Alembic) sees all tables."""

from voting.audit.models import AuditEntry  # noqa: F401
from voting.auth.models import LoginSession, User  # noqa: F401
from voting.ballots.models import Ballot, Poll, PollCandidate, PollKey, TokenIssuance  # noqa: F401
from voting.pool.models import Project, RoundEntry, ScreeningRound, Suggestion  # noqa: F401
from voting.sessions.models import Attendance, Congress, CongressSession, Delegation, Deputy, LoginLink  # noqa: F401
from voting.tally.models import CountOfficials, PollResult  # noqa: F401
from voting.tally.paper_models import PaperEntry, PaperTally  # noqa: F401
from voting.supervision.models import (ProgressReport, Rectification, RectificationStep,  # noqa: F401
                                       ReportingSchedule, ReportValue)
